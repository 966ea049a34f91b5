package trace

import (
	"errors"
	"strings"
	"testing"
	"testing/fstest"
)

// TestBOMBeforeQuotedHeader: a UTF-8 byte-order mark is stripped before the
// CSV reader sees it. It was stripped only from the parsed header names, so
// it was harmless before a bare header but fatal before a quoted one, as
// Excel's "CSV UTF-8" and pandas' encoding="utf-8-sig" with QUOTE_ALL write
// them: the reader saw the mark, then a quote inside an unquoted field
// (`invocations.csv:1:4: bare " in non-quoted-field`), and a per-invocation
// (2021) file was not recognised at all. A file holding nothing but the mark
// is empty, not a file whose first column is named "".
func TestBOMBeforeQuotedHeader(t *testing.T) {
	const bom = "\ufeff"
	durH := `"HashOwner","HashApp","HashFunction","Average","Count","Minimum","Maximum","percentile_Average_0",` +
		`"percentile_Average_1","percentile_Average_25","percentile_Average_50","percentile_Average_75",` +
		`"percentile_Average_99","percentile_Average_100"` + "\r\n"
	fsys := fstest.MapFS{
		"invocations.csv": {Data: []byte(bom + `"HashOwner","HashApp","HashFunction","Trigger","1","2"` + "\r\n" +
			`"o1","a1","f1","http","3","4"` + "\r\n")},
		"durations.csv": {Data: []byte(bom + durH + `"o1","a1","f1","100","7","50","200","50","60","80","100","120","190","200"` + "\r\n")},
		"memory.csv": {Data: []byte(bom + `"HashOwner","HashApp","SampleCount","AverageAllocatedMb"` + "\r\n" +
			`"o1","a1","5","128"` + "\r\n")},
	}
	tr, err := LoadFS(fsys, "t")
	if err != nil {
		t.Fatalf("LoadFS: %v", err)
	}
	f := tr.Functions[0]
	if f.ID != "f1" || f.PerMinute[1] != 4 || f.Duration == nil || f.Duration.Count != 7 || f.MemoryMB != 128 {
		t.Errorf("loaded %+v (duration %+v)", f, f.Duration)
	}

	log := fstest.MapFS{"Azure2021.csv": {Data: []byte(bom + `"app","func","end_timestamp","duration"` + "\r\n" +
		`"a1","f1","61.5","1.5"` + "\r\n")}}
	tr, err = LoadFS(log, "t")
	if err != nil {
		t.Fatalf("LoadFS of a 2021 file: %v", err)
	}
	if len(tr.Functions) != 1 || tr.Functions[0].ID != "f1" || tr.Functions[0].PerMinute[1] != 1 {
		t.Errorf("2021 file loaded as %+v", tr.Functions)
	}

	_, err = ParseInvocations(strings.NewReader(bom), "invocations.csv")
	var pe *ParseError
	if !errors.As(err, &pe) || err.Error() != "invocations.csv:1: empty file, want a header" {
		t.Errorf("a file of only a byte-order mark: error %v, want invocations.csv:1: empty file, want a header", err)
	}
}
