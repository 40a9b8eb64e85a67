package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// version names rdstreams, the Go toolchain and the librdkafka inside.
func TestVersionNamesLibrdkafka(t *testing.T) {
	t.Parallel()
	r := ok(t, "", "version")
	assert.Regexp(t, `^rdstreams \S+ \(go[0-9.]+\S*, librdkafka 2\.11\.1\)\n$`, r.stdout)
}
