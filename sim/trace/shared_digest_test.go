package trace

import (
	"crypto/sha256"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/faas-autoscaler/faas-autoscaler/internal/testenv"
)

// TestSharedTracesLoadAsBefore pins what Load makes of the two 2019 samples
// in shared/: every function's ID, order, app, owner, trigger, per-minute
// counts, durations and memory, as a digest taken with the loader of
// before functions were keyed by app (HashFunction alone). Keying by
// (HashOwner, HashApp, HashFunction) and merging repeated rows must leave
// them as they were: every replay on them, and every figure in docs/,
// stays byte-identical. A change of the digest is a changed trace.
func TestSharedTracesLoadAsBefore(t *testing.T) {
	dir := filepath.Join("..", "..", "..", "shared", "traces")
	for _, c := range []struct{ sub, want string }{
		{"azure2019-invitro-200fn", "abfa87cd7cf7dc63"},
		{"azure2019-invitro-10fn", "4ffeb07026bb44f8"},
	} {
		p := filepath.Join(dir, c.sub)
		testenv.NeedPath(t, p, "the shared traces live in ../shared/traces beside the repository")
		tr, err := Load(p)
		if err != nil {
			t.Fatal(err)
		}
		if got := traceDigest(tr); got != c.want {
			t.Errorf("%s: digest %s, want %s (%d functions)", c.sub, got, c.want, len(tr.Functions))
		}
	}
}

// traceDigest hashes what a replay reads of a trace, function by function
// in order (not Dir, which is the path it was loaded from).
func traceDigest(tr *Trace) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s %d %d\n", tr.Format, tr.Minutes, len(tr.Functions))
	for _, f := range tr.Functions {
		fmt.Fprintf(h, "%q %q %q %q %v %g\n", f.ID, f.App, f.Owner, f.Trigger, f.PerMinute, f.MemoryMB)
		if f.Duration != nil {
			fmt.Fprintf(h, "%+v\n", *f.Duration)
		}
	}
	return fmt.Sprintf("%x", h.Sum(nil))[:16]
}
