package idler

import (
	"testing"
	"time"
)

// A namespace given twice (--namespaces openfaas-fn,openfaas-fn) is listed
// once: listed twice, each function was two work items, the second
// proposal was dropped as "changed" by the first, and the function idled
// was explained as overruled, at one replica, with nothing done, and
// counted twice.
func TestANamespaceGivenTwiceIsListedOnce(t *testing.T) {
	old := time.Now().Add(-48 * time.Hour)
	e := newEnv(t, Config{Namespaces: []string{"openfaas-fn", "openfaas-fn"}}, function("f", 1, old, optIn()))
	rep := e.d.RunOnce(t.Context(), time.Now())
	if rep.Functions != 1 || len(rep.Verdicts) != 1 || len(rep.Idled) != 1 {
		t.Errorf("functions %d, verdicts %+v, idled %v; want the one function, idled once", rep.Functions, rep.Verdicts, rep.Idled)
	}
	x, ok := e.d.Explain(ref("f"))
	if ex, _ := x.(Explanation); !ok || ex.Code != CodeIdle || ex.Replicas != 0 || ex.LastAction != "scaled to zero" {
		t.Errorf("explained as %+v, want idle, 0 replicas, scaled to zero", x)
	}
}
