package trace

import "testing"

// vhive-serverless/invitro's sampler writes its trace excerpts with the
// minute columns keeping their number in the day: `preprocess -s 00:09:00
// -dur 150` (how invitro's reference traces preprocessed_150/sampled_150
// were made, docs/sampler.md) keeps columns "540".."689" (get_inv_time_slice
// only drops columns), and `preprocess2021 -s 00:01:00 -dur 100` (its
// documented example) writes columns 2..101 (generate_inv_df). invitro's own
// loader reads the minute columns by position. Such an invocations.csv was
// rejected: "minute column "540" out of order: want minute 1 here". Found by
// a review helper.
func TestInvitroExcerptMinuteColumnsLoad(t *testing.T) {
	for _, c := range []struct {
		name, header, row string
	}{
		{"2019 preprocess -s 00:09:00", "HashOwner,HashApp,HashFunction,Trigger,540,541,542", "o,a,f,http,1,0,4"},
		{"2021 preprocess2021 -s 00:01:00", "HashOwner,HashApp,HashFunction,Trigger,2,3,4", "0,a,f,http,1,0,4"},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			writeTraceFile(t, dir, "invocations.csv", c.header+"\n"+c.row+"\n")
			tr, err := Load(dir)
			if err != nil {
				t.Fatal(err)
			}
			if tr.Minutes != 3 || tr.Invocations() != 5 {
				t.Errorf("minutes %d, invocations %d; want 3, 5", tr.Minutes, tr.Invocations())
			}
		})
	}
}
