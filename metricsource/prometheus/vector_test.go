package prometheus

import (
	"context"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/model"

	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
)

// queryVector collects queryEach's series, for the tests to read them.
func (s *Source) queryVector(ctx context.Context, expr string) ([]sample, error) {
	var vec []sample
	if err := s.queryEach(ctx, expr, func(smp *sample) { vec = append(vec, *smp) }); err != nil {
		return nil, err
	}
	return vec, nil
}

// readAll feeds vec to a value reader, as queryEach does an answer.
func readAll(r *valueReader, vec []sample) (metricsource.Values, metricsource.Parts) {
	for i := range vec {
		r.add(&vec[i])
	}
	return r.result()
}

// TestQueryVectorDecodesAsTheClientLibrary: the lean decode reads the same
// function names, values and times as the client library's model.Vector,
// escapes, fractional timestamps and non-finite values included, and keeps
// an absent function_name apart from an empty one.
func TestQueryVectorDecodesAsTheClientLibrary(t *testing.T) {
	body := vector(
		`{"metric":{"function_name":"fig\"let\\\\.openfaas-fn","job":"gw"},"value":[1700000000.123,"2.5"]}`,
		`{"metric":{"function_name":"","part":"gauge"},"value":[1700000000,"NaN"]}`,
		`{"metric":{"check":"up"},"value":[1700000001.5,"+Inf"]}`,
		`{"metric":{"function_name":"a","counter":"started"},"value":[1700000002,"-1e-3"]}`,
	)
	src, _ := fakeProm(t, func(string) (int, string) { return 200, body })
	got, err := src.queryVector(context.Background(), "q")
	if err != nil {
		t.Fatal(err)
	}
	want, _, _, err := src.api.Query(context.Background(), "q", time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	lib := samplesOf(want.(model.Vector))
	if len(got) != len(lib) {
		t.Fatalf("%d samples, the library %d", len(got), len(lib))
	}
	for i := range got {
		g, w := &got[i], &lib[i]
		same := g.Metric == w.Metric && (g.value() == w.value() || math.IsNaN(g.value()) && math.IsNaN(w.value())) &&
			g.at().Sub(w.at()).Abs() < time.Millisecond
		if !same {
			t.Errorf("sample %d: %+v, the library's %+v", i, g, w)
		}
	}
	if got[0].fn() != `fig"let\\.openfaas-fn` || !got[1].hasFn() || got[2].hasFn() {
		t.Errorf("labels read %+v", got)
	}
}

// TestQueryVectorRefusesOtherShapes: a scalar or a malformed sample is an
// error, never an empty answer (missing is not zero).
func TestQueryVectorRefusesOtherShapes(t *testing.T) {
	for name, body := range map[string]string{
		"scalar":       `{"status":"success","data":{"resultType":"scalar","result":[1700000000,"1"]}}`,
		"value string": vector(`{"metric":{"function_name":"a"},"value":[1700000000,1]}`),
		"short value":  vector(`{"metric":{"function_name":"a"},"value":[1700000000]}`),
		"no data":      `{"status":"success"}`,
	} {
		src, _ := fakeProm(t, func(string) (int, string) { return 200, body })
		if v, err := src.queryVector(context.Background(), "q"); err == nil {
			t.Errorf("%s: %+v, no error", name, v)
		}
	}
}

// bigVector is a vector of n functions' in-flight gauges, as Prometheus
// answers a capacity pass at n functions.
func bigVector(n int) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"metric":{"function_name":"fn-%06d.openfaas-fn","part":"gauge"},"value":[1700000000.5,"0"]}`, i)
	}
	return vector(b.String())
}

// BenchmarkVector100k reads an answer of 100,000 series: load is what a
// pass does (Load: the series decoded as they arrive into per-function
// values); library is the client library's model.Vector, which the source
// used before vector.go.
func BenchmarkVector100k(b *testing.B) {
	body := bigVector(100_000)
	src, _ := fakeProm(b, func(string) (int, string) { return 200, body })
	b.Run("load", func(b *testing.B) {
		b.ReportAllocs()
		q := metricsource.LoadQuery{Type: metricsource.TypeRPS, Window: time.Minute}
		for b.Loop() {
			if v, err := src.Load(context.Background(), q); err != nil || len(v) != 100_000 {
				b.Fatal(len(v), err)
			}
		}
	})
	b.Run("library", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, _, _, err := src.api.Query(context.Background(), "q", time.Time{}); err != nil {
				b.Fatal(err)
			}
		}
	})
}
