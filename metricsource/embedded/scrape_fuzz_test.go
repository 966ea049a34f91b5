package embedded

import (
	"bytes"
	"cmp"
	"errors"
	"io"
	"math"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"

	gocmp "github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// FuzzScrape checks parse, the gateway page's samples as the source keeps
// them, against refScrape, the samples expfmt's own decoder extracts from
// the same bytes (expfmt.SampleDecoder, which flattens a family into
// samples by its type): for any bytes parse never panics, and when it
// reads them the samples of the metrics the source keeps are the same, as
// a multiset (function_name, code, the other labels folded into Instance,
// and the value, NaN equal to NaN). The page is read as parse reads it,
// with UTF-8 names allowed.
//
// Where parse deliberately differs from what the decoder extracts,
// refScrape follows parse and says why:
//   - a family of a kept counter or gauge name that is typed a summary or
//     a histogram (the gateway exports none) is one NaN per series, read as
//     missing, where the decoder gives the quantiles or buckets of another
//     metric: they are not the counter's value, and 0 read as "no calls";
//   - the sum and count of a summary or histogram are not read, but for
//     the gateway's duration histogram's (the decoder gives them as
//     samples named <family>_sum and _count, so a histogram or summary
//     named gateway_service would give gateway_service_count): a kept
//     metric is a family of its own name;
//   - the duration's sum and count are read from the gateway's histogram
//     when the page types it one, and then any other family named like
//     its sum or count is not read (the histogram is what the gateway
//     exports; without its TYPE line the two are untyped families, read
//     as such);
//   - a page with a line of more than maxLabels labels is refused before
//     expfmt reads that line, whose cost is quadratic in them: expfmt
//     then reads a series of at least maxLabels labels (less a bucket's
//     le or a quantile), and a page parse reads has none of more.
func FuzzScrape(f *testing.F) {
	for _, s := range []string{
		"# HELP gateway_function_invocation_total Function metrics\n" +
			"# TYPE gateway_function_invocation_total counter\n" +
			"gateway_function_invocation_total{code=\"200\",function_name=\"figlet.openfaas-fn\"} 12\n" +
			"gateway_function_invocation_total{code=\"500\",function_name=\"figlet.openfaas-fn\"} 1 1700000000000\n" +
			"# TYPE gateway_function_invocation_started counter\n" +
			"gateway_function_invocation_started{function_name=\"figlet.openfaas-fn\"} 13\n" +
			"# TYPE gateway_function_invocation_inflight gauge\n" +
			"gateway_function_invocation_inflight{function_name=\"figlet.openfaas-fn\"} 0\n" +
			"# TYPE gateway_service_count gauge\n" +
			"gateway_service_count{function_name=\"figlet.openfaas-fn\"} 2\n" +
			"# TYPE go_goroutines gauge\ngo_goroutines 42\n",
		"# TYPE gateway_functions_seconds histogram\n" +
			"gateway_functions_seconds_bucket{code=\"200\",function_name=\"figlet.openfaas-fn\",le=\"0.5\"} 6\n" +
			"gateway_functions_seconds_bucket{code=\"200\",function_name=\"figlet.openfaas-fn\",le=\"+Inf\"} 7\n" +
			"gateway_functions_seconds_sum{code=\"200\",function_name=\"figlet.openfaas-fn\"} 3.5\n" +
			"gateway_functions_seconds_count{code=\"200\",function_name=\"figlet.openfaas-fn\"} 7\n",
		"gateway_functions_seconds_sum{code=\"200\",function_name=\"figlet.openfaas-fn\"} 3.5\n" +
			"gateway_functions_seconds_count{code=\"200\",function_name=\"figlet.openfaas-fn\"} 7\n",
		"gateway_function_invocation_started{pod=\"gw-1\",function_name=\"a\",instance=\"10.0.0.1:8082\"} 1\n" +
			"gateway_function_invocation_started{instance=\"10.0.0.1:8083\",function_name=\"a\",pod=\"gw-2\"} NaN\n",
		"# TYPE gateway_function_invocation_started summary\n" +
			"gateway_function_invocation_started{function_name=\"a\",quantile=\"0.5\"} 1\n" +
			"gateway_function_invocation_started_sum{function_name=\"a\"} 1\n" +
			"gateway_function_invocation_started_count{function_name=\"a\"} 1\n",
		"{\"gateway_service_count\",function_name=\"a.b\",\"odd label\"=\"v\\\"\\n\\\\\"} +Inf\n",
		"gateway_service_count{function_name=\"a\"} 1\ngateway_service_count{function_name=\"a\"} 2\n",
		"# TYPE gateway_function_invocation_started counter\n" +
			"gateway_function_invocation_started{function_name=\"a\"} 1\n" +
			"gateway_function_invocation_started{function_name=\"b\"}",
		"",
		"gateway_service_count{" + strings.Repeat("l=\"v\",", 3) + "} 1\n",
		// Hostile pages: one very long line, and one series of many
		// labels (TestScrapeCostIsLinear measures them).
		"gateway_service_count{function_name=\"" + strings.Repeat("a", 4<<10) + "\"} 1\n",
		manyLabels(maxLabels - 1),
		manyLabels(maxLabels + 1),
		// '=' where it is no label: in a comment, a value, a quoted name.
		"# HELP gateway_service_count " + strings.Repeat("a=b ", maxLabels+1) + "\n" +
			`gateway_service_count{function_name="` + strings.Repeat("=", maxLabels+1) + `","a=\"="="\"="} 1` + "\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		got, err := parse(bytes.NewReader(body))
		want, most, wantErr := refScrape(body)
		switch {
		case err == nil && most > maxLabels:
			t.Fatalf("parse read a series of %d labels, past maxLabels\nbody %q", most, body)
		case errors.Is(err, errTooManyLabels) && wantErr == nil:
			// Refused before expfmt read the line: then expfmt reads a
			// series of the line's labels, less a bucket's le or a
			// quantile (not in a series' labels).
			if most < maxLabels {
				t.Fatalf("parse: %v; the most labels of a series are %d\nbody %q", err, most, body)
			}
			return
		}
		if (err == nil) != (wantErr == nil) {
			t.Fatalf("parse: %v; expfmt's decoder: %v\nbody %q", err, wantErr, body)
		}
		if err != nil {
			return
		}
		slices.SortFunc(got, compareSamples)
		if d := gocmp.Diff(want, got, cmpopts.EquateNaNs(), cmpopts.EquateEmpty()); d != "" {
			t.Errorf("samples (-expfmt +parse):\n%s\nbody %q", d, body)
		}
	})
}

