package stream_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rdstreams/rdstreams/internal/testkafka"
	"github.com/rdstreams/rdstreams/kafkaerror"
	"github.com/rdstreams/rdstreams/message"
	"github.com/rdstreams/rdstreams/producer"
	"github.com/rdstreams/rdstreams/stream"
)

func url(t *testing.T, topics ...string) string {
	return "kafka://" + testkafka.Bootstrap(t) + "/" + strings.Join(topics, ",")
}

// write writes values through a stream writer and waits for delivery. A string is
// written as its bytes (a blob), so that payloads reads it back as it was.
func write(t *testing.T, rawURL string, values ...any) {
	t.Helper()
	w, err := stream.Open(rawURL, stream.Write, stream.NoAuth())
	require.NoError(t, err)
	for _, v := range values {
		if s, ok := v.(string); ok {
			v = []byte(s)
		}
		require.NoError(t, w.Write(v))
	}
	require.NoError(t, w.Close())
}

// readAll opens a reader and collects what it yields until it ends by itself.
func readAll(t *testing.T, rawURL string, opts ...stream.Option) []*stream.Message {
	t.Helper()
	r, err := stream.Open(rawURL, stream.Read, append([]stream.Option{stream.NoAuth()}, opts...)...)
	require.NoError(t, err)
	defer r.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var out []*stream.Message
	for m, err := range r.Messages(ctx) {
		require.NoError(t, err)
		out = append(out, m)
	}
	require.NoError(t, ctx.Err(), "the reader did not stop at the end of the stream")
	return out
}

func payloads(ms []*stream.Message) []string {
	out := []string{}
	for _, m := range ms {
		out = append(out, string(m.Payload))
	}
	return out
}

// Without Persist a reader stops by itself once every partition reached its end.
func TestReaderStopsAtEndOfStream(t *testing.T) {
	topic := testkafka.Topic(t, 2, nil)
	write(t, url(t, topic), "a", "b", "c", "d", "e")
	got := readAll(t, url(t, topic), stream.StartAt(stream.Earliest))
	assert.ElementsMatch(t, []string{"a", "b", "c", "d", "e"}, payloads(got))
}

// With Persist a reader goes on past the end of the stream until its context ends.
func TestPersistListensPastEndOfStream(t *testing.T) {
	topic := testkafka.Topic(t, 1, nil)
	write(t, url(t, topic), "before-1", "before-2")
	r, err := stream.Open(url(t, topic), stream.Read, stream.NoAuth(), stream.Persist(), stream.StartAt(stream.Earliest))
	require.NoError(t, err)
	defer r.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var got []string
	for m, err := range r.Messages(ctx) {
		require.NoError(t, err)
		got = append(got, string(m.Payload))
		if len(got) == 2 {
			write(t, url(t, topic), "after") // written after the reader reached the end
		}
		if len(got) == 3 {
			cancel()
		}
	}
	assert.Equal(t, []string{"before-1", "before-2", "after"}, got)
}

// Each start position: earliest reads all, latest none of the old, an offset from there,
// a time from the first message at or after it.
func TestStartPositions(t *testing.T) {
	topic := testkafka.Topic(t, 1, nil)
	t0 := time.UnixMilli(1_700_000_000_000)
	p, err := producer.New(map[string]any{"bootstrap.servers": testkafka.Bootstrap(t)})
	require.NoError(t, err)
	for i := 0; i < 5; i++ {
		require.NoError(t, p.Produce(topic, []byte(strconv.Itoa(i)), producer.Timestamp(t0.Add(time.Duration(i)*time.Minute))))
	}
	require.Equal(t, 0, p.Flush(30*time.Second))
	require.NoError(t, p.Close())

	cases := []struct {
		start stream.StartPosition
		want  []string
	}{
		{stream.Earliest, []string{"0", "1", "2", "3", "4"}},
		{stream.Latest, []string{}},
		{stream.AtOffset(2), []string{"2", "3", "4"}},
		{stream.AtTime(t0.Add(150 * time.Second)), []string{"3", "4"}},
		{stream.AtTime(t0.Add(time.Hour)), []string{}},
	}
	for _, c := range cases {
		t.Run(c.start.String(), func(t *testing.T) {
			assert.Equal(t, c.want, payloads(readAll(t, url(t, topic), stream.StartAt(c.start))))
		})
	}
}

