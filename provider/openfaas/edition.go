package openfaas

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
)

// opInfo names the /system/info read in errors and logs. It is not one of
// the provider operations: the client makes it only before a scale to zero.
const opInfo = "info"

// communityEdition reads GET /system/info and reports the provider's name
// and whether it is OpenFaaS Community Edition ("faas-netes-ce",
// "faasd-ce"). CE cannot run a function at zero: faas-netes and faasd CE
// answer 400 to replicas 0, but the CE gateway's /system/scale-function
// clamps the count to [1, 5] first and answers 2xx, so a scale to zero
// through it "succeeds" while the function keeps one replica, and the
// idler would ask again on every cycle, logging a scale that never
// happened.
//
// The name is read anew on each call, not cached: scales to zero are rare
// (one per function per idle period; on CE the actuator then backs the
// function off for actuator.refused_backoff), and an edition changed by an
// upgrade is seen without a restart. Any failure to read it (a provider
// without the route, a transport error) is "not CE": the scale is sent as
// before and the provider's own answer decides.
func (cl *Client) communityEdition(ctx context.Context) (string, bool) {
	c := call{op: opInfo, method: http.MethodGet, path: []string{"system", "info"}, once: true}
	r, err := cl.do(ctx, c)
	if err != nil || !success(r.status) {
		return "", false
	}
	name := providerName(r.body)
	return name, strings.HasSuffix(name, "-ce")
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
