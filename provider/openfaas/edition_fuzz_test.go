package openfaas

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// FuzzSystemInfo checks the read of GET /system/info, the one reply the
// client takes the provider's edition from (communityEdition, and, cached,
// faasdListing). For any body:
//   - providerName reads the name json.Unmarshal puts in its structs
//     (refProviderName: the "provider" string, or the "provider" string of
//     the "provider" object; "" otherwise), never panicking;
//   - through a Client whose gateway answers the body, the edition is what
//     the name says and nothing else: CE iff the name ends in "-ce", faasd
//     iff it is "faasd" or starts with "faasd-" (isFaasd's doc);
//   - what the client then does follows the edition as ceLimit's doc
//     promises: a scale to 0 is refused unsent on CE and sent otherwise; a
//     scale to 3 is sent as 1 and reported refused on faasd; a scale to 7
//     is sent as 1 on faasd, as 5 on CE, as 7 elsewhere; a faasd listing
//     reads an absent availableReplicas as the replicas, any other as 0;
//   - a refusal's message, which carries the name, is fit for an error
//     message as errorBody makes a reply body: one line, bounded;
//   - a body above maxInfoBody is a failed read: no name, so no edition.
func FuzzSystemInfo(f *testing.F) {
	for _, s := range []string{
		// The shapes the providers and the CE gateway send
		// (reference/openfaas.md §3; the edition tests' replies).
		gatewayInfoCE, faasdInfoCE, providerInfo,
		`{"provider":{"provider":"faas-netes","orchestration":"kubernetes","version":{"sha":"abc","release":"0.17.0"}},` +
			`"version":{"commit_message":"Bump","sha":"def","release":"0.27.12"},"arch":"x86_64"}`,
		`{"provider":"faas-netes-ce","orchestration":"kubernetes","version":{"sha":"abc","release":"0.18.13"}}`,
		`{"provider":"faasd","orchestration":"containerd","version":{"sha":"abc","release":"0.16.0"}}`,
		`{"provider":"faasd-pro","orchestration":"containerd","version":{"sha":"abc","release":"0.2.0"}}`,
		`{"provider":{"provider":"faasd-ce","orchestration":"containerd","version":{"sha":"abc","release":"0.19.6"}},` +
			`"version":{"sha":"def","release":"0.27.12"},"arch":"aarch64"}`,
		// Not those: nothing to read, or encoding/json's corners.
		`{"provider":42}`, `{"provider":{"x":"y"}}`, `{}`, `not json`, `null`, ``, `[{"provider":"faasd"}]`,
		`{"provider":null}`, `{"provider":{"provider":null}}`, `{"provider":""}`, `{"provider":"-ce"}`,
		`{"Provider":"faasd-ce"}`, `{"provider":"faasd","PROVIDER":"faas-netes-ce"}`,
		`{"provider":{"provider":1,"provider":"faas-netes-ce"}}`, `{"provider":{"provider":"faasd","provider":null}}`,
		`{"provider":"faas-netes-ce"} {}`, `{"provider":"faas-netes-cex"}`, `{"provider":"faasd-\u0063e"}`, `{"provider":"faasd-ce\n"}`,
	} {
		f.Add([]byte(s))
	}
	// A faasd CE name padded to the bound, and a byte past it.
	for _, n := range []int{maxInfoBody, maxInfoBody + 1} {
		f.Add([]byte(`{"provider":"faasd-` + strings.Repeat("a", n-len(`{"provider":"faasd--ce"}`)) + `-ce"}`))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		want := refProviderName(body)
		if got := providerName(body); got != want {
			t.Fatalf("providerName = %q, want %q (as json.Unmarshal reads it)\nbody %q", got, want, body)
		}
		if len(body) > maxInfoBody {
			want = "" // the client does not read it
		}
		ce := strings.HasSuffix(want, "-ce")
		faasd := want == "faasd" || strings.HasPrefix(want, "faasd-")

		g := &infoGateway{info: body, scale: -1}
		cl := newTestClient(t, "http://gateway:8080", func(c *Config) {
			c.HTTPClient = &http.Client{Transport: roundTrip(g.serve)}
		})
		ctx := t.Context()
		if name, got := cl.communityEdition(ctx); name != want || got != ce {
			t.Fatalf("communityEdition = %q, %v; want %q, %v\nbody %q", name, got, want, ce, body)
		}
		name, got := cl.faasdProvider(ctx)
		if got != faasd || got && name != want || !got && name != "" {
			t.Fatalf("faasdProvider = %q, %v; want faasd %v (name %q)\nbody %q", name, got, faasd, want, body)
		}
		fns, err := cl.Functions(ctx, "")
		available := uint64(0)
		if faasd {
			available = 2
		}
		if err != nil || len(fns) != 1 || fns[0].AvailableReplicas != available {
			t.Fatalf("Functions = %+v, %v; want figlet with %d available\nbody %q", fns, err, available, body)
		}

		ref := provider.Ref{Name: "figlet", Namespace: "openfaas-fn"}
		for _, tc := range []struct {
			asked   uint64
			sent    int64 // -1: not sent
			refused bool
		}{
			{0, pick(ce, -1, 0), ce},
			{3, pick(faasd, 1, 3), faasd},
			{7, pick(faasd, 1, pick(ce, 5, 7)), faasd || ce},
		} {
			err := cl.Scale(ctx, ref, tc.asked)
			if sent := g.lastScale(); sent != tc.sent {
				t.Fatalf("Scale(%d) sent %d (-1: nothing), want %d (CE %v, faasd %v)\nbody %q", tc.asked, sent, tc.sent, ce, faasd, body)
			}
			var refused *provider.RefusedError
			switch {
			case !tc.refused && err != nil:
				t.Fatalf("Scale(%d) = %v, want nil (CE %v, faasd %v)\nbody %q", tc.asked, err, ce, faasd, body)
			case !tc.refused:
				continue
			case !errors.As(err, &refused) || refused.Replicas != tc.asked:
				t.Fatalf("Scale(%d) = %v, want a refusal (CE %v, faasd %v)\nbody %q", tc.asked, err, ce, faasd, body)
			}
			if msg := refused.Message; len(msg) > 2*maxErrorBody || strings.ContainsAny(msg, "\r\n") {
				t.Fatalf("Scale(%d)'s refusal is not one bounded line (%d bytes): %q\nbody %q", tc.asked, len(msg), msg, body)
			}
		}
	})
}

