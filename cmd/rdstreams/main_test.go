package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rdstreams/rdstreams/internal/testkafka"
)

// bin is the rdstreams binary the tests run, built once by TestMain.
var bin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "rdstreams-cli-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "making a temporary directory:", err)
		os.Exit(1)
	}
	bin = filepath.Join(dir, "rdstreams")
	args := []string{"build", "-o", bin}
	if raceEnabled {
		args = append(args, "-race")
	}
	build := exec.Command("go", append(args, ".")...)
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "building rdstreams: %v\n%s", err, out)
		_ = os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

// result is what one run of the binary gave.
type result struct {
	stdout, stderr string
	code           int
}

func (r result) String() string {
	return fmt.Sprintf("exit %d\nstdout: %q\nstderr: %q", r.code, r.stdout, r.stderr)
}

// binCommand is the binary to run with args. A race found in it fails the run (exit code
// 66 and a report on stderr), and it exits without the race detector's usual
// second-long pause.
func binCommand(ctx context.Context, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append(os.Environ(), "GORACE=atexit_sleep_ms=0 halt_on_error=1 exitcode=66")
	return cmd
}

// cli runs the binary with args and stdin, as a shell would, bounded by a minute.
func cli(t *testing.T, stdin string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := binCommand(ctx, args...)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	r := result{stdout: out.String(), stderr: errOut.String()}
	if err != nil {
		ee, ok := err.(*exec.ExitError)
		require.Truef(t, ok, "running rdstreams %v: %v", args, err)
		r.code = ee.ExitCode()
	}
	require.NoErrorf(t, ctx.Err(), "rdstreams %v did not finish within a minute", args)
	return r
}

// ok runs the binary and requires exit code 0.
func ok(t *testing.T, stdin string, args ...string) result {
	t.Helper()
	r := cli(t, stdin, args...)
	require.Equalf(t, 0, r.code, "rdstreams %s\n%s", strings.Join(args, " "), r)
	return r
}

// url is the stream URL of topic on the test broker.
func url(t *testing.T, topic string) string {
	return "kafka://" + testkafka.Bootstrap(t) + "/" + topic
}

// writeFile writes content to a file in the test's temporary directory.
func writeFile(t *testing.T, name, content string) string {
	path := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(path, []byte(content), 0o600))
	return path
}

// rec is one line of --json output.
type rec struct {
	Topic     string         `json:"topic"`
	Partition int32          `json:"partition"`
	Offset    int64          `json:"offset"`
	Timestamp *string        `json:"timestamp"`
	Key       any            `json:"key"`
	Headers   map[string]any `json:"headers"`
	Format    string         `json:"format"`
	ID        string         `json:"id"`
	Value     any            `json:"value"`
}

func parseRecords(t *testing.T, out string) []rec {
	t.Helper()
	var recs []rec
	for _, l := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		if l == "" && out == "" {
			break
		}
		var r rec
		dec := json.NewDecoder(strings.NewReader(l))
		dec.DisallowUnknownFields()
		require.NoErrorf(t, dec.Decode(&r), "line %q", l)
		recs = append(recs, r)
	}
	return recs
}

func TestPublishFileThenSubscribeJSON(t *testing.T) {
	t.Parallel()
	topic := testkafka.Topic(t, 1, nil)
	lines := []string{"hello", "ünïcødé ✓ 日本語 🚀", "", "with\ttab and \"quotes\"", `{"looks":"like json"}`, "last, without newline"}
	file := writeFile(t, "lines.txt", strings.Join(lines, "\n"))
	before := time.Now().Add(-time.Second)

	r := ok(t, "", "publish", "--no-auth", "--key", "k1", url(t, topic), file)
	assert.Equal(t, fmt.Sprintf("published %d messages to %s\n", len(lines), topic), r.stderr)
	assert.Empty(t, r.stdout)

	r = ok(t, "", "subscribe", "--no-auth", "--start-at", "earliest", "--json", url(t, topic))
	assert.Empty(t, r.stderr)
	recs := parseRecords(t, r.stdout)
	require.Len(t, recs, len(lines), r.stdout)
	for i, got := range recs {
		assert.Equal(t, topic, got.Topic)
		assert.Equal(t, int32(0), got.Partition)
		assert.Equal(t, int64(i), got.Offset)
		assert.Equal(t, "k1", got.Key)
		assert.Equal(t, "blob", got.Format)
		assert.Equal(t, lines[i], got.Value, "line %d", i+1)
		assert.Equal(t, map[string]any{}, got.Headers)
		assert.Len(t, got.ID, 36, "hop _id as a UUID")
		require.NotNil(t, got.Timestamp)
		ts, err := time.Parse(time.RFC3339Nano, *got.Timestamp)
		require.NoError(t, err)
		assert.True(t, ts.After(before) && ts.Before(time.Now().Add(time.Second)), "timestamp %s", ts)
		assert.True(t, strings.HasSuffix(*got.Timestamp, "Z"), "UTC: %s", *got.Timestamp)
	}

	// The plain output is the lines themselves.
	r = ok(t, "", "subscribe", "--no-auth", "--start-at", "earliest", url(t, topic))
	assert.Equal(t, strings.Join(lines, "\n")+"\n", r.stdout)
}

