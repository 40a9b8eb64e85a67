package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rdstreams/rdstreams/cluster"
	"github.com/rdstreams/rdstreams/consumer"
	"github.com/rdstreams/rdstreams/internal/testkafka"
	"github.com/rdstreams/rdstreams/kafkaerror"
	"github.com/rdstreams/rdstreams/stream"
	"github.com/rdstreams/rdstreams/topicpartition"
)

// numberedLines is "line 0\nline 1\n…" up to n-1.
func numberedLines(n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "line %d\n", i)
	}
	return b.String()
}

// startSubscriber starts `rdstreams subscribe args…` and returns it with a reader of
// its standard output and its standard error.
func startSubscriber(t *testing.T, ctx context.Context, args ...string) (*exec.Cmd, *bufio.Reader, *lockedBuffer) {
	t.Helper()
	cmd := binCommand(ctx, append([]string{"subscribe"}, args...)...)
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	stderr := &lockedBuffer{}
	cmd.Stderr = stderr
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	return cmd, bufio.NewReader(stdout), stderr
}

// readOutputLines reads n lines from r.
func readOutputLines(t *testing.T, r *bufio.Reader, n int, stderr *lockedBuffer) []string {
	t.Helper()
	out := make([]string, 0, n)
	for range n {
		l, err := r.ReadString('\n')
		require.NoError(t, err, "stderr: %s", stderr.String())
		out = append(out, strings.TrimSuffix(l, "\n"))
	}
	return out
}

// exitCode waits for cmd and gives its exit code.
func exitCode(t *testing.T, cmd *exec.Cmd) int {
	t.Helper()
	err := cmd.Wait()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode()
	}
	require.NoError(t, err)
	return 0
}