func pick(c bool, yes, no int64) int64 {
	if c {
		return yes
	}
	return no
}

// infoGateway answers /system/info with info, lists one function without
// availableReplicas (as faasd does) and records the replicas of each scale.
type infoGateway struct {
	info  []byte
	mu    sync.Mutex
	scale int64 // the last scale's replicas; -1 once read
}

func (g *infoGateway) serve(r *http.Request) (*http.Response, error) {
	status, answer := http.StatusOK, []byte(nil)
	switch r.URL.Path {
	case "/system/info":
		answer = g.info
	case "/system/functions":
		answer = []byte(`[{"name":"figlet","namespace":"openfaas-fn","replicas":2}]`)
	case "/system/scale-function/figlet":
		var req scaleRequest
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			return nil, err
		}
		g.mu.Lock()
		g.scale = int64(req.Replicas)
		g.mu.Unlock()
		status = http.StatusAccepted
	default:
		status = http.StatusNotFound
	}
	return &http.Response{StatusCode: status, Header: http.Header{}, Request: r,
		Body: io.NopCloser(bytes.NewReader(answer))}, nil
}

// lastScale is the replicas of the scale sent since the last call; -1 if
// none was.
func (g *infoGateway) lastScale() int64 {
	g.mu.Lock()
	defer g.mu.Unlock()
	n := g.scale
	g.scale = -1
	return n
}

// refProviderName reads the provider's name from a /system/info body as
// encoding/json fills providerName's structs, written out member by member:
// the body must be valid JSON whose top level is an object; of its
// members whose key matches "provider" ignoring case, the last one's value
// is taken; a string is the name, an object the name is the string of its
// last member matching "provider" (null leaving the one before, any other
// type making the whole read fail); anything else is "".
func refProviderName(body []byte) string {
	if !json.Valid(body) {
		return ""
	}
	var v json.RawMessage
	for _, m := range objectMembers(body) {
		if strings.EqualFold(m.key, "provider") {
			v = m.val
		}
	}
	switch {
	case len(v) == 0:
		return ""
	case v[0] == '"':
		var s string
		_ = json.Unmarshal(v, &s)
		return s
	case v[0] != '{':
		return ""
	}
	name := ""
	for _, m := range objectMembers(v) {
		if !strings.EqualFold(m.key, "provider") {
			continue
		}
		switch m.val[0] {
		case '"':
			_ = json.Unmarshal(m.val, &name)
		case 'n':
		default:
			return ""
		}
	}
	return name
}

type member struct {
	key string
	val json.RawMessage
}

// objectMembers lists the members of valid JSON b in order; nil when b is
// not an object.
func objectMembers(b []byte) []member {
	dec := json.NewDecoder(bytes.NewReader(b))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil
	}
	var ms []member
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil
		}
		var m member
		m.key, _ = tok.(string)
		if err := dec.Decode(&m.val); err != nil {
			return nil
		}
		m.val = bytes.TrimSpace(m.val)
		ms = append(ms, m)
	}
	return ms
}