func TestPublishStdin(t *testing.T) {
	t.Parallel()
	topic := testkafka.Topic(t, 1, nil)
	// Global flags before the command name work too.
	r := ok(t, "alpha\nbeta\n\ngamma\n", "--no-auth", "publish", url(t, topic))
	assert.Equal(t, "published 4 messages to "+topic+"\n", r.stderr)
	r = ok(t, "", "subscribe", url(t, topic), "--start-at", "earliest", "--no-auth")
	assert.Equal(t, "alpha\nbeta\n\ngamma\n", r.stdout)

	// "-" is standard input, among files; an empty input publishes nothing.
	file := writeFile(t, "one.txt", "delta\n")
	r = ok(t, "epsilon", "publish", "--no-auth", "--quiet", url(t, topic), file, "-", writeFile(t, "empty.txt", ""))
	assert.Empty(t, r.stderr)
	r = ok(t, "", "subscribe", "--no-auth", "--start-at", "offset:4", url(t, topic))
	assert.Equal(t, "delta\nepsilon\n", r.stdout)
}

func TestPublishJSON(t *testing.T) {
	t.Parallel()
	topic := testkafka.Topic(t, 1, nil)
	file := writeFile(t, "good.jsonl", "{\"a\":1,\"b\":[true,null]}\n[1, 2, 3]\n\"text\"\n12345678901234567890\n")
	r := ok(t, "", "publish", "--no-auth", "--json", url(t, topic), file)
	assert.Equal(t, "published 4 messages to "+topic+"\n", r.stderr)
	r = ok(t, "", "subscribe", "--no-auth", "--start-at", "earliest", "--json", url(t, topic))
	recs := parseRecords(t, r.stdout)
	require.Len(t, recs, 4)
	for _, got := range recs {
		assert.Equal(t, "json", got.Format)
	}
	assert.Equal(t, map[string]any{"a": float64(1), "b": []any{true, nil}}, recs[0].Value)
	assert.Equal(t, []any{float64(1), float64(2), float64(3)}, recs[1].Value)
	assert.Equal(t, "text", recs[2].Value)
	assert.Contains(t, r.stdout, `"value":12345678901234567890`, "the number is passed on exactly")
	// The plain output is the JSON exactly as published.
	r = ok(t, "", "subscribe", "--no-auth", "--start-at", "earliest", url(t, topic))
	assert.Equal(t, "{\"a\":1,\"b\":[true,null]}\n[1, 2, 3]\n\"text\"\n12345678901234567890\n", r.stdout)

	// Invalid JSON stops at that line, naming it; the lines before it are sent.
	bad := testkafka.Topic(t, 1, nil)
	file = writeFile(t, "bad.jsonl", "{\"ok\":1}\n{not json\n{\"never\":2}\n")
	r = cli(t, "", "publish", "--no-auth", "--json", url(t, bad), file)
	assert.Equal(t, 1, r.code, r)
	assertOneErrorLine(t, r)
	assert.Contains(t, r.stderr, file+":2: invalid JSON")
	r = ok(t, "", "subscribe", "--no-auth", "--start-at", "earliest", url(t, bad))
	assert.Equal(t, "{\"ok\":1}\n", r.stdout)

	// An empty line is not JSON either.
	r = cli(t, "[]\n\n", "publish", "--no-auth", "--json", url(t, bad))
	assert.Equal(t, 1, r.code, r)
	assertOneErrorLine(t, r)
	assert.Contains(t, r.stderr, "stdin:2: invalid JSON")
}

