package main

import (
	"io/fs"
	"log/slog"
	"runtime/debug"

	"github.com/faas-autoscaler/faas-autoscaler/internal/memlimit"
)

// setMemoryLimit sets the runtime's soft memory limit to ratio of the
// container's (see internal/memlimit for why) and logs what it chose. A
// cgroup file it cannot read is logged and changes nothing: the controller
// runs as it would without the flag. root is the file system at "/";
// envSet says whether GOMEMLIMIT is in the environment.
func setMemoryLimit(ratio float64, root fs.FS, envSet bool, log *slog.Logger) {
	var limit uint64
	var found bool
	if !envSet && ratio > 0 {
		var err error
		if limit, found, err = memlimit.CgroupLimit(root); err != nil {
			log.Warn("memory limit: cannot read the container's; the runtime's soft limit is left unset", "err", err)
			return
		}
	}
	c := memlimit.Choose(envSet, limit, found, ratio)
	if c.Set {
		debug.SetMemoryLimit(c.Limit)
	}
	log.Info("memory limit", "soft_limit_bytes", debug.SetMemoryLimit(-1), "reason", c.Reason)
}
