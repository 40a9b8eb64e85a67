package faults

import (
	"fmt"
	"strings"
	"time"
)

// Result is the outcome of one scenario.
type Result struct {
	Name       string        // short name, e.g. "broker-kill-mid-produce"
	Passed     bool          // the scenario's test did not fail
	Lost       int           // messages acknowledged and never received
	Duplicated int           // receptions beyond the first
	Elapsed    time.Duration // wall time of the scenario
	Figures    []string      // what the scenario measured, in words
}

// Line is the scenario's one line in the suite's output:
//
//	ok    broker-kill-mid-produce  41.2s  lost 0  dup 0  produced 200000; killed at 71234 ...
func (r Result) Line() string {
	status := "ok  "
	if !r.Passed {
		status = "FAIL"
	}
	line := fmt.Sprintf("%s  %-34s %6.1fs  lost %d  dup %d", status, r.Name, r.Elapsed.Seconds(), r.Lost, r.Duplicated)
	if len(r.Figures) > 0 {
		line += "  " + strings.Join(r.Figures, "; ")
	}
	return line
}

// Summary is the suite's last line, over every scenario's result:
//
//	faults: N scenarios, N passed, 0 failed, messages lost: 0, duplicated: D
func Summary(results []Result) string {
	var passed, lost, dup int
	for _, r := range results {
		if r.Passed {
			passed++
		}
		lost += r.Lost
		dup += r.Duplicated
	}
	return fmt.Sprintf("faults: %d scenarios, %d passed, %d failed, messages lost: %d, duplicated: %d",
		len(results), passed, len(results)-passed, lost, dup)
}
