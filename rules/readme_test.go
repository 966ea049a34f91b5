package rules

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestReadmeNamesTheQueueRecord: deploy/prometheus/README.md ("What
// the rules do") tells users the queue type's record is
// `function_name:queue_worker_pending_messages:avg`, the name to use in
// their own dashboards, custom rules and alerts. The generator
// (rules/recording.go, builtinLoad TypeQueue) records
// function_name:queue_worker_backlog:pending_plus_inflight instead (pending
// plus in flight), and nothing records the documented name, so a query on
// it returns nothing.
func TestReadmeNamesTheQueueRecord(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(deployDir, "prometheus", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	readme := string(raw)
	got := LoadRecordName(Defaults(), TypeQueue)
	if !strings.Contains(readme, got) {
		t.Errorf("deploy/prometheus/README.md does not name the queue record the rules write, %s", got)
	}
	const documented = "function_name:queue_worker_pending_messages:avg"
	if strings.Contains(readme, documented) && got != documented {
		t.Errorf("deploy/prometheus/README.md documents %s, which no generated rule records", documented)
	}
}