func TestSubscribeCountDelimiterAndStart(t *testing.T) {
	t.Parallel()
	topic := testkafka.Topic(t, 1, nil)
	var in strings.Builder
	for i := range 10 {
		fmt.Fprintf(&in, "m%d\n", i)
	}
	ok(t, in.String(), "publish", "--no-auth", url(t, topic))

	r := ok(t, "", "subscribe", "--no-auth", "--start-at", "earliest", "--count", "3", url(t, topic))
	assert.Equal(t, "m0\nm1\nm2\n", r.stdout)

	r = ok(t, "", "subscribe", "--no-auth", "--start-at", "earliest", "--count", "4", "--delimiter", `\0`, url(t, topic))
	assert.Equal(t, "m0\x00m1\x00m2\x00m3\x00", r.stdout)

	r = ok(t, "", "subscribe", "--no-auth", "--start-at", "offset:7", "--delimiter", ` | `, url(t, topic))
	assert.Equal(t, "m7 | m8 | m9 | ", r.stdout)

	r = ok(t, "", "subscribe", "--no-auth", "--start-at", "earliest", "--count", "2", "--delimiter", `\t\x41`, url(t, topic))
	assert.Equal(t, "m0\tAm1\tA", r.stdout)

	// A time after every message: nothing; the default, latest: nothing either.
	r = ok(t, "", "subscribe", "--no-auth", "--start-at", "time:"+time.Now().Add(time.Hour).UTC().Format(time.RFC3339), url(t, topic))
	assert.Empty(t, r.stdout)
	r = ok(t, "", "subscribe", "--no-auth", url(t, topic))
	assert.Empty(t, r.stdout)
	r = ok(t, "", "subscribe", "--no-auth", "--start-at", "time:2000-01-01T00:00:00Z", "--count", "1", url(t, topic))
	assert.Equal(t, "m0\n", r.stdout)

	// A group resumes where it left off.
	group := testkafka.UniqueName("cli-group")
	r = ok(t, "", "subscribe", "--no-auth", "--group", group, "--start-at", "earliest", "--count", "4", url(t, topic))
	assert.Equal(t, "m0\nm1\nm2\nm3\n", r.stdout)
	r = ok(t, "", "subscribe", "--no-auth", "--group", group, "--start-at", "earliest", url(t, topic))
	assert.Equal(t, "m4\nm5\nm6\nm7\nm8\nm9\n", r.stdout)
}

func TestTail(t *testing.T) {
	t.Parallel()
	topic := testkafka.Topic(t, 3, nil)
	// One publish per message, each keyed: they spread over the partitions, and their
	// timestamps follow the order of publishing.
	for i := range 10 {
		ok(t, fmt.Sprintf("msg-%d\n", i), "publish", "--no-auth", "--quiet", "--key", fmt.Sprintf("key-%d", i), url(t, topic))
	}
	r := ok(t, "", "subscribe", "--no-auth", "--start-at", "earliest", "--json", url(t, topic))
	all := parseRecords(t, r.stdout)
	require.Len(t, all, 10)
	partitions := map[int32]bool{}
	where := map[string]rec{}
	for _, m := range all {
		partitions[m.Partition] = true
		where[m.Value.(string)] = m
	}
	require.Greater(t, len(partitions), 1, "the keys spread the messages over several partitions")

	r = ok(t, "", "tail", "--no-auth", "-n", "3", url(t, topic))
	assert.Equal(t, "msg-7\nmsg-8\nmsg-9\n", r.stdout)
	assert.Empty(t, r.stderr)

	r = ok(t, "", "tail", "--no-auth", "-n", "3", "--json", url(t, topic))
	recs := parseRecords(t, r.stdout)
	require.Len(t, recs, 3)
	for i, got := range recs {
		want := where[fmt.Sprintf("msg-%d", 7+i)]
		assert.Equal(t, want, got)
		assert.Equal(t, fmt.Sprintf("key-%d", 7+i), got.Key)
	}

	// A topic shorter than -n gives all it holds.
	short := testkafka.Topic(t, 3, nil)
	ok(t, "one\n", "publish", "--no-auth", url(t, short))
	ok(t, "two\n", "publish", "--no-auth", url(t, short))
	r = ok(t, "", "tail", "--no-auth", "-n", "50", url(t, short))
	assert.Equal(t, "one\ntwo\n", r.stdout)

	// An empty topic gives nothing.
	empty := testkafka.Topic(t, 2, nil)
	r = ok(t, "", "tail", "--no-auth", url(t, empty))
	assert.Empty(t, r.stdout)
}

