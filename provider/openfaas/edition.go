package openfaas

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// opInfo names the /system/info read in errors and logs. It is not one of
// the provider operations: the client makes it before a scale to a count
// OpenFaaS CE will not run (0, or above ceMaxReplicas), and, cached, before
// a listing (faasdListing).
const opInfo = "info"

// maxInfoBody bounds a /system/info reply, below maxReplyBody (sized for a
// listing of 10k functions): every gateway and provider answers a few
// hundred bytes ({"provider":{"provider":"faas-netes-ce",…},"version":
// {…},"arch":"x86_64"}), a commit message in "version" a few more. 64 KiB
// is a hundred times that, while a runaway or hostile gateway costs each
// read (one per scale to 0 or above 5, and per faasd cache refresh) 64 KiB
// plus the drain's maxDrain, not 64 MiB; and the name faasd.go caches for
// providerInfoTTL is parsed from at most this much (see infoCall).
const maxInfoBody = 64 << 10

// infoCall is the GET /system/info read, bounded at maxInfoBody. Sent once:
// a failed read is "not CE", "not faasd" (see communityEdition and
// faasdListing), so a retry would only delay the call it precedes. Sent
// through fetchInfo, which bounds it in time too.
func infoCall() call {
	return call{op: opInfo, method: http.MethodGet, path: []string{"system", "info"}, once: true, maxBody: maxInfoBody}
}

// The causes of a /system/info read ended by its own bound (infoContext),
// for the debug line and for readInfo: a read cut to leave the caller its
// share (errInfoShare) says nothing about the gateway and is not cached.
var (
	errInfoTimeout = errors.New("no answer within the client's timeout; read as no answer, the call goes on")
	errInfoShare   = errors.New("no answer within half the caller's time left; read as no answer, the call goes on")
)

// infoContext bounds a /system/info read in time. The read comes before the
// call that needs it (a listing, a scale to 0 or above 5), and any failure
// is "not faasd" or "not CE": the call goes on. Sent once, the read had the
// caller's deadline alone (see attempt, meant for scales), so a gateway
// that accepts /system/info and never answers held it to that deadline,
// and the listing or scale was never sent (a review's finding). So it
// gets Config.Timeout, as any attempt does, and at most half of the
// caller's time left, whatever that deadline: the call after it keeps the
// other half.
func (cl *Client) infoContext(ctx context.Context) (context.Context, context.CancelFunc) {
	bound, cause := cl.cfg.Timeout, errInfoTimeout
	if deadline, ok := ctx.Deadline(); ok {
		if half := time.Until(deadline) / 2; half < bound {
			bound, cause = half, errInfoShare
		}
	}
	return context.WithTimeoutCause(ctx, bound, cause)
}

// fetchInfo reads GET /system/info once, within infoContext's bound, and
// returns the provider's name. Any failure (a provider without the route,
// a transport error, a reply above maxInfoBody, no answer within the
// bound) is an error, the answer then read false.
func (cl *Client) fetchInfo(ctx context.Context) (infoAnswer, error) {
	ctx, cancel := cl.infoContext(ctx)
	defer cancel()
	c := infoCall()
	r, err := cl.do(ctx, c)
	switch {
	case err != nil:
		return infoAnswer{}, err
	case !success(r.status):
		return infoAnswer{}, statusError(c, r)
	}
	name := providerName(r.body)
	return infoAnswer{name: name, faasd: isFaasd(name), read: true}, nil
}

// ceMaxReplicas is the most replicas OpenFaaS CE runs of a function: the CE
// gateway clamps a scale to [1, 5] and faas-netes CE caps at 5
// (MaxReplicas), both answering 2xx (reference/openfaas.md §2).
const ceMaxReplicas = 5

