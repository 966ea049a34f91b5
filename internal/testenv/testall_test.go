package testenv_test

import (
	"bufio"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// toolMarkers are what a test file holds when it runs a tool `make test`
// builds (scripts/test-all.sh): a path from the environment (PROMTOOL3,
// K8S_TEST_BIN, HELM, … through testenv.EnvPath), a real API server
// (kubecluster), or nats-server (teststack.NeedNATSServer).
var toolMarkers = map[string]string{
	"testenv.EnvPath(":    "tool_pkgs",
	"kubecluster.":        "tool_pkgs",
	"NeedNATSServer(":     "nats_pkgs",
	"teststack.StartNATS": "nats_pkgs",
}

// scripts/test-all.sh runs, on a cold machine, every package that needs no
// built tool while the tools build, and the tool_pkgs list after them. A
// package missing from the list ran before its tool existed and failed
// under CI=true: the dashboards' promtool 3 tests (added with the step
// panel) passed on every warm run and failed the first cold one. Here:
// every package whose tests use a built tool is in the list that runs it
// after the tool is there.
func TestEveryToolUsingPackageRunsAfterItsTool(t *testing.T) {
	root := repoRoot(t)
	lists := testAllLists(t, filepath.Join(root, "scripts", "test-all.sh"))
	if len(lists["tool_pkgs"]) == 0 || len(lists["nats_pkgs"]) == 0 {
		t.Fatalf("read no tool_pkgs or nats_pkgs from scripts/test-all.sh: %v", lists)
	}
	needs := map[string]map[string]bool{} // package dir (relative) → lists that may run it
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if p != root && (strings.HasPrefix(d.Name(), ".") || fileExists(filepath.Join(p, "go.mod"))) {
				return filepath.SkipDir // another module: not in `go list ./...`
			}
			return nil
		}
		if !strings.HasSuffix(p, "_test.go") || filepath.Dir(p) == filepath.Join(root, "internal", "testenv") {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, filepath.Dir(p))
		for m, list := range toolMarkers {
			if strings.Contains(string(b), m) {
				if needs[rel] == nil {
					needs[rel] = map[string]bool{}
				}
				needs[rel][list] = true
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(needs) == 0 {
		t.Fatal("found no package using a built tool: the markers are out of date")
	}
	for dir, ls := range needs {
		inTools := covered(lists["tool_pkgs"], dir)
		switch {
		case ls["tool_pkgs"] && !inTools:
			t.Errorf("%s: its tests use a tool `make test` builds (PROMTOOL3, K8S_TEST_BIN, HELM, a kube-apiserver), "+
				"but it is not in scripts/test-all.sh's tool_pkgs: on a cold machine it runs before the tool is built", dir)
		case ls["nats_pkgs"] && !inTools && !covered(lists["nats_pkgs"], dir):
			t.Errorf("%s: its tests use nats-server, but it is in neither nats_pkgs nor tool_pkgs of scripts/test-all.sh", dir)
		}
	}
}

// covered says whether one of the script's package patterns (./x/...)
// matches dir.
func covered(patterns []string, dir string) bool {
	for _, p := range patterns {
		base := strings.TrimSuffix(strings.TrimPrefix(p, "./"), "/...")
		if dir == base || strings.HasPrefix(dir, base+"/") {
			return true
		}
	}
	return false
}

// testAllLists reads the script's bash arrays NAME=(./a/... ./b/... …),
// which may span lines.
func testAllLists(t *testing.T, path string) map[string][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	start := regexp.MustCompile(`^([a-z_]+_pkgs)=\((.*)$`)
	lists := map[string][]string{}
	var cur string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if cur == "" {
			m := start.FindStringSubmatch(line)
			if m == nil {
				continue
			}
			cur, line = m[1], m[2]
		}
		end := strings.Contains(line, ")")
		line, _, _ = strings.Cut(line, ")")
		lists[cur] = append(lists[cur], strings.Fields(line)...)
		if end {
			cur = ""
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return lists
}

func repoRoot(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	for !fileExists(filepath.Join(dir, "scripts", "test-all.sh")) {
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no scripts/test-all.sh above the test's directory")
		}
		dir = parent
	}
	return dir
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}
