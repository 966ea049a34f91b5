package scaler

import (
	"fmt"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
)

// The queue scaling type (com.openfaas.scale.type=queue) scales on a
// function's asynchronous backlog: messages waiting plus messages running,
// read from the queue worker's metrics or from JetStream itself. The target
// is that backlog per replica, as OpenFaaS Pro's queue rule and KEDA's
// lagThreshold do. Its one knob of its own is the activation threshold:
// KEDA's activationLagThreshold, the backlog that wakes a function at zero.
// The default, 1 message, wakes it for any work at all: a message waiting
// with nothing to run it is the complaint async users have of OpenFaaS
// (faas#1131, nats-queue-worker#32).
const (
	LabelQueueActivation   = "faas-autoscaler.io/queue-activation"
	DefaultQueueActivation = 1.0
)

// belowActivation is true for a queue-type function whose freshest backlog
// (the larger of the two windows) is under its activation threshold.
func belowActivation(spec Spec, load, burst *float64) bool {
	if spec.Type != metricsource.TypeQueue {
		return false
	}
	return max(derefOr(load, 0), derefOr(burst, 0)) < spec.QueueActivation
}

// stableSource says what the stable load is, for decision reasons: a
// window's average, except for a queue, whose load is its backlog now.
func stableSource(spec Spec, w time.Duration) string {
	if spec.Type == metricsource.TypeQueue {
		return " (backlog now)"
	}
	return fmt.Sprintf(" (%v avg)", w)
}
