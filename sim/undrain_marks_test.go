package sim

import (
	"testing"
	"time"
)

// TestUndrainClearsTheMarksOfTheReplicasTakenBackOnly: drain hands out
// drainer ids in turn, but undrain takes back the least loaded drainers,
// which need not be the ones drained last, so the requests whose marks it
// clears are those of the ids it took back, not of every id from the
// lowest up. Concurrency 2, five requests started 1 s apart: drain(2)
// drains the partly filled replica (id 1, the request started last) and a
// full one (id 2). undrain(1) takes back id 1; id 2 must stay draining
// with both its requests marked (clearing "ids ≥ 1" would unmark them, so
// their ends would free slots of the serving replicas while id 2 waited
// for them forever).
func TestUndrainClearsTheMarksOfTheReplicasTakenBackOnly(t *testing.T) {
	r := &replay{}
	r.info.Concurrency = 2
	for i := range 5 {
		s := time.Duration(i) * time.Second
		r.done = append(r.done, running{start: s, end: s + time.Hour})
	}
	r.drain(2)
	if len(r.drainers) != 2 || r.drainers[0].load != 1 || r.drainers[1].load != 2 {
		t.Fatalf("drainers %+v; want id 1 with 1 request, id 2 with 2", r.drainers)
	}
	r.undrain(1)
	if len(r.drainers) != 1 || r.drainers[0].id != 2 {
		t.Fatalf("drainers %+v after taking one back; want id 2 left (id 1, the least loaded, taken back)", r.drainers)
	}
	marked := map[uint32]int{}
	for _, run := range r.done {
		if run.drain != 0 {
			marked[run.drain]++
		}
	}
	if marked[2] != 2 || len(marked) != 1 || r.drainBusy != 2 {
		t.Errorf("requests marked per drainer %v, drainBusy %d; want map[2:2] and 2", marked, r.drainBusy)
	}
}
