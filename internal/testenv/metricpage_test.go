package testenv

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// A series is found by its whole name and labels, not by a prefix of
// another's; one the page lacks, or whose value is not a number, is
// missing rather than 0; a page that is not 200 is an error.
func TestMetricPage(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/metrics" {
			http.NotFound(w, r)
			return
		}
		_, _ = w.Write([]byte("# HELP x_total x\nx_total_more 7\nx_total{result=\"ok\"} 3\nx_total 2.5\nbad NaNx\n"))
	}))
	defer srv.Close()
	page, err := ReadMetricPage(srv.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	for series, want := range map[string]float64{"x_total": 2.5, `x_total{result="ok"}`: 3} {
		if v, ok := page.Value(series); !ok || v != want {
			t.Errorf("%s: %v (%t), want %v", series, v, ok, want)
		}
	}
	for _, series := range []string{"y_total", "bad", `x_total{result="error"}`} {
		if v, ok := page.Value(series); ok {
			t.Errorf("%s: %v, want missing", series, v)
		}
	}
	if _, err := ReadMetricPage(srv.URL + "/nothing"); err == nil {
		t.Error("a 404 page read without an error")
	}
}
