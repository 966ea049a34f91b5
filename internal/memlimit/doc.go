// Package memlimit finds the memory limit of the container the process runs
// in and chooses the Go runtime's soft memory limit from it.
//
// Why: the Go collector lets the heap grow to twice what was live at the
// last collection (GOGC=100) and knows nothing of the container's limit. At
// 100,000 functions the controller's live heap is around 120 MB, so its
// heap grows towards 250 MB between collections: under the chart's 256 MiB
// limit the kernel would kill it while half of that memory is garbage. With
// a soft limit a little under the container's, the collector runs earlier
// as the heap nears it instead. This is what Prometheus 3 does by default
// (--auto-gomemlimit, ratio 0.9) and what operators otherwise set by hand
// with the GOMEMLIMIT variable, which, when set, wins.
//
// CgroupLimit reads cgroup v2 (memory.max, the lowest along the process's
// cgroup and its ancestors) or v1 (memory.limit_in_bytes); Choose is the
// decision, pure, with its reason.
package memlimit