// Metadata carries topic, partition, offset, timestamp, key and headers, and hop's
// headers are on every written message.
func TestMetadataAndHopHeaders(t *testing.T) {
	topic := testkafka.Topic(t, 1, nil)
	w, err := stream.Open(url(t, topic), stream.Write, stream.NoAuth())
	require.NoError(t, err)
	before := time.Now().Add(-time.Second)
	require.NoError(t, w.Write(stream.JSON(map[string]any{"event": "GRB", "n": 7}), stream.Key([]byte("k1")),
		stream.Headers(message.Header{Key: "mine", Value: []byte("v")})))
	require.NoError(t, w.Write([]byte{0, 1, 2}))
	require.NoError(t, w.Close())

	got := readAll(t, url(t, topic), stream.StartAt(stream.Earliest))
	require.Len(t, got, 2)
	m := got[0]
	assert.Equal(t, topic, m.Metadata.Topic)
	assert.EqualValues(t, 0, m.Metadata.Partition)
	assert.EqualValues(t, 0, m.Metadata.Offset)
	assert.True(t, m.Metadata.Timestamp.After(before), "timestamp %v", m.Metadata.Timestamp)
	assert.Equal(t, []byte("k1"), m.Metadata.Key)
	assert.Equal(t, []byte("v"), m.Metadata.Header("mine"))
	assert.Equal(t, []byte("json"), m.Metadata.Header(stream.HeaderFormat))
	assert.Len(t, m.Metadata.Header(stream.HeaderID), 16)
	assert.Regexp(t, `^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`, m.ID())
	assert.Equal(t, stream.FormatJSON, m.Format)
	var decoded map[string]any
	require.NoError(t, m.Decode(&decoded))
	assert.Equal(t, map[string]any{"event": "GRB", "n": 7.0}, decoded)

	b := got[1]
	assert.Equal(t, stream.FormatBlob, b.Format)
	var raw []byte
	require.NoError(t, b.Decode(&raw))
	assert.Equal(t, []byte{0, 1, 2}, raw)
	assert.EqualValues(t, 1, b.Metadata.Offset)
	assert.NotEqual(t, m.ID(), b.ID())
}

// pykafka's rules: a group resumes where it left off; with ResetOnStart it starts at the
// reset position again.
func TestResumeVersusResetOnStart(t *testing.T) {
	topic := testkafka.Topic(t, 1, nil)
	write(t, url(t, topic), "0", "1", "2", "3", "4")
	group := testkafka.UniqueName("g")

	r, err := stream.Open(url(t, topic), stream.Read, stream.NoAuth(), stream.Group(group),
		stream.StartAt(stream.Earliest), stream.AutoCommit(false))
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	n := 0
	for m, err := range r.Messages(ctx) {
		require.NoError(t, err)
		require.NoError(t, r.MarkDone(m.Metadata))
		if n++; n == 3 {
			break
		}
	}
	require.NoError(t, r.Close())

	assert.Equal(t, []string{"3", "4"}, payloads(readAll(t, url(t, topic), stream.Group(group), stream.StartAt(stream.Earliest))),
		"resumes after the last committed message")
	assert.Equal(t, []string{"0", "1", "2", "3", "4"}, payloads(readAll(t, url(t, topic), stream.Group(group),
		stream.StartAt(stream.Earliest), stream.ResetOnStart())), "reset on start ignores the committed offset")
}

// A URL naming several topics needs an explicit topic to write; a reader cannot write.
func TestWriteNeedsOneTopic(t *testing.T) {
	a, b := testkafka.Topic(t, 1, nil), testkafka.Topic(t, 1, nil)
	w, err := stream.Open(url(t, a, b), stream.Write, stream.NoAuth())
	require.NoError(t, err)
	err = w.Write("x")
	assert.ErrorIs(t, err, kafkaerror.InvalidArg)
	assert.ErrorContains(t, err, "stream.Topic")
	require.NoError(t, w.Write([]byte("to-b"), stream.Topic(b)))
	require.NoError(t, w.Close())
	assert.Equal(t, []string{"to-b"}, payloads(readAll(t, url(t, b), stream.StartAt(stream.Earliest))))

	r, err := stream.Open(url(t, a), stream.Read, stream.NoAuth())
	require.NoError(t, err)
	defer r.Close()
	assert.ErrorIs(t, r.Write("x"), kafkaerror.InvalidArg)
	assert.ErrorIs(t, r.MarkDone(stream.Metadata{}), kafkaerror.InvalidArg)
}

// Close of a writer reports every message that could not be delivered.
func TestWriterCloseReportsUndelivered(t *testing.T) {
	w, err := stream.Open("kafka://127.0.0.1:1/nowhere", stream.Write, stream.NoAuth(),
		stream.Config(map[string]any{"message.timeout.ms": 300, "log_level": 0}))
	require.NoError(t, err)
	for i := 0; i < 3; i++ {
		require.NoError(t, w.Write("x"))
	}
	err = w.Close()
	require.Error(t, err)
	assert.Contains(t, err.Error(), "3 message(s) could not be delivered")
	assert.True(t, errors.Is(err, kafkaerror.MsgTimedOut), "got %v", err)
	// The writer says why: the client-wide error it last saw (no broker answers).
	assert.Contains(t, err.Error(), "last client error: ")
	assert.True(t, errors.Is(err, kafkaerror.Transport) || errors.Is(err, kafkaerror.AllBrokersDown), "got %v", err)
	assert.Equal(t, err, w.Close(), "Close is idempotent")
	assert.ErrorIs(t, w.Flush(context.Background()), kafkaerror.ErrClosed, "Flush after Close")
	assert.ErrorIs(t, w.Write("x"), kafkaerror.ErrClosed, "Write after Close")
}

