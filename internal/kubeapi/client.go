package kubeapi

import (
	"context"
	"fmt"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/util/flowcontrol"
)

// Deployments is what the provider asks of the API server about function
// Deployments.
type Deployments interface {
	ListDeployments(ctx context.Context, namespace string, opts metav1.ListOptions) (*appsv1.DeploymentList, error)
	WatchDeployments(ctx context.Context, namespace string, opts metav1.ListOptions) (watch.Interface, error)
	// GetScale and UpdateScale use the deployments/scale subresource, which
	// needs no write access to the Deployment itself. UpdateScale's
	// opts.FieldManager is the manager the API server records the write
	// under (without it, the client's user agent's first segment).
	GetScale(ctx context.Context, namespace, deployment string) (*autoscalingv1.Scale, error)
	UpdateScale(ctx context.Context, namespace, deployment string, s *autoscalingv1.Scale, opts metav1.UpdateOptions) (*autoscalingv1.Scale, error)
	// ListHorizontalPodAutoscalers and WatchHorizontalPodAutoscalers read
	// the HPAs of a namespace, so the provider can leave alone a Deployment
	// another autoscaler (an HPA, or KEDA's keda-hpa-*) also scales. They
	// use autoscaling/v1, which serves every HPA whatever version wrote it
	// (its scaleTargetRef is all the provider reads) and whose types the
	// binary already links for Scale.
	ListHorizontalPodAutoscalers(ctx context.Context, namespace string, opts metav1.ListOptions) (*autoscalingv1.HorizontalPodAutoscalerList, error)
	WatchHorizontalPodAutoscalers(ctx context.Context, namespace string, opts metav1.ListOptions) (watch.Interface, error)
}

// Leases is what leader election asks of the API server. UpdateLease sends
// the Lease's resourceVersion, so a write racing another fails with a
// conflict instead of overwriting it.
type Leases interface {
	GetLease(ctx context.Context, namespace, name string) (*coordinationv1.Lease, error)
	CreateLease(ctx context.Context, l *coordinationv1.Lease) (*coordinationv1.Lease, error)
	UpdateLease(ctx context.Context, l *coordinationv1.Lease) (*coordinationv1.Lease, error)
}

// Interface is both.
type Interface interface {
	Deployments
	Leases
}

// scheme knows the three groups the controller reads and writes and the
// meta types (options, watch events) each registers with them. client-go's
// REST client decodes a Status (errors, a watch's ERROR event) without it.
var (
	scheme      = newScheme()
	codecs      = serializer.NewCodecFactory(scheme)
	paramsCodec = runtime.NewParameterCodec(scheme)
)

func newScheme() *runtime.Scheme {
	s := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{appsv1.AddToScheme, autoscalingv1.AddToScheme, coordinationv1.AddToScheme} {
		if err := add(s); err != nil {
			panic(err) // generated registrations of distinct groups cannot collide
		}
	}
	return s
}

// Client talks to a real API server.
type Client struct {
	apps, autoscaling, coordination rest.Interface
}

var _ Interface = (*Client)(nil)

// New returns a Client for cfg. Its REST clients share one rate limiter
// (cfg.QPS and cfg.Burst, as a clientset would) and one HTTP transport.
func New(cfg *rest.Config) (*Client, error) {
	c := rest.CopyConfig(cfg)
	if c.RateLimiter == nil && c.QPS > 0 {
		if c.Burst <= 0 {
			return nil, fmt.Errorf("kubernetes client: burst must be positive when QPS (%g) is set", c.QPS)
		}
		c.RateLimiter = flowcontrol.NewTokenBucketRateLimiter(c.QPS, c.Burst)
	}
	apps, err := restClient(c, appsv1.SchemeGroupVersion)
	if err != nil {
		return nil, err
	}
	autoscaling, err := restClient(c, autoscalingv1.SchemeGroupVersion)
	if err != nil {
		return nil, err
	}
	coordination, err := restClient(c, coordinationv1.SchemeGroupVersion)
	if err != nil {
		return nil, err
	}
	return &Client{apps: apps, autoscaling: autoscaling, coordination: coordination}, nil
}

