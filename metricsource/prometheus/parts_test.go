package prometheus

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// TestLoadPartsReadsTheParts: LoadParts sends the capacity query before its
// max (one series per function and part) and takes the max here: each part
// summed over a function's series (bare and qualified names), the larger
// part's value, the arrivals' winners listed, a tie the gauge's. A series
// without a known part is ignored; rps is Load with no parts.
func TestLoadPartsReadsTheParts(t *testing.T) {
	var mu sync.Mutex
	var asked []string
	src, _ := fakeProm(t, func(q string) (int, string) {
		mu.Lock()
		asked = append(asked, q)
		mu.Unlock()
		if strings.HasSuffix(q, "[5m]") { // the scrapes' phase and interval (LastScrape)
			return 200, `{"status":"success","data":{"resultType":"matrix","result":[{"metric":{"job":"gateway"},"values":[[1700000000,"1"],[1700000005,"1"]]}]}}`
		}
		if !strings.Contains(q, `"part", "gauge"`) {
			return 200, vector(`{"metric":{"function_name":"figlet"},"value":[1700000000,"7"]}`)
		}
		return 200, vector(
			`{"metric":{"function_name":"figlet","part":"gauge"},"value":[1700000000,"2"]}`,
			`{"metric":{"function_name":"figlet.openfaas-fn","part":"gauge"},"value":[1700000000,"1"]}`, // same function: 3
			`{"metric":{"function_name":"figlet","part":"arrivals"},"value":[1700000000,"2.5"]}`,
			`{"metric":{"function_name":"slow","part":"gauge"},"value":[1700000000,"4"]}`,
			`{"metric":{"function_name":"slow","part":"arrivals"},"value":[1700000000,"1"]}`,
			`{"metric":{"function_name":"burst","part":"arrivals"},"value":[1700000000,"6"]}`, // no gauge (OpenFaaS CE)
			`{"metric":{"function_name":"tie","part":"gauge"},"value":[1700000000,"2"]}`,
			`{"metric":{"function_name":"tie","part":"arrivals"},"value":[1700000000,"2"]}`,
			`{"metric":{"function_name":"odd","part":"other"},"value":[1700000000,"9"]}`,
		)
	})
	ref := func(n string) provider.Ref { return provider.Ref{Name: n, Namespace: "openfaas-fn"} }
	src.LastScrape(context.Background()) // the interval, read in the background
	src.phase.done.Wait()
	v, parts, err := src.LoadParts(context.Background(), metricsource.LoadQuery{Type: metricsource.TypeCapacity, Window: time.Minute}, nil)
	if err != nil {
		t.Fatal(err)
	}
	wantV := metricsource.Values{ref("figlet"): 3, ref("slow"): 4, ref("burst"): 6, ref("tie"): 2}
	if d := cmp.Diff(wantV, v); d != "" {
		t.Errorf("values (-want +got):\n%s", d)
	}
	if d := cmp.Diff(metricsource.Parts{ref("burst"): metricsource.PartArrivals}, parts); d != "" {
		t.Errorf("parts (-want +got):\n%s", d)
	}
	last := asked[len(asked)-1]
	if strings.HasPrefix(last, "max by (function_name) (") || !strings.Contains(last, `[1m:5s]`) {
		t.Errorf("LoadParts sent %s; want the parts, stepped at the scrape interval, without the last max", last)
	}

	v, parts, err = src.LoadParts(context.Background(), metricsource.LoadQuery{Type: metricsource.TypeRPS, Window: time.Minute}, nil)
	if err != nil || parts != nil || v[ref("figlet")] != 7 {
		t.Errorf("rps: %v, parts %v, err %v; want Load's 7 and no parts", v, parts, err)
	}
}
