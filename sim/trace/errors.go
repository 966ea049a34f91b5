package trace

import (
	"encoding/csv"
	"errors"
	"fmt"
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
