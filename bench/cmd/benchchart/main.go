// Command benchchart turns results/latest.json into the chart and the tables of
// RESULTS.md: results/chart.svg (throughput per workload and size, one bar per client
// with its min–max spread, and end-to-end latency percentiles) and, on stdout,
// Markdown tables of the medians with each client's ratio to raw confluent-kafka-go.
//
//	go run ./cmd/benchchart                       # from bench/
//	go run ./cmd/benchchart -in results/latest.json -svg results/chart.svg
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/rdstreams/rdstreams/bench/internal/report"
)

// result is one results/latest.json entry; the chart counts its rounds only.
type result struct {
	report.Summary
	Runs []json.RawMessage `json:"runs"`
}

type file struct {
	Settings map[string]any `json:"settings"`
	Machine  map[string]any `json:"machine"`
	Results  []result       `json:"results"`
}

// baseline is the client every ratio is taken against.
const baseline = "confluent-kafka-go"

func main() {
	in := flag.String("in", "results/latest.json", "results file")
	svg := flag.String("svg", "results/chart.svg", "chart to write (empty: none)")
	flag.Parse()
	data, err := os.ReadFile(*in)
	if err != nil {
		fail(err)
	}
	var f file
	if err := json.Unmarshal(data, &f); err != nil {
		fail(fmt.Errorf("%s: %w", *in, err))
	}
	writeTables(os.Stdout, f.Results)
	if *svg != "" {
		out, err := os.Create(*svg)
		if err != nil {
			fail(err)
		}
		writeSVG(out, f)
		if err := out.Close(); err != nil {
			fail(err)
		}
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "benchchart:", err)
	os.Exit(1)
}

// clients in the order they first appear (the driver writes them in run order).
func clientsOf(rs []result) []string {
	var cs []string
	for _, r := range rs {
		if !slices.Contains(cs, r.Client) {
			cs = append(cs, r.Client)
		}
	}
	return cs
}

func sizesOf(rs []result, workload string) []int {
	var ss []int
	for _, r := range rs {
		if r.Workload == workload && !slices.Contains(ss, r.Size) {
			ss = append(ss, r.Size)
		}
	}
	slices.Sort(ss)
	return ss
}

func find(rs []result, client, workload string, size int) *result {
	for i := range rs {
		if rs[i].Client == client && rs[i].Workload == workload && rs[i].Size == size {
			return &rs[i]
		}
	}
	return nil
}

func sizeName(n int) string {
	if n%1024 == 0 {
		return fmt.Sprintf("%d KiB", n/1024)
	}
	return fmt.Sprintf("%d B", n)
}

// writeTables prints one Markdown table per workload and size.
func writeTables(w io.Writer, rs []result) {
	for _, wl := range []string{"produce", "consume", "latency"} {
		for _, size := range sizesOf(rs, wl) {
			base := find(rs, baseline, wl, size)
			fmt.Fprintf(w, "\n**%s, %s values**\n\n", wl, sizeName(size))
			if wl == "latency" {
				fmt.Fprintln(w, "| client | p50 ms | p99 ms | p99.9 ms | msgs/s | CPU s / M msgs | peak RSS MiB | runs |")
				fmt.Fprintln(w, "|---|--:|--:|--:|--:|--:|--:|--:|")
			} else {
				fmt.Fprintln(w, "| client | msgs/s (min–max) | MiB/s | × confluent-kafka-go | CPU s / M msgs | Go allocs / msg | peak RSS MiB | runs |")
				fmt.Fprintln(w, "|---|--:|--:|--:|--:|--:|--:|--:|")
			}
			for _, c := range clientsOf(rs) {
				r := find(rs, c, wl, size)
				if r == nil {
					continue
				}
				runs := fmt.Sprintf("%d", len(r.Runs)-r.FailedRuns)
				if r.FailedRuns > 0 {
					runs += fmt.Sprintf(" (+%d failed)", r.FailedRuns)
				}
				name := c
				if c == "rdstreams" {
					name = "**rdstreams**"
				}
				if wl == "latency" {
					fmt.Fprintf(w, "| %s | %s | %s | %s | %.0f | %.2f | %.0f | %s |\n", name,
						ms(r.P50Ms), ms(r.P99Ms), ms(r.P999Ms), r.MsgsPerS, r.CPUPerMillion, r.RSSMB, runs)
					continue
				}
				ratio := "–"
				if base != nil && base.MsgsPerS > 0 {
					ratio = fmt.Sprintf("%.2f×", r.MsgsPerS/base.MsgsPerS)
				}
				sp := r.Spread["msgs_per_s"]
				allocs := "–"
				if r.GoAllocs != nil {
					allocs = fmt.Sprintf("%.2f", *r.GoAllocs)
				}
				fmt.Fprintf(w, "| %s | %s (%s–%s) | %.1f | %s | %.2f | %s | %.0f | %s |\n", name,
					thousands(r.MsgsPerS), thousands(sp[0]), thousands(sp[1]), r.MBPerS, ratio, r.CPUPerMillion, allocs, r.RSSMB, runs)
			}
		}
	}
}

func ms(v *float64) string {
	if v == nil {
		return "–"
	}
	return fmt.Sprintf("%.2f", *v)
}

func thousands(v float64) string {
	s := fmt.Sprintf("%.0f", v)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}
