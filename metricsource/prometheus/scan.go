package prometheus

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"
)

// scanner reads JSON from a reader a token at a time, through a buffer of
// its own, so that an answer of 100,000 series is decoded as it arrives
// instead of being read whole first (answer.go). Strings and numbers are
// handed out as bytes valid until the next read: the caller keeps, as a
// string, only what it needs.
type scanner struct {
	r    io.Reader
	buf  []byte
	i, n int    // the unread input is buf[i:n]
	off  int64  // bytes consumed before buf[0], for error messages
	rerr error  // the reader's error once it failed; io.EOF at the end
	tok  []byte // the last string or number read
	deep int    // nesting while skipping a value
}

// maxDepth bounds the nesting of a skipped value, as encoding/json does, so
// a hostile answer cannot grow the stack without end.
const maxDepth = 10000

// readFail is the reader's failure (a timeout, a reset connection): the
// answer could not be read, which is not the same as a malformed one.
type readFail struct{ err error }

func (e *readFail) Error() string { return e.err.Error() }
func (e *readFail) Unwrap() error { return e.err }

func newScanner(r io.Reader, size int) *scanner {
	return &scanner{r: r, buf: make([]byte, size)}
}

// fill reads more input once buf is used up; false at the end or on a
// read error (rerr says which).
func (s *scanner) fill() bool {
	for s.rerr == nil {
		s.off += int64(s.n)
		s.i = 0
		s.n, s.rerr = s.r.Read(s.buf)
		if s.n > 0 {
			return true
		}
	}
	return false
}

// fail is the error for input that ended early, a read error, or a syntax
// error described by what.
func (s *scanner) fail(what string, args ...any) error {
	if s.i == s.n && s.rerr != nil {
		if s.rerr != io.EOF {
			return &readFail{s.rerr}
		}
		return fmt.Errorf("answer cut short at byte %d: %w", s.off+int64(s.i), io.ErrUnexpectedEOF)
	}
	return fmt.Errorf("answer at byte %d: %s", s.off+int64(s.i), fmt.Sprintf(what, args...))
}

// peek skips white space and returns the next byte without consuming it.
func (s *scanner) peek() (byte, error) {
	for {
		for ; s.i < s.n; s.i++ {
			switch c := s.buf[s.i]; c {
			case ' ', '\t', '\n', '\r':
			default:
				return c, nil
			}
		}
		if !s.fill() {
			return 0, s.fail("")
		}
	}
}

// want consumes the next non-space byte, which must be c.
func (s *scanner) want(c byte) error {
	got, err := s.peek()
	if err != nil {
		return err
	}
	if got != c {
		return s.fail("%q where %q was expected", got, c)
	}
	s.i++
	return nil
}

// more reads the separator after an element of an object or array: true
// after a comma, false at the closing byte end.
func (s *scanner) more(end byte) (bool, error) {
	c, err := s.peek()
	if err != nil {
		return false, err
	}
	s.i++
	switch c {
	case ',':
		return true, nil
	case end:
		return false, nil
	}
	s.i--
	return false, s.fail("%q after an element, want ',' or %q", c, end)
}

// open consumes the opening byte of an object or array (start) and
// reports whether it has any element; false also for null.
func (s *scanner) open(start, end byte) (bool, error) {
	c, err := s.peek()
	if err != nil {
		return false, err
	}
	if c == 'n' {
		return false, s.null()
	}
	if err := s.want(start); err != nil {
		return false, err
	}
	if c, err = s.peek(); err != nil {
		return false, err
	}
	if c == end {
		s.i++
		return false, nil
	}
	return true, nil
}

// key reads an object's key and its colon; the key is in s.tok.
func (s *scanner) key() ([]byte, error) {
	k, err := s.str()
	if err != nil {
		return nil, err
	}
	return k, s.want(':')
}

// object reads an object (or null), handing each key to field, which
// reads the key's value; it stops at field's first error.
func (s *scanner) object(field func(k []byte) error) error {
	ok, err := s.open('{', '}')
	for ; ok && err == nil; ok, err = s.more('}') {
		var k []byte
		if k, err = s.key(); err != nil {
			return err
		}
		if err = field(k); err != nil {
			return err
		}
	}
	return err
}

