package kubernetes

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/client-go/util/retry"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// Scale sets spec.replicas of the function's Deployment through the
// deployments/scale subresource, the path `kubectl scale`, the HPA and KEDA
// use, which needs no write access to the Deployment itself. Zero is a valid
// count. The function must be in the cache: the provider never scales a
// Deployment its selector does not match, nor one a HorizontalPodAutoscaler
// scales (a *provider.RefusedError naming the HPA; hpa.go). When the cache
// lags the live object, the Deployment is read live before the write, and a
// Deployment that is no longer the function (being deleted, relabelled out
// of the selector or to another function) is ErrNotFound (checkLive).
//
// Idempotent: it reads the live Scale and writes nothing when it already says
// replicas. A concurrent writer (a rollout, kubectl) makes the update fail
// with a conflict; it then re-reads and retries (client-go's DefaultRetry:
// up to 5 attempts, about 10 ms apart).
func (p *Provider) Scale(ctx context.Context, ref provider.Ref, replicas uint64) error {
	if replicas > math.MaxInt32 {
		return &provider.RefusedError{Ref: ref, Replicas: replicas,
			Message: fmt.Sprintf("Kubernetes replica counts are int32 (max %d)", math.MaxInt32)}
	}
	d, err := p.deployment(ref)
	if err != nil {
		return err
	}
	if err := p.refuseAutoscaled(ref, d, replicas); err != nil {
		return err
	}
	want := int32(replicas)
	var from int32
	var written *autoscalingv1.Scale
	err = retry.RetryOnConflict(retry.DefaultRetry, func() error {
		written = nil
		s, err := p.cfg.Client.GetScale(ctx, d.Namespace, d.Name)
		if err != nil {
			return err
		}
		if err := sameDeployment(d, s); err != nil {
			return err
		}
		if s, err = p.checkLive(ctx, ref, d, s); err != nil {
			return err
		}
		from = s.Spec.Replicas
		if s.Spec.Replicas == want {
			return nil
		}
		s.Spec.Replicas = want // s carries the resourceVersion and UID just read: preconditions of the write
		out, err := p.cfg.Client.UpdateScale(ctx, d.Namespace, d.Name, s, p.writeOptions())
		if err == nil {
			written = out
		}
		return err
	})
	if err != nil {
		return apiError(ref, d.Name, replicas, err)
	}
	if written != nil {
		p.recordWrite(ref, d, written)
		p.log.Info("scaled deployment", "function", ref.String(), "deployment", d.Name, "from", from, "to", want)
	}
	return nil
}

// sameDeployment checks that the scale subresource read is the cached
// Deployment's: the subresource is addressed by name only, and a function's
// Deployment deleted and another (not a function, or not this one) created
// under its name before the watch delivers both would otherwise take the
// write. A different UID answers ErrNotFound, writing nothing: the
// Deployment the cache knows as ref is gone. Past this check the write
// carries that same UID, which the API server enforces as a precondition
// (409 Conflict when it no longer matches), and the resourceVersion read, so
// a replacement between the read and the write fails too; the retry re-reads
// and lands here. The same object may still have stopped being the function
// since the cache saw it: checkLive, after this check, sees to that.
func sameDeployment(d *appsv1.Deployment, s *autoscalingv1.Scale) error {
	if s.UID == d.UID {
		return nil
	}
	return fmt.Errorf("%w: deployment %s/%s is now uid %q, not the function's uid %q (deleted and re-created; the cache has not caught up)",
		provider.ErrNotFound, d.Namespace, d.Name, s.UID, d.UID)
}

// apiError maps API failures onto the provider's error vocabulary while
// keeping the API error in the chain (apierrors.IsForbidden still works).
//
// The API server said no to the count itself, and retrying it cannot help,
// when validation (422 Invalid) or admission control refused it: a
// ValidatingAdmissionPolicy or a policy webhook (Kyverno, Gatekeeper) that,
// say, keeps a minimum of one replica. Those answer 400, 403 or 422 as they
// are written, so a 403 is the credentials (RBAC) only when it is no
// admission denial. A *provider.RefusedError has the actuator hold off that
// one count and the idler report "provider refused zero"; a plain error
// would back the whole function off, scale-ups included, and retry.
func apiError(ref provider.Ref, deployment string, replicas uint64, err error) error {
	switch {
	case apierrors.IsNotFound(err):
		return fmt.Errorf("scale %s: %w: deployment %s: %w", ref, provider.ErrNotFound, deployment, err)
	case admissionDenied(err), apierrors.IsInvalid(err):
		refused := &provider.RefusedError{Ref: ref, Replicas: replicas, Message: err.Error()}
		var status apierrors.APIStatus
		if errors.As(err, &status) {
			refused.Status = int(status.Status().Code)
		}
		return refused
	case apierrors.IsUnauthorized(err), apierrors.IsForbidden(err):
		return fmt.Errorf("scale %s: %w: %w", ref, provider.ErrUnauthorized, err)
	default:
		return fmt.Errorf("scale %s (deployment %s) to %d: %w", ref, deployment, replicas, err)
	}
}

