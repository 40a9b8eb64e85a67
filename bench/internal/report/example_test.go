package report_test

import (
	"encoding/json"
	"fmt"

	"github.com/rdstreams/rdstreams/bench/internal/report"
)

// A row of results/latest.json, as cmd/benchchart reads it.
func ExampleSummary() {
	row := `{"client":"rdstreams","workload":"produce","size":100,"msgs_per_s":494000,
		"mb_per_s":47.1,"cpu_s_per_million":2.9,"rss_mb":180,"spread":{"msgs_per_s":[470000,510000]}}`
	var s report.Summary
	if err := json.Unmarshal([]byte(row), &s); err != nil {
		panic(err)
	}
	fmt.Printf("%s %s %d B: %.0f msgs/s (%.0f–%.0f), latency measured: %t\n",
		s.Client, s.Workload, s.Size, s.MsgsPerS, s.Spread["msgs_per_s"][0], s.Spread["msgs_per_s"][1], s.P50Ms != nil)
	// Output: rdstreams produce 100 B: 494000 msgs/s (470000–510000), latency measured: false
}
