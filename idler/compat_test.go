package idler_test

import (
	"github.com/faas-autoscaler/faas-autoscaler/explain"
	"github.com/faas-autoscaler/faas-autoscaler/idler"
	"github.com/faas-autoscaler/faas-autoscaler/keepalive"
	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
	"github.com/faas-autoscaler/faas-autoscaler/scaler"
)

// The interfaces declared in idler are satisfied by the shared ones and by
// the packages the controller wires in. An external test package, because
// keepalive imports idler.
var (
	_ idler.Provider        = provider.Provider(nil)
	_ idler.ActivitySource  = metricsource.Source(nil)
	_ idler.KeepAlivePolicy = (*keepalive.Policy)(nil)
	_ idler.ZeroObserver    = (*keepalive.Policy)(nil)
	_ idler.ListingObserver = (*keepalive.Policy)(nil)
	_ scaler.MinFloorFunc   = idler.MinFloor(nil)
	_ explain.Section       = (*idler.Idler)(nil)
)
