package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/rdstreams/rdstreams/bench/internal/report"
)

// results is results/latest.json.
type results struct {
	Settings map[string]any `json:"settings"`
	Machine  map[string]any `json:"machine"`
	Results  []*result      `json:"results"`

	opts options
}

// result is one (client, workload, size): the summary of the successful rounds, and
// every round in runs.
type result struct {
	report.Summary
	Runs []outcome `json:"runs"`
}

func newResults(o options) *results {
	return &results{opts: o, Machine: machine(), Settings: map[string]any{
		"bootstrap":          o.bootstrap,
		"broker":             brokerVersion(),
		"workloads":          o.workloads,
		"sizes":              o.sizes,
		"rounds":             o.rounds,
		"messages":           o.messages,
		"latency_messages":   o.latency,
		"latency_rate":       o.rate,
		"partitions":         o.partitions,
		"acks":               "all",
		"enable.idempotence": true,
		"linger.ms":          o.lingerMs,
		"batch.size":         o.batchSize,
		"compression.type":   "none",
		"order":              "interleaved: for each round, for each workload, for each size, every client in turn; the client order rotates by one place each round",
		"produce":            "unkeyed values to a fresh topic; time from the first send to the last delivery report, after one warm-up message delivered (Go clients)",
		"consume":            "a topic pre-filled by rdstreams' producer, read from the beginning (Go clients assign every partition); time from the first message to the last",
		"latency":            "fresh topic; values sent at latency_rate with the send time (unix nanos) in their first 8 bytes, read from the end by a consumer in the same process; receive − send in an HDR histogram",
		"cpu_s_per_million":  "user + system CPU seconds of the client process (rusage, its child processes included: java's run.sh) per million messages; the latency workload both produces and consumes them",
		"rss_mb":             "peak resident set size of the client process (rusage maxrss), MiB; started from a ~2 MB launcher, which is the floor",
		"mb_per_s":           "value bytes only, MiB (1,048,576 bytes) per second",
		"median":             "top-level numbers are medians over the successful rounds; spread is [min, max]",
	}}
}

// add records one run.
func (rs *results) add(client, workload string, size int, run outcome) {
	i := slices.IndexFunc(rs.Results, func(r *result) bool {
		return r.Client == client && r.Workload == workload && r.Size == size
	})
	if i < 0 {
		rs.Results = append(rs.Results, &result{Summary: report.Summary{Client: client, Workload: workload, Size: size}})
		sortResults(rs.opts, rs.Results)
		i = slices.IndexFunc(rs.Results, func(r *result) bool {
			return r.Client == client && r.Workload == workload && r.Size == size
		})
	}
	r := rs.Results[i]
	if run.Error == "" && r.Settings == nil {
		r.Settings = run.Settings
	}
	run.Settings = nil
	r.Runs = append(r.Runs, run)
	r.summarize()
}

// summarize recomputes the medians and spreads from the runs.
func (r *result) summarize() {
	var good []outcome
	for _, run := range r.Runs {
		if run.Error == "" {
			good = append(good, run)
		}
	}
	r.FailedRuns = len(r.Runs) - len(good)
	r.Spread = map[string][2]float64{}
	stat := func(name string, get func(outcome) float64) float64 {
		vals := make([]float64, len(good))
		for i, g := range good {
			vals[i] = get(g)
		}
		if len(vals) == 0 {
			return 0
		}
		slices.Sort(vals)
		r.Spread[name] = [2]float64{vals[0], vals[len(vals)-1]}
		if n := len(vals); n%2 == 1 {
			return vals[n/2]
		} else {
			return (vals[n/2-1] + vals[n/2]) / 2
		}
	}
	r.MsgsPerS = stat("msgs_per_s", func(o outcome) float64 { return o.MsgsPerS })
	r.MBPerS = stat("mb_per_s", func(o outcome) float64 { return o.MBPerS })
	r.CPUPerMillion = stat("cpu_s_per_million", func(o outcome) float64 { return o.CPUPerMillion })
	r.RSSMB = stat("rss_mb", func(o outcome) float64 { return o.RSSMB })
	r.P50Ms, r.P99Ms, r.P999Ms, r.GoAllocs, r.GoAllocBytes = nil, nil, nil, nil, nil
	pct := func(name string, get func(outcome) *float64) *float64 {
		v := stat(name, func(o outcome) float64 {
			if p := get(o); p != nil {
				return *p
			}
			return 0
		})
		return &v
	}
	if len(good) > 0 && good[0].GoAllocsPerMsg != nil {
		r.GoAllocs = pct("go_allocs_per_msg", func(o outcome) *float64 { return o.GoAllocsPerMsg })
		r.GoAllocBytes = pct("go_alloc_bytes_per_msg", func(o outcome) *float64 { return o.GoAllocBytesPerMsg })
	}
	if len(good) > 0 && good[0].P50Ms != nil {
		r.P50Ms = pct("p50_ms", func(o outcome) *float64 { return o.P50Ms })
		r.P99Ms = pct("p99_ms", func(o outcome) *float64 { return o.P99Ms })
		r.P999Ms = pct("p999_ms", func(o outcome) *float64 { return o.P999Ms })
	}
}

