package prometheus

import (
	"fmt"
	"io"
	"strconv"
)

// answer is Prometheus' /api/v1/query answer, its vector's series decoded
// as they arrive (scan.go): what the source reads of it, nothing else.
type answer struct {
	status, errorType, errMsg string
	warnings                  []string
	partial                   bool // VictoriaMetrics' "isPartial" (partial.go)
	resultType                string
	series                    int // handed to each
	// other: the result was not a list of series (a scalar's or a
	// string's [time, "value"]); its value was skipped.
	other bool
}

// scanBuffer is what is read of an answer at a time.
const scanBuffer = 32 << 10

// decodeAnswer reads an answer from r and hands each series of a vector
// to each as it is read (sample reused: each copies what it keeps). A key
// the source does not read, at any level, is skipped whatever it holds
// (Prometheus adds some: infos, a sample's histogram). The answer read so
// far comes with an error.
func decodeAnswer(r io.Reader, each func(*sample)) (*answer, error) {
	return decodeAnswerBuf(r, scanBuffer, each)
}

// decodeAnswerBuf is decodeAnswer reading size bytes at a time: the fuzz
// test reads with tiny buffers too, so that every token straddles a refill.
func decodeAnswerBuf(r io.Reader, size int, each func(*sample)) (*answer, error) {
	s := newScanner(r, size)
	a := &answer{}
	var once dataKeys
	err := s.object(func(k []byte) (err error) {
		switch string(k) {
		case "status":
			a.status, err = s.label()
		case "errorType":
			a.errorType, err = s.label()
		case "error":
			a.errMsg, err = s.label()
		case "warnings":
			a.warnings, err = s.labels()
		case "isPartial":
			a.partial, err = s.flag()
		case "data":
			err = a.readData(s, &once, each)
		default:
			err = s.skip()
		}
		return err
	})
	if err != nil {
		return a, err
	}
	return a, s.end()
}

// dataKeys are the keys of "data" an answer may have once, in one "data"
// or in two. A second result is refused, not read: encoding/json keeps
// the last, but the series of the first were handed on as they were read,
// and the readers add up a function's series (readers.go), so it would
// read twice the load. A second resultType could say the first result was
// not a vector's.
type dataKeys struct{ resultType, result bool }

func (a *answer) readData(s *scanner, once *dataKeys, each func(*sample)) error {
	return s.object(func(k []byte) (err error) {
		switch string(k) {
		case "resultType":
			if once.resultType {
				return s.fail("a second resultType")
			}
			once.resultType = true
			a.resultType, err = s.label()
		case "result":
			if once.result {
				return s.fail("a second result")
			}
			once.result = true
			if a.resultType != "" && a.resultType != "vector" {
				err = s.skip() // a matrix, a scalar: refused whole
			} else {
				err = a.readResult(s, each)
			}
		default:
			err = s.skip()
		}
		return err
	})
}

// readResult reads a vector's series; anything else sets other. A series
// is handed to each once whole: a malformed one fails the answer first.
func (a *answer) readResult(s *scanner, each func(*sample)) error {
	c, err := s.peek()
	if err != nil {
		return err
	}
	if c != '[' && c != 'n' {
		a.other = true
		return s.skip()
	}
	var smp sample
	var inst string // the last instance label read, reused while the next is the same
	ok, err := s.open('[', ']')
	for ; ok && err == nil; ok, err = s.more(']') {
		if c, err = s.peek(); err != nil {
			return err
		}
		if c != '{' || a.other {
			a.other = true
			err = s.skip()
		} else {
			smp = sample{}
			var valued bool
			// A series without a "value" (a native histogram's sample has
			// "histogram" instead) has no reading: left out, so missing,
			// not handed on as a zero.
			if valued, err = readSample(s, &smp, &inst); err == nil && valued {
				a.series++
				each(&smp)
			}
		}
		if err != nil {
			return err
		}
	}
	return err
}

// readSample reads one series and says whether it had a "value".
func readSample(s *scanner, smp *sample, inst *string) (valued bool, err error) {
	err = s.object(func(k []byte) (err error) {
		switch string(k) {
		case "metric":
			err = readLabels(s, &smp.Metric, inst)
		case "value":
			err = readPoint(s, &smp.Value)
			valued = true
		default:
			err = s.skip()
		}
		return err
	})
	return valued, err
}

