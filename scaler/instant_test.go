package scaler

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"
	"unsafe"
)

// TestRecommendationIsSmallAndHoldsNoPointers: a decision copies the
// stabilisation list, a million times in a replayed day; with time.Time
// fields a recommendation was 56 bytes the collector scanned.
func TestRecommendationIsSmallAndHoldsNoPointers(t *testing.T) {
	if got := unsafe.Sizeof(Recommendation{}); got > 24 {
		t.Errorf("Recommendation is %d bytes, want at most 24", got)
	}
	typ := reflect.TypeFor[Recommendation]()
	for i := range typ.NumField() {
		switch typ.Field(i).Type.Kind() {
		case reflect.Pointer, reflect.Struct, reflect.Slice, reflect.Map, reflect.String, reflect.Interface:
			t.Errorf("Recommendation.%s is a %s: the list would be scanned by the collector", typ.Field(i).Name, typ.Field(i).Type)
		}
	}
}

// TestInstantReadsAsATime: the explain API shows a function's
// recommendations; their times read as RFC 3339 as when they were
// time.Time values, an unset expiry is left out, and they read back.
func TestInstantReadsAsATime(t *testing.T) {
	at := time.Date(2026, 12, 3, 9, 15, 30, 250_000_000, time.UTC)
	r := Recommendation{At: InstantOf(at), Replicas: 4}
	b, err := json.Marshal(State{Recommendations: []Recommendation{r, {At: InstantOf(at), Replicas: 9, Expires: InstantOf(at.Add(time.Minute))}}})
	if err != nil {
		t.Fatal(err)
	}
	want := `"recommendations":[{"at":"2026-12-03T09:15:30.25Z","replicas":4},{"at":"2026-12-03T09:15:30.25Z","replicas":9,"expires":"2026-12-03T09:16:30.25Z"}]`
	if !strings.Contains(string(b), want) {
		t.Errorf("State as JSON:\n%s\nwant it to hold\n%s", b, want)
	}
	var back State
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if len(back.Recommendations) != 2 || back.Recommendations[0] != r || !back.Recommendations[1].Expires.Time().Equal(at.Add(time.Minute)) {
		t.Errorf("read back %+v", back.Recommendations)
	}
	if got := InstantOf(at).Time(); !got.Equal(at) {
		t.Errorf("InstantOf(%v).Time() = %v", at, got)
	}
	if InstantOf(time.Time{}) != 0 || !Instant(0).Time().IsZero() {
		t.Error("the zero time is not the zero Instant both ways")
	}
}