// str reads a string into s.tok, unescaped. Strings without escapes or
// non-ASCII bytes, all of an answer's in practice, are copied as they are;
// the others are unquoted by encoding/json, for the same result (invalid
// UTF-8 becomes U+FFFD).
func (s *scanner) str() ([]byte, error) {
	if err := s.want('"'); err != nil {
		return nil, err
	}
	s.tok = append(s.tok[:0], '"')
	plain := true
	for {
		if s.i == s.n && !s.fill() {
			return nil, s.fail("")
		}
		j := s.i
		for j < s.n {
			c := s.buf[j]
			if c == '"' || c == '\\' || c < 0x20 || c >= utf8.RuneSelf {
				break
			}
			j++
		}
		s.tok = append(s.tok, s.buf[s.i:j]...)
		s.i = j
		if j == s.n {
			continue
		}
		switch c := s.buf[j]; {
		case c == '"':
			s.i++
			s.tok = append(s.tok, '"')
			if plain {
				return s.tok[1 : len(s.tok)-1], nil
			}
			return s.unquote()
		case c < 0x20:
			return nil, s.fail("control character %q in a string", c)
		case c == '\\':
			// The escape and the byte after it, so a quote escaped does
			// not end the string; unquote reads them.
			plain = false
			s.tok = append(s.tok, c)
			s.i++
			if s.i == s.n && !s.fill() {
				return nil, s.fail("")
			}
			s.tok = append(s.tok, s.buf[s.i])
			s.i++
		default:
			plain = false
			s.tok = append(s.tok, c)
			s.i++
		}
	}
}

func (s *scanner) unquote() ([]byte, error) {
	var v string
	if err := json.Unmarshal(s.tok, &v); err != nil {
		return nil, s.fail("string %.40q: %v", s.tok, err)
	}
	s.tok = append(s.tok[:0], v...)
	return s.tok, nil
}

// word reads the bytes of a number or literal into s.tok.
func (s *scanner) word() []byte {
	s.tok = s.tok[:0]
	for {
		for ; s.i < s.n; s.i++ {
			c := s.buf[s.i]
			if !('0' <= c && c <= '9' || 'a' <= c && c <= 'z' || c == '-' || c == '+' || c == '.' || c == 'E') {
				return s.tok
			}
			s.tok = append(s.tok, c)
		}
		if !s.fill() {
			return s.tok
		}
	}
}

// number reads a JSON number into s.tok.
func (s *scanner) number() ([]byte, error) {
	if _, err := s.peek(); err != nil {
		return nil, err
	}
	if w := s.word(); !isNumber(w) {
		return nil, s.fail("%.40q is not a number", w)
	}
	return s.tok, nil
}

// null reads the literal null.
func (s *scanner) null() error {
	if w := s.word(); string(w) != "null" {
		return s.fail("%.40q where null was expected", w)
	}
	return nil
}

// skip reads a value of any kind and drops it.
func (s *scanner) skip() error {
	c, err := s.peek()
	if err != nil {
		return err
	}
	switch {
	case c == '"':
		_, err := s.str()
		return err
	case c == '{' || c == '[':
		if s.deep++; s.deep > maxDepth {
			return s.fail("nested over %d deep", maxDepth)
		}
		defer func() { s.deep-- }()
		end := byte('}')
		if c == '[' {
			end = ']'
		}
		ok, err := s.open(c, end)
		for ; ok && err == nil; ok, err = s.more(end) {
			if c == '{' {
				if _, err := s.key(); err != nil {
					return err
				}
			}
			if err := s.skip(); err != nil {
				return err
			}
		}
		return err
	case c == '-' || '0' <= c && c <= '9':
		_, err := s.number()
		return err
	}
	switch w := s.word(); string(w) {
	case "true", "false", "null":
		return nil
	default:
		return s.fail("unexpected %.40q", w)
	}
}

// end checks that nothing but white space follows the value read (peek's
// error at the end would be made only to be dropped).
func (s *scanner) end() error {
	for {
		for ; s.i < s.n; s.i++ {
			switch c := s.buf[s.i]; c {
			case ' ', '\t', '\n', '\r':
			default:
				return s.fail("%q after the answer", c)
			}
		}
		if !s.fill() {
			if s.rerr == io.EOF {
				return nil
			}
			return s.fail("")
		}
	}
}

// isNumber reports whether b is a JSON number:
// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func isNumber(b []byte) bool {
	digits := func(i int) int {
		for i < len(b) && '0' <= b[i] && b[i] <= '9' {
			i++
		}
		return i
	}
	i := 0
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && '1' <= b[i] && b[i] <= '9':
		i = digits(i)
	default:
		return false
	}
	if i < len(b) && b[i] == '.' {
		j := digits(i + 1)
		if j == i+1 {
			return false
		}
		i = j
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		j := digits(i)
		if j == i {
			return false
		}
		i = j
	}
	return i == len(b)
}

// isReadFail tells a read failure from a malformed answer.
func isReadFail(err error) bool {
	var rf *readFail
	return errors.As(err, &rf)
}
