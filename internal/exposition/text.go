package exposition

import (
	"bufio"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Streamer writes whole metric families, each family once, in the
// Prometheus text format (version 0.0.4). Its families must not share a
// name with a registered collector's or another streamer's.
type Streamer interface {
	WriteText(w *Writer) error
}

// StreamerFunc adapts a function to Streamer.
type StreamerFunc func(w *Writer) error

// WriteText calls f.
func (f StreamerFunc) WriteText(w *Writer) error { return f(w) }

// Writer writes families and samples in the text format, escaped and with
// values formatted as client_golang's encoder does, so a streamed family
// reads the same as the const metrics it replaces. Errors stick: the first
// write error is returned by Err and later writes do nothing.
type Writer struct {
	w       *bufio.Writer
	scratch []byte
	err     error
}

// NewWriter writes to w.
func NewWriter(w *bufio.Writer) *Writer { return &Writer{w: w, scratch: make([]byte, 0, 64)} }

// Err is the first write error.
func (w *Writer) Err() error { return w.err }

// Flush flushes the buffer and returns the first error.
func (w *Writer) Flush() error {
	if w.err == nil {
		w.err = w.w.Flush()
	}
	return w.err
}

// Family starts a family: its HELP and TYPE lines. typ is "gauge",
// "counter" or "untyped".
func (w *Writer) Family(name, help, typ string) {
	w.str("# HELP ")
	w.str(name)
	w.byte(' ')
	w.escaped(help, false)
	w.str("\n# TYPE ")
	w.str(name)
	w.byte(' ')
	w.str(typ)
	w.byte('\n')
}

// Label is one label of a sample.
type Label struct {
	Name  string
	Value string
	// Suffix, when not empty, is written after Value with a '.' between:
	// provider.Ref's "name.namespace" without building the string.
	Suffix string
}

// Sample writes one sample line: name{labels} value.
func (w *Writer) Sample(name string, value float64, labels ...Label) {
	w.str(name)
	if len(labels) > 0 {
		w.byte('{')
		for i, l := range labels {
			if i > 0 {
				w.byte(',')
			}
			w.str(l.Name)
			w.str(`="`)
			w.escaped(l.Value, true)
			if l.Suffix != "" {
				w.byte('.')
				w.escaped(l.Suffix, true)
			}
			w.byte('"')
		}
		w.byte('}')
	}
	w.byte(' ')
	w.float(value)
	w.byte('\n')
}

func (w *Writer) str(s string) {
	if w.err == nil {
		_, w.err = w.w.WriteString(s)
	}
}

func (w *Writer) byte(b byte) {
	if w.err == nil {
		w.err = w.w.WriteByte(b)
	}
}

// escaped writes s with the text format's escapes: backslash and newline,
// and the double quote inside a label value. Bytes that are not UTF-8 are
// written as U+FFFD: Prometheus' parser refuses the whole page over one
// such label value (every series of the scrape lost, the target down),
// where client_golang's const metrics refused the one series.
func (w *Writer) escaped(s string, quote bool) {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	if !strings.ContainsAny(s, "\\\n\"") {
		w.str(s)
		return
	}
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\':
			w.str(`\\`)
		case c == '\n':
			w.str(`\n`)
		case c == '"' && quote:
			w.str(`\"`)
		default:
			w.byte(c)
		}
	}
}

// float formats as the text encoder does: shortest 'g', and the
// format's spellings of the special values.
func (w *Writer) float(f float64) {
	switch {
	case f == 0:
		w.byte('0')
	case f == 1:
		w.byte('1')
	case f == -1:
		w.str("-1")
	case math.IsNaN(f):
		w.str("NaN")
	case math.IsInf(f, +1):
		w.str("+Inf")
	case math.IsInf(f, -1):
		w.str("-Inf")
	default:
		w.scratch = strconv.AppendFloat(w.scratch[:0], f, 'g', -1, 64)
		if w.err == nil {
			_, w.err = w.w.Write(w.scratch)
		}
	}
}
