package exposition

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
)

// TestAStreamerErrorAfterAFlushAbortsTheAnswer: a page larger than the
// handler's buffer has reached the client when a streamer fails; the answer
// is then aborted (the client reads an error), not ended as if whole.
//
// Seen failing with fail() returning instead of aborting: the body read in
// full, no error.
func TestAStreamerErrorAfterAFlushAbortsTheAnswer(t *testing.T) {
	for _, gz := range []bool{false, true} {
		reg := NewRegistry()
		reg.AddStreamer(StreamerFunc(func(w *Writer) error {
			w.Family("test_gauge", "A gauge.", "gauge")
			for i := range 5000 {
				w.Sample("test_gauge", float64(i), Label{Name: "function_name", Value: "fn-" + strconv.Itoa(i), Suffix: "openfaas-fn"})
			}
			return errors.New("snapshot failed")
		}))
		srv := httptest.NewServer(reg.Handler())
		req, _ := http.NewRequest(http.MethodGet, srv.URL, nil)
		if gz {
			req.Header.Set("Accept-Encoding", "gzip")
		}
		resp, err := http.DefaultTransport.RoundTrip(req)
		if err != nil {
			srv.Close()
			t.Fatalf("gzip %v: %v", gz, err)
		}
		n, rerr := io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		srv.Close()
		if resp.StatusCode != http.StatusOK || n == 0 {
			t.Fatalf("gzip %v: control: %d with %d bytes; the page was to be flushed in part first", gz, resp.StatusCode, n)
		}
		if rerr == nil {
			t.Errorf("gzip %v: a streamer's error after %d bytes sent ended the answer as whole; want it aborted", gz, n)
		}
	}
}
