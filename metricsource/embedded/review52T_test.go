package embedded

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
)

// TestReview52TCapacityOverARebasedStepIsMissingNotZero: a gateway without
// the in-flight gauge (capacity from the arrivals: the invocation counter's
// increase times the mean duration). Replica A, idle, serves the URL until
// 4 s; from 5 s replica B answers alone (started before A's last page was
// scraped: procRebased), busy: 10 calls of 0.5 s every second. B's first
// page is a new baseline "as the source's first scrape is" (restart.go):
// the calls between A's last page and it are unknown. The source's first
// scrape records no arrivals for its unknown interval (a capacity window
// over it reads what is known), but the rebased page records arrivals 0:
// a one-interval capacity window just after it reads 0, present — a busy
// function read idle (rps over the same window is missing, as the commit
// says; capacity should not read low where rps reads missing).
func TestReview52TCapacityOverARebasedStepIsMissingNotZero(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		scraped0 := float64(time.Now().Unix())
		g := &fakeGateway{t0: time.Now(), render: func(el time.Duration, b *strings.Builder) {
			start, calls := scraped0-7200+0.25, 40.0 // A: idle since long before
			if el >= 5*time.Second {
				// B: started an hour after A, a minute before the first
				// scrape; 10 calls of 0.5 s a second, a long history.
				start = scraped0 - 60 + 0.81
				calls = 5000 + 10*(el-4*time.Second).Seconds()
			}
			b.WriteString("process_start_time_seconds " + strconv.FormatFloat(start, 'f', 2, 64) + "\n")
			counter(b, MetricStarted, "f", "", calls)
			counter(b, MetricTotal, "f", "200", calls)
			fmt.Fprintf(b, "gateway_functions_seconds_sum{code=%q,function_name=%q} %g\n", "200", "f", calls*0.5)
			fmt.Fprintf(b, "gateway_functions_seconds_count{code=%q,function_name=%q} %g\n", "200", "f", calls)
		}}
		src := startSource(t, g)
		advance(5*time.Second + 500*time.Millisecond) // scrapes 0..5; B's first page at 5 s
		if v, err := src.Load(context.Background(), metricsource.LoadQuery{Type: metricsource.TypeRPS, Window: time.Second}); err != nil || len(v) != 0 {
			t.Fatalf("rps over the rebased step: %v, %v; want missing (the commit's rule)", v, err)
		}
		v, err := src.Load(context.Background(), metricsource.LoadQuery{Type: metricsource.TypeCapacity, Window: time.Second})
		if err != nil {
			t.Fatal(err)
		}
		if got, ok := v[fnRef("f")]; ok && got == 0 {
			t.Errorf("capacity over [4.5 s, 5.5 s], A idle then B's unknown step: %v present; want missing (B serves 5 in flight)", got)
		}
		advance(time.Second) // B's second page: its calls are known from here
		v, err = src.Load(context.Background(), metricsource.LoadQuery{Type: metricsource.TypeCapacity, Window: time.Second})
		if err != nil {
			t.Fatal(err)
		}
		if got := v[fnRef("f")]; got < 4.9 || got > 5.1 {
			t.Errorf("capacity over B's first whole step: %v; want 5", got)
		}
	})
}
