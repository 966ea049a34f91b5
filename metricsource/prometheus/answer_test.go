package prometheus

import (
	"context"
	"errors"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"testing/iotest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
)

// rich is an answer with what the source skips at every level (keys of
// every kind of value, escapes in skipped strings, a sample's histogram),
// its result before its resultType, and the labels' values escaped.
const rich = `{"infos":["x"],"status":"success","data":{"result":[` +
	`{"metric":{"__name__":"up","job":"a\"b\\","function_name":"f\u00fc\\n.ns","deep":{"a":[1,-2.5e3,true,false,null,{"b":"]}"}]}},` +
	`"histogram":[1,{"count":"1"}],"value":[ 1700000000.25 , "2.5" ]},` +
	`{"metric":{"part":"gauge","counter":"ended","check":"age"},"value":[1700000001,"-Inf"]}` +
	`],"resultType":"vector","stats":{"timings":{"evalTotalTime":0.001}}},` +
	` "warnings":["w1","w2"]}` + "\n"

var richWant = &answer{
	status:     "success",
	warnings:   []string{"w1", "w2"},
	resultType: "vector",
	series:     2,
}

var richSeries = []sample{
	{Metric: sampleLabels{FunctionName: optString{v: "f\u00fc\\n.ns", ok: true}}, Value: pointJSON{ts: 1700000000.25, v: 2.5}},
	{Metric: sampleLabels{Part: "gauge", Counter: "ended", Check: "age"}, Value: pointJSON{ts: 1700000001, v: math.Inf(-1)}},
}

// collect is decodeAnswer's each that keeps the series in *vec.
func collect(vec *[]sample) func(*sample) {
	return func(smp *sample) { *vec = append(*vec, *smp) }
}

var answerCmp = cmp.AllowUnexported(answer{}, sample{}, sampleLabels{}, optString{}, pointJSON{})

// TestDecodeAnswerSkipsWhatItDoesNotRead: whatever the answer carries
// around the series, and in whatever order, the series read are the same;
// and so they are when the answer arrives a byte at a time, every token
// split across reads.
func TestDecodeAnswerSkipsWhatItDoesNotRead(t *testing.T) {
	for name, r := range map[string]io.Reader{
		"whole":           strings.NewReader(rich),
		"a byte a time":   iotest.OneByteReader(strings.NewReader(rich)),
		"half a buffer":   iotest.HalfReader(strings.NewReader(rich)),
		"data with error": iotest.DataErrReader(strings.NewReader(rich)),
	} {
		var vec []sample
		got, err := decodeAnswer(r, collect(&vec))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if d := cmp.Diff(richWant, got, answerCmp); d != "" {
			t.Errorf("%s: answer (-want +got):\n%s", name, d)
		}
		if d := cmp.Diff(richSeries, vec, answerCmp); d != "" {
			t.Errorf("%s: series (-want +got):\n%s", name, d)
		}
	}
}

// TestDecodeAnswerRefusesACutAnswer: an answer cut anywhere short of its
// end is an error, never the series read so far (missing is not zero);
// and so is anything but white space after it.
func TestDecodeAnswerRefusesACutAnswer(t *testing.T) {
	end := strings.LastIndexByte(rich, '}')
	for n := range end + 1 {
		if a, err := decodeAnswer(strings.NewReader(rich[:n]), func(*sample) {}); err == nil {
			t.Fatalf("the answer's first %d bytes: no error, %d series", n, a.series)
		}
	}
	for _, tail := range []string{"x", "{}", `"`, "0"} {
		if _, err := decodeAnswer(strings.NewReader(rich+tail), func(*sample) {}); err == nil {
			t.Errorf("%q after the answer: no error", tail)
		}
	}
}

// TestDecodeAnswerRefusesMalformedJSON: what encoding/json refuses, the
// scanner refuses, in the parts it reads and in those it skips.
func TestDecodeAnswerRefusesMalformedJSON(t *testing.T) {
	for _, body := range []string{
		`{"status":"success","data":{"resultType":"vector","result":[{"metric":{"function_name":"a"},"value":[01,"1"]}]}}`,
		`{"status":"success","data":{"resultType":"vector","result":[{"metric":{"function_name":"a"},"value":[1.,"1"]}]}}`,
		`{"status":"success","data":{"resultType":"vector","result":[]},"x":[1,]}`,
		`{"status":"success","data":{"resultType":"vector","result":[]},"x":{"a" 1}}`,
		`{"status":"success","data":{"resultType":"vector","result":[]},"x":nul}`,
		`{"status":"success","data":{"resultType":"vector","result":[]},"x":"tab` + "\t" + `in a string"}`,
		`{"status":"success","data":{"resultType":"vector","result":[]},"x":"\x"}`,
		`{"status":"success","data":{"resultType":"vector","result":[]},"x":+1}`,
		`{"status":success}`,
		`{"status":1}`,
		`[]`,
		``,
		`{"x":` + strings.Repeat("[", maxDepth+1) + strings.Repeat("]", maxDepth+1) + `}`,
	} {
		if _, err := decodeAnswer(strings.NewReader(body), func(*sample) {}); err == nil {
			t.Errorf("%.80s: no error", body)
		}
	}
}

