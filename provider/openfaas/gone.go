package openfaas

import (
	"context"
	"net/http"
	"net/url"
	"strings"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// faasNetesLookupFailed starts the body faas-netes answers, with a 500, to a
// scale whose Deployment it cannot get, followed by the function's name and
// nothing else (pkg/handlers/replica_updater.go, unchanged from the
// extensions/v1beta1 days to today's CE).
const faasNetesLookupFailed = "Unable to lookup function deployment "

// scaleLookupFailed reports whether a scale's reply is faas-netes failing to
// get ref's Deployment: a 500 whose body is exactly faasNetesLookupFailed
// and the name. Matched whole, so another provider's 500 that merely
// mentions a lookup is not taken for it.
func scaleLookupFailed(ref provider.Ref, r reply) bool {
	return r.status == http.StatusInternalServerError &&
		strings.TrimSpace(string(r.body)) == faasNetesLookupFailed+ref.Name
}

// faasdServiceNotFound reports whether a scale's reply is faasd's answer for
// a function it does not have: a 404 whose body is exactly "service <name>
// not found" (pkg/provider/handlers/scale.go). faasd also answers 404 when
// it fails to pause a task ("error pausing task …") or to load a container
// ("cannot load service …") of a function it has; a 404 on a scale with
// another body is confirmed by a read (goneAfterScale) before it means
// gone (a review's finding: the actuator reported a running function as
// deleted).
func faasdServiceNotFound(ref provider.Ref, r reply) bool {
	return r.status == http.StatusNotFound && strings.TrimSpace(string(r.body)) == "service "+ref.Name+" not found"
}

// goneAfterScale tells whether a scale that faas-netes answered with its
// lookup failure (scaleLookupFailed) was for a deleted function. The body
// cannot say: faas-netes writes it for any failure of its Get, a slow API
// server or RBAC as much as a missing Deployment. So one read asks: only a
// 404 from GET /system/function/{name} makes it not found. The read is
// sent once (an inconclusive answer leaves the scale's error as it was),
// and the scale is not sent again: faas-netes failed before its update, so
// nothing landed.
func (cl *Client) goneAfterScale(ctx context.Context, ref provider.Ref) bool {
	c := call{
		op: OpFunction, ref: ref,
		method: http.MethodGet, path: []string{"system", "function", ref.Name},
		query: url.Values{"namespace": {ref.Namespace}},
		once:  true,
	}
	r, err := cl.do(ctx, c)
	return err == nil && r.status == http.StatusNotFound
}
