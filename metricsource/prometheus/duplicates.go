package prometheus

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/common/model"
)

// The load and activity queries count each gateway replica once
// (promql.SumOverGateways), so a gateway scraped by two jobs, or two HA
// Prometheus replicas read through a querier that does not deduplicate, no
// longer doubles the load. The copies still cost Prometheus twice the
// series and usually come from a mistake (a ServiceMonitor or PodMonitor
// beside the pod-annotation job), so the source says so: one WARN naming
// the instances and jobs, at most every Config.DuplicateCheck, from one
// small query run by the first load read once the time has come.

// Kinds of duplication, told apart by the "dup" label of duplicatesQuery.
const (
	dupJobs   = "jobs"   // one gateway instance's series under more than one job
	dupCopies = "copies" // one job and instance's series more than once (a replica label)
)

// duplicatesQuery lists, from the gateway's replica gauge (one series per
// deployed function and gateway, called or not):
//   - dup="jobs": each (instance, job) of a gateway instance scraped by
//     more than one job;
//   - dup="copies": each (instance, job) whose series of one function come
//     more than once, differing in another label (an HA pair's replica
//     label, queried without deduplication).
func duplicatesQuery() string {
	jobs := fmt.Sprintf(`group by (instance, job) (%[1]s) and on (instance) (count by (instance) (group by (instance, job) (%[1]s)) > 1)`, metricReplicas)
	copies := fmt.Sprintf(`group by (instance, job) (count by (function_name, instance, job) (%s) > 1)`, metricReplicas)
	return fmt.Sprintf(`label_replace(%s, "dup", %q, "", "") or label_replace(%s, "dup", %q, "", "")`, jobs, dupJobs, copies, dupCopies)
}

// duplicateCheck holds when the check last ran.
type duplicateCheck struct {
	mu   sync.Mutex
	last time.Time // zero: never
}

// due says whether the check should run at now, every every (0: never),
// and if so records it as run: one caller runs it, the others go on.
func (d *duplicateCheck) due(now time.Time, every time.Duration) bool {
	if every <= 0 {
		return false
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if !d.last.IsZero() && now.Sub(d.last) < every {
		return false
	}
	d.last = now
	return true
}

// checkDuplicates runs duplicatesQuery when due and WARNs when it finds
// duplicated gateway series. A failed check is logged at debug and changes
// nothing: it is advice, not data the load depends on.
func (s *Source) checkDuplicates(ctx context.Context) {
	if !s.dups.due(s.now(), s.cfg.DuplicateCheck) {
		return
	}
	expr := duplicatesQuery()
	vec, err := queryAs[model.Vector](ctx, s, expr, "a vector")
	if err != nil {
		s.log.Debug("duplicate gateway series check failed", "error", err)
		return
	}
	jobs := map[string][]string{} // instance → jobs
	var copies []string           // "instance (job)"
	for _, smp := range vec {
		inst, job := string(smp.Metric["instance"]), string(smp.Metric["job"])
		switch string(smp.Metric["dup"]) {
		case dupJobs:
			jobs[inst] = append(jobs[inst], job)
		case dupCopies:
			copies = append(copies, fmt.Sprintf("%s (job %s)", inst, job))
		}
	}
	if len(jobs) > 0 {
		var each []string
		for inst, js := range jobs {
			slices.Sort(js)
			each = append(each, inst+": "+strings.Join(js, ", "))
		}
		slices.Sort(each)
		s.log.Warn("the gateway is scraped by more than one job: each gateway instance is counted once, but every series is stored twice; drop one of the jobs (e.g. a ServiceMonitor or PodMonitor beside the pod-annotation job)",
			"instances", strings.Join(each, "; "))
	}
	if len(copies) > 0 {
		slices.Sort(copies)
		s.log.Warn("the gateway's series come more than once per job and instance (an HA pair read without deduplication?): each gateway instance is counted once; deduplicate in the querier (Thanos --query.replica-label)",
			"instances", strings.Join(copies, "; "))
	}
}
