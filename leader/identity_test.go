package leader

import (
	"fmt"
	"os"
	"strings"
	"testing"
)

// Two processes with the same hostname and pid must not share an identity:
// pods on the host network take the node's name as their hostname, and each
// container's first process is pid 1, so two replicas scheduled on one node
// were both "node_1". Each then read the other's Lease record as its own
// and renewed it: two leaders, two writers of replicas.
func TestIdentityDiffersBetweenProcessesOfOneHostAndPid(t *testing.T) {
	host, _ := os.Hostname()
	prefix := fmt.Sprintf("%s_%d", host, os.Getpid())
	a, b := DefaultIdentity(), DefaultIdentity()
	if a == b {
		t.Fatalf("two identities on one host and pid are both %q", a)
	}
	for _, id := range []string{a, b} {
		if !strings.HasPrefix(id, prefix+"_") {
			t.Errorf("identity %q: want %s_ and a random suffix (an operator reads the holder's pod in it)", id, prefix)
		}
	}
}
