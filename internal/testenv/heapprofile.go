package testenv

import (
	"fmt"
	"io"
	"net/http"
	"os"
)

// SaveHeapProfile writes the heap profile a controller serves on its
// --debug-listen address (debugURL, e.g. http://127.0.0.1:6060) to path.
// The soak and footprint harnesses use it to say what holds memory.
func SaveHeapProfile(debugURL, path string) error {
	resp, err := http.Get(debugURL + "/debug/pprof/heap")
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET /debug/pprof/heap: %s", resp.Status)
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
