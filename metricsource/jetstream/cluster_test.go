package jetstream_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	natsjs "github.com/nats-io/nats.go/jetstream"

	"github.com/faas-autoscaler/faas-autoscaler/internal/queueworker"
	"github.com/faas-autoscaler/faas-autoscaler/internal/teststack"
	"github.com/faas-autoscaler/faas-autoscaler/metricsource/jetstream"
)

// cluster is three nats-server processes in one JetStream cluster, as
// OpenFaaS advises for production (an external NATS with 3 replicas). A
// clustered server answers the consumer list differently from a single one:
// the meta leader gathers each consumer's info from its leader.
type cluster struct {
	urls  [3]string
	nodes [3]*clusterNode
}

type clusterNode struct {
	cmd  *exec.Cmd
	done chan struct{}
	logs teststack.SyncBuffer
}

func (n *clusterNode) stop() {
	if n.cmd == nil {
		return
	}
	_ = n.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-n.done:
	case <-time.After(10 * time.Second):
		_ = n.cmd.Process.Kill()
		<-n.done
	}
	n.cmd = nil
}

// startCluster starts nodes n0, n1, n2, each tagged node:nX so a stream can
// be placed on one of them. The ports are picked free and released before
// nats-server binds them (it takes no inherited socket), so another process
// can take one in between (CI runs packages side by side): a node that exits
// with "address already in use" is a start on other ports, up to three.
func startCluster(t *testing.T) *cluster {
	t.Helper()
	bin := teststack.NeedNATSServer(t)
	for attempt := 1; ; attempt++ {
		c, err := tryStartCluster(t, bin)
		if err == nil {
			return c
		}
		if !errors.Is(err, errPortTaken) || attempt == 3 {
			t.Fatal(err)
		}
		t.Logf("attempt %d: %v; again on other ports", attempt, err)
	}
}

// errPortTaken: a node could not bind a port picked free for it.
var errPortTaken = errors.New("a port picked free was taken before the node bound it")

// clusterAddr picks a free loopback address for a node (tests replace it).
var clusterAddr = teststack.FreeAddr

// tryStartCluster is one start of startCluster; on an error every node it
// started is stopped.
func tryStartCluster(t *testing.T, bin string) (*cluster, error) {
	t.Helper()
	var client, route, mon [3]string
	// Nine distinct addresses: each is released as soon as it is picked,
	// so the same one can come back (n1's route and n2's monitor once).
	picked := map[string]bool{}
	for i := range 3 {
		for _, a := range []*string{&client[i], &route[i], &mon[i]} {
			for try := 0; *a == "" || picked[*a]; try++ {
				addr, err := clusterAddr()
				if err != nil || try == 20 {
					t.Fatalf("pick nine distinct ports: %v (%d tries)", err, try)
				}
				*a = addr
			}
			picked[*a] = true
		}
	}
	routes := make([]string, 3)
	for i := range 3 {
		routes[i] = fmt.Sprintf("%q", "nats://"+route[i])
	}
	c := &cluster{}
	for i := range 3 {
		dir := t.TempDir()
		conf := fmt.Sprintf(`server_name: n%d
listen: %q
http: %q
server_tags: ["node:n%d"]
jetstream { store_dir: %q }
cluster { name: c, listen: %q, routes: [%s] }
`, i, client[i], mon[i], i, filepath.Join(dir, "js"), route[i], strings.Join(routes, ", "))
		c.nodes[i], c.urls[i] = startNATSNode(t, bin, dir, conf, fmt.Sprintf("n%d", i)), "nats://"+client[i]
	}
	for i := range 3 {
		if err := teststack.WaitOK("http://"+mon[i]+"/healthz", 30*time.Second, c.nodes[i].done); err != nil {
			// Any node's clash: a node that lost its port exits, and the
			// one waited for may only fail to form the cluster without it.
			taken := false
			for _, n := range c.nodes {
				taken = taken || strings.Contains(n.logs.String(), "address already in use")
			}
			for _, n := range c.nodes {
				n.stop()
			}
			if taken {
				return nil, fmt.Errorf("n%d: %w", i, errPortTaken)
			}
			return nil, fmt.Errorf("n%d: %v", i, err)
		}
	}
	return c, nil
}