func TestTopics(t *testing.T) {
	t.Parallel()
	topic := testkafka.Topic(t, 3, nil)
	r := ok(t, "", "topics", "--no-auth", url(t, topic))
	assert.Contains(t, r.stdout, "broker 1 at ")
	assert.Contains(t, r.stdout, fmt.Sprintf("topic %q with 3 partition(s):\n", topic))
	for p := range 3 {
		assert.Contains(t, r.stdout, fmt.Sprintf("    partition %d, leader 1, replicas 1, isr 1\n", p))
	}
	assert.Equal(t, 1, strings.Count(r.stdout, "topic \""), "only the topic the URL names:\n%s", r.stdout)

	r = ok(t, "", "topics", "--no-auth", "--json", url(t, topic))
	var md struct {
		ClusterID  string `json:"cluster_id"`
		Controller int32  `json:"controller"`
		Brokers    []struct {
			ID   int32  `json:"id"`
			Host string `json:"host"`
			Port int    `json:"port"`
		} `json:"brokers"`
		Topics []struct {
			Name       string `json:"name"`
			Partitions []struct {
				ID       int32   `json:"id"`
				Leader   int32   `json:"leader"`
				Replicas []int32 `json:"replicas"`
				ISR      []int32 `json:"isr"`
			} `json:"partitions"`
		} `json:"topics"`
	}
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &md), r.stdout)
	assert.NotEmpty(t, md.ClusterID)
	require.Len(t, md.Brokers, 1)
	assert.Equal(t, int32(1), md.Brokers[0].ID)
	assert.Positive(t, md.Brokers[0].Port)
	require.Len(t, md.Topics, 1)
	assert.Equal(t, topic, md.Topics[0].Name)
	require.Len(t, md.Topics[0].Partitions, 3)
	for i, p := range md.Topics[0].Partitions {
		assert.Equal(t, int32(i), p.ID)
		assert.Equal(t, int32(1), p.Leader)
		assert.Equal(t, []int32{1}, p.Replicas)
		assert.Equal(t, []int32{1}, p.ISR)
	}

	// Without a topic in the URL: every topic but the internal ones.
	r = ok(t, "", "topics", "--no-auth", "kafka://"+testkafka.Bootstrap(t))
	assert.Contains(t, r.stdout, fmt.Sprintf("topic %q with 3 partition(s):\n", topic))
	assert.NotContains(t, r.stdout, "__consumer_offsets")
}

// perfResult is a perf --json summary.
type perfResult struct {
	Mode       string  `json:"mode"`
	Topic      string  `json:"topic"`
	Messages   int64   `json:"messages"`
	Failed     int64   `json:"failed"`
	Bytes      int64   `json:"bytes"`
	Seconds    float64 `json:"seconds"`
	MsgsPerSec float64 `json:"msgs_per_sec"`
	MBPerSec   float64 `json:"mb_per_sec"`
	Latency    struct {
		P50  float64 `json:"p50"`
		P99  float64 `json:"p99"`
		P999 float64 `json:"p99_9"`
		Max  float64 `json:"max"`
	} `json:"latency_ms"`
}

func parsePerf(t *testing.T, r result, mode, topic string, messages, bytes int64) perfResult {
	t.Helper()
	var p perfResult
	dec := json.NewDecoder(strings.NewReader(r.stdout))
	dec.DisallowUnknownFields()
	require.NoError(t, dec.Decode(&p), r.stdout)
	assert.Equal(t, mode, p.Mode)
	assert.Equal(t, topic, p.Topic)
	assert.Equal(t, messages, p.Messages)
	assert.Zero(t, p.Failed)
	assert.Equal(t, bytes, p.Bytes)
	assert.Positive(t, p.Seconds)
	assert.Positive(t, p.MsgsPerSec)
	assert.Positive(t, p.MBPerSec)
	assert.InDelta(t, float64(messages)/p.Seconds, p.MsgsPerSec, p.MsgsPerSec*1e-6)
	assert.Positive(t, p.Latency.P50)
	assert.LessOrEqual(t, p.Latency.P50, p.Latency.P99)
	assert.LessOrEqual(t, p.Latency.P99, p.Latency.P999)
	assert.LessOrEqual(t, p.Latency.P999, p.Latency.Max)
	// stderr is not a terminal here: plain progress lines, ending with the total.
	assert.True(t, strings.HasSuffix(r.stderr, fmt.Sprintf("%s: %d/%d msgs\n", mode, messages, messages)), r.stderr)
	t.Logf("perf %s: %d msgs in %.3f s: %.0f msgs/s, %.2f MB/s, latency ms p50 %.3f p99 %.3f p99.9 %.3f max %.3f",
		mode, p.Messages, p.Seconds, p.MsgsPerSec, p.MBPerSec, p.Latency.P50, p.Latency.P99, p.Latency.P999, p.Latency.Max)
	return p
}

