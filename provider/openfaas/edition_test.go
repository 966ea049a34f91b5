package openfaas

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// The /system/info replies, as the CE gateway (the provider's info nested)
// and as the providers themselves answer.
const (
	gatewayInfoCE = `{"provider":{"provider":"faas-netes-ce","orchestration":"kubernetes","version":{"sha":"abc","release":"0.18.13"}},` +
		`"version":{"sha":"def","release":"0.27.12"},"arch":"x86_64"}`
	faasdInfoCE  = `{"provider":"faasd-ce","orchestration":"containerd","version":{"sha":"abc","release":"0.19.6"}}`
	providerInfo = `{"provider":"faas-netes","orchestration":"kubernetes","version":{"sha":"abc","release":"0.17.0"}}`
)

// TestScaleToZeroOnCEIsRefused: the OpenFaaS CE gateway clamps a scale's
// replicas to [1, 5] and answers 202, so a scale to zero through it left the
// function at 1 replica while reporting success; the idler then asked again
// on every cycle and logged a scale to zero that never happened. The client
// reads /system/info first and refuses 0 on a "-ce" provider, which the
// actuator backs off like the provider's own 400.
//
// Seen failing before communityEdition: "Scale(0) through the CE gateway = <nil>;
// want a refusal (provider at 1 replicas)".
func TestScaleToZeroOnCEIsRefused(t *testing.T) {
	ref := provider.Ref{Name: "figlet", Namespace: "openfaas-fn"}
	for _, tc := range []struct {
		name string
		info string
		ce   bool // the gateway in front is CE's, clamping 0 to 1
	}{
		{"CE gateway in front of faas-netes CE", gatewayInfoCE, true},
		{"faasd CE answering itself", faasdInfoCE, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := newFakeGateway(faasNetes)
			g.ceGateway = tc.ce
			g.info = []byte(tc.info)
			g.deploy(fig("openfaas-fn", 3))
			var logs bytes.Buffer
			cl := newTestClient(t, g.start(t, "").URL, func(c *Config) {
				c.Logger = slog.New(slog.NewTextHandler(&logs, nil))
			})
			for range 2 {
				err := cl.Scale(t.Context(), ref, 0)
				var refused *provider.RefusedError
				if !errors.As(err, &refused) || !provider.IsZeroRefused(err) || refused.Ref != ref ||
					!strings.Contains(refused.Message, "OpenFaaS CE") {
					t.Fatalf("Scale(0) through the CE gateway = %v; want a refusal (provider at %d replicas)", err, g.replicas(ref))
				}
			}
			if n, got := g.requestCount(), g.replicas(ref); n != 0 || got != 3 {
				t.Errorf("%d scale requests sent, provider at %d; want none sent and 3 kept", n, got)
			}
			if n := strings.Count(logs.String(), "the provider is OpenFaaS CE"); n != 1 {
				t.Errorf("the CE warning was logged %d times, want once:\n%s", n, logs.String())
			}
			// A count above zero is not held back, nor is the edition
			// read for it (above 1, faasd's cap is read from a cache:
			// faasd_cap_test.go).
			if err := cl.Scale(t.Context(), ref, 1); err != nil || g.replicas(ref) != 1 {
				t.Errorf("Scale(1) = %v, provider at %d; want 1", err, g.replicas(ref))
			}
			g.mu.Lock()
			infos := g.infos
			g.mu.Unlock()
			if infos != 2 {
				t.Errorf("%d /system/info reads, want one per scale to zero (2)", infos)
			}
		})
	}
}

// TestScaleToZeroSentWhenNotCE: when the provider is not CE, or its info
// cannot be read, the scale to zero is sent and the provider's answer decides.
func TestScaleToZeroSentWhenNotCE(t *testing.T) {
	ref := provider.Ref{Name: "figlet", Namespace: "openfaas-fn"}
	for _, tc := range []struct {
		name string
		info []byte
	}{
		{"another provider", []byte(providerInfo)},
		{"no info route", nil},
		{"info not JSON", []byte("<html>")},
		{"info without a provider", []byte(`{"arch":"arm64"}`)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := newFakeGateway(faasd) // answers 400 to 0 itself
			g.info = tc.info
			g.deploy(fig("openfaas-fn", 3))
			cl := newTestClient(t, g.start(t, "").URL, nil)
			err := cl.Scale(t.Context(), ref, 0)
			var refused *provider.RefusedError
			if !errors.As(err, &refused) || refused.Status != 400 || !strings.Contains(refused.Message, "replicas must > 0") {
				t.Errorf("Scale(0) = %v; want the provider's own 400", err)
			}
			if n := g.requestCount(); n != 1 {
				t.Errorf("%d scale requests, want 1", n)
			}
		})
	}
}

func TestProviderName(t *testing.T) {
	for body, want := range map[string]string{
		gatewayInfoCE:            "faas-netes-ce",
		faasdInfoCE:              "faasd-ce",
		providerInfo:             "faas-netes",
		`{"provider":42}`:        "",
		`{"provider":{"x":"y"}}`: "",
		`{}`:                     "",
		`not json`:               "",
	} {
		if got := providerName([]byte(body)); got != want {
			t.Errorf("providerName(%s) = %q, want %q", body, got, want)
		}
	}
}

