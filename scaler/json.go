package scaler

import "encoding/json"

// MarshalJSON writes durations as Go duration strings ("2m0s"), which is how
// users write them in labels, for the explain API.
func (s Spec) MarshalJSON() ([]byte, error) {
	type plain Spec
	return json.Marshal(struct {
		plain
		ZeroDuration string `json:"zero_duration"`
		DownWindow   string `json:"down_window"`
		StepDedup    string `json:"step_dedup"`
	}{plain(s), s.ZeroDuration.String(), s.DownWindow.String(), s.StepDedup.String()})
}

// MarshalJSON writes the windows as Go duration strings.
func (o Observation) MarshalJSON() ([]byte, error) {
	type plain Observation
	return json.Marshal(struct {
		plain
		StableWindow string `json:"stable_window"`
		BurstWindow  string `json:"burst_window"`
	}{plain(o), o.StableWindow.String(), o.BurstWindow.String()})
}