// admissionDenied reports whether err is admission control refusing the
// request, by the messages the API server gives every such denial: a
// webhook's `admission webhook "<name>" denied the request` (400 unless the
// webhook sets a code: Kyverno sets none, controller-runtime's
// admission.Denied 403) and a ValidatingAdmissionPolicy's
// `ValidatingAdmissionPolicy '<name>' ... denied request` (its reason's
// code, 422 by default). An RBAC denial reads `User "<name>" cannot <verb>
// resource ...` and is neither.
func admissionDenied(err error) bool {
	var status apierrors.APIStatus
	if !errors.As(err, &status) {
		return false
	}
	msg := status.Status().Message
	return strings.Contains(msg, `admission webhook "`) && strings.Contains(msg, "denied the request") ||
		strings.Contains(msg, "ValidatingAdmissionPolicy '") && strings.Contains(msg, "denied request")
}

var _ provider.ConditionalScaler = (*Provider)(nil)

// ScaleFrom is the conditional write the actuator makes: it reads the live
// Scale and writes `to` only when spec.replicas is still `from`, sending the
// resourceVersion it read so that a write by anyone else in between (a
// rollout, kubectl, another controller) makes the API server answer 409.
// On a conflict it re-reads: if the count is still `from` (the object
// changed in some other way) it tries again; if the count moved, it returns
// a *provider.ConflictError with the new count and writes nothing, so the
// caller re-decides instead of overwriting a count it never saw. It finds
// and checks the Deployment as Scale does (checkLive).
func (p *Provider) ScaleFrom(ctx context.Context, ref provider.Ref, from, to uint64) error {
	return p.ScaleFromCreated(ctx, ref, from, to, time.Time{})
}

var _ provider.CreatedScaler = (*Provider)(nil)

// ScaleFromCreated is ScaleFrom held also to the function deployed at
// created (zero: any): a Deployment under the function's name created at
// another time is another function (deleted and deployed again since the
// decision's listing), and the call fails with a *provider.ReplacedError,
// writing nothing. The cache's Deployment is compared; one the cache has
// not caught up with is found by the live read's UID (sameDeployment).
func (p *Provider) ScaleFromCreated(ctx context.Context, ref provider.Ref, from, to uint64, created time.Time) error {
	if to > math.MaxInt32 {
		return &provider.RefusedError{Ref: ref, Replicas: to,
			Message: fmt.Sprintf("Kubernetes replica counts are int32 (max %d)", math.MaxInt32)}
	}
	d, err := p.deployment(ref)
	if err != nil {
		return err
	}
	if err := provider.CheckCreated(ref, created, createdAt(d)); err != nil {
		return err
	}
	if err := p.refuseAutoscaled(ref, d, to); err != nil {
		return err
	}
	var conflict *provider.ConflictError
	var written *autoscalingv1.Scale
	err = retry.RetryOnConflict(retry.DefaultRetry, func() error {
		written = nil
		s, err := p.cfg.Client.GetScale(ctx, d.Namespace, d.Name)
		if err != nil {
			return err
		}
		if err := sameDeployment(d, s); err != nil {
			return err
		}
		if s, err = p.checkLive(ctx, ref, d, s); err != nil {
			return err
		}
		if uint64(s.Spec.Replicas) != from {
			conflict = &provider.ConflictError{Ref: ref, Expected: from, Current: uint64(max(s.Spec.Replicas, 0)),
				Available: p.availableAt(ref, d, s)}
			return nil
		}
		if from == to {
			return nil
		}
		s.Spec.Replicas = int32(to) // s carries the resourceVersion and UID just read: preconditions of the write
		out, err := p.cfg.Client.UpdateScale(ctx, d.Namespace, d.Name, s, p.writeOptions())
		if err == nil {
			written = out
		}
		return err
	})
	if err != nil {
		return apiError(ref, d.Name, to, err)
	}
	if conflict != nil {
		return conflict
	}
	if written != nil {
		p.recordWrite(ref, d, written)
	}
	if from != to {
		p.log.Info("scaled deployment", "function", ref.String(), "deployment", d.Name, "from", from, "to", to)
	}
	return nil
}

// availableAt is the available replica count a conflict reports. The scale
// subresource has none: its status.replicas counts every pod of the
// Deployment, Pending, starting and unready ones too, and taken as capacity
// would make pods that serve nothing look like headroom. So the count is
// the cache's status.availableReplicas, which the watch keeps close behind
// (the freshest entry of the same Deployment), bounded by the pods the live
// read found, as no more can be available than exist, and by the desired
// count it found, as toFunction bounds it (availableFor).
func (p *Provider) availableAt(ref provider.Ref, d *appsv1.Deployment, s *autoscalingv1.Scale) uint64 {
	avail := d.Status.AvailableReplicas
	if now, err := p.deployment(ref); err == nil && now.UID == d.UID {
		avail = now.Status.AvailableReplicas
	}
	return availableFor(min(avail, s.Status.Replicas), nonNegative(s.Spec.Replicas))
}