// TestSystemInfoReadIsBounded: the /system/info reply is read up to
// maxInfoBody (64 KiB), not the 64 MiB of maxReplyBody a listing may need;
// a gateway sending more (a runaway or hostile body) is "cannot read the
// edition", as a failed read is, so neither CE's refusal of 0 nor faasd's
// cap applies, nothing is cached but the failure, and the client stops
// reading at the bound instead of holding the whole body to parse it. The
// padding is in the name, so the name cached from a reply within the bound
// is as long as one can be.
//
// Seen failing with maxInfoBody defined but not given to the info calls
// (the bound then maxReplyBody): the reply of maxInfoBody+1 bytes was read
// and its "faasd-…-ce" refused the scale to 0 and capped the scale to 3,
// and the 64 MiB reply was read whole. Before that, with the io.LimitReader
// in attempt removed, the 65 MiB body was read whole (each time).
func TestSystemInfoReadIsBounded(t *testing.T) {
	const head, tail = `{"provider":"faasd-`, `-ce"}`
	for _, tc := range []struct {
		name string
		size int64 // of the whole reply
	}{
		{"a reply of 1 KiB", 1 << 10},
		{"a reply at the bound", maxInfoBody},
		{"a reply one byte above the bound", maxInfoBody + 1},
		{"a reply above the bound for every other reply", maxReplyBody + 1<<20},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var reads []*countingReader
			g := &infoGateway{scale: -1}
			gateway := roundTrip(func(r *http.Request) (*http.Response, error) {
				if r.URL.Path != "/system/info" {
					return g.serve(r)
				}
				pad := tc.size - int64(len(head)+len(tail))
				read := &countingReader{r: io.MultiReader(strings.NewReader(head),
					io.LimitReader(repeatByte('a'), pad), strings.NewReader(tail))}
				reads = append(reads, read)
				return &http.Response{StatusCode: http.StatusOK, Header: http.Header{}, Request: r,
					Body: io.NopCloser(read)}, nil
			})
			cl := newTestClient(t, "http://gateway:8080", func(c *Config) {
				c.HTTPClient = &http.Client{Transport: gateway}
			})
			ref := provider.Ref{Name: "figlet", Namespace: "openfaas-fn"}
			err0, sent0 := cl.Scale(t.Context(), ref, 0), g.lastScale()
			err3, sent3 := cl.Scale(t.Context(), ref, 3), g.lastScale()
			cl.info.mu.Lock()
			cached, faasd := cl.info.name, cl.info.faasd
			cl.info.mu.Unlock()
			if tc.size <= maxInfoBody {
				if !provider.IsZeroRefused(err0) || sent0 != -1 || err3 == nil || sent3 != 1 {
					t.Fatalf("Scale(0) = %v (sent %d), Scale(3) = %v (sent %d); want faasd CE's refusal of 0 and cap of 1", err0, sent0, err3, sent3)
				}
				if want := tc.size - int64(len(`{"provider":""}`)); !faasd || int64(len(cached)) != want {
					t.Errorf("cached faasd %v with a name of %d bytes; want faasd, the name's %d", faasd, len(cached), want)
				}
				return
			}
			if err0 != nil || sent0 != 0 || err3 != nil || sent3 != 3 {
				t.Errorf("Scale(0) = %v (sent %d), Scale(3) = %v (sent %d); want both sent as asked: an oversized reply names no edition", err0, sent0, err3, sent3)
			}
			if faasd || cached != "" {
				t.Errorf("cached faasd %v with a name of %d bytes; want the failed read's nothing", faasd, len(cached))
			}
			// Each read stops at the bound (+1 byte to see it passed) and
			// the drain's maxDrain, short of the body's end.
			if len(reads) != 2 {
				t.Errorf("%d /system/info reads, want 2 (one per scale; the failure cached)", len(reads))
			}
			for i, read := range reads {
				if max := int64(maxInfoBody + 1 + maxDrain); read.n > max {
					t.Errorf("read %d: %d bytes of /system/info read, want at most %d", i, read.n, max)
				}
			}
		})
	}
}

// repeatByte is an endless reader of one byte.
type repeatByte byte

func (b repeatByte) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(b)
	}
	return len(p), nil
}

// countingReader counts what is read of r.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// TestRefusalShowsNameOnOneBoundedLine: the provider's name is the
// gateway's text, and the CE and faasd refusals carried it as sent, so a
// name with a line break broke the refusal's message (and the explain
// output and logs showing it) over lines, and a name of megabytes made
// every refusal, held for the refused back-off, megabytes. It is shown as a
// reply body is (errorBody): one line, at most maxErrorBody bytes. The
// edition is still read from the whole name.
//
// Seen failing before shownName: the refusals' messages held the line
// break and all 4,000 bytes of the name.
func TestRefusalShowsNameOnOneBoundedLine(t *testing.T) {
	ref := provider.Ref{Name: "figlet", Namespace: "openfaas-fn"}
	for _, name := range []string{"faasd-edge\nb-ce", "faasd-" + strings.Repeat("x", 4000) + "-ce"} {
		info, _ := json.Marshal(map[string]string{"provider": name})
		g := &infoGateway{info: info, scale: -1}
		cl := newTestClient(t, "http://gateway:8080", func(c *Config) {
			c.HTTPClient = &http.Client{Transport: roundTrip(g.serve)}
		})
		for _, replicas := range []uint64{0, 3} { // CE's refusal of 0, faasd's cap
			var refused *provider.RefusedError
			if err := cl.Scale(t.Context(), ref, replicas); !errors.As(err, &refused) {
				t.Fatalf("Scale(%d) = %v with the provider %.20q, want a refusal", replicas, err, name)
			}
			if msg := refused.Message; len(msg) > 2*maxErrorBody || strings.ContainsAny(msg, "\r\n") ||
				!strings.HasPrefix(msg, "faasd") {
				t.Errorf("Scale(%d)'s refusal is not one line of at most %d bytes naming the provider (%d bytes): %.200q",
					replicas, 2*maxErrorBody, len(msg), msg)
			}
		}
	}
}