// refScrape is the samples expfmt's decoder extracts from body, kept and
// folded as FuzzScrape lists, sorted by compareSamples; and the most
// labels of a series of any family.
func refScrape(body []byte) (_ []Sample, most int, _ error) {
	format := expfmt.NewFormat(expfmt.TypeTextPlain).WithEscapingScheme(model.NoEscaping)
	dec := expfmt.NewDecoder(bytes.NewReader(body), format)
	var fams []*dto.MetricFamily
	histogram := false
	for {
		mf := &dto.MetricFamily{}
		err := dec.Decode(mf)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, 0, err
		}
		for _, m := range mf.GetMetric() {
			most = max(most, len(m.GetLabel()))
		}
		fams = append(fams, mf)
		histogram = histogram || mf.GetName() == metricSeconds && mf.GetType() == dto.MetricType_HISTOGRAM
	}
	var out []Sample
	for _, mf := range fams {
		name, typ := mf.GetName(), mf.GetType()
		summaryLike := typ == dto.MetricType_SUMMARY || typ == dto.MetricType_HISTOGRAM
		switch {
		case summaryLike && kept(name):
			for _, m := range mf.GetMetric() {
				out = append(out, refSample(name, labelsOf(m), math.NaN()))
			}
			continue
		case summaryLike && (name != metricSeconds || typ != dto.MetricType_HISTOGRAM):
			continue // its _sum and _count are not the kept metrics of those names
		case histogram && (name == MetricSecondsSum || name == MetricSecondsCount):
			continue // read from the histogram
		}
		vec, err := expfmt.ExtractSamples(&expfmt.DecodeOptions{}, mf)
		if err != nil {
			return nil, 0, err
		}
		for _, s := range vec {
			if name := string(s.Metric[model.MetricNameLabel]); kept(name) {
				delete(s.Metric, model.MetricNameLabel)
				out = append(out, refSample(name, model.LabelSet(s.Metric), float64(s.Value)))
			}
		}
	}
	slices.SortFunc(out, compareSamples)
	return out, most, nil
}

