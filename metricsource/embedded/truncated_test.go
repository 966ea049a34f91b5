package embedded

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// cutPage is a gateway page of functions a and b whose started counters
// read 1234 and 50, and the page cut mid-way through a's counter: b's
// line is lost and a's reads 12.
const (
	fullPage = "# TYPE gateway_function_invocation_started counter\n" +
		"gateway_function_invocation_started{function_name=\"a\"} 1234\n" +
		"gateway_function_invocation_started{function_name=\"b\"} 50\n"
	cutPage = "# TYPE gateway_function_invocation_started counter\n" +
		"gateway_function_invocation_started{function_name=\"a\"} 12"
)

// rawServer answers every request with raw, written as is on the
// connection, which it then closes: a gateway that dies mid-response.
func rawServer(t *testing.T, raw string) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, buf, err := w.(http.Hijacker).Hijack()
		if err != nil {
			t.Error(err)
			return
		}
		defer conn.Close()
		_, _ = buf.WriteString(raw)
		_ = buf.Flush()
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/metrics"
}

// TestACutBodyIsAFailedScrape: a /metrics body cut short is a failed
// scrape (a gap), not a partial one recorded. Recorded, every function
// past the cut read as gone, and a counter cut mid-number (1234 read as
// 12) as a reset: 12 arrivals at once. How the cut shows: a body shorter
// than its Content-Length, a chunked body without its last chunk (both the
// HTTP client's to tell), or, on a connection that simply closes, a last
// line without its line feed (the text format ends every line with one).
// The first three were already caught (by net/http and by expfmt's
// parser); the fourth, a connection closed right after the headers, left
// an empty body, which parsed: every function vanished, and at the next
// page counted its whole counter as arrivals. No gateway's page is empty
// once it has listed a function.
func TestACutBodyIsAFailedScrape(t *testing.T) {
	cut := len(cutPage)
	cases := []struct {
		name string
		url  string // or
		body string // a Fetch's
	}{
		{name: "content-length", url: rawServer(t, fmt.Sprintf("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n\r\n%s", len(fullPage), cutPage))},
		{name: "chunked", url: rawServer(t, fmt.Sprintf("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n%x\r\n%s\r\n", cut, cutPage))},
		{name: "connection close", url: rawServer(t, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n"+cutPage)},
		{name: "fetch", body: cutPage},
		{name: "empty", body: ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			clk := &fixedClock{t: time.Unix(1_700_000_000, 0)}
			full := true
			cfg := DefaultConfig()
			cfg.Interval, cfg.Clock = time.Second, clk
			cfg.Fetch = func(ctx context.Context) (io.ReadCloser, error) {
				if full {
					return io.NopCloser(strings.NewReader(fullPage)), nil
				}
				if c.url == "" {
					return io.NopCloser(strings.NewReader(c.body)), nil
				}
				req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.url, nil)
				if err != nil {
					return nil, err
				}
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					return nil, err
				}
				return resp.Body, nil
			}
			src, err := New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			t0 := clk.t
			for s := range 3 {
				if err := src.ScrapeOnce(ctx, t0.Add(time.Duration(s)*time.Second)); err != nil {
					t.Fatal(err)
				}
			}
			full = false
			if err := src.ScrapeOnce(ctx, t0.Add(3*time.Second)); err == nil {
				t.Errorf("a body cut short scraped without an error")
			}
			clk.t = t0.Add(3500 * time.Millisecond)
			act, err := src.Activity(ctx, 2*time.Second)
			if err != nil {
				t.Fatal(err)
			}
			if act.Started[fnRef("a")] != 0 || act.Vanished[fnRef("b")] {
				t.Errorf("after the cut body: a started %v, b vanished %v; want 0 and no (the cut body not recorded)",
					act.Started[fnRef("a")], act.Vanished[fnRef("b")])
			}
			src.mu.RLock()
			n := len(src.st.scrapes)
			src.mu.RUnlock()
			if n != 3 {
				t.Errorf("%d scrapes recorded, want 3 (the cut one is a gap)", n)
			}
		})
	}
}

// TestAnEmptyPageBeforeAnyFunctionIsOne: a gateway none of whose functions
// has been called yet lists none (the simulated gateway of the embedded
// default serves an empty page then): that is a scrape, not a cut one.
func TestAnEmptyPageBeforeAnyFunctionIsOne(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Interval = time.Second
	cfg.Fetch = func(context.Context) (io.ReadCloser, error) { return io.NopCloser(strings.NewReader("")), nil }
	src, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Unix(1_700_000_000, 0)
	for s := range 2 {
		if err := src.ScrapeOnce(context.Background(), t0.Add(time.Duration(s)*time.Second)); err != nil {
			t.Fatalf("empty page before any function: %v", err)
		}
	}
}
