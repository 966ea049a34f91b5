package clock

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"
)

func TestSleep(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		if err := Sleep(t.Context(), Real(), 3*time.Second); err != nil || time.Since(start) != 3*time.Second {
			t.Errorf("Sleep 3s: %v after %s, want nil after 3s", err, time.Since(start))
		}
		stop := errors.New("shutting down")
		ctx, cancel := context.WithCancelCause(t.Context())
		go func() { time.Sleep(time.Second); cancel(stop) }()
		start = time.Now()
		if err := Sleep(ctx, Real(), time.Hour); !errors.Is(err, stop) || time.Since(start) != time.Second {
			t.Errorf("Sleep cancelled after 1s: %v after %s, want the cause at once", err, time.Since(start))
		}
		if err := Sleep(ctx, Real(), 0); !errors.Is(err, stop) {
			t.Errorf("Sleep 0 on an ended ctx: %v, want the cause", err)
		}
		if err := Sleep(t.Context(), Real(), -time.Second); err != nil {
			t.Errorf("Sleep of a negative duration: %v, want nil at once", err)
		}
	})
}
