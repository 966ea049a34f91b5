package memlimit

import (
	"os"
	"strings"
	"testing"
	"testing/fstest"
)

func files(kv ...string) fstest.MapFS {
	m := fstest.MapFS{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = &fstest.MapFile{Data: []byte(kv[i+1])}
	}
	return m
}

func TestCgroupLimit(t *testing.T) {
	for _, tc := range []struct {
		name  string
		fsys  fstest.MapFS
		want  uint64
		found bool
	}{
		{"v2 in a cgroup namespace (Kubernetes on a v2 node)", files(
			"proc/self/cgroup", "0::/\n",
			"sys/fs/cgroup/memory.max", "268435456\n"), 268435456, true},
		{"v2 unlimited", files(
			"proc/self/cgroup", "0::/\n",
			"sys/fs/cgroup/memory.max", "max\n"), 0, false},
		{"v2 without a namespace: the lowest along the path", files(
			"proc/self/cgroup", "0::/kubepods.slice/pod1/ctr\n",
			"sys/fs/cgroup/kubepods.slice/pod1/ctr/memory.max", "max\n",
			"sys/fs/cgroup/kubepods.slice/pod1/memory.max", "536870912\n",
			"sys/fs/cgroup/kubepods.slice/memory.max", "1073741824\n"), 536870912, true},
		{"v2 path not visible: the mount's root is the container's", files(
			"proc/self/cgroup", "0::/system.slice/docker-1.scope\n",
			"sys/fs/cgroup/memory.max", "134217728\n"), 134217728, true},
		{"v1 at its path (a hybrid host: empty v2 line beside it)", files(
			"proc/self/cgroup", "4:memory:/process_api/abc\n0::/\n",
			"sys/fs/cgroup/memory/process_api/abc/memory.limit_in_bytes", "268435456\n",
			"sys/fs/cgroup/memory/memory.limit_in_bytes", "9223372036854771712\n"), 268435456, true},
		{"v1 unlimited", files(
			"proc/self/cgroup", "4:memory:/\n",
			"sys/fs/cgroup/memory/memory.limit_in_bytes", "9223372036854771712\n"), 0, false},
		{"v1 with joined controllers, path not visible", files(
			"proc/self/cgroup", "3:cpu,memory:/docker/abc\n",
			"sys/fs/cgroup/memory/memory.limit_in_bytes", "67108864\n"), 67108864, true},
		{"no procfs", files(), 0, false},
		{"no limit files", files("proc/self/cgroup", "0::/\n"), 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, found, err := CgroupLimit(tc.fsys)
			if err != nil || got != tc.want || found != tc.found {
				t.Errorf("CgroupLimit = %d, %v, %v; want %d, %v, nil", got, found, err, tc.want, tc.found)
			}
		})
	}
}

func TestCgroupLimitNamesAFileItCannotRead(t *testing.T) {
	_, _, err := CgroupLimit(files("proc/self/cgroup", "0::/\n", "sys/fs/cgroup/memory.max", "lots\n"))
	if err == nil || !strings.Contains(err.Error(), "/sys/fs/cgroup/memory.max") || !strings.Contains(err.Error(), "lots") {
		t.Errorf("err = %v, want one naming the file and its content", err)
	}
}

// TestCgroupLimitOnThisMachine reads the real files: whatever this host's
// cgroups say, they parse.
func TestCgroupLimitOnThisMachine(t *testing.T) {
	if _, err := os.Stat("/proc/self/cgroup"); err != nil {
		t.Skip("no /proc/self/cgroup here")
	}
	limit, found, err := CgroupLimit(os.DirFS("/"))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("this machine: limit %d, found %v", limit, found)
}

func TestChoose(t *testing.T) {
	for _, tc := range []struct {
		name      string
		envSet    bool
		limit     uint64
		has       bool
		ratio     float64
		wantSet   bool
		wantLimit int64
		reason    string
	}{
		{"ratio of the limit", false, 256 << 20, true, 0.9, true, 241591910, "0.9 of the container's memory limit of 268435456 bytes"},
		{"GOMEMLIMIT wins", true, 256 << 20, true, 0.9, false, 0, "GOMEMLIMIT is set"},
		{"off", false, 256 << 20, true, 0, false, 0, "off"},
		{"no limit", false, 0, false, 0.9, false, 0, "no container memory limit"},
		{"beyond int64", false, 1 << 63, true, 1, false, 0, "beyond"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := Choose(tc.envSet, tc.limit, tc.has, tc.ratio)
			if c.Set != tc.wantSet || c.Limit != tc.wantLimit || !strings.Contains(c.Reason, tc.reason) {
				t.Errorf("Choose = %+v, want set %v limit %d, a reason saying %q", c, tc.wantSet, tc.wantLimit, tc.reason)
			}
		})
	}
}