// readLabels reads a series' labels into l. An instance label equal to
// *inst is *inst, not a copy: an answer per gateway instance repeats a
// gateway's few addresses once per function (100,000 strings a read).
func readLabels(s *scanner, l *sampleLabels, inst *string) error {
	return s.object(func(k []byte) (err error) {
		switch string(k) {
		case "function_name":
			l.FunctionName.ok = true
			l.FunctionName.v, err = s.label()
		case "part":
			l.Part, err = s.label()
		case "counter":
			l.Counter, err = s.label()
		case "check":
			l.Check, err = s.label()
		case "instance":
			l.Instance, err = s.reused(inst)
		default:
			err = s.skip()
		}
		return err
	})
}

// readPoint reads a [timestamp, "value"] pair.
func readPoint(s *scanner, p *pointJSON) error {
	if err := s.want('['); err != nil {
		return fmt.Errorf("sample value: want [timestamp, \"value\"]: %w", err)
	}
	b, err := s.number()
	if err != nil {
		return fmt.Errorf("sample timestamp: %w", err)
	}
	ts, err := strconv.ParseFloat(string(b), 64)
	if err != nil {
		return fmt.Errorf("sample timestamp %.40q: %w", b, err)
	}
	if err := s.want(','); err != nil {
		return fmt.Errorf("sample value: want [timestamp, \"value\"]: %w", err)
	}
	if b, err = s.str(); err != nil {
		return fmt.Errorf("sample value: want a quoted number: %w", err)
	}
	v, err := strconv.ParseFloat(string(b), 64)
	if err != nil {
		return fmt.Errorf("sample value %.40q: %w", b, err)
	}
	if err := s.want(']'); err != nil {
		return fmt.Errorf("sample value: want [timestamp, \"value\"]: %w", err)
	}
	p.ts, p.v = ts, v
	return nil
}

// label reads a string, or null as "". The values the queries' own labels
// and an answer's fields take are the constants, not a copy each: one
// answer has a part, a counter or a check label per series.
func (s *scanner) label() (string, error) {
	b, err := s.strOrNull()
	if err != nil || b == nil {
		return "", err
	}
	switch string(b) {
	case "gauge":
		return "gauge", nil
	case "arrivals":
		return "arrivals", nil
	case counterStarted:
		return counterStarted, nil
	case counterEnded:
		return counterEnded, nil
	case checkUp:
		return checkUp, nil
	case checkAge:
		return checkAge, nil
	case checkSteps:
		return checkSteps, nil
	case "success":
		return "success", nil
	case "vector":
		return "vector", nil
	}
	return string(b), nil
}

// reused reads a string, or null as "": *last when it is the same, else a
// new string, which becomes *last.
func (s *scanner) reused(last *string) (string, error) {
	b, err := s.strOrNull()
	if err != nil || b == nil {
		return "", err
	}
	if string(b) != *last {
		*last = string(b)
	}
	return *last, nil
}

// strOrNull reads a string's bytes (valid until the next read), or null
// as nil.
func (s *scanner) strOrNull() ([]byte, error) {
	c, err := s.peek()
	if err != nil {
		return nil, err
	}
	if c == 'n' {
		return nil, s.null()
	}
	b, err := s.str()
	if b == nil && err == nil {
		b = []byte{} // "": present, not null
	}
	return b, err
}

// flag reads true, false, or null (false).
func (s *scanner) flag() (bool, error) {
	if _, err := s.peek(); err != nil {
		return false, err
	}
	switch w := s.word(); string(w) {
	case "true":
		return true, nil
	case "false", "null":
		return false, nil
	default:
		return false, s.fail("%.40q where true or false was expected", w)
	}
}

// labels reads a list of strings, or null.
func (s *scanner) labels() ([]string, error) {
	var out []string
	ok, err := s.open('[', ']')
	for ; ok && err == nil; ok, err = s.more(']') {
		var v string
		if v, err = s.label(); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, err
}
