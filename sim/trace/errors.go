package trace

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
)

// ParseError is bad input at a place in a file. Line and Column are 1-based;
// Column counts CSV fields (0 when the error concerns a whole line).
type ParseError struct {
	File   string
	Line   int
	Column int
	Msg    string
}

func (e *ParseError) Error() string {
	if e.Column > 0 {
		return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Column, e.Msg)
	}
	return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
}

// wrapCSV turns an encoding/csv error into a ParseError so every error from
// this package has the same shape. csv counts columns in bytes; we keep its
// numbers but say so.
func wrapCSV(file string, err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		if errors.Is(pe.Err, csv.ErrFieldCount) {
			return &ParseError{File: file, Line: pe.Line, Msg: pe.Err.Error()}
		}
		return &ParseError{File: file, Line: pe.Line, Column: pe.Column, Msg: pe.Err.Error() + " (column counted in bytes)"}
	}
	return fmt.Errorf("%s: %w", file, err)
}

// newCSVReader reads r as CSV after a UTF-8 byte-order mark, if r starts
// with one. Left for the header to trim, the mark made a quoted first field
// (`\ufeff"HashOwner",…`, as Excel and pandas' utf-8-sig write) a bare quote
// in an unquoted field, and a file of only the mark a header of one column
// named "".
func newCSVReader(r io.Reader) *csv.Reader {
	br := bufio.NewReader(r)
	if b, err := br.Peek(len(bom)); err == nil && string(b) == bom {
		_, _ = br.Discard(len(bom))
	}
	return csv.NewReader(br)
}

const bom = "\ufeff"

// readHeader reads a CSV file's first record: an empty file is a ParseError
// at line 1, like every other error of this package.
func readHeader(cr *csv.Reader, file string) ([]string, error) {
	header, err := cr.Read()
	if err == io.EOF {
		return nil, &ParseError{File: file, Line: 1, Msg: "empty file, want a header"}
	}
	if err != nil {
		return nil, wrapCSV(file, err)
	}
	return header, nil
}

// eachRecord calls fn with every record after the header and the line it
// starts on, until the end of the file or the first error (fn's, or the
// CSV reader's as a ParseError). With cr.ReuseRecord, rec is only valid
// during the call.
func eachRecord(cr *csv.Reader, file string, fn func(rec []string, line int) error) error {
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return wrapCSV(file, err)
		}
		line, _ := cr.FieldPos(0)
		if err := fn(rec, line); err != nil {
			return err
		}
	}
}