func TestPerf(t *testing.T) {
	t.Parallel()
	topic := testkafka.Topic(t, 3, nil)
	r := ok(t, "", "perf", "produce", "--no-auth", "--messages", "2000", "--size", "50", "--json", url(t, topic))
	parsePerf(t, r, "produce", topic, 2000, 100000)

	r = ok(t, "", "perf", "consume", "--no-auth", "--messages", "2000", "--json", url(t, topic))
	parsePerf(t, r, "consume", topic, 2000, 100000)

	// As a group member; and asking for more than the topic holds stops at its end.
	r = ok(t, "", "perf", "consume", "--no-auth", "--group", testkafka.UniqueName("perf"), "--messages", "5000", "--json", url(t, topic))
	var p perfResult
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &p), r.stdout)
	assert.Equal(t, int64(2000), p.Messages)

	// The human summary.
	r = ok(t, "", "perf", "produce", "--no-auth", "--messages", "200", "--rate", "4000", url(t, topic))
	assert.Contains(t, r.stdout, "produced 200 messages (20000 bytes) to "+topic)
	assert.Contains(t, r.stdout, "latency ms: p50 ")
	assert.Contains(t, r.stdout, " msgs/s, ")
}

// assertOneErrorLine checks the error convention: one line on stderr, starting with
// "rdstreams: ", and never a panic.
func assertOneErrorLine(t *testing.T, r result) {
	t.Helper()
	assert.True(t, strings.HasPrefix(r.stderr, "rdstreams: "), "stderr starts with rdstreams: %q", r.stderr)
	assert.Equal(t, 1, strings.Count(r.stderr, "\n"), "one line: %q", r.stderr)
	assert.True(t, strings.HasSuffix(r.stderr, "\n"), "ends with a newline: %q", r.stderr)
	for _, bad := range []string{"panic", "goroutine"} {
		assert.NotContains(t, r.stdout+r.stderr, bad)
	}
}