func kept(name string) bool {
	switch name {
	case MetricTotal, MetricStarted, MetricInflight, MetricReplicas, MetricSecondsSum, MetricSecondsCount:
		return true
	}
	return false
}

func labelsOf(m *dto.Metric) model.LabelSet {
	ls := model.LabelSet{}
	for _, l := range m.GetLabel() {
		ls[model.LabelName(l.GetName())] = model.LabelValue(l.GetValue())
	}
	return ls
}

// refSample folds ls as Sample keeps them: function_name and code, and
// the others as sorted name="value" pairs.
func refSample(metric string, ls model.LabelSet, v float64) Sample {
	s := Sample{Metric: metric, FunctionName: string(ls["function_name"]), Code: string(ls["code"]), Value: v}
	var names []string
	for k := range ls {
		if k != "function_name" && k != "code" {
			names = append(names, string(k))
		}
	}
	slices.Sort(names)
	pairs := make([]string, len(names))
	for i, k := range names {
		pairs[i] = k + "=" + strconv.Quote(string(ls[model.LabelName(k)]))
	}
	s.Instance = strings.Join(pairs, ",")
	return s
}

func compareSamples(a, b Sample) int {
	return cmp.Or(cmp.Compare(a.Metric, b.Metric), cmp.Compare(a.FunctionName, b.FunctionName),
		cmp.Compare(a.Code, b.Code), cmp.Compare(a.Instance, b.Instance), cmp.Compare(a.Value, b.Value))
}

// manyLabels is a page of one series with n labels besides function_name.
func manyLabels(n int) string {
	var b strings.Builder
	b.WriteString("gateway_service_count{function_name=\"a\"")
	for i := range n {
		b.WriteString(",l")
		b.WriteString(strconv.Itoa(i))
		b.WriteString("=\"v\"")
	}
	b.WriteString("} 1\n")
	return b.String()
}

// TestScrapeCostIsLinear: a hostile page costs parse allocations in
// proportion to its size, so a page of four times the bytes allocates
// about four times as much, not sixteen (a quadratic cost in a line's
// labels let one 700 kB line take minutes and 180 GB). Allocations, not
// time: they are the same at every run on any machine.
func TestScrapeCostIsLinear(t *testing.T) {
	for name, page := range map[string]func(n int) string{
		"one series of n labels": manyLabels,
		"a label value of 64n bytes": func(n int) string {
			return "gateway_service_count{function_name=\"" + strings.Repeat("a", 64*n) + "\"} 1\n"
		},
		"n series of many labels": func(n int) string {
			return strings.Repeat(manyLabels(maxLabels-1), n)
		},
	} {
		small, big := parseCost(t, page(1000)), parseCost(t, page(4000))
		if big > 6*small {
			t.Errorf("%s: %d bytes allocated at n = 1000, %d at 4000 (%.1f times)", name, small, big, float64(big)/float64(small))
		}
	}
}

// parseCost is the bytes parse allocates to read page: the least of three
// reads, since the process's count also takes in what any goroutine left
// running by another test allocates meanwhile, which only adds.
func parseCost(t *testing.T, page string) uint64 {
	least := uint64(math.MaxUint64)
	for range 3 {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		_, _ = parse(strings.NewReader(page))
		runtime.ReadMemStats(&after)
		least = min(least, after.TotalAlloc-before.TotalAlloc)
	}
	return least
}
