package main

import "testing"

// TestGatewayFunctionStartsAtItsMinimum: a function deployed with
// com.openfaas.scale.min=3 starts with 3 replicas, as faas-netes creates its
// Deployment with the minimum; starting at 1 showed the controller a function
// below its minimum that no real provider shows it. A minimum that is not a
// whole number is left to the controller to refuse (the function starts at 1,
// as faas-netes ignores it).
func TestGatewayFunctionStartsAtItsMinimum(t *testing.T) {
	for _, tc := range []struct {
		flag string
		want uint64
	}{
		{"f:com.openfaas.scale.min=3", 3},
		{"f:com.openfaas.scale.min=0", 0},
		{"f", 1},
		{"f:com.openfaas.scale.min=two", 1},
		{"f:com.openfaas.scale.min=-2", 1},
	} {
		var fns functionFlags
		if err := fns.Set(tc.flag); err != nil {
			t.Fatalf("%s: %v", tc.flag, err)
		}
		if fn := fns[0]; fn.Replicas != tc.want || fn.AvailableReplicas != tc.want {
			t.Errorf("--function %s: deployed %d (%d available), want %d", tc.flag, fn.Replicas, fn.AvailableReplicas, tc.want)
		}
	}
	var fns functionFlags
	if err := fns.Set("f:com.openfaas.scale.min=5000"); err == nil {
		t.Errorf("--function f:com.openfaas.scale.min=5000 accepted: every replica is simulated, want it refused")
	}
}
