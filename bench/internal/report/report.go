package report

// Summary is one (client, workload, size) row of results/latest.json without its
// rounds: medians over the successful rounds in the top-level fields, [min, max] of
// each in Spread. Latency fields are set for the latency workload only, GoAllocs for
// the Go clients only.
type Summary struct {
	Client        string                `json:"client"`
	Workload      string                `json:"workload"`
	Size          int                   `json:"size"`
	MsgsPerS      float64               `json:"msgs_per_s"`
	MBPerS        float64               `json:"mb_per_s"`
	CPUPerMillion float64               `json:"cpu_s_per_million"`
	RSSMB         float64               `json:"rss_mb"`
	P50Ms         *float64              `json:"p50_ms,omitempty"`
	P99Ms         *float64              `json:"p99_ms,omitempty"`
	P999Ms        *float64              `json:"p999_ms,omitempty"`
	GoAllocs      *float64              `json:"go_allocs_per_msg,omitempty"`
	GoAllocBytes  *float64              `json:"go_alloc_bytes_per_msg,omitempty"`
	FailedRuns    int                   `json:"failed_runs,omitempty"`
	Spread        map[string][2]float64 `json:"spread"`
	Settings      map[string]any        `json:"settings"` // the client's, from its first good run
}
