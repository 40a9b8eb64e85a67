package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// Each perf mode's help shows the --json summary it prints, with its own mode.
func TestPerfHelpShowsItsOwnMode(t *testing.T) {
	t.Parallel()
	for mode, other := range map[string]string{"produce": "consume", "consume": "produce"} {
		r := ok(t, "", "perf", mode, "--help")
		assert.Contains(t, r.stdout, `{"mode":"`+mode+`"`, "perf %s --help", mode)
		assert.NotContains(t, r.stdout, `"mode":"`+other+`"`, "perf %s --help", mode)
	}
}
