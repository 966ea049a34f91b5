package config

import "testing"

func TestCheckSelector(t *testing.T) {
	for _, ok := range []string{
		`up`, `up{}`, `up{job="gateway"}`, `up{job=~"gateway|openfaas-pods|openfaas-gateway"}`,
		`{job="gateway"}`, `{job!=""}`, `{job=~".+"}`, `{job!~".*"}`, ` up { job = 'gate\'way' , instance !~ ` + "`10\\..*`" + ` , } `,
		`gateway:requests:rate5m`, `{"my.metric"}`, `{"my.metric", "label.x"="v"}`, `{__name__="up"}`,
	} {
		if err := checkSelector(ok); err != nil {
			t.Errorf("checkSelector(%q) = %v, want ok", ok, err)
		}
	}
	for sel, want := range map[string]string{
		`up{job="gateway"`:        "at offset 16: want , or } after a matcher",
		`up{job=gateway}`:         "at offset 7: want a quoted string",
		`up{job=="x"}`:            "at offset 7: want a quoted string",
		`up{job~"x"}`:             "at offset 6: want =, !=, =~ or !~ after job",
		`up{job="x}`:              "at offset 7: unterminated string",
		`up{job=~"("}`:            "regular expression \"(\": error parsing regexp: missing closing ): `(`",
		`up[5m]`:                  "at offset 2: unexpected text",
		`rate(up[5m])`:            "at offset 4: unexpected text",
		`{}`:                      `without a metric name it needs a matcher that does not match the empty string, e.g. job="gateway"`,
		`{job=~".*"}`:             `without a metric name it needs a matcher that does not match the empty string, e.g. job="gateway"`,
		`{job=""}`:                `without a metric name it needs a matcher that does not match the empty string, e.g. job="gateway"`,
		`9up`:                     "at offset 0: unexpected text",
		`up{,}`:                   "at offset 3: want a label name",
		`up{job="\q"}`:            `string "\q": invalid syntax`,
		`up offset 5m`:            "at offset 3: unexpected text",
		`up{job="a"} or down{}`:   "at offset 12: unexpected text",
		`up{job="a"}{job="b"}`:    "at offset 11: unexpected text",
		`up{1job="a"}`:            "at offset 3: want a label name",
		`up{job="a" instance=""}`: "at offset 11: want , or } after a matcher",
	} {
		err := checkSelector(sel)
		if err == nil || err.Error() != want {
			t.Errorf("checkSelector(%q) = %v, want %s", sel, err, want)
		}
	}
}
