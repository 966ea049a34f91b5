// Package leader runs leader election on a coordination.k8s.io Lease, so
// several controller replicas can run for availability while only one scales:
// the leader runs the loops, followers stay warm (caches synced, webhook
// decoding) and answer /readyz as not ready, so a Service routes
// AlertManager's webhook to the leader.
//
// It wraps client-go's leaderelection with a LeaseLock and adds the guarantee
// the controller needs, "never two replicas acting at once": the leader's
// work context is cancelled as soon as its last successful renewal is older
// than RenewDeadline (before any other replica may take the lease, which
// takes LeaseDuration), and the lease is released on shutdown only after the
// work has returned. A replica that loses the lease stands for election again.
package leader
