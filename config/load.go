package config

import (
	"fmt"
	"os"
)

// Load reads the file at path, parses it strictly over Default() and
// validates the result. Every problem is reported, each naming
// path:line:col and the key; a value that decodes but is out of range is
// reported at the position of the key that holds it (a default that is
// invalid only in combination with the file, such as defaults.min above a
// defaults.max left at its default, is reported without a position).
func Load(path string) (Config, error) { return LoadWith(path, nil) }

// LoadWith is Load followed by the deprecated flags: the file is parsed,
// then every deprecated flag that was set overrides its key (a flag beats
// the file), then the result is validated once, so an error names where the
// bad value came from: path:line:col for a key from the file, the flag for
// a value from a flag. path "" means no file: Default() with the flags. d
// may be nil.
//
// This is what both the start and a SIGHUP reload call: on error the caller
// keeps the configuration it has.
func LoadWith(path string, d *Deprecated) (Config, error) {
	c, pos := Default(), positions{}
	if path != "" {
		data, err := os.ReadFile(path)
		if err != nil {
			return Default(), fmt.Errorf("config: %v", err)
		}
		c, pos, err = parse(path, data)
		if err != nil {
			return Default(), err
		}
	}
	fromFlag := d.apply(&c)
	origin := func(key string) string {
		if f, ok := fromFlag[key]; ok {
			return "flag --" + f
		}
		if p, ok := pos[key]; ok {
			return fmt.Sprintf("%s:%d:%d", path, p.line, p.col)
		}
		return ""
	}
	if err := render(c.problems(), origin); err != nil {
		return Default(), err
	}
	return c, nil
}
