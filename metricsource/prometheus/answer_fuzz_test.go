package prometheus

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// FuzzAnswer checks decodeAnswer, a hand-written streaming JSON scanner,
// against refDecode, the same answer decoded with encoding/json: for any
// bytes either both refuse them, or both read the same answer (status,
// errors, warnings, isPartial, resultType, whether the result was not a
// list of series) and hand on the same series, labels, timestamps and
// values alike (NaN equal to NaN). It also reads every input through
// buffers of 1, 2, 7 and 64 bytes and the real 32 KiB, so that tokens
// straddle refills: all must read the same, and refuse with the same
// message (the byte offsets in it too); and never a panic.
//
// Where decodeAnswer deliberately differs from a plain json.Unmarshal
// into a struct, refDecode follows decodeAnswer and says why:
//   - keys match exactly: encoding/json matches a struct's field names
//     whatever their case ("Status"), Prometheus writes them lower case;
//   - "result" is read as a vector's unless a "resultType" before it said
//     otherwise: the answer is streamed, and Prometheus writes resultType
//     first (an answer whose resultType comes after a matrix' result is
//     refused whole by queryEachAt for its resultType anyway);
//   - a second "result" or "resultType" in an answer (also in a second
//     "data") refuses it: encoding/json keeps the last, but a streamed
//     result's series are handed on as they are read and cannot be taken
//     back, and series of one function add up (readers.go);
//   - nesting counts from where a value is skipped, not from the answer's
//     top (encoding/json's limit is 10,000 from the top): an answer that
//     encoding/json refuses only for its depth may be read.
func FuzzAnswer(f *testing.F) {
	for _, s := range []string{
		rich,
		bigVector(3),
		vector(`{"metric":{"function_name":"figlet"},"value":[1700000000,"2.5"]}`,
			`{"metric":{"function_name":"env.team","instance":"gw:8080"},"value":[1700000000.001,"NaN"]}`,
			`{"metric":{"function_name":"env.team","instance":"gw:8080"},"value":[1.7e9,"+Inf"]}`),
		vector(`{"metric":{"function_name":"figlet.openfaas-fn"},"histogram":[1700000000,{"count":"12","sum":"30.5","buckets":[[0,"2","4","12"]]}]}`,
			`{"metric":{"function_name":"env.openfaas-fn"}}`),
		vector(`{"metric":{"function_name":"a"},"value":[1700000000,1]}`),
		vector(`{"metric":{"function_name":"a"},"value":[1700000000]}`),
		vector(`{"metric":{"function_name":null,"part":null},"value":[-0,"-0"]}`, `null`, `{"value":[0,"1"]}`),
		`{"status":"success","isPartial":true,"data":{"resultType":"vector","result":[{"metric":{"function_name":"a"},"value":[1,"2"]}]}}`,
		`{"status":"success","warnings":["w",null],"data":{"resultType":"vector","result":null}}`,
		`{"status":"success","data":{"resultType":"matrix","result":[{"metric":{"function_name":"a"},"values":[[1,"1"],[2,"2"]]}]}}`,
		`{"status":"success","data":{"resultType":"scalar","result":[1700000000,"3"]}}`,
		`{"status":"success","data":{"result":"x","resultType":"string"}}`,
		`{"status":"error","errorType":"bad_data","error":"parse error at char 3: unexpected \u0022)\u0022"}`,
		`{"st\u0061tus":"success","data":{"resultType":"vector","result":[{"metric":{"function_name":"\u00e9\ud83d\ude00"},"value":[1e0,"0x1p-2"]}]}}`,
		`{"status":"success","data":{"resultType":"vector","result":[{"metric":{"function_name":"a"},"value":[01,"1"]}]}}`,
		`{"status":"success","data":{"resultType":"vector","result":[]},"x":"\x"}`,
		`{"status":"success","data":{"resultType":"vector","result":[]},"x":[1,]}`,
		`null`,
		``,
		// Two results: their series were added up per function.
		`{"status":"success","data":{"resultType":"vector","result":[{"metric":{"function_name":"a"},"value":[1,"2"]}]},` +
			`"data":{"result":[{"metric":{"function_name":"a"},"value":[1,"2"]}]}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		got, err := readAnswer(t, body)
		want, wantSeries, wantErr := refDecode(body)
		switch {
		case err != nil && wantErr != nil:
			return
		case err != nil:
			t.Fatalf("decodeAnswer refused what encoding/json reads: %v\nbody %q", err, body)
		case wantErr != nil && strings.Contains(wantErr.Error(), "exceeded max depth"):
			return // nesting counts from where a value is skipped (above)
		case wantErr != nil:
			t.Fatalf("decodeAnswer read what encoding/json refuses (%v): %+v\nbody %q", wantErr, got.answer, body)
		}
		if d := cmp.Diff(want, got.answer, fuzzCmp...); d != "" {
			t.Errorf("answer (-encoding/json +decodeAnswer):\n%s\nbody %q", d, body)
		}
		if d := cmp.Diff(wantSeries, got.series, fuzzCmp...); d != "" {
			t.Errorf("series (-encoding/json +decodeAnswer):\n%s\nbody %q", d, body)
		}
	})
}

var fuzzCmp = []cmp.Option{answerCmp, cmpopts.EquateNaNs(), cmpopts.EquateEmpty()}

type readOut struct {
	answer *answer
	series []sample
}

// readAnswer decodes body through buffers of several sizes, failing t
// unless all read it alike; the read of the real buffer size is returned.
func readAnswer(t *testing.T, body []byte) (readOut, error) {
	t.Helper()
	read := func(size int, withEOF bool) (readOut, error) {
		var out readOut
		r := io.Reader(bytes.NewReader(body))
		if withEOF {
			r = iotest.DataErrReader(r)
		}
		var err error
		out.answer, err = decodeAnswerBuf(r, size, collect(&out.series))
		if err != nil && isReadFail(err) {
			t.Fatalf("buffer %d: a read failure from a reader that does not fail: %v", size, err)
		}
		return out, err
	}
	want, wantErr := read(scanBuffer, false)
	same := func(name string, got readOut, err error, sameErr bool) {
		switch {
		case (err == nil) != (wantErr == nil):
			t.Fatalf("%s: err %v; with %d bytes: %v\nbody %q", name, err, scanBuffer, wantErr, body)
		case err != nil && sameErr && err.Error() != wantErr.Error():
			t.Fatalf("%s: err %v; with %d bytes: %v\nbody %q", name, err, scanBuffer, wantErr, body)
		case err != nil:
			return
		}
		if d := cmp.Diff(want, got, cmp.AllowUnexported(readOut{}), answerCmp, cmpopts.EquateNaNs()); d != "" {
			t.Fatalf("%s reads otherwise than %d bytes (-%d +%s):\n%s\nbody %q", name, scanBuffer, scanBuffer, name, d, body)
		}
	}
	for _, size := range []int{1, 2, 7, 64} {
		got, err := read(size, false)
		same(fmt.Sprintf("buffer %d", size), got, err, true)
	}
	// The last bytes come with io.EOF: an error may then say "cut short"
	// where it named the bad token, but whether it fails may not change.
	got, err := read(scanBuffer, true)
	same("data with EOF", got, err, false)
	return want, wantErr
}

var errTwice = errors.New("a second result or resultType")

// refDecode decodes body with encoding/json by the rules FuzzAnswer lists.
func refDecode(body []byte) (*answer, []sample, error) {
	var top json.RawMessage
	if err := json.Unmarshal(body, &top); err != nil {
		return nil, nil, err
	}
	a := &answer{}
	var series []sample
	var sawType, sawResult bool
	err := members(top, func(k string, v json.RawMessage) error {
		switch k {
		case "status":
			return refLabel(v, &a.status)
		case "errorType":
			return refLabel(v, &a.errorType)
		case "error":
			return refLabel(v, &a.errMsg)
		case "warnings":
			return refLabels(v, &a.warnings)
		case "isPartial":
			return refFlag(v, &a.partial)
		case "data":
			return members(v, func(k string, v json.RawMessage) error {
				switch k {
				case "resultType":
					if sawType {
						return errTwice
					}
					sawType = true
					return refLabel(v, &a.resultType)
				case "result":
					if sawResult {
						return errTwice
					}
					sawResult = true
					if a.resultType != "" && a.resultType != "vector" {
						return nil
					}
					return refResult(v, a, &series)
				}
				return nil
			})
		}
		return nil
	})
	return a, series, err
}

// refResult reads a vector's result into series.
func refResult(v json.RawMessage, a *answer, series *[]sample) error {
	switch v[0] {
	case 'n':
		return nil
	case '[':
	default:
		a.other = true
		return nil
	}
	var elems []json.RawMessage
	if err := json.Unmarshal(v, &elems); err != nil {
		return err
	}
	for _, e := range elems {
		if a.other || e[0] != '{' {
			a.other = true
			continue
		}
		var smp sample
		valued := false
		err := members(e, func(k string, v json.RawMessage) error {
			switch k {
			case "metric":
				return members(v, func(k string, v json.RawMessage) error {
					l := &smp.Metric
					switch k {
					case "function_name":
						l.FunctionName.ok = true
						return refLabel(v, &l.FunctionName.v)
					case "part":
						return refLabel(v, &l.Part)
					case "counter":
						return refLabel(v, &l.Counter)
					case "check":
						return refLabel(v, &l.Check)
					case "instance":
						return refLabel(v, &l.Instance)
					}
					return nil
				})
			case "value":
				valued = true
				return refPoint(v, &smp.Value)
			}
			return nil
		})
		if err != nil {
			return err
		}
		if valued {
			a.series++
			*series = append(*series, smp)
		}
	}
	return nil
}

// refPoint reads [timestamp, "value"]: a number, and a string holding one
// as strconv.ParseFloat reads it (Prometheus' model.SampleValue parses it
// so too, but without unescaping the JSON string first; the decoder
// unescapes, as JSON says a string is read).
func refPoint(v json.RawMessage, p *pointJSON) error {
	var pair []json.RawMessage
	if v[0] != '[' {
		return errors.New("value not an array")
	}
	if err := json.Unmarshal(v, &pair); err != nil {
		return err
	}
	if len(pair) != 2 {
		return fmt.Errorf("value of %d elements", len(pair))
	}
	if c := pair[0][0]; c != '-' && (c < '0' || c > '9') {
		return errors.New("timestamp not a number")
	}
	if err := json.Unmarshal(pair[0], &p.ts); err != nil {
		return err
	}
	if pair[1][0] != '"' {
		return errors.New("value not a string")
	}
	var s string
	if err := json.Unmarshal(pair[1], &s); err != nil {
		return err
	}
	var err error
	p.v, err = strconv.ParseFloat(s, 64)
	return err
}

// members hands an object's members to fn in their order, duplicates
// included; null has none, any other value is refused.
func members(v json.RawMessage, fn func(k string, v json.RawMessage) error) error {
	if string(v) == "null" {
		return nil
	}
	if v[0] != '{' {
		return errors.New("not an object")
	}
	dec := json.NewDecoder(bytes.NewReader(v))
	if _, err := dec.Token(); err != nil {
		return err
	}
	for dec.More() {
		k, err := dec.Token()
		if err != nil {
			return err
		}
		var m json.RawMessage
		if err := dec.Decode(&m); err != nil {
			return err
		}
		if err := fn(k.(string), m); err != nil {
			return err
		}
	}
	return nil
}

// refLabel reads a string, null as "".
func refLabel(v json.RawMessage, s *string) error {
	*s = ""
	if string(v) == "null" {
		return nil
	}
	if v[0] != '"' {
		return errors.New("not a string")
	}
	return json.Unmarshal(v, s)
}

// refLabels reads a list of strings (null elements as ""), or null.
func refLabels(v json.RawMessage, out *[]string) error {
	*out = nil
	if string(v) == "null" {
		return nil
	}
	if v[0] != '[' {
		return errors.New("not a list")
	}
	var elems []json.RawMessage
	if err := json.Unmarshal(v, &elems); err != nil {
		return err
	}
	for _, e := range elems {
		var s string
		if err := refLabel(e, &s); err != nil {
			return err
		}
		*out = append(*out, s)
	}
	return nil
}

// refFlag reads true, false or null (false).
func refFlag(v json.RawMessage, b *bool) error {
	switch string(v) {
	case "true":
		*b = true
	case "false", "null":
		*b = false
	default:
		return errors.New("not a flag")
	}
	return nil
}
