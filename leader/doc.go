// Package leader runs leader election on a coordination.k8s.io Lease, so
// several controller replicas can run for availability while only one scales:
// the leader runs the loops, followers stay warm (caches synced, webhook
// decoding) and answer /readyz as not ready, so a Service routes
// AlertManager's webhook to the leader.
//
// The protocol is the one client-go's leaderelection and every built-in
// controller use on a Lease (holderIdentity, leaseDurationSeconds, acquireTime,
// renewTime, leaseTransitions; writes conditional on the resourceVersion;
// expiry judged on each replica's own clock from when it saw the record
// change, never by comparing clocks; the leader renews over its own last
// write, reading only when that write fails), implemented here on
// kubeapi.Leases so the binary does not link client-go's clientset. It adds the guarantee the
// controller needs, "never two replicas acting at once": the leader's work
// context is cancelled as soon as its last successful renewal is older than
// RenewDeadline (before any other replica may take the lease, which takes
// LeaseDuration), and the lease is released only after the work has returned.
// A replica that loses the lease stands for election again. A deleted Lease
// is no vacancy: a follower that saw a holder renew waits until that record
// would have expired before creating a new one (client-go creates at once,
// beside a leader that is still working). Not for a replica that started
// after the deletion and saw no holder: it creates the Lease at once, as at
// a first install, and the old leader works on until its next renewal (up
// to RetryPeriod, 2 s) finds the Lease another's. A wait before creating
// would close that gap at the cost of every first install's election
// (LeaseDuration later); the writes of both are conditional on the count
// they read (the Kubernetes provider's ScaleFrom), so the overlap costs a
// conflict, not a lost write. Left as it is (session 49, a review).
package leader
