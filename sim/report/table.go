package report

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"text/tabwriter"

	"github.com/faas-autoscaler/faas-autoscaler/sim"
	"github.com/faas-autoscaler/faas-autoscaler/sim/trace"
)

// Attribution is printed with every result from the Azure Functions traces.
const Attribution = "Trace: Azure Functions 2019 (Shahrad et al., \"Serverless in the Wild\", USENIX ATC 2020), CC BY 4.0, via vhive-serverless/invitro."

// Attribution2021 is printed with results from the Azure Functions 2021 trace.
const Attribution2021 = "Trace: Azure Functions 2021 (Zhang et al., \"Faster and Cheaper Serverless Computing on Harvested Resources\", SOSP 2021), CC BY 4.0, via vhive-serverless/invitro."

// AttributionDataset is printed with results from a day of the 2019 dataset
// as Azure publishes it (trace.LayoutDataset), which invitro did not handle.
const AttributionDataset = "Trace: Azure Functions 2019 (Shahrad et al., \"Serverless in the Wild\", USENIX ATC 2020), CC BY 4.0, from Azure/AzurePublicDataset."

// AttributionOf is the line to print with results from t: AttributionFor
// its format, and for a 2019 trace read as the dataset publishes it, the
// dataset's own line.
func AttributionOf(t *trace.Trace) string {
	if t.Format == trace.Azure2019 && t.Layout == trace.LayoutDataset {
		return AttributionDataset
	}
	return AttributionFor(t.Format)
}

// AttributionFor is the line to print with results from a trace of format f
// (a synthetic trace needs none and gets a line that says what it is).
func AttributionFor(f trace.Format) string {
	switch f {
	case trace.Azure2021:
		return Attribution2021
	case trace.Synthetic:
		return "Trace: synthetic (faas-autoscaler sim/synth), not from a provider."
	}
	return Attribution
}

// Table writes the summaries as an aligned table.
func Table(w io.Writer, ss []sim.Summary, baseline string) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "policy\tinvocations\tcold starts\tcold ratio\tp75 fn cold ratio\tidle replica-h\tidle vs %s\treplica-h\twait p50\twait p99\tscale events\tunserved\t\n", baseline)
	for _, s := range ss {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%s\t%s\t%.1f\t%s\t%.1f\t%s\t%s\t%d\t%d\t\n", s.Policy, s.Invocations, s.ColdStarts,
			ratio(s.ColdRatio), ratio(s.P75ColdRatio), s.IdleReplicaSec/3600, times(s.IdleNormalised),
			s.TotalReplicaSec/3600, secs(s.WaitP50), secs(s.WaitP99), s.ScaleEvents, s.Unserved)
	}
	return tw.Flush()
}

func ratio(x float64) string {
	if x < 0 {
		return "-"
	}
	return strconv.FormatFloat(x, 'f', 4, 64)
}

func times(x float64) string {
	if x < 0 {
		return "-"
	}
	return fmt.Sprintf("%.2f×", x)
}

func secs(x float64) string {
	switch {
	case x < 0:
		return "-"
	case x < 1:
		return fmt.Sprintf("%.0fms", x*1000)
	}
	return fmt.Sprintf("%.1fs", x)
}

// CSV writes one row per policy.
func CSV(w io.Writer, ss []sim.Summary) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"policy", "invocations", "cold_starts", "unserved", "cold_start_ratio", "p75_function_cold_start_ratio",
		"idle_replica_seconds", "idle_normalised", "replica_seconds", "wait_p50_seconds", "wait_p99_seconds", "wait_max_seconds", "scale_events"})
	f := func(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) }
	for _, s := range ss {
		cw.Write([]string{s.Policy, strconv.FormatUint(s.Invocations, 10), strconv.FormatUint(s.ColdStarts, 10),
			strconv.FormatUint(s.Unserved, 10), f(s.ColdRatio), f(s.P75ColdRatio), f(s.IdleReplicaSec), f(s.IdleNormalised),
			f(s.TotalReplicaSec), f(s.WaitP50), f(s.WaitP99), f(s.WaitMax), strconv.Itoa(s.ScaleEvents)})
	}
	cw.Flush()
	return cw.Error()
}

// FunctionsCSV writes one row per policy and function.
func FunctionsCSV(w io.Writer, rs []sim.Result) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"policy", "function", "invocations", "cold_starts", "cold_start_ratio", "idle_replica_seconds",
		"replica_seconds", "scale_ups", "scale_downs", "wait_p99_seconds"})
	f := func(x float64) string {
		if math.IsNaN(x) {
			return ""
		}
		return strconv.FormatFloat(x, 'g', 6, 64)
	}
	for _, r := range rs {
		for i := range r.Functions {
			fr := &r.Functions[i]
			cw.Write([]string{r.Policy, fr.ID, strconv.FormatUint(fr.Invocations, 10), strconv.FormatUint(fr.ColdStarts, 10),
				f(fr.ColdRatio()), f(fr.IdleReplicaSeconds), f(fr.ReplicaSeconds), strconv.Itoa(fr.ScaleUps),
				strconv.Itoa(fr.ScaleDowns), f(fr.Waits.Quantile(0.99))})
		}
	}
	cw.Flush()
	return cw.Error()
}

// Document is the JSON output: the run's parameters, the summaries and the
// attribution.
type Document struct {
	Trace       string         `json:"trace"`
	Attribution string         `json:"attribution"`
	Config      map[string]any `json:"config"`
	Baseline    string         `json:"baseline"`
	Results     []sim.Summary  `json:"results"`
}

// JSON writes doc indented (with the 2019 trace's attribution unless doc
// has its own).
func JSON(w io.Writer, doc Document) error {
	if doc.Attribution == "" {
		doc.Attribution = Attribution
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(doc)
}

// ReadJSON reads a Document written by JSON (to merge results of a run made
// elsewhere, such as the Knative module's, into tables and charts).
func ReadJSON(r io.Reader) (Document, error) {
	var d Document
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&d); err != nil {
		return Document{}, err
	}
	return d, nil
}
