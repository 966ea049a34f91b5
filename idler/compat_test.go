package idler

import (
	"github.com/faas-autoscaler/faas-autoscaler/explain"
	"github.com/faas-autoscaler/faas-autoscaler/keepalive"
	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
	"github.com/faas-autoscaler/faas-autoscaler/scaler"
)

// The interfaces declared here are satisfied by the shared ones and by the
// packages the lead wires in.
var (
	_ Provider            = provider.Provider(nil)
	_ ActivitySource      = metricsource.Source(nil)
	_ KeepAlivePolicy     = (*keepalive.Policy)(nil)
	_ scaler.MinFloorFunc = MinFloor(nil)
	_ explain.Section     = (*Idler)(nil)
)