func TestBadInput(t *testing.T) {
	t.Parallel()
	good := url(t, testkafka.Topic(t, 1, nil))
	two := url(t, "a,b")
	bootstrap := testkafka.Bootstrap(t)
	missing := filepath.Join(t.TempDir(), "no-such-file.txt")
	dir := t.TempDir()
	cases := []struct {
		name string
		args []string
		code int
		want string // in the error line
	}{
		{"no command", nil, 2, "no command"},
		{"unknown command", []string{"publsh", good}, 2, `unknown command "publsh"`},
		{"unknown flag", []string{"subscribe", "--bogus", good}, 2, "unknown flag --bogus"},
		{"unknown global flag", []string{"--bogus", "topics", good}, 2, "--bogus"},
		{"missing URL", []string{"subscribe", "--no-auth"}, 2, "missing the URL"},
		{"extra argument", []string{"subscribe", "--no-auth", good, "extra"}, 2, `unexpected argument "extra"`},
		{"bad URL scheme", []string{"subscribe", "--no-auth", "http://localhost/t"}, 2, "invalid URL"},
		{"bad URL port", []string{"tail", "--no-auth", "kafka://localhost:99999/t"}, 2, "invalid URL"},
		{"URL without topic", []string{"subscribe", "--no-auth", "kafka://" + bootstrap}, 2, "names no topic"},
		{"publish to two topics", []string{"publish", "--no-auth", two}, 2, "exactly one topic"},
		{"-n not a number", []string{"tail", "--no-auth", "-n", "three", good}, 2, `invalid value "three" for -n: not a number`},
		{"-n zero", []string{"tail", "--no-auth", "-n", "0", good}, 2, "-n must be at least 1"},
		{"bad --start-at", []string{"subscribe", "--no-auth", "--start-at", "yesterday", good}, 2, "--start-at"},
		{"bad --start-at offset", []string{"subscribe", "--no-auth", "--start-at", "offset:x", good}, 2, "offset:N"},
		{"bad --start-at time", []string{"subscribe", "--no-auth", "--start-at", "time:noon", good}, 2, "RFC 3339"},
		{"bad --delimiter", []string{"subscribe", "--no-auth", "--delimiter", `\q`, good}, 2, "unknown escape"},
		{"negative --count", []string{"subscribe", "--no-auth", "--count", "-1", good}, 2, "--count"},
		{"flag without value", []string{"subscribe", "--no-auth", good, "--group"}, 2, "--group needs a value"},
		{"-X without =", []string{"topics", "--no-auth", "-X", "acks", good}, 2, "want key=value"},
		{"-X unknown property", []string{"topics", "--no-auth", "-X", "no.such.property=1", good}, 2, "no.such.property"},
		{"bad --timeout", []string{"topics", "--no-auth", "--timeout", "soon", good}, 2, "--timeout"},
		{"--no-auth with --auth-file", []string{"topics", "--no-auth", "--auth-file", missing, good}, 2, "exclude each other"},
		{"unreadable file", []string{"publish", "--no-auth", good, missing}, 1, "cannot read " + missing},
		{"directory as file", []string{"publish", "--no-auth", good, dir}, 1, "is a directory"},
		{"missing auth file", []string{"topics", "--auth-file", missing, good}, 1, "auth file"},
		{"unknown topic", []string{"subscribe", "--no-auth", url(t, "no-such-topic-"+testkafka.UniqueName("x"))}, 1, "does not exist"},
		{"unknown topic for tail", []string{"tail", "--no-auth", url(t, "no-such-topic-"+testkafka.UniqueName("x"))}, 1, "does not exist"},
		{"unreachable broker", []string{"topics", "--no-auth", "--timeout", "1s", "kafka://127.0.0.1:1/t"}, 1, "nothing is listening at 127.0.0.1:1 (connection refused, tried for 1s"},
		{"unreachable broker publish", []string{"publish", "--no-auth", "--timeout", "1s", "kafka://127.0.0.1:1/t"}, 1, "nothing is listening at 127.0.0.1:1"},
		{"perf without mode", []string{"perf"}, 2, "missing produce or consume"},
		{"perf unknown mode", []string{"perf", "burn", good}, 2, `unknown mode "burn"`},
		{"perf --messages 0", []string{"perf", "produce", "--no-auth", "--messages", "0", good}, 2, "--messages"},
		{"perf --size negative", []string{"perf", "produce", "--no-auth", "--size", "-5", good}, 2, "--size"},
		{"perf --rate not a number", []string{"perf", "produce", "--no-auth", "--rate", "fast", good}, 2, "--rate"},
		{"help for unknown command", []string{"help", "nothing"}, 2, `unknown command "nothing"`},
		{"version with argument", []string{"version", "now"}, 2, "unexpected argument"},
	}
	require.GreaterOrEqual(t, len(cases), 12)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := cli(t, "", tc.args...)
			assert.Equal(t, tc.code, r.code, r)
			assertOneErrorLine(t, r)
			assert.Contains(t, r.stderr, tc.want)
			assert.Empty(t, r.stdout)
		})
	}
}

