package stream_test

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rdstreams/rdstreams/internal/testkafka"
	"github.com/rdstreams/rdstreams/stream"
)

// hopScript writes or reads with the real hop-client (Python, from PyPI), unauthenticated.
const hopScript = `
import json, sys
from hop import Stream
from hop.io import StartPosition
from hop.models import Blob
mode, url = sys.argv[1], sys.argv[2]
if mode == "write":
    with Stream(auth=False).open(url, "w") as s:
        s.write({"from": "hop", "n": 1})
        s.write(Blob(b"\x00\x01raw"))
        s.write("hop tëxt <&>")
else:
    group = sys.argv[3] if len(sys.argv) > 3 else None
    with Stream(auth=False, start_at=StartPosition.EARLIEST, until_eos=True).open(url, "r", group_id=group) as s:
        for m in s:
            c = m.content
            print(json.dumps({"type": type(m).__name__, "content": c.hex() if isinstance(c, bytes) else c}))
`

// runHop runs hopScript with the Python that has hop-client (HOP_PYTHON, set by make test).
func runHop(t *testing.T, mode, url string, args ...string) string {
	t.Helper()
	return runPython(t, hopScript, append([]string{mode, url}, args...)...)
}

// runPython runs a Python script with hop-client's Python (HOP_PYTHON) and returns
// what it printed; the test fails with its stderr if it fails.
func runPython(t *testing.T, code string, args ...string) string {
	t.Helper()
	return runPythonInput(t, code, nil, args...)
}

// runPythonInput is runPython with input on the script's standard input.
func runPythonInput(t *testing.T, code string, input []byte, args ...string) string {
	t.Helper()
	python := testkafka.Env(t, "HOP_PYTHON")
	script := filepath.Join(t.TempDir(), "hop_io.py")
	require.NoError(t, os.WriteFile(script, []byte(code), 0o600))
	cmd := exec.Command(python, append([]string{script}, args...)...)
	cmd.Stdin = bytes.NewReader(input)
	out, err := cmd.Output()
	var stderr string
	if ee, ok := err.(*exec.ExitError); ok {
		stderr = string(ee.Stderr)
	}
	require.NoError(t, err, "hop-client script %v failed: %s", args, stderr)
	return string(out)
}

// hop-client writes, rdstreams reads and decodes by _format.
func TestHopClientWritesRdstreamsReads(t *testing.T) {
	topic := testkafka.Topic(t, 1, nil)
	runHop(t, "write", url(t, topic))
	got := readAll(t, url(t, topic), stream.StartAt(stream.Earliest))
	require.Len(t, got, 3)
	assert.Equal(t, stream.FormatJSON, got[0].Format)
	var v map[string]any
	require.NoError(t, got[0].Decode(&v))
	assert.Equal(t, map[string]any{"from": "hop", "n": 1.0}, v)
	assert.NotEmpty(t, got[0].ID(), "hop's _id header")
	assert.Equal(t, stream.FormatBlob, got[1].Format)
	assert.Equal(t, []byte("\x00\x01raw"), got[1].Payload)
	// A Python str is hop's json format: the string back, as a Go string writes it.
	assert.Equal(t, stream.FormatJSON, got[2].Format)
	var text string
	require.NoError(t, got[2].Decode(&text))
	assert.Equal(t, "hop tëxt <&>", text)
	content, err := got[2].Content()
	require.NoError(t, err)
	assert.Equal(t, "hop tëxt <&>", content)
}

// rdstreams writes, hop-client reads and decodes into its models.
func TestRdstreamsWritesHopClientReads(t *testing.T) {
	topic := testkafka.Topic(t, 1, nil)
	w, err := stream.Open(url(t, topic), stream.Write, stream.NoAuth())
	require.NoError(t, err)
	require.NoError(t, w.Write(stream.JSON(map[string]any{"from": "rdstreams", "ok": true})))
	require.NoError(t, w.Write([]byte{0xff, 0x00}))
	require.NoError(t, w.Write("tëxt <&>"))
	require.NoError(t, w.Close())
	var got []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(runHop(t, "read", url(t, topic))), "\n") {
		var m map[string]any
		require.NoError(t, json.Unmarshal([]byte(line), &m), line)
		got = append(got, m)
	}
	assert.Equal(t, []map[string]any{
		{"type": "JSONBlob", "content": map[string]any{"from": "rdstreams", "ok": true}},
		{"type": "Blob", "content": "ff00"},
		{"type": "JSONBlob", "content": "tëxt <&>"}, // a Go string is a Python str, as hop writes one
	}, got)
}

// A hop-client reader and two rdstreams readers sharing one group each read every
// message: none is a group member, the group only keeps positions, and the broker takes
// the commits of all three.
func TestHopAndRdstreamsReadersShareAGroup(t *testing.T) {
	topic := testkafka.Topic(t, 3, nil)
	want := writeSpread(t, url(t, topic), 12, 3)
	group := testkafka.UniqueName("hop-shared")
	ctx := minute(t)
	var readers []*stream.Stream
	var reads []<-chan collected
	var commits []*commitWatch
	for i := 0; i < 2; i++ {
		cw := &commitWatch{}
		// Persist, and no automatic commit before Close: the rdstreams readers commit
		// their end only after hop-client has read, which it does from the start.
		r, err := stream.Open(url(t, topic), stream.Read, stream.NoAuth(), stream.Group(group), stream.Persist(),
			stream.StartAt(stream.Earliest), stream.WithCommitCallback(cw.onCommit),
			stream.Config(map[string]any{"auto.commit.interval.ms": 3_600_000}))
		require.NoError(t, err)
		defer r.Close()
		readers, reads, commits = append(readers, r), append(reads, readOn(ctx, r, len(want))), append(commits, cw)
	}
	var hopGot []string
	for _, line := range strings.Split(strings.TrimSpace(runHop(t, "read", url(t, topic), group)), "\n") {
		var m struct{ Content string }
		require.NoError(t, json.Unmarshal([]byte(line), &m), line)
		b, err := hex.DecodeString(m.Content)
		require.NoError(t, err, line)
		hopGot = append(hopGot, string(b))
	}
	assert.ElementsMatch(t, want, hopGot, "hop-client read every message")
	for i, read := range reads {
		got := <-read
		require.NoError(t, got.err)
		assert.ElementsMatch(t, want, got.values, "rdstreams reader %d read every message", i)
		require.NoError(t, readers[i].Close(), "rdstreams reader %d's Close commits", i)
		assert.Empty(t, commits[i].errs(), "rdstreams reader %d's commits", i)
	}
	assert.Empty(t, payloads(readAll(t, url(t, topic), stream.Group(group), stream.StartAt(stream.Earliest))),
		"the group holds the end")
}