func restClient(cfg *rest.Config, gv schema.GroupVersion) (*rest.RESTClient, error) {
	c := rest.CopyConfig(cfg)
	c.GroupVersion = &gv
	c.APIPath = "/apis"
	c.NegotiatedSerializer = codecs.WithoutConversion()
	if c.UserAgent == "" {
		c.UserAgent = rest.DefaultKubernetesUserAgent()
	}
	rc, err := rest.RESTClientFor(c)
	if err != nil {
		return nil, fmt.Errorf("kubernetes client for %s: %w", gv, err)
	}
	return rc, nil
}

// ListDeployments lists one namespace's Deployments.
func (c *Client) ListDeployments(ctx context.Context, namespace string, opts metav1.ListOptions) (*appsv1.DeploymentList, error) {
	out := &appsv1.DeploymentList{}
	err := c.apps.Get().Namespace(namespace).Resource("deployments").
		VersionedParams(&opts, paramsCodec).Do(ctx).Into(out)
	return out, err
}

// WatchDeployments watches one namespace's Deployments.
func (c *Client) WatchDeployments(ctx context.Context, namespace string, opts metav1.ListOptions) (watch.Interface, error) {
	return watchIn(ctx, c.apps, namespace, "deployments", opts)
}

// ListHorizontalPodAutoscalers lists one namespace's HPAs (autoscaling/v1).
func (c *Client) ListHorizontalPodAutoscalers(ctx context.Context, namespace string, opts metav1.ListOptions) (*autoscalingv1.HorizontalPodAutoscalerList, error) {
	out := &autoscalingv1.HorizontalPodAutoscalerList{}
	err := c.autoscaling.Get().Namespace(namespace).Resource("horizontalpodautoscalers").
		VersionedParams(&opts, paramsCodec).Do(ctx).Into(out)
	return out, err
}

// WatchHorizontalPodAutoscalers watches one namespace's HPAs (autoscaling/v1).
func (c *Client) WatchHorizontalPodAutoscalers(ctx context.Context, namespace string, opts metav1.ListOptions) (watch.Interface, error) {
	return watchIn(ctx, c.autoscaling, namespace, "horizontalpodautoscalers", opts)
}

func watchIn(ctx context.Context, rc rest.Interface, namespace, resource string, opts metav1.ListOptions) (watch.Interface, error) {
	opts.Watch = true
	var timeout time.Duration
	if opts.TimeoutSeconds != nil {
		timeout = time.Duration(*opts.TimeoutSeconds) * time.Second
	}
	return rc.Get().Namespace(namespace).Resource(resource).
		VersionedParams(&opts, paramsCodec).Timeout(timeout).Watch(ctx)
}

// GetScale reads a Deployment's scale subresource.
func (c *Client) GetScale(ctx context.Context, namespace, deployment string) (*autoscalingv1.Scale, error) {
	out := &autoscalingv1.Scale{}
	err := c.apps.Get().Namespace(namespace).Resource("deployments").Name(deployment).
		SubResource("scale").Do(ctx).Into(out)
	return out, err
}

// UpdateScale writes a Deployment's scale subresource.
func (c *Client) UpdateScale(ctx context.Context, namespace, deployment string, s *autoscalingv1.Scale, opts metav1.UpdateOptions) (*autoscalingv1.Scale, error) {
	out := &autoscalingv1.Scale{}
	err := c.apps.Put().Namespace(namespace).Resource("deployments").Name(deployment).
		SubResource("scale").VersionedParams(&opts, paramsCodec).Body(s).Do(ctx).Into(out)
	return out, err
}

// GetLease reads a Lease.
func (c *Client) GetLease(ctx context.Context, namespace, name string) (*coordinationv1.Lease, error) {
	out := &coordinationv1.Lease{}
	err := c.coordination.Get().Namespace(namespace).Resource("leases").Name(name).Do(ctx).Into(out)
	return out, err
}

// CreateLease creates a Lease in its namespace.
func (c *Client) CreateLease(ctx context.Context, l *coordinationv1.Lease) (*coordinationv1.Lease, error) {
	out := &coordinationv1.Lease{}
	err := c.coordination.Post().Namespace(l.Namespace).Resource("leases").Body(l).Do(ctx).Into(out)
	return out, err
}

// UpdateLease replaces a Lease, conditional on its resourceVersion.
func (c *Client) UpdateLease(ctx context.Context, l *coordinationv1.Lease) (*coordinationv1.Lease, error) {
	out := &coordinationv1.Lease{}
	err := c.coordination.Put().Namespace(l.Namespace).Resource("leases").Name(l.Name).Body(l).Do(ctx).Into(out)
	return out, err
}
