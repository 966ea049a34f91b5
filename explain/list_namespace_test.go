package explain_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/faas-autoscaler/faas-autoscaler/explain"
)

// TestListByNamespace: GET /api/v1/functions?namespace=NS lists that
// namespace's functions only, as OpenFaaS's /system/functions?namespace=
// does; any other parameter, or namespace empty or twice, is a 400 naming
// it. Seen failing before the list read its query: ?namespace=dev answered
// every namespace's functions with 200 (read as a filter that worked), and
// ?namspace=dev, a typo, the same.
func TestListByNamespace(t *testing.T) {
	h := explain.Handler(lister())
	code, _, body := get(t, h, http.MethodGet, "/api/v1/functions?namespace=dev")
	var got struct {
		Functions []explain.Summary `json:"functions"`
	}
	if err := json.Unmarshal([]byte(body), &got); err != nil || code != http.StatusOK {
		t.Fatalf("?namespace=dev: %d %s (%v)", code, body, err)
	}
	if len(got.Functions) != 1 || got.Functions[0].Ref != refB.String() {
		t.Errorf("?namespace=dev listed %+v; want only %s", got.Functions, refB)
	}
	code, _, body = get(t, h, http.MethodGet, "/api/v1/functions?namespace=nowhere")
	if code != http.StatusOK || !strings.Contains(body, `"functions": []`) {
		t.Errorf("?namespace=nowhere: %d %s; want 200 and an empty list", code, body)
	}
	for query, want := range map[string]string{
		"namspace=dev":                 `unknown query parameter \"namspace\"`,
		"namespace=":                   "namespace must be given once",
		"namespace=dev&namespace=prod": "namespace must be given once",
		"namespace=%zz":                "bad query",
	} {
		code, _, body := get(t, h, http.MethodGet, "/api/v1/functions?"+query)
		if code != http.StatusBadRequest || !strings.Contains(body, want) {
			t.Errorf("?%s: %d %s; want 400 containing %s", query, code, body, want)
		}
	}
}

// neverListed is a lister that no wait makes list.
type neverListed struct{ fakeLister }

func (neverListed) NotListed() error { return explain.ErrNeverListed{Why: "nothing lists here"} }

// startingLister is a lister that has not listed yet.
type startingLister struct{ fakeLister }

func (startingLister) NotListed() error { return errors.New("starting") }

// TestNeverListedHasNoRetryAfter: a 503 that no wait cures (scaler and
// idler both off) carries no Retry-After, which told scripts to ask again
// for ever; one while a listing is on its way still does. Seen failing
// before ErrNeverListed: Retry-After 5 on both.
func TestNeverListedHasNoRetryAfter(t *testing.T) {
	code, hdr, body := get(t, explain.Handler(neverListed{lister()}), http.MethodGet, "/api/v1/functions")
	if code != http.StatusServiceUnavailable || hdr.Get("Retry-After") != "" || !strings.Contains(body, "nothing lists here") {
		t.Errorf("never listed: %d, Retry-After %q, %s; want 503 without Retry-After", code, hdr.Get("Retry-After"), body)
	}
	code, hdr, _ = get(t, explain.Handler(startingLister{lister()}), http.MethodGet, "/api/v1/functions")
	if code != http.StatusServiceUnavailable || hdr.Get("Retry-After") == "" {
		t.Errorf("not listed yet: %d, Retry-After %q; want 503 with Retry-After", code, hdr.Get("Retry-After"))
	}
}