func TestHelp(t *testing.T) {
	t.Parallel()
	r := ok(t, "", "--help")
	for _, c := range []string{"publish", "subscribe", "tail", "topics", "perf", "version", "help"} {
		assert.Contains(t, r.stdout, "\n  "+c+" ", "the command list names %s", c)
	}
	assert.Empty(t, r.stderr)
	ok(t, "", "-h")
	for _, c := range [][]string{{"publish"}, {"subscribe"}, {"tail"}, {"topics"}, {"perf"}, {"perf", "produce"}, {"perf", "consume"}, {"version"}, {"help"}} {
		name := strings.Join(c, " ")
		for _, flag := range []string{"--help", "-h"} {
			r := ok(t, "", append(c, flag)...)
			assert.Contains(t, r.stdout, "Usage: rdstreams "+name+" ", "%s %s", name, flag)
			_, example, found := strings.Cut(r.stdout, "Example:\n  ")
			assert.True(t, found, "%s %s has an example", name, flag)
			example, _, _ = strings.Cut(example, "\n")
			assert.Contains(t, example, "rdstreams "+name, "%s %s", name, flag)
			assert.Contains(t, r.stdout, "--no-auth", "%s %s lists the global flags", name, flag)
			assert.Empty(t, r.stderr)
		}
	}
	// Help wins over everything else on the line, and "help COMMAND" is COMMAND --help.
	r = ok(t, "", "subscribe", "--bad-start", "--help")
	assert.Contains(t, r.stdout, "Usage: rdstreams subscribe ")
	r = ok(t, "", "subscribe", "kafka://x/y", "--help")
	assert.Contains(t, r.stdout, "Usage: rdstreams subscribe ")
	r = ok(t, "", "help", "tail")
	assert.Contains(t, r.stdout, "Usage: rdstreams tail ")
	assert.Contains(t, r.stdout, "-n N")

	r = ok(t, "", "version")
	assert.True(t, strings.HasPrefix(r.stdout, "rdstreams "), r.stdout)
}

// TestSubscribePersistAndInterrupt runs a persisting subscriber, publishes while it
// listens, and stops it with SIGINT: it ends cleanly with exit code 0.
func TestSubscribePersistAndInterrupt(t *testing.T) {
	t.Parallel()
	topic := testkafka.Topic(t, 1, nil)
	ok(t, "first\n", "publish", "--no-auth", "--quiet", url(t, topic))

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := binCommand(ctx, "subscribe", "--no-auth", "--persist", "--start-at", "earliest", url(t, topic))
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	var stderr lockedBuffer
	cmd.Stderr = &stderr
	require.NoError(t, cmd.Start())
	lines := bufio.NewReader(stdout)
	readLine := func() string {
		l, err := lines.ReadString('\n')
		require.NoError(t, err, "stderr: %s", stderr.String())
		return l
	}
	assert.Equal(t, "first\n", readLine())
	// Past the end of the stream it keeps listening: a message published now arrives.
	ok(t, "second\n", "publish", "--no-auth", "--quiet", url(t, topic))
	assert.Equal(t, "second\n", readLine())

	require.NoError(t, cmd.Process.Signal(os.Interrupt))
	rest, err := io.ReadAll(lines)
	require.NoError(t, err)
	assert.Empty(t, string(rest))
	require.NoError(t, cmd.Wait(), "exit after SIGINT; stderr: %s", stderr.String())
	assert.Empty(t, stderr.String())
}

// lockedBuffer is a bytes.Buffer that a running command writes while the test reads it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestPublishFailures: a message the producer refuses (bigger than -X
// message.max.bytes) is named by FILE:LINE, one the broker refuses (bigger than the
// topic's max.message.bytes) by its delivery error; one line each, exit code 1, and
// the other messages are published.
func TestPublishFailures(t *testing.T) {
	t.Parallel()
	topic := testkafka.Topic(t, 1, map[string]string{"max.message.bytes": "2000"})
	big := strings.Repeat("x", 5000)
	huge := strings.Repeat("y", 20000)
	input := "small\n" + big + "\n" + huge + "\nsmall2\n"
	// One message a batch: the broker refuses whole batches.
	r := cli(t, input, "publish", "--no-auth", "-X", "message.max.bytes=10000", "-X", "batch.num.messages=1", url(t, topic))
	assert.Equal(t, 1, r.code, r)
	lines := strings.Split(strings.TrimSuffix(r.stderr, "\n"), "\n")
	require.Len(t, lines, 3, r.stderr)
	for _, l := range lines {
		assert.True(t, strings.HasPrefix(l, "rdstreams: publish: "), l)
	}
	assert.Contains(t, lines[0], "stdin:3: not sent: ")
	assert.Contains(t, lines[0], "too large")
	assert.Contains(t, lines[1], "not delivered: "+topic+": ")
	assert.Contains(t, lines[1], "too large")
	assert.Equal(t, "rdstreams: publish: 2 of 4 message(s) could not be published to "+topic, lines[2])
	assert.NotContains(t, r.stderr, "panic")

	r = ok(t, "", "subscribe", "--no-auth", "--start-at", "earliest", url(t, topic))
	assert.Equal(t, "small\nsmall2\n", r.stdout)
}

