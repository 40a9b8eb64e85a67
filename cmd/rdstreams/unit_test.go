package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestPanicIsOneLine: whatever panics in a command comes out as one error line and
// exit code 1, without a stack trace.
func TestPanicIsOneLine(t *testing.T) {
	saved := commands
	t.Cleanup(func() { commands = saved })
	commands = append(commands, &command{name: "boom", run: func(*env, *command, []string) error {
		panic("something\nbroke")
	}})
	var stdout, stderr bytes.Buffer
	code := run([]string{"boom"}, strings.NewReader(""), &stdout, &stderr)
	assert.Equal(t, 1, code)
	assert.Equal(t, "rdstreams: internal error: something; broke\n", stderr.String())
	assert.Empty(t, stdout.String())
}

func TestUnescape(t *testing.T) {
	for in, want := range map[string]string{
		`\n`: "\n", `\t`: "\t", `\r\n`: "\r\n", `\0`: "\x00", `\\`: `\`, `\x41\x7e`: "A~", `\e`: "\x1b",
		` | `: " | ", ``: "", `a\tb`: "a\tb", "ü": "ü",
	} {
		got, err := unescape(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, got, in)
	}
	for _, in := range []string{`\`, `\q`, `\x`, `\x4`, `\xzz`, `a\`} {
		_, err := unescape(in)
		assert.Error(t, err, in)
	}
}

func TestParseStart(t *testing.T) {
	for in, want := range map[string]string{
		"earliest": "earliest", "latest": "latest", "EARLIEST": "earliest", "offset:0": "offset 0",
		"offset:42": "offset 42", "time:2024-05-01T12:00:00Z": "time 2024-05-01T12:00:00Z",
		"time:2024-05-01T14:00:00.5+02:00": "time 2024-05-01T12:00:00.5Z",
	} {
		got, err := parseStart(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, got.String(), in)
	}
	for _, in := range []string{"", "first", "offset:", "offset:-1", "offset:x", "time:", "time:2024-05-01", "earliest:1"} {
		_, err := parseStart(in)
		assert.Error(t, err, in)
	}
}

func TestBytesValue(t *testing.T) {
	assert.Nil(t, bytesValue(nil))
	assert.Equal(t, "", bytesValue([]byte{}))
	assert.Equal(t, "ü ✓", bytesValue([]byte("ü ✓")))
	assert.Equal(t, map[string]string{"base64": "/wA="}, bytesValue([]byte{0xff, 0}))
}