// ceLimit applies OpenFaaS CE's limits to a scale to replicas. It returns
// the count to send and, when the provider is CE and will not run
// replicas, the refusal to report:
//   - 0: refused, with nothing to send (the count returned is 0): the CE
//     gateway would turn it into 1 and answer success.
//   - above ceMaxReplicas: send ceMaxReplicas, the most CE runs, so the
//     function gets all the capacity it can; Scale reports the refusal once
//     that landed. Sent as asked, the count "succeeded" while 5 ran, and the
//     actuator, reading 5 at the next pass, asked again at every pass; a
//     *provider.RefusedError makes it hold that count off for its refused
//     back-off, and says why in the explain output.
//
// On faasd (any edition) a count above 1 is sent as 1 and reported refused
// in the same way (faasdCap). Other counts, and any provider that is not
// CE (or whose edition cannot be read), are sent as asked, without reading
// the edition (faasd's name is read from a cache). One WARN per client
// names the limits and the way around them.
func (cl *Client) ceLimit(ctx context.Context, ref provider.Ref, replicas uint64) (uint64, *provider.RefusedError) {
	// A /system/info read made here for faasd serves the CE check too: two
	// reads, each bounded at Config.Timeout, still spent the actuator's
	// call_timeout (10s) on a gateway that does not answer it.
	var read *infoAnswer
	if replicas > 1 {
		a, fresh := cl.faasdInfo(ctx)
		if a.faasd {
			return 1, cl.faasdCap(ctx, ref, shownName(a.name), replicas)
		}
		if fresh {
			read = &a
		}
	}
	if replicas != 0 && replicas <= ceMaxReplicas {
		return replicas, nil
	}
	var name string
	var ce bool
	if read != nil {
		name, ce = edition(*read)
	} else {
		name, ce = cl.communityEdition(ctx)
	}
	if !ce {
		return replicas, nil
	}
	name = shownName(name)
	cl.warnCE.Do(func() {
		cl.log.WarnContext(ctx, "the provider is OpenFaaS CE: functions cannot be scaled to zero, and at most 5 replicas run; "+
			"--provider kubernetes scales the Deployments directly", "provider", name)
	})
	if replicas == 0 {
		return 0, &provider.RefusedError{Ref: ref, Replicas: 0, Message: name +
			" (OpenFaaS CE) cannot scale to zero: its gateway would keep 1 replica and answer success; refused before sending"}
	}
	// Status stays 0: the provider answered success; the refusal is ours.
	// The client returns it only once the capped write succeeded, so the
	// cap is what landed.
	return ceMaxReplicas, &provider.RefusedError{Ref: ref, Replicas: replicas, Landed: ceMaxReplicas, HasLanded: true, Message: fmt.Sprintf(
		"%s (OpenFaaS CE) runs at most %d replicas of a function: %d were asked for instead", name, ceMaxReplicas, ceMaxReplicas)}
}

// communityEdition reads GET /system/info and reports the provider's name
// and whether it is OpenFaaS Community Edition ("faas-netes-ce",
// "faasd-ce"). CE cannot run a function at zero: faas-netes and faasd CE
// answer 400 to replicas 0, but the CE gateway's /system/scale-function
// clamps the count to [1, 5] first and answers 2xx, so a scale to zero
// through it "succeeds" while the function keeps one replica, and the
// idler would ask again on every cycle, logging a scale that never
// happened.
//
// The name is read anew on each call, not cached: only scales to zero or
// above 5 read it, which the actuator sends only when the count changes
// (on CE it then holds the refused count off for actuator.refused_backoff),
// and an edition changed by an upgrade is seen without a restart: a cached
// "CE" would keep capping a function at 5 after an upgrade to Pro (ceLimit
// takes the answer of a read it has just made for faasd instead, as
// fresh). Any failure to read it (a provider without the route, a
// transport error, a reply above maxInfoBody, no answer within
// infoContext's bound) is "not CE": the scale is sent as before and the
// provider's own answer decides.
func (cl *Client) communityEdition(ctx context.Context) (string, bool) {
	a, _ := cl.fetchInfo(ctx)
	return edition(a)
}

// edition is the provider's name in a and whether it is CE ("" and false
// for a read that failed).
func edition(a infoAnswer) (string, bool) {
	if !a.read {
		return "", false
	}
	return a.name, strings.HasSuffix(a.name, "-ce")
}

// providerName is the provider's name in a /system/info reply: a string
// "provider" when the provider answers itself, an object holding it when
// the gateway answers ({"provider": {"provider": "faas-netes-ce", …}, …}).
// "" when the reply has neither.
func providerName(body []byte) string {
	var info struct {
		Provider json.RawMessage `json:"provider"`
	}
	if json.Unmarshal(body, &info) != nil || len(info.Provider) == 0 {
		return ""
	}
	var name string
	if json.Unmarshal(info.Provider, &name) == nil {
		return name
	}
	var nested struct {
		Provider string `json:"provider"`
	}
	if json.Unmarshal(info.Provider, &nested) == nil {
		return nested.Provider
	}
	return ""
}

// shownName is a provider's name fit for a message or a log line. The name
// is the gateway's text, as a reply body is, and goes into refusals the
// actuator holds and shows for its refused back-off: shown whole, a line
// break split the message and a name of megabytes made each refusal
// megabytes. So it is shown as errorBody shows a body: one line, at most
// maxErrorBody bytes. The edition is read from the whole name.
func shownName(name string) string { return errorBody([]byte(name)) }

// faasdCap is the refusal of a scale to replicas > 1 on faasd, which runs
// one containerd task per function (reference/openfaas.md §3): it answers
// 200 to any count above 0 and keeps one task running, so a scale to 3
// "succeeded" while 1 ran, and the actuator, reading 1 at the next pass,
// asked again at every pass. 1 is sent (the function runs), the refusal
// reported once it landed, and the actuator holds the count off as it does
// CE's cap of 5. name is shown as it is (see shownName).
func (cl *Client) faasdCap(ctx context.Context, ref provider.Ref, name string, replicas uint64) *provider.RefusedError {
	cl.warnFaasd.Do(func() {
		cl.log.WarnContext(ctx, "the provider is faasd: it runs one replica of a function; scales above 1 are sent as 1 and reported refused", "provider", name)
	})
	return &provider.RefusedError{Ref: ref, Replicas: replicas, Landed: 1, HasLanded: true, Message: fmt.Sprintf(
		"%s runs one replica (a containerd task) of a function: 1 was asked for instead", name)}
}