// TestPublishInterrupt: Ctrl-C while publish waits on standard input delivers what
// was read, says so in one line, and exits 1.
func TestPublishInterrupt(t *testing.T) {
	t.Parallel()
	topic := testkafka.Topic(t, 1, nil)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := binCommand(ctx, "publish", "--no-auth", url(t, topic))
	stdin, err := cmd.StdinPipe()
	require.NoError(t, err)
	var stdout, stderr lockedBuffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	require.NoError(t, cmd.Start())
	_, err = io.WriteString(stdin, "before interrupt\n")
	require.NoError(t, err)
	// The message is read and published while standard input stays open: a persisting
	// subscriber sees it.
	r := ok(t, "", "subscribe", "--no-auth", "--persist", "--start-at", "earliest", "--count", "1", url(t, topic))
	assert.Equal(t, "before interrupt\n", r.stdout)

	require.NoError(t, cmd.Process.Signal(os.Interrupt))
	err = cmd.Wait()
	var ee *exec.ExitError
	require.ErrorAs(t, err, &ee, "stderr: %s", stderr.String())
	assert.Equal(t, 1, ee.ExitCode())
	assertOneErrorLine(t, result{stdout: stdout.String(), stderr: stderr.String(), code: 1})
	assert.Contains(t, stderr.String(), "interrupted (1 message(s) before it published to "+topic+")")
	_ = stdin.Close()
}

// TestSubscribeIntoClosedPipe: a reader that stops reading (| head) ends subscribe
// cleanly, with exit code 0 and nothing on stderr.
func TestSubscribeIntoClosedPipe(t *testing.T) {
	t.Parallel()
	topic := testkafka.Topic(t, 1, nil)
	line := strings.Repeat("z", 200) + "\n"
	ok(t, strings.Repeat(line, 2000), "publish", "--no-auth", "--quiet", url(t, topic))
	script := `set -o pipefail; "$0" subscribe --no-auth --start-at earliest "$1" | head -n 1`
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "-c", script, bin, url(t, topic))
	cmd.Env = append(os.Environ(), "GORACE=atexit_sleep_ms=0 halt_on_error=1 exitcode=66")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	require.NoError(t, cmd.Run(), "stderr: %s", stderr.String())
	assert.Equal(t, line, stdout.String())
	assert.Empty(t, stderr.String())
}

// TestAuthFileAndBinaryFields goes through the broker's SCRAM listener with
// credentials from an auth file (the default way, as in hop), and checks how --json
// shows bytes that are not UTF-8.
func TestAuthFileAndBinaryFields(t *testing.T) {
	t.Parallel()
	topic := testkafka.Topic(t, 1, nil)
	user := testkafka.Env(t, "KAFKA_SCRAM_USER")
	auth := writeFile(t, "auth.toml", fmt.Sprintf("[[auth]]\nusername = %q\npassword = %q\nprotocol = \"SASL_PLAINTEXT\"\n",
		user, testkafka.Env(t, "KAFKA_SCRAM_PASSWORD")))
	u := "kafka://" + user + "@" + testkafka.Env(t, "KAFKA_SASL_BOOTSTRAP") + "/" + topic

	ok(t, "text\n\xc3\x28\n", "publish", "--auth-file", auth, "--key", "\xff\x01", u)
	r := ok(t, "", "subscribe", "--auth-file", auth, "--start-at", "earliest", "--json", u)
	recs := parseRecords(t, r.stdout)
	require.Len(t, recs, 2)
	for _, got := range recs {
		assert.Equal(t, map[string]any{"base64": "/wE="}, got.Key)
		assert.Equal(t, map[string]any{"_sender": user}, got.Headers, "hop's _sender header")
	}
	assert.Equal(t, "text", recs[0].Value)
	assert.Equal(t, map[string]any{"base64": "wyg="}, recs[1].Value)

	r = ok(t, "", "tail", "--auth-file", auth, "-n", "1", u)
	assert.Equal(t, "\xc3\x28\n", r.stdout)

	// A readable auth file is refused, saying how to fix it.
	require.NoError(t, os.Chmod(auth, 0o644))
	r = cli(t, "", "topics", "--auth-file", auth, u)
	assert.Equal(t, 1, r.code, r)
	assertOneErrorLine(t, r)
	assert.Contains(t, r.stderr, "chmod 600")
}
