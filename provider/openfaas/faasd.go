package openfaas

import (
	"context"
	"errors"
	"strings"
	"sync"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/internal/flight"
)

// How long the provider's name from GET /system/info is kept. The listing
// runs at every scaler pass (and at each idle and pre-warm pass), so asking
// per listing would double the calls; a provider changes only by an
// upgrade or a replaced gateway, which 10 minutes, or the first failed
// listing, catches. A failed read is kept only a minute: read as "not
// faasd", a blip would otherwise show faasd's functions as unready for
// long.
const (
	providerInfoTTL   = 10 * time.Minute
	providerInfoRetry = time.Minute
)

// infoCache caches whether the provider is faasd.
type infoCache struct {
	// mu guards the fields below; concurrent listings (one per namespace)
	// share one request through reads, each waiting as long as its own
	// context lets it. mu was held across the read, and a listing with a
	// deadline waited in Mutex.Lock for a scale's read of /system/info,
	// sent once under the scale's deadline alone (a review's finding).
	mu    sync.Mutex
	reads flight.Group[infoAnswer]
	// name is "" when the read failed or named no provider. Parsed from
	// at most maxInfoBody bytes, it is at most 3·maxInfoBody (192 KiB):
	// encoding/json turns each invalid UTF-8 byte of a string into
	// U+FFFD's 3 bytes; a valid name is at most maxInfoBody.
	name  string
	faasd bool      // name is faasd's (see isFaasd)
	read  bool      // the provider answered (a failure is kept only providerInfoRetry)
	until time.Time // zero: ask at the next listing
}

// infoAnswer is what one GET /system/info read (or the cache) says.
type infoAnswer struct {
	name  string // "" when the read failed or named no provider
	faasd bool   // name is faasd's (see isFaasd)
	read  bool   // the provider answered 2xx
}

// faasdListing reports whether the provider is faasd, whose GET
// /system/functions leaves availableReplicas out of every function
// (pkg/provider/handlers/read.go builds FunctionStatus without it), while
// its GET /system/function/{name} sets it to the replicas (a running
// task). Absent on faasd therefore means "not reported", not 0. Anywhere
// else absent stays 0: faas-netes sets it from the Deployment's
// status.availableReplicas, and faas-provider's omitempty leaves out a 0.
//
// The answer comes from GET /system/info, cached (see providerInfoTTL).
// Any failure to read it (a reply above maxInfoBody, no answer within
// its bound: see infoContext) is "not faasd": the listing reads as before.
func (cl *Client) faasdListing(ctx context.Context) bool {
	a, _ := cl.faasdInfo(ctx)
	return a.faasd
}

// faasdInfo is faasdListing's answer with the provider's name, and fresh
// when it was read now rather than taken from the cache: a scale above
// ceMaxReplicas then takes its edition from the same answer (ceLimit)
// instead of reading /system/info a second time.
func (cl *Client) faasdInfo(ctx context.Context) (a infoAnswer, fresh bool) {
	if a, ok := cl.cachedInfo(); ok {
		return a, false
	}
	// A listing whose context ends while it waits for another's read takes
	// the provider for not faasd, as a read that failed.
	a, _ = cl.info.reads.Do(ctx, func(ctx context.Context) (infoAnswer, error) {
		if a, ok := cl.cachedInfo(); ok { // read by a call that ended just before
			return a, nil
		}
		return cl.readInfo(ctx), nil
	})
	return a, true
}

// cachedInfo is the cached answer while it holds.
func (cl *Client) cachedInfo() (a infoAnswer, ok bool) {
	p := &cl.info
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.until.IsZero() && cl.clock.Now().Before(p.until) {
		return infoAnswer{name: p.name, faasd: p.faasd, read: p.read}, true
	}
	return infoAnswer{}, false
}

// readInfo reads /system/info for faasdListing and caches the answer.
func (cl *Client) readInfo(ctx context.Context) infoAnswer {
	now := cl.clock.Now()
	// Sent once: on a failing gateway the listing's own retries follow,
	// and a failed read is asked again providerInfoRetry later.
	a, err := cl.fetchInfo(ctx)
	p := &cl.info
	p.mu.Lock()
	defer p.mu.Unlock()
	if err != nil {
		if ctx.Err() != nil || errors.Is(err, errInfoShare) {
			// The caller gave up, or the read was cut short to leave the
			// caller its time: no answer to keep.
			return infoAnswer{}
		}
		cl.log.DebugContext(ctx, "cannot read the provider's name; an absent availableReplicas in the listing reads as 0",
			"error", err, "retry_in", providerInfoRetry)
		p.name, p.faasd, p.read, p.until = "", false, false, now.Add(providerInfoRetry)
		return infoAnswer{}
	}
	if a.faasd && (!p.faasd || p.name != a.name) {
		cl.log.InfoContext(ctx, "the provider is faasd: its function listing has no availableReplicas, so a running function's replicas are read as available, as its single read reports them",
			"provider", shownName(a.name))
	}
	p.name, p.faasd, p.read, p.until = a.name, a.faasd, true, now.Add(providerInfoTTL)
	return a
}

// faasdProvider is faasdListing with the provider's name: whether the
// provider is faasd, from the same cached /system/info read.
func (cl *Client) faasdProvider(ctx context.Context) (string, bool) {
	a, _ := cl.faasdInfo(ctx)
	if !a.faasd {
		return "", false
	}
	return a.name, true
}

// forgetProviderInfo makes the next listing read /system/info again: after
// a failed listing the gateway may have been replaced. A failed read is
// kept its minute: while the gateway is down, each pass would otherwise
// wait for a second failing request.
func (cl *Client) forgetProviderInfo() {
	cl.info.mu.Lock()
	if cl.info.read {
		cl.info.until = time.Time{}
	}
	cl.info.mu.Unlock()
}

// isFaasd matches faasd's /system/info names: "faasd" (before the
// editions), "faasd-ce", and the editions after it, such as OpenFaaS Edge
// ("faasd-pro").
func isFaasd(name string) bool {
	return name == "faasd" || strings.HasPrefix(name, "faasd-")
}
