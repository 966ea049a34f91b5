package actuator

import (
	"context"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
	"github.com/faas-autoscaler/faas-autoscaler/provider/memory"
)

// TestRaiseFoundHigherIsAlreadyHigher: a raise whose conditional write
// finds the function above its count, because someone raised it after the
// proposer looked, is already_higher ("a raise, but the function is
// already at or above it"), not raised_since, which is a lower count's
// code: a pre-warm 0→2 that the scaler's 0→3 overtook was counted in
// faas_autoscaler_keepalive_prewarms_total{result="raised_since"}.
func TestRaiseFoundHigherIsAlreadyHigher(t *testing.T) {
	t.Run("arbitrate", func(t *testing.T) {
		in := arb(PreWarm, 0, 2, func(in *Input) {
			in.Last = Write{Who: Scaler, From: 0, To: 3, Sent: at(4), At: at(5)}
			in.Current, in.HasCurrent = 3, true // the conditional write's re-read
		})
		v := Arbitrate(in)
		if v.Code != CodeAlreadyHigher || v.Apply || !strings.Contains(v.Reason, "wanted 0→2, but it has 3 now") {
			t.Errorf("got %s apply=%v (%s); want already_higher", v.Code, v.Apply, v.Reason)
		}
	})
	t.Run("actuator", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			r := newRig(t, memory.Options{}, nil, map[provider.Ref]uint64{refA: 0})
			looked := time.Now() // the pre-warmer's listing
			time.Sleep(time.Second)
			if o := r.a.Apply(context.Background(), Intent{Ref: refA, From: 0, To: 3, Who: Scaler, Code: "c", Observed: time.Now()}); o.Code != CodeApplied {
				t.Fatalf("scaler's raise: %s (%s)", o.Code, o.Reason)
			}
			time.Sleep(time.Second)
			o := r.a.Apply(context.Background(), Intent{Ref: refA, From: 0, To: 2, Who: PreWarm, Code: "prewarm", Observed: looked})
			if o.Code != CodeAlreadyHigher || o.Applied {
				t.Errorf("pre-warm 0→2 after the scaler's 0→3: %s (%s), want already_higher", o.Code, o.Reason)
			}
		})
	})
}
