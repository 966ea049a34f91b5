package jetstream_test

import (
	"net"
	"testing"

	"github.com/faas-autoscaler/faas-autoscaler/internal/teststack"
)

// TestClusterStartsWhenAPickedPortIsTaken: a port picked free for a node
// and taken by another process before the node binds it (CI runs packages
// side by side) made the cluster tests fail with "n0: exited before it was
// ready" ("bind: address already in use" in its log). startCluster starts
// again on other ports. Here n0's monitor port is held by the test.
func TestClusterStartsWhenAPickedPortIsTaken(t *testing.T) {
	teststack.NeedNATSServer(t)
	held, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	picks := 0
	defer func(f func() (string, error)) { clusterAddr = f }(clusterAddr)
	free := clusterAddr
	clusterAddr = func() (string, error) {
		picks++
		if picks == 3 { // n0's client, route, then monitor address
			return held.Addr().String(), nil
		}
		return free()
	}
	c := startCluster(t)
	clusterJS(t, c.urls[0])
	if picks <= 9 {
		t.Errorf("%d addresses picked, want a second start's", picks)
	}
}

// TestClusterStartsWhenAPickedPortRepeats: each free port is released as
// soon as it is picked, so the kernel may hand the same one out twice. In
// this session's CI it was n1's route port and n2's monitor port: n2 bound
// it first, n1 exited on "address already in use", and n0, which could not
// form the cluster without n1, never answered /healthz — a failure that
// looked like no port clash (n0's own log had none), so it was not started
// again. Here the ninth address picked repeats the fifth.
func TestClusterStartsWhenAPickedPortRepeats(t *testing.T) {
	teststack.NeedNATSServer(t)
	picks := 0
	var fifth string
	defer func(f func() (string, error)) { clusterAddr = f }(clusterAddr)
	free := clusterAddr
	clusterAddr = func() (string, error) {
		picks++
		switch picks {
		case 5: // n1's route address
			a, err := free()
			fifth = a
			return a, err
		case 9: // n2's monitor address
			return fifth, nil
		}
		return free()
	}
	c := startCluster(t)
	clusterJS(t, c.urls[0])
}