// startNATSNode writes conf into dir and starts nats-server on it, stopped
// (and its output logged under name on failure) by t.Cleanup.
func startNATSNode(t *testing.T, bin, dir, conf, name string) *clusterNode {
	t.Helper()
	path := filepath.Join(dir, "nats.conf")
	if err := os.WriteFile(path, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	n := &clusterNode{done: make(chan struct{})}
	n.cmd = exec.Command(bin, "-c", path)
	n.cmd.Stdout, n.cmd.Stderr = &n.logs, &n.logs
	n.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := n.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func(cmd *exec.Cmd, done chan struct{}) { _ = cmd.Wait(); close(done) }(n.cmd, n.done)
	t.Cleanup(func() {
		n.stop()
		if t.Failed() {
			t.Logf("%s output:\n%s", name, n.logs.String())
		}
	})
	return n
}

// clusterJS connects to url and waits until the cluster has a meta leader.
func clusterJS(t *testing.T, url string) natsjs.JetStream {
	t.Helper()
	nc, err := nats.Connect(url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, err := natsjs.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		_, err := js.AccountInfo(ctx)
		cancel()
		if err == nil {
			return js
		}
		if time.Now().After(deadline) {
			t.Fatalf("no JetStream meta leader after 30s: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestQueuedClusterMissingStream: on a cluster, the server answers the
// consumer list of a stream that does not exist with an empty list and no
// error (nats-server v2.15.2 jsClusteredConsumerListRequest: no stream
// assignment → no consumers, total 0), unlike a single server's "stream not
// found". A wrong --nats-stream must still fail the read, not make every
// function's backlog absent.
func TestQueuedClusterMissingStream(t *testing.T) {
	c := startCluster(t)
	clusterJS(t, c.urls[0])
	cfg := jetstream.DefaultConfig()
	cfg.URL, cfg.Stream = c.urls[0], "no-such-stream"
	src, err := jetstream.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	got, err := src.Queued(context.Background())
	if err == nil || !strings.Contains(err.Error(), "stream not found") {
		t.Fatalf("missing stream on a cluster: got %v, %v; want a stream-not-found error", got, err)
	}
}

// TestQueuedClusterOfflineConsumer: a consumer whose servers are all down is
// listed by the meta leader with its config and zero counters, and named in
// the response's "missing" (nats-server v2.15.2 jsClusteredConsumerListRequest,
// allPeersOffline); one whose leader does not answer within 4s is only named
// there. Either way its backlog is unknown: the read must fail, never say 0
// (or nothing) for a function with messages waiting.
func TestQueuedClusterOfflineConsumer(t *testing.T) {
	c := startCluster(t)
	js := clusterJS(t, c.urls[0])
	ctx := context.Background()
	// The setup's calls wait up to 30 s, not the client's default 5 s: a
	// cold CI run (tools compiling beside the tests, load 11 on 2 cores)
	// failed the stream's creation on a just-elected meta leader with
	// "context deadline exceeded". The publishes are retried only on no
	// responders (the client's own retry, up to 100 times 250 ms apart
	// within the setup's deadline): no server took the message, so none is
	// stored twice. A warm CI run (session 38) failed the first publish
	// with "nats: no response from stream" after the client's default two
	// retries, the stream just created on n2 not yet reachable from n0. Any
	// other failure is not retried (a retry could store a message twice).
	setup, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if _, err := js.CreateStream(setup, natsjs.StreamConfig{
		Name: jetstream.DefaultStream, Subjects: []string{jetstream.DefaultSubject + ".>"},
		Retention: natsjs.WorkQueuePolicy, Storage: natsjs.FileStorage, Replicas: 1,
		Placement: &natsjs.Placement{Tags: []string{"node:n2"}},
	}); err != nil {
		t.Fatal(err)
	}
	a := ref("a")
	if _, err := js.CreateOrUpdateConsumer(setup, jetstream.DefaultStream, natsjs.ConsumerConfig{
		Durable: queueworker.ConsumerName(a), FilterSubject: jetstream.SubjectFor(jetstream.DefaultSubject, a),
		AckPolicy: natsjs.AckExplicitPolicy,
	}); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if _, err := js.Publish(setup, jetstream.SubjectFor(jetstream.DefaultSubject, a), []byte("x"), natsjs.WithRetryAttempts(100)); err != nil {
			t.Fatal(err)
		}
	}
	cfg := jetstream.DefaultConfig()
	cfg.URL = c.urls[0]
	src, err := jetstream.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	want := fmt.Sprint(map[string]float64{a.String(): 3})
	deadline := time.Now().Add(10 * time.Second)
	for {
		got, err := src.Queued(ctx)
		if err == nil && len(got) == 1 && got[a] == 3 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("before the stop: Queued = %v, %v; want %s", got, err, want)
		}
		time.Sleep(50 * time.Millisecond)
	}

	c.nodes[2].stop() // the only server of the stream and its consumer

	// Until the server names the consumer as missing, reads may time out
	// (a new meta leader may be elected); no read may succeed without a=3.
	deadline = time.Now().Add(30 * time.Second)
	for {
		got, err := src.Queued(ctx)
		if err == nil {
			t.Fatalf("consumer's only server down: Queued = %v, nil; want an error (backlog unknown, 3 messages stored)", got)
		}
		if strings.Contains(err.Error(), queueworker.ConsumerName(a)) {
			t.Logf("after the stop: %v", err)
			return // the read failed, naming the consumer
		}
		if time.Now().After(deadline) {
			t.Fatalf("consumer's only server down: no answer naming %s after 30s; last error %v", queueworker.ConsumerName(a), err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
