package main

import (
	"flag"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"
)

// envFlags binds flags to environment variables: a flag not given on the
// command line takes its variable's value, if set. Names follow OpenFaaS's
// lower_snake style (gateway_url, secret_mount_path, basic_auth, …).
type envFlags struct {
	fs  *flag.FlagSet
	env map[string]string // flag name → environment variable
	// fromEnv are the flags parse took from their variable (flag name →
	// variable), so a message about the value can name where it came from.
	fromEnv map[string]string
}

func newEnvFlags(name string) *envFlags {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	return &envFlags{fs: fs, env: map[string]string{}, fromEnv: map[string]string{}}
}

// bind records the variable of a flag already defined on fs and notes it in
// the usage text.
func (e *envFlags) bind(flagName, envName string) {
	f := e.fs.Lookup(flagName)
	if f == nil {
		panic("envFlags.bind: no flag " + flagName) // programming error, caught by tests
	}
	e.env[flagName] = envName
	f.Usage += " (env " + envName + ")"
}

// parse reads args, then fills unset flags from the environment. An
// environment value that does not parse is an error naming the variable.
func (e *envFlags) parse(args []string, getenv func(string) string) error {
	e.fs.VisitAll(func(f *flag.Flag) {
		if g, ok := f.Value.(flag.Getter); ok {
			if _, isDuration := g.Get().(time.Duration); isDuration {
				if _, wrapped := f.Value.(durationValue); !wrapped {
					f.Value = durationValue{g}
					// The usage names the type from the back-quoted word
					// (flag.UnquoteUsage): a wrapped Value alone shows "value".
					f.Usage += " (a `duration` with a unit, such as 5s)"
				}
			}
		}
	})
	if err := e.fs.Parse(args); err != nil {
		return err
	}
	set := map[string]bool{}
	e.fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	for name, env := range e.env {
		if set[name] {
			continue
		}
		v, ok := lookup(getenv, env)
		if !ok {
			continue
		}
		if err := e.fs.Set(name, v); err != nil {
			return fmt.Errorf("environment variable %s=%q (for --%s): %v", env, v, name, wanted(e.fs.Lookup(name), err))
		}
		e.fromEnv[name] = env
	}
	if e.fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", e.fs.Arg(0))
	}
	return nil
}

// lookup reads the environment variable name (through getenv, or the
// process's when nil). The empty string is no value: a manifest's `value:
// ""` or a shell's `dry_run=` then keeps the flag's default, as the OpenFaaS
// components read their variables, instead of failing the start on a bool
// or a duration that does not parse.
func lookup(getenv func(string) string, name string) (string, bool) {
	if getenv == nil {
		getenv = os.Getenv
	}
	v := getenv(name)
	return v, v != ""
}

// explicitFlags is the set of e's flags given on the command line or by a
// non-empty environment variable.
func explicitFlags(e *envFlags) map[string]bool {
	explicit := map[string]bool{}
	e.fs.Visit(func(f *flag.Flag) { explicit[f.Name] = true })
	for name, env := range e.env {
		if _, ok := lookup(nil, env); ok {
			explicit[name] = true
		}
	}
	return explicit
}

// stringList is a comma-separated flag value.
type stringList []string

func (s *stringList) String() string { return strings.Join(*s, ",") }

// Set refuses an entry given twice (--namespaces a,a): each namespace's
// functions were then listed, decided and proposed for twice a pass; and a
// value of commas only (--namespaces ","), which named no namespace and
// read as "every namespace". An empty value is no list (the default). The
// flag given again adds its namespaces (--namespaces a --namespaces b is a
// and b): it kept only the last, and a's functions were never scaled or
// idled, without a word (a review's finding); a namespace given in two of
// them is refused as in one.
func (s *stringList) Set(v string) error {
	before := len(*s)
	for part := range strings.SplitSeq(v, ",") {
		p := strings.TrimSpace(part)
		if p == "" {
			continue
		}
		if slices.Contains(*s, p) {
			return fmt.Errorf("namespace %q is given twice", p)
		}
		*s = append(*s, p)
	}
	if len(*s) == before && strings.TrimSpace(v) != "" {
		return fmt.Errorf("no namespace in %q", v)
	}
	return nil
}

// durationValue is a duration flag whose error says what is wrong: the
// flag package's own says only "parse error", so `--interval 5` or
// `scale_interval=5` (a bare number, as YAML files and other tools' variables
// write seconds) gave no hint that the unit was missing. parse wraps every
// duration flag of the set in it, the deprecated tuning flags included.
type durationValue struct{ flag.Getter }

func (d durationValue) Set(s string) error {
	if _, err := time.ParseDuration(s); err != nil {
		return fmt.Errorf("%s: want a duration such as 5s, 1m30s or 2h", strings.TrimPrefix(err.Error(), "time: "))
	}
	return d.Getter.Set(s)
}

// String is safe on the zero value, which the flag package makes to tell
// whether a default is worth showing in the usage.
func (d durationValue) String() string {
	if d.Getter == nil {
		return time.Duration(0).String()
	}
	return d.Getter.String()
}

// wanted replaces the flag package's bare "parse error" of a switch, a
// count or a share with what the flag takes; other errors (a duration's,
// a Value of ours) already say it and pass through.
func wanted(f *flag.Flag, err error) error {
	if f == nil || !strings.Contains(err.Error(), "parse error") {
		return err
	}
	g, ok := f.Value.(flag.Getter)
	if !ok {
		return err
	}
	switch g.Get().(type) {
	case bool:
		return fmt.Errorf("not a switch: want true or false")
	case int, int64, uint, uint64:
		return fmt.Errorf("not a whole number: want digits only, such as %s", f.DefValue)
	case float64:
		return fmt.Errorf("not a number: want a decimal such as %s", f.DefValue)
	}
	return err
}