// TestDecodeAnswerToldAReadFailure: a reader's failure is told apart from
// a malformed answer (classify reads both as unavailable, with the
// reader's error named).
func TestDecodeAnswerToldAReadFailure(t *testing.T) {
	broken := errors.New("connection reset")
	r := io.MultiReader(strings.NewReader(rich[:100]), iotest.ErrReader(broken))
	_, err := decodeAnswer(r, func(*sample) {})
	if !errors.Is(err, broken) || !isReadFail(err) {
		t.Fatalf("err = %v, want the reader's error", err)
	}
	if _, err := decodeAnswer(strings.NewReader(rich[:100]), func(*sample) {}); err == nil || isReadFail(err) {
		t.Fatalf("a cut answer: err = %v, want a malformed answer's", err)
	}
}

// TestQueryVectorCutByTheServer: a server that fails in the middle of an
// answer (the connection closed, as when Prometheus restarts) leaves the
// data unavailable, not a vector of the series sent so far.
func TestQueryVectorCutByTheServer(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, rich[:200])
		w.(http.Flusher).Flush()
		panic(http.ErrAbortHandler)
	}))
	defer srv.Close()
	cfg := DefaultConfig()
	cfg.URL = srv.URL
	src, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	v, err := src.queryVector(context.Background(), "q")
	if !errors.Is(err, metricsource.ErrUnavailable) {
		t.Fatalf("got %d series, err %v; want ErrUnavailable", len(v), err)
	}
	// The values read before the cut go with the answer.
	vals, err := src.Load(context.Background(), metricsource.LoadQuery{Type: metricsource.TypeRPS, Window: time.Minute})
	if !errors.Is(err, metricsource.ErrUnavailable) || vals != nil {
		t.Fatalf("Load: %v, err %v; want nothing, ErrUnavailable", vals, err)
	}
}

// TestQueryVectorReadsLittleOfAnErrorPage: an answer with a status other
// than 2xx is read for its message only, not to its end: a proxy's page of
// any size is a server error without its whole being held.
func TestQueryVectorReadsLittleOfAnErrorPage(t *testing.T) {
	var whole atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusBadGateway)
		// An error whose message does not end: read whole, it would be
		// held whole.
		_, _ = io.WriteString(w, `{"status":"error","errorType":"server_error","error":"`)
		line := strings.Repeat("bad gateway ", 100)
		for range 100 << 10 { // 123 MB, far past the cap and any socket's buffers
			if _, err := io.WriteString(w, line); err != nil {
				return
			}
		}
		whole.Store(true)
	}))
	cfg := DefaultConfig()
	cfg.URL = srv.URL
	cfg.Timeout = time.Hour // not what ends the query
	cfg.DuplicateCheck = 0  // its query is not the one under test
	src, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	_, err = src.Load(context.Background(), metricsource.LoadQuery{Type: "rps", Window: time.Minute})
	srv.Close() // waits for the handler
	if !errors.Is(err, metricsource.ErrUnavailable) || !strings.Contains(err.Error(), "server answered 502") {
		t.Fatalf("err = %v, want ErrUnavailable: server answered 502", err)
	}
	if whole.Load() {
		t.Error("the error page was read to its end")
	}
}

// TestQueryVectorSizedByTheLastAnswer: the next answer's maps are sized
// by a query's last answer, with a little room.
func TestQueryVectorSizedByTheLastAnswer(t *testing.T) {
	body := bigVector(1000)
	src, _ := fakeProm(t, func(string) (int, string) { return 200, body })
	if n := src.hints.get("q"); n != 0 {
		t.Fatalf("hint %d before any answer", n)
	}
	if _, err := src.queryVector(context.Background(), "q"); err != nil {
		t.Fatal(err)
	}
	if n, want := src.hints.get("q"), 1000+1000/32; n != want {
		t.Errorf("hint %d, want %d", n, want)
	}
}
