package config

import (
	"os"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const exampleFile = "../deploy/config/config.yaml"

// The shipped example is the defaults (Knative's pattern): every key
// present, at its default, with a comment; so a default changed in code and
// not in the file, or a key missing from the file, fails here.
func TestExampleFileIsTheDefaults(t *testing.T) {
	data, err := os.ReadFile(exampleFile)
	if err != nil {
		t.Fatal(err)
	}
	c, pos, err := parse(Default(), "config.yaml", data)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(Default(), c); diff != "" {
		t.Errorf("%s is not Default() (-Default +file):\n%s", exampleFile, diff)
	}
	lines := strings.Split(string(data), "\n")
	for _, l := range allLeaves() {
		p, ok := pos[l.path]
		if !ok {
			t.Errorf("%s lacks key %s", exampleFile, l.path)
			continue
		}
		// The line above each key is its comment, naming the old flag or
		// saying there was none.
		above := strings.TrimSpace(lines[p.line-2])
		if !strings.HasPrefix(above, "#") || !regexp.MustCompile(`Was --[a-z-]+|New, no flag`).MatchString(above) {
			t.Errorf("%s:%d: %s has no comment saying what it was (%q)", exampleFile, p.line, l.path, above)
		}
	}
	if _, err := Load(exampleFile); err != nil {
		t.Error(err)
	}
}

// Every deprecated flag is named in the example file next to its key.
func TestExampleFileNamesEveryOldFlag(t *testing.T) {
	data, err := os.ReadFile(exampleFile)
	if err != nil {
		t.Fatal(err)
	}
	for name := range oldFlags {
		if !regexp.MustCompile(`Was --` + regexp.QuoteMeta(name) + `\b`).Match(data) {
			t.Errorf("%s does not name --%s", exampleFile, name)
		}
	}
}

// docs/configuration.md has a row for every key with its default and, for a
// key that replaced a flag, that flag.
func TestDocsTableHasEveryKey(t *testing.T) {
	data, err := os.ReadFile("../docs/configuration.md")
	if err != nil {
		t.Fatal(err)
	}
	flagOf := map[string]string{}
	for name, key := range oldFlags {
		flagOf[key] = name
	}
	def := reflect.ValueOf(Default())
	for _, l := range allLeaves() {
		n, err := encodeLeaf(def.FieldByIndex(l.index), l.path)
		if err != nil {
			t.Fatal(err)
		}
		row := "| `" + l.path + "` | `" + strings.ReplaceAll(n.Value, "|", `\|`) + "` | "
		i := strings.Index(string(data), row)
		if i < 0 {
			t.Errorf("docs/configuration.md has no row starting %q", row)
			continue
		}
		line, _, _ := strings.Cut(string(data[i:]), "\n")
		want := "| — |"
		if f, ok := flagOf[l.path]; ok {
			want = "| `--" + f + "`"
		}
		if !strings.Contains(line, want) {
			t.Errorf("docs row of %s does not name its old flag (%s): %s", l.path, want, line)
		}
	}
}
