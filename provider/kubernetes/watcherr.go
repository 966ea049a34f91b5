package kubernetes

import (
	"context"
	"errors"
	"io"
	"net/url"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/client-go/tools/cache"
)

// The informers' list/watch failures (Deployments and HPAs): logged on the
// injected logger once per namespace and outage (the informers retry with
// backoff, and the same failure at each retry is no news), and kept for
// Start's error and its progress lines.

// watchError replaces client-go's default handler, which logs through klog
// (stderr, outside the injected logger), with the same triage on slog; the
// namespace's last real failure is kept for Start's error.
func (p *Provider) watchError(ns string) cache.WatchErrorHandlerWithContext {
	return func(_ context.Context, _ *cache.Reflector, err error) {
		switch {
		case errors.Is(err, io.EOF):
			// The server closed the watch normally; the reflector re-watches.
		case errors.Is(err, io.ErrUnexpectedEOF), apierrors.IsResourceExpired(err), apierrors.IsGone(err):
			p.log.Debug("deployment watch closed; the informer re-lists", "namespace", ns, "err", err)
		default:
			p.warnFailure(ns, resourceDeployments, err)
		}
	}
}

// warnFailure logs a list/watch failure of ns's resource informer (other
// than the reflector's own re-lists and re-watches): a WARN when it is news
// (the first of an outage, or another failure than the last), a DEBUG when
// the informer's retry meets the same again. The failure is kept for
// Start's error (lastErr) until the server answers (watchAnswered forgets
// it), so that the same failure coming back later (RBAC revoked again, a
// token expired again) is warned about again: the cache has stopped
// following the cluster once more. Kept for ever, every later outage was a
// DEBUG line.
func (p *Provider) warnFailure(ns, resource string, err error) {
	k := cacheKey{ns, resource}
	p.mu.Lock()
	same := p.lastErr[k] != nil && said(p.lastErr[k]) == said(err)
	if p.lastErr == nil {
		p.lastErr = map[cacheKey]error{}
	}
	p.lastErr[k] = err
	p.mu.Unlock()
	what := "deployment"
	if resource == resourceHPAs {
		what = "horizontalpodautoscaler"
	}
	if same {
		// The informer retries with backoff; the same failure again
		// is not news (a 401 used to log a WARN per retry).
		p.log.Debug(what+" list/watch failed again; the informer retries", "namespace", ns, "err", err)
		return
	}
	p.log.Warn(what+" list/watch failed; the informer retries", "namespace", ns, "err", err)
}

// said is what the API server said of a failed list or watch, to compare
// failures by: the reflector wraps a failed list ("failed to list
// *v1.Deployment: ...") and not a failed watch, so one refusal read as two
// failures. A request that got no answer (a refused connection, a
// timeout) is the client's url.Error, whose text is the request's whole
// URL: its query differs at each watch the reflector opens (a random
// timeoutSeconds, the resourceVersion) and from the list's, so it is
// compared without it; compared whole, each retry of a refused watch was
// another WARN.
func said(err error) string {
	var status apierrors.APIStatus
	if errors.As(err, &status) {
		return status.Status().Message
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		at := ue.URL
		if u, perr := url.Parse(ue.URL); perr == nil {
			u.RawQuery, u.ForceQuery = "", false
			at = u.String()
		}
		return ue.Op + " " + at + ": " + ue.Err.Error()
	}
	return err.Error()
}
