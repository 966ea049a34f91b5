package actuator

import (
	"strings"
	"testing"
)

// TestArbitrateSlowReplyAndLostReply: what Arbitrate makes of a write whose
// reply came long after it was sent (Write.Sent) and of a scale to zero
// whose reply was lost (Input.Unconfirmed): the proposer that saw a write's
// result is not stale, and a wake from zero after an idle that may have
// landed rests on load the idle judged. Everything else stays as it was.
func TestArbitrateSlowReplyAndLostReply(t *testing.T) {
	slowDown := Write{Who: Scaler, From: 3, To: 1, Sent: at(1), At: at(5)}
	slowRaise := Write{Who: Scaler, From: 1, To: 3, Sent: at(1), At: at(5)}
	lostIdle := Write{Who: Idler, From: 3, To: 0, Sent: at(1), At: at(5)}
	observed := func(s int) func(*Input) { return func(in *Input) { in.Intent.Observed = at(s) } }
	with := func(edits ...func(*Input)) func(*Input) {
		return func(in *Input) {
			for _, e := range edits {
				e(in)
			}
		}
	}
	last := func(w Write) func(*Input) { return func(in *Input) { in.Last = w } }
	lost := func(w Write) func(*Input) { return func(in *Input) { in.Unconfirmed = w } }
	evidence := func(s int) func(*Input) { return func(in *Input) { in.Intent.EvidenceFrom = at(s) } }
	for _, tc := range []struct {
		name   string
		in     Input
		code   Code
		reason string
	}{
		{"decided on the count a slow write landed", arb(Idler, 1, 0, with(last(slowDown), observed(3))), CodeApplied, "1→0"},
		{"decided on a slow raise's count", arb(Idler, 3, 0, with(last(slowRaise), observed(3))), CodeApplied, "3→0"},
		{"seen at the instant it was sent", arb(Idler, 1, 0, with(last(slowDown), observed(1))), CodeApplied, "1→0"},
		{"after it was sent, but on the count it wrote over", arb(Idler, 3, 0, with(last(slowDown), observed(3))),
			CodeChanged, "scaler changed it 3→1 at 03:04:10.000, after this was decided on 3"},
		{"a raise seen before it landed", arb(Idler, 1, 0, with(last(slowRaise), observed(3))),
			CodeRaisedSince, "scaler raised it 1→3 at 03:04:10.000, after this was decided on 1"},
		{"before it was sent", arb(Idler, 1, 0, with(last(slowDown), observed(0))),
			CodeChanged, "scaler changed it 3→1 at 03:04:10.000, after this was decided on 1"},
		{"no send time: as before", arb(Idler, 1, 0, with(last(Write{Who: Scaler, From: 3, To: 1, At: at(5)}), observed(3))),
			CodeChanged, "scaler changed it 3→1"},

		{"wake after an idle whose reply was lost", arb(Scaler, 0, 2, with(lost(lostIdle), evidence(-30))),
			CodeStaleEvidence, "before idler's scale to zero sent at 03:04:06.000, whose reply was lost (it is at 0 now)"},
		{"wake on load measured since it", arb(Scaler, 0, 2, with(lost(lostIdle), evidence(6))), CodeApplied, "0→2"},
		{"wake on load measured since it was sent", arb(Scaler, 0, 2, with(lost(lostIdle), evidence(3))), CodeApplied, "0→2"},
		{"the idle did not land: a raise, not a wake", arb(Scaler, 3, 5, with(lost(lostIdle), evidence(-30))), CodeApplied, "3→5"},
		{"the idler's own restore", arb(Idler, 0, 1, with(lost(lostIdle), evidence(-30))), CodeApplied, "0→1"},
		{"a write since it counts instead", arb(Scaler, 0, 2, with(lost(lostIdle), evidence(-30),
			last(Write{Who: Restore, From: 0, To: 1, Sent: at(6), At: at(7)}))), CodeApplied, "0→2"},
		{"a later successful idle still guards", arb(Scaler, 0, 2, with(lost(lostIdle), evidence(5),
			last(Write{Who: Idler, From: 1, To: 0, Sent: at(6), At: at(7)}))),
			CodeStaleEvidence, "before idler scaled it to zero (sent at 03:04:11.000, answered at 03:04:12.000)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := Arbitrate(tc.in)
			if v.Code != tc.code || v.Apply != (tc.code == CodeApplied) || !strings.Contains(v.Reason, tc.reason) {
				t.Errorf("got %s apply=%v (%s); want %s containing %q", v.Code, v.Apply, v.Reason, tc.code, tc.reason)
			}
		})
	}
}