// TestInterruptWithBrokerGoneReportsUncommitted: a persisting group subscriber prints
// every message; the broker stops; Ctrl-C. The final commit cannot happen, so the
// command must say how many printed messages were not committed and exit 1, within a
// bound — and once the broker is back, the group indeed gives all of them again.
// Its own broker: the test stops it.
func TestInterruptWithBrokerGoneReportsUncommitted(t *testing.T) {
	t.Parallel()
	b := testkafka.StartBroker(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	topic := testkafka.UniqueName("uncommitted")
	require.NoError(t, testkafka.CreateTopic(ctx, b.Bootstrap, topic, 2, nil))
	u := "kafka://" + b.Bootstrap + "/" + topic
	const n = 20
	ok(t, numberedLines(n), "publish", "--no-auth", "--quiet", u)

	group := testkafka.UniqueName("g")
	// No automatic commit during the test (the default comes every 5 s): what was
	// printed is committed only by the final commit, which the stopped broker prevents.
	// The shortest session the broker allows, so that the member this one leaves behind
	// expires soon after the restart.
	cmd, out, stderr := startSubscriber(t, ctx, "--no-auth", "--persist", "--group", group,
		"--start-at", "earliest", "-X", "auto.commit.interval.ms=3600000", "-X", "session.timeout.ms=6000", u)
	got := readOutputLines(t, out, n, stderr)
	require.ElementsMatch(t, strings.Split(strings.TrimSuffix(numberedLines(n), "\n"), "\n"), got)

	stopping := time.Now()
	b.Stop(t)
	t.Logf("broker stopped in %s", time.Since(stopping).Round(10*time.Millisecond))
	interrupted := time.Now()
	require.NoError(t, cmd.Process.Signal(os.Interrupt))
	code := exitCode(t, cmd)
	took := time.Since(interrupted)
	t.Logf("exit %d %s after SIGINT with the broker stopped; stderr: %s", code, took.Round(10*time.Millisecond), stderr.String())

	r := result{stderr: stderr.String(), code: code}
	assert.Equal(t, 1, code, r)
	assertOneErrorLine(t, r)
	assert.Contains(t, r.stderr, fmt.Sprintf("rdstreams: subscribe: committing the printed messages to group %q: %d of %d printed message(s) not committed: ", group, n, n))
	assert.Less(t, took, 20*time.Second, "the close is bounded (10 s) and the check after it is skipped")

	// The count was right: the group committed nothing, so a member started once the
	// broker is back prints every message again.
	restarting := time.Now()
	b.Restart(t)
	t.Logf("broker restarted in %s", time.Since(restarting).Round(10*time.Millisecond))
	again := ok(t, "", "subscribe", "--no-auth", "--group", group, "--start-at", "earliest", u)
	assert.Equal(t, n, strings.Count(again.stdout, "\n"), again)
}

// TestInterruptCommitsWhatWasPrinted: with the broker up, Ctrl-C commits what was
// printed (by the final commit alone here) and exits 0 with nothing on stderr; the
// group's lag is then 0.
func TestInterruptCommitsWhatWasPrinted(t *testing.T) {
	t.Parallel()
	topic := testkafka.Topic(t, 3, nil)
	const n = 30
	ok(t, numberedLines(n), "publish", "--no-auth", "--quiet", url(t, topic))
	group := testkafka.UniqueName("g")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd, out, stderr := startSubscriber(t, ctx, "--no-auth", "--persist", "--group", group,
		"--start-at", "earliest", "-X", "auto.commit.interval.ms=3600000", url(t, topic))
	readOutputLines(t, out, n, stderr)
	require.NoError(t, cmd.Process.Signal(os.Interrupt))
	assert.Equal(t, 0, exitCode(t, cmd), "stderr: %s", stderr.String())
	assert.Empty(t, stderr.String())
	assert.Equal(t, int64(0), totalGroupLag(t, testkafka.Bootstrap(t), group))
}

// totalGroupLag is the total lag of group.
func totalGroupLag(t *testing.T, bootstrap, group string) int64 {
	t.Helper()
	cl, err := cluster.New(map[string]any{"bootstrap.servers": bootstrap})
	require.NoError(t, err)
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	lags, err := cl.GroupLag(ctx, group)
	require.NoError(t, err)
	var total int64
	for _, l := range lags {
		total += l.Lag
	}
	return total
}

// TestCommitLedger: printed messages stay uncommitted until a commit result confirms
// an offset past them; failed commits, per-partition errors and _NO_OFFSET confirm
// nothing, and the last failure is kept as the cause.
func TestCommitLedger(t *testing.T) {
	l := newCommitLedger()
	md := func(topic string, p int32, off int64) stream.Metadata {
		return stream.Metadata{Topic: topic, Partition: p, Offset: topicpartition.Offset(off)}
	}
	for off := int64(10); off < 15; off++ {
		l.print(md("a", 0, off))
	}
	l.print(md("a", 1, 3))
	l.print(md("b", 0, 7))
	n, printed, cause := l.uncommitted()
	assert.Equal(t, 7, n)
	assert.Equal(t, 7, printed)
	assert.NoError(t, cause)

	// Offset 13 committed for a/0: 10, 11, 12 are confirmed.
	l.onCommit(nil, []topicpartition.TopicPartition{topicpartition.New("a", 0, 13)})
	n, _, _ = l.uncommitted()
	assert.Equal(t, 4, n)

	failed := kafkaerror.New(kafkaerror.RequestTimedOut, "commit timed out", kafkaerror.Flags{})
	l.onCommit(failed, []topicpartition.TopicPartition{topicpartition.New("a", 0, 15)})
	n, _, cause = l.uncommitted()
	assert.Equal(t, 4, n, "a failed commit confirms nothing")
	assert.ErrorIs(t, cause, kafkaerror.RequestTimedOut)

	perPart := topicpartition.New("a", 1, 4)
	perPart.Err = kafkaerror.New(kafkaerror.NotCoordinator, "not coordinator", kafkaerror.Flags{})
	l.onCommit(nil, []topicpartition.TopicPartition{perPart, topicpartition.New("b", 0, topicpartition.OffsetInvalid)})
	n, _, cause = l.uncommitted()
	assert.Equal(t, 4, n, "a partition's own error, or no offset, confirms nothing for it")
	assert.ErrorIs(t, cause, kafkaerror.NotCoordinator)

	l.onCommit(kafkaerror.New(kafkaerror.NoOffset, "", kafkaerror.Flags{}), nil)
	_, _, cause = l.uncommitted()
	assert.ErrorIs(t, cause, kafkaerror.NotCoordinator, "_NO_OFFSET is no failure")

	l.confirm("a", 0, 15)
	l.confirm("a", 1, 4)
	l.confirm("b", 0, 8)
	n, printed, _ = l.uncommitted()
	assert.Equal(t, 0, n)
	assert.Equal(t, 7, printed)
}

// TestCheckCommitsAsksTheGroup: after a close that went well, printed messages no
// commit result confirmed are looked up in the group's committed offsets: those the
// group holds are not reported, the others are, with their count.
func TestCheckCommitsAsksTheGroup(t *testing.T) {
	t.Parallel()
	topic := testkafka.Topic(t, 1, nil)
	group := testkafka.UniqueName("check")
	c, err := consumer.New(map[string]any{"bootstrap.servers": testkafka.Bootstrap(t), "group.id": group})
	require.NoError(t, err)
	_, err = c.Commit(consumer.CommitOffsets(topicpartition.New(topic, 0, 3)))
	require.NoError(t, err)
	require.NoError(t, c.Close())

	u, err := stream.ParseURL(url(t, topic))
	require.NoError(t, err)
	e := &env{ctx: context.Background(), logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		g: globals{noAuth: true, timeout: 30 * time.Second}}
	printed := func(offsets ...int64) *commitLedger {
		l := newCommitLedger()
		for _, off := range offsets {
			l.print(stream.Metadata{Topic: topic, Partition: 0, Offset: topicpartition.Offset(off)})
		}
		return l
	}
	assert.NoError(t, e.checkCommits(printed(0, 1, 2), u, group, nil), "offset 3 committed covers 0-2")
	err = e.checkCommits(printed(1, 2, 3, 4), u, group, nil)
	assert.EqualError(t, err, fmt.Sprintf("subscribe: committing the printed messages to group %q: 2 of 4 printed message(s) not committed: no commit confirmed them", group))

	// A failed close is not followed by the question: the broker is taken to be gone.
	closeErr := kafkaerror.Newf(kafkaerror.TimedOut, "close timed out")
	err = e.checkCommits(printed(0, 1), u, group, closeErr)
	assert.ErrorIs(t, err, kafkaerror.TimedOut)
	assert.ErrorContains(t, err, "2 of 2 printed message(s) not committed")
}