// write saves the results so far (atomically, so a crash leaves the last good file).
func (rs *results) write(path string) error {
	data, err := json.MarshalIndent(rs, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, append(data, '\n'), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// summary prints the medians as a table on stderr.
func (rs *results) summary() {
	fmt.Fprintf(os.Stderr, "\n%-8s %5s  %-19s %11s %20s %8s %8s %7s %8s %8s %8s\n",
		"workload", "size", "client", "msgs/s", "(min–max)", "MB/s", "cpu s/M", "rss MB", "p50 ms", "p99 ms", "p99.9 ms")
	for _, r := range rs.Results {
		lat := ""
		if r.P50Ms != nil {
			lat = fmt.Sprintf(" %8.2f %8.2f %8.2f", *r.P50Ms, *r.P99Ms, *r.P999Ms)
		}
		sp := r.Spread["msgs_per_s"]
		fmt.Fprintf(os.Stderr, "%-8s %5d  %-19s %11.0f %20s %8.1f %8.2f %7.1f%s\n",
			r.Workload, r.Size, r.Client, r.MsgsPerS, fmt.Sprintf("(%.0f–%.0f)", sp[0], sp[1]),
			r.MBPerS, r.CPUPerMillion, r.RSSMB, lat)
		if r.FailedRuns > 0 {
			fmt.Fprintf(os.Stderr, "%-8s %5s  %-19s %d of %d runs failed\n", "", "", "", r.FailedRuns, len(r.Runs))
		}
	}
}

// machine describes where the benchmark ran.
func machine() map[string]any {
	m := map[string]any{
		"cpus":       runtime.NumCPU(),
		"go":         runtime.Version(),
		"os":         runtime.GOOS + "/" + runtime.GOARCH,
		"date":       time.Now().UTC().Format(time.RFC3339),
		"kernel":     readTrim("/proc/sys/kernel/osrelease"),
		"cpu_model":  cpuModel(),
		"memory_gib": memGiB(),
	}
	if v := javaVersion(); v != "" {
		m["java"] = v
	}
	return m
}

func readTrim(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

func cpuModel() string {
	for _, l := range strings.Split(readTrim("/proc/cpuinfo"), "\n") {
		if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

func memGiB() float64 {
	for _, l := range strings.Split(readTrim("/proc/meminfo"), "\n") {
		var kb float64
		if _, err := fmt.Sscanf(l, "MemTotal: %f kB", &kb); err == nil {
			return float64(int(kb/1024/1024*10)) / 10
		}
	}
	return 0
}

// brokerVersion is the Kafka version of the jars in KAFKA_LIBS (the broker's, when
// it was started by broker/kafka.sh).
func brokerVersion() string {
	jars, _ := filepath.Glob(filepath.Join(os.Getenv("KAFKA_LIBS"), "kafka-clients-*.jar"))
	if len(jars) == 0 {
		return "unknown"
	}
	v := strings.TrimSuffix(strings.TrimPrefix(filepath.Base(jars[0]), "kafka-clients-"), ".jar")
	return "Apache Kafka " + v + " (version of the jars in KAFKA_LIBS)"
}