// A persistent reader keeps reading across a broker restart.
func TestPersistAcrossBrokerRestart(t *testing.T) {
	b := testkafka.StartBroker(t)
	topic := testkafka.UniqueName("restart")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	require.NoError(t, testkafka.CreateTopic(ctx, b.Bootstrap, topic, 1, nil))
	u := "kafka://" + b.Bootstrap + "/" + topic
	write(t, u, "before")
	r, err := stream.Open(u, stream.Read, stream.NoAuth(), stream.Persist(), stream.StartAt(stream.Earliest),
		stream.Config(map[string]any{"log_level": 0, "session.timeout.ms": 6000, "heartbeat.interval.ms": 1000}))
	require.NoError(t, err)
	defer r.Close()
	var got []string
	for m, err := range r.Messages(ctx) {
		require.NoError(t, err)
		got = append(got, string(m.Payload))
		if len(got) == 1 {
			b.Kill(t)
			b.Restart(t)
			write(t, u, "after-restart")
		}
		if m := string(m.Payload); m == "after-restart" {
			break
		}
	}
	// At least once: "before" may come again if the broker died before its auto-commit.
	require.NotEmpty(t, got)
	assert.Equal(t, "after-restart", got[len(got)-1], "the reader got the message written after the restart")
	for _, v := range got[:len(got)-1] {
		assert.Equal(t, "before", v)
	}
	t.Logf("read across the restart: %v", got)
}

// A reader process killed with SIGKILL in the middle of the stream, with AutoCommit
// off, gets back on restart every message it had not marked done, with no gap.
func TestKilledReaderResumesWithoutGap(t *testing.T) {
	topic := testkafka.Topic(t, 1, nil)
	values := make([]any, 20)
	for i := range values {
		values[i] = strconv.Itoa(i)
	}
	write(t, url(t, topic), values...)
	group := testkafka.UniqueName("killed")

	const done = 7 // the reader marks 0..6 done, then hangs "processing" 7
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "STREAM_TEST_READER="+url(t, topic), "STREAM_TEST_GROUP="+group,
		"STREAM_TEST_MARK="+strconv.Itoa(done))
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	lines := bufio.NewScanner(out)
	for lines.Scan() {
		if lines.Text() == "processing "+strconv.Itoa(done) {
			break
		}
	}
	require.NoError(t, cmd.Process.Signal(os.Kill)) // SIGKILL: no Close, no commit
	_ = cmd.Wait()

	// The killed member stays in the group until its session (6 s, the broker's minimum)
	// expires; the restarted reader is assigned the partition then.
	got := payloads(readAll(t, url(t, topic), stream.Group(group), stream.StartAt(stream.Earliest), fastSession))
	want := []string{}
	for i := done; i < 20; i++ {
		want = append(want, strconv.Itoa(i))
	}
	assert.Equal(t, want, got, "everything from the first message not marked done, no gap")
}

// runReaderProcess is the killed reader: it marks messages done until STREAM_TEST_MARK,
// then reports the next one and waits to be killed.
func runReaderProcess() int {
	mark, _ := strconv.Atoi(os.Getenv("STREAM_TEST_MARK"))
	r, err := stream.Open(os.Getenv("STREAM_TEST_READER"), stream.Read, stream.NoAuth(),
		stream.Group(os.Getenv("STREAM_TEST_GROUP")), stream.StartAt(stream.Earliest), stream.AutoCommit(false), fastSession)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	for m, err := range r.Messages(context.Background()) {
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		n, _ := strconv.Atoi(string(m.Payload))
		if n == mark {
			fmt.Println("processing", n)
			select {} // killed here
		}
		if err := r.MarkDone(m.Metadata); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
	}
	return 1
}

// fastSession makes a dead group member expire after 6 s instead of 45 s.
var fastSession = stream.Config(map[string]any{"session.timeout.ms": 6000, "heartbeat.interval.ms": 1000})

// Without Persist, a Balanced reader of a topic that does not exist reports it and
// ends (a reader without Balanced fails at Open: TestMissingTopicFailsAtOpen).
func TestReaderOfMissingTopicEnds(t *testing.T) {
	r, err := stream.Open(url(t, testkafka.UniqueName("missing")), stream.Read, stream.NoAuth(), stream.Balanced(),
		stream.Config(map[string]any{"allow.auto.create.topics": false}))
	require.NoError(t, err)
	defer r.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var errs []error
	for m, err := range r.Messages(ctx) {
		require.Nil(t, m)
		errs = append(errs, err)
	}
	require.NoError(t, ctx.Err(), "the iteration ended by itself")
	require.Len(t, errs, 1)
	assert.ErrorIs(t, errs[0], kafkaerror.UnknownTopicOrPart)
}
