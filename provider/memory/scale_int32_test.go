package memory

import (
	"bufio"
	"errors"
	"math"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/faas-autoscaler/faas-autoscaler/clock"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// TestScaleAboveInt32IsRefusedLikeTheRealProviders: both real
// providers refuse a count above math.MaxInt32 with a
// *provider.RefusedError before doing anything (provider/kubernetes
// scale.go: "Kubernetes replica counts are int32"; provider/openfaas
// client.go: "OpenFaaS providers keep replica counts in an int32"), and
// the scaler accepts any uint64 com.openfaas.scale.max (scaler/step.go
// stepSize: "any uint64 is accepted"), so step mode with factor 100 asks
// for max at once. The memory provider, which backs the embedded default
// and the simulated gateway (gatewaysim: POST /system/scale-function hands
// the body's replicas straight to Scale), instead appends one time.Time per
// replica: 2^31 replicas are 48 GiB, and the process dies of an
// out-of-memory fatal error instead of answering a refusal.
//
// The write runs in a child process whose address space is capped at
// 256 MiB above its size, so the failure is a crashed child, not a crashed
// test binary or machine.
//
// Seen failing before the fix: the child process died of "fatal error: out of memory".
func TestScaleAboveInt32IsRefusedLikeTheRealProviders(t *testing.T) {
	if os.Getenv("MEMORY_INT32_CHILD") == "1" {
		capAddressSpace(t, 256<<20)
		p := New(clock.Real(), Options{})
		mustDeploy(t, p, provider.Function{Ref: figlet, Replicas: 1})
		err := p.Scale(t.Context(), figlet, math.MaxInt32+1)
		var refused *provider.RefusedError
		if !errors.As(err, &refused) {
			t.Fatalf("Scale(2^31): err %v; want a *provider.RefusedError as the Kubernetes and OpenFaaS providers answer", err)
		}
		if got := replicas(t, p, figlet)[0]; got != 1 {
			t.Fatalf("desired after a refused Scale(2^31) = %d, want 1", got)
		}
		return
	}
	cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^TestScaleAboveInt32IsRefusedLikeTheRealProviders$", "-test.count=1")
	cmd.Env = append(os.Environ(), "MEMORY_INT32_CHILD=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		head := string(out)
		if len(head) > 600 {
			head = head[:600]
		}
		t.Fatalf("Scale(figlet, 2^31) on the memory provider: the process failed (%v) instead of refusing the count as both real providers do; output:\n%s", err, head)
	}
}

// capAddressSpace limits the process's address space to its current size
// plus extra bytes.
func capAddressSpace(t *testing.T, extra uint64) {
	t.Helper()
	f, err := os.Open("/proc/self/status")
	if err != nil {
		t.Skipf("no /proc/self/status: %v", err)
	}
	defer f.Close()
	var vm uint64
	s := bufio.NewScanner(f)
	for s.Scan() {
		if rest, ok := strings.CutPrefix(s.Text(), "VmSize:"); ok {
			kb, err := strconv.ParseUint(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			vm = kb << 10
		}
	}
	if vm == 0 {
		t.Skip("no VmSize")
	}
	lim := syscall.Rlimit{Cur: vm + extra, Max: vm + extra}
	if err := syscall.Setrlimit(syscall.RLIMIT_AS, &lim); err != nil {
		t.Skipf("setrlimit: %v", err)
	}
}

// TestScaleAboveMaxHeldIsRefused: the bound is the memory provider's own
// (a ready time per replica), below int32; deploys are held to it too.
func TestScaleAboveMaxHeldIsRefused(t *testing.T) {
	p := New(clock.Real(), Options{})
	mustDeploy(t, p, provider.Function{Ref: figlet, Replicas: 1})
	var refused *provider.RefusedError
	if err := p.Scale(t.Context(), figlet, MaxHeld+1); !errors.As(err, &refused) {
		t.Errorf("Scale(MaxHeld+1): %v, want a refusal", err)
	}
	if err := p.Scale(t.Context(), figlet, 3); err != nil {
		t.Errorf("Scale(3) after the refusal: %v", err)
	}
	if err := p.Deploy(provider.Function{Ref: provider.Ref{Name: "big", Namespace: "ns"}, Replicas: MaxHeld + 1}); err == nil {
		t.Error("Deploy with MaxHeld+1 replicas accepted")
	}
}
