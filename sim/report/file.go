package report

import (
	"fmt"
	"io"
	"os"
)

// WriteFile creates path and renders into it, naming the file in a render
// error and closing it either way: the one way sim and sim-eval write their
// tables and charts.
func WriteFile(path string, render func(io.Writer) error) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := render(f); err != nil {
		f.Close()
		return fmt.Errorf("%s: %w", path, err)
	}
	return f.Close()
}
