package memlimit

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"path"
	"strconv"
	"strings"
)

// unlimitedV1 is where cgroup v1 values stop meaning a limit: "no limit" is
// written as the largest page-aligned int64 (9223372036854771712).
const unlimitedV1 = 1 << 62

// CgroupLimit returns the memory limit in bytes of the cgroup this process
// is in, read from fsys rooted at "/" (os.DirFS("/")); ok is false when
// there is none (no cgroup file, "max", v1's unlimited value). An error is a
// file that exists but says nothing a limit can be read from.
func CgroupLimit(fsys fs.FS) (limit uint64, ok bool, err error) {
	v2, v1, err := ownCgroups(fsys)
	if err != nil {
		return 0, false, err
	}
	if v1 != "" {
		// A hybrid host mounts v1's memory controller and an empty v2
		// hierarchy beside it: the memory controller is v1's.
		return v1Limit(fsys, v1)
	}
	if v2 != "" {
		return v2Limit(fsys, v2)
	}
	return 0, false, nil
}

// ownCgroups reads /proc/self/cgroup: the v2 path ("0::/…") and the path of
// v1's memory controller ("N:…memory…:/…"), each "" when absent.
func ownCgroups(fsys fs.FS) (v2, v1 string, err error) {
	b, err := fs.ReadFile(fsys, "proc/self/cgroup")
	if errors.Is(err, fs.ErrNotExist) {
		return "", "", nil // not Linux, or no procfs: no limit to read
	}
	if err != nil {
		return "", "", err
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		id, rest, ok1 := strings.Cut(sc.Text(), ":")
		ctrls, p, ok2 := strings.Cut(rest, ":")
		if !ok1 || !ok2 {
			continue
		}
		switch {
		case id == "0" && ctrls == "":
			v2 = p
		case containsField(ctrls, "memory"):
			v1 = p
		}
	}
	return v2, v1, sc.Err()
}

func containsField(list, want string) bool {
	for f := range strings.SplitSeq(list, ",") {
		if f == want {
			return true
		}
	}
	return false
}

// v2Limit is the lowest memory.max from the process's cgroup up to the
// root: a parent's limit binds its children. Inside a cgroup namespace the
// path is "/" and the container's own cgroup is the mount's root.
func v2Limit(fsys fs.FS, cg string) (uint64, bool, error) {
	var lowest uint64
	found := false
	for dir := path.Clean("/" + cg); ; dir = path.Dir(dir) {
		v, ok, err := readLimit(fsys, path.Join("sys/fs/cgroup", dir, "memory.max"), "max")
		if err != nil {
			return 0, false, err
		}
		if ok && (!found || v < lowest) {
			lowest, found = v, true
		}
		if dir == "/" {
			return lowest, found, nil
		}
	}
}

// v1Limit reads the memory controller's limit at the process's cgroup, or
// at the mount's root when the path is not visible there (a container sees
// its own cgroup as the root).
func v1Limit(fsys fs.FS, cg string) (uint64, bool, error) {
	for _, dir := range []string{path.Clean("/" + cg), "/"} {
		p := path.Join("sys/fs/cgroup/memory", dir, "memory.limit_in_bytes")
		if _, err := fs.Stat(fsys, p); errors.Is(err, fs.ErrNotExist) {
			continue
		}
		v, ok, err := readLimit(fsys, p, "")
		if err != nil || !ok || v >= unlimitedV1 {
			return 0, false, err
		}
		return v, true, nil
	}
	return 0, false, nil
}

// readLimit reads one limit file: a number of bytes, or unlimited (the
// word, when not ""); ok is false for a missing file or unlimited.
func readLimit(fsys fs.FS, name, unlimited string) (uint64, bool, error) {
	b, err := fs.ReadFile(fsys, name)
	if errors.Is(err, fs.ErrNotExist) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, err
	}
	s := strings.TrimSpace(string(b))
	if unlimited != "" && s == unlimited {
		return 0, false, nil
	}
	v, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return 0, false, fmt.Errorf("memlimit: %s: %q is not a number of bytes", "/"+name, s)
	}
	return v, true, nil
}

// Choice is what Choose decided: Set says whether to call
// debug.SetMemoryLimit(Limit); Reason says why, for the start-up log.
type Choice struct {
	Set    bool
	Limit  int64
	Reason string
}

// Choose decides the soft memory limit: ratio × the container's limit,
// unless GOMEMLIMIT is set (envSet: the runtime read it, and an operator's
// explicit value wins), the ratio is 0 (off), or there is no limit.
func Choose(envSet bool, containerLimit uint64, hasLimit bool, ratio float64) Choice {
	switch {
	case envSet:
		return Choice{Reason: "GOMEMLIMIT is set; the runtime uses it"}
	case ratio == 0:
		return Choice{Reason: "off (--memory-limit-ratio 0)"}
	case !hasLimit:
		return Choice{Reason: "no container memory limit found; the collector paces on GOGC alone"}
	}
	limit := float64(containerLimit) * ratio
	if limit >= math.MaxInt64 {
		return Choice{Reason: "the container's memory limit is beyond what the runtime takes; left unset"}
	}
	return Choice{Set: true, Limit: int64(limit),
		Reason: fmt.Sprintf("%g of the container's memory limit of %d bytes", ratio, containerLimit)}
}
