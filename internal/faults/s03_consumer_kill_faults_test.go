//go:build faults

package faults_test

// Scenario 3: a reader that commits by hand (stream.AutoCommit(false), MarkDone after
// each message) is killed with SIGKILL in the middle of the stream; a second reader in
// the same group must get back every message the first had not marked done — no gap —
// and, MarkDone being a synchronous commit, none it had.
//
// This file also holds the helpers scenarios 3, 4, 5 and 14 share (prefix cg): a
// pre-filling producer and a child process whose stdout lines the test reads.

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rdstreams/rdstreams/consumer"
	"github.com/rdstreams/rdstreams/internal/faults"
	"github.com/rdstreams/rdstreams/internal/testkafka"
	"github.com/rdstreams/rdstreams/kafkaerror"
	"github.com/rdstreams/rdstreams/message"
	"github.com/rdstreams/rdstreams/producer"
	"github.com/rdstreams/rdstreams/stream"
	"github.com/rdstreams/rdstreams/topicpartition"
)

func init() { children["s03-markdone"] = s03Child }

// TestScenario03ConsumerKillMarkDone pre-fills a topic, runs a MarkDone reader as a
// child process, kills it after a random number of messages marked done, and runs a
// second reader of the same group to the end of the stream.
func TestScenario03ConsumerKillMarkDone(t *testing.T) {
	s := begin(t, "consumer-kill-markdone")
	const (
		total      = 20_000
		partitions = 4
		size       = 100
	)
	bootstrap := testkafka.Bootstrap(t)
	topic := testkafka.Topic(t, partitions, nil)
	group := testkafka.UniqueName("s03-markdone")
	ledger := faults.NewLedger()
	places := cgPrefill(t, bootstrap, topic, partitions, total, size, ledger)
	url := fmt.Sprintf("kafka://%s/%s", bootstrap, topic)
	env := []string{"S03_URL=" + url, "S03_GROUP=" + group}

	// Child 1 marks every message done; it is killed once it has marked killAt of them
	// (the parent reads its lines as they come, so the child is a little further on).
	// A synchronous commit takes about 10 ms against the test broker (confluent-kafka-go
	// alone measures the same; Kafka 4.1's group coordinator also lingers
	// group.coordinator.append.linger.ms, 5 ms, before it writes), so a few thousand.
	killAt := 1000 + rand.IntN(3000)
	start := time.Now()
	c1 := cgStart(t, "s03-markdone", append(env, "S03_MARKDONE=1")...)
	got1 := map[uint64]bool{}  // "got": child 1 received it (MarkDone not yet returned)
	done1 := map[uint64]bool{} // "done": MarkDone returned nil
	var inFlight []uint64      // got and not (yet) done, in order
	var killed bool
	var killedAfter time.Duration
	var firstGot time.Time
	var markRate float64
	c1.read(t, 2*time.Minute, func(line string) {
		f := strings.Fields(line)
		switch f[0] {
		case "got":
			if firstGot.IsZero() {
				firstGot = time.Now()
			}
			id := cgParseID(t, f, 1)
			s03CheckPlace(t, "child 1", places, f)
			got1[id] = true
			inFlight = append(inFlight, id)
		case "done":
			id := cgParseID(t, f, 1)
			if !got1[id] {
				t.Errorf("child 1 marked %d done before receiving it", id)
			}
			done1[id] = true
			if len(done1) == killAt && !killed {
				c1.kill(t)
				killed, killedAfter = true, time.Since(start)
				markRate = float64(killAt) / time.Since(firstGot).Seconds()
			}
		default:
			t.Errorf("child 1: unexpected line %q", line)
		}
	})
	require.True(t, killed, "child 1 ended by itself after %d messages marked done, before the kill at %d", len(done1), killAt)
	c1.wantKilled(t)

	// Messages received and not marked done when the kill came: at most the one in hand.
	var pending []uint64
	for _, id := range inFlight {
		if !done1[id] {
			pending = append(pending, id)
		}
	}
	if len(pending) > 1 {
		t.Errorf("child 1 had %d messages received and not marked done (%v); one at a time is processed", len(pending), pending)
	}
	committedAtKill := s03Committed(t, bootstrap, group, topic, partitions)

	// Child 2: same group, reads to the end of the stream without committing.
	t2 := time.Now()
	c2 := cgStart(t, "s03-markdone", append(env, "S03_MARKDONE=0")...)
	got2 := map[uint64]int{}
	var ended bool
	c2.read(t, 2*time.Minute, func(line string) {
		f := strings.Fields(line)
		switch f[0] {
		case "got":
			id := cgParseID(t, f, 1)
			s03CheckPlace(t, "child 2", places, f)
			got2[id]++
		case "end":
			ended = true
		default:
			t.Errorf("child 2: unexpected line %q", line)
		}
	})
	require.NoError(t, c2.finish(), "child 2")
	require.True(t, ended, "child 2 did not reach the end of the stream")
	child2Took := time.Since(t2)

	// No gap: everything not marked done by child 1 reaches child 2. The one exception
	// is a message in hand at the kill whose commit reached the broker although child 1
	// died before saying "done": it was processed and committed, so it is accounted as
	// child 1's.
	var gap []uint64
	committedUnreported := 0
	for id := uint64(0); id < total; id++ {
		if done1[id] || got2[id] > 0 {
			continue
		}
		if len(pending) == 1 && pending[0] == id {
			committedUnreported++
			continue
		}
		gap = append(gap, id)
	}
	if len(gap) > 0 {
		t.Errorf("%d messages neither marked done by child 1 nor received by child 2 (first: %v)", len(gap), gap[:min(10, len(gap))])
	}
	// Duplicates: MarkDone returns once the broker has the commit (a synchronous
	// Commit of offset+1), so nothing marked done may come back: the bound is 0.
	redelivered := 0
	for id := range done1 {
		if got2[id] > 0 {
			redelivered++
		}
	}

	for id := range done1 {
		ledger.Seen(id)
	}
	for _, id := range pending {
		if committedUnreported > 0 {
			ledger.Seen(id)
		}
	}
	received2 := 0
	for id, n := range got2 {
		for range n {
			ledger.Seen(id)
		}
		received2 += n
	}
	s.figure("%d messages on %d partitions", total, partitions)
	s.figure("child 1 killed after %d marked done (%.1fs), %d in hand", len(done1), killedAfter.Seconds(), len(pending))
	s.figure("MarkDone rate %.0f/s", markRate)
	s.figure("committed at kill %d", committedAtKill)
	s.figure("child 2 received %d in %.1fs", received2, child2Took.Seconds())
	s.figure("marked done and redelivered %d (bound 0: MarkDone commits synchronously)", redelivered)
	if committedUnreported > 0 {
		s.figure("in-hand message committed before the kill: %d", committedUnreported)
	}
	s.account(ledger, 0)
}

// s03CheckPlace checks that a "got <id> <partition> <offset>" line names the place
// the message was produced to.
func s03CheckPlace(t *testing.T, who string, places []cgPlace, f []string) {
	t.Helper()
	if len(f) != 4 {
		t.Errorf("%s: malformed line %q", who, strings.Join(f, " "))
		return
	}
	id, _ := strconv.ParseUint(f[1], 10, 64)
	p, err1 := strconv.ParseInt(f[2], 10, 32)
	o, err2 := strconv.ParseInt(f[3], 10, 64)
	if err1 != nil || err2 != nil || id >= uint64(len(places)) {
		t.Errorf("%s: malformed line %q", who, strings.Join(f, " "))
		return
	}
	if want := places[id]; want.partition != int32(p) || want.offset != o {
		t.Errorf("%s: message %d came from %d@%d, it was produced to %d@%d", who, id, p, o, want.partition, want.offset)
	}
}

// s03Committed is the sum over the topic's partitions of the group's committed offsets.
func s03Committed(t *testing.T, bootstrap, group, topic string, partitions int) int64 {
	t.Helper()
	c, err := consumer.New(map[string]any{
		"bootstrap.servers": bootstrap, "group.id": group, "enable.auto.commit": false,
	}, consumer.WithLogger(cgQuietLogger()))
	require.NoError(t, err)
	defer func() { require.NoError(t, c.Close()) }()
	var parts []topicpartition.TopicPartition
	for p := range partitions {
		parts = append(parts, topicpartition.New(topic, int32(p), topicpartition.OffsetInvalid))
	}
	res, err := c.Committed(parts, 30*time.Second)
	require.NoError(t, err)
	var sum int64
	for _, tp := range res {
		require.NoError(t, tp.Err)
		if tp.Offset >= 0 {
			sum += int64(tp.Offset)
		}
	}
	return sum
}

// s03Child is a hop-style reader: with S03_MARKDONE=1 it marks each message done after
// receiving it. It prints "got <id> <partition> <offset>" on receiving a message,
// "done <id>" once MarkDone returned, and "end" at the end of the stream.
func s03Child() error {
	url, group := os.Getenv("S03_URL"), os.Getenv("S03_GROUP")
	markDone := os.Getenv("S03_MARKDONE") == "1"
	s, err := stream.Open(url, stream.Read, stream.NoAuth(), stream.Group(group),
		stream.StartAt(stream.Earliest), stream.AutoCommit(false),
		stream.Config(map[string]any{
			// A killed member leaves the group only when its session expires: keep
			// the restart's wait short.
			"session.timeout.ms":    6000,
			"heartbeat.interval.ms": 1000,
		}))
	if err != nil {
		return err
	}
	defer s.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Second)
	defer cancel()
	for m, err := range s.Messages(ctx) {
		if err != nil {
			return fmt.Errorf("reading: %w", err)
		}
		id, err := faults.ID(m.Payload)
		if err != nil {
			return err
		}
		if _, err := fmt.Fprintf(os.Stdout, "got %d %d %d\n", id, m.Metadata.Partition, m.Metadata.Offset); err != nil {
			return err
		}
		if !markDone {
			continue
		}
		if err := s.MarkDone(m.Metadata); err != nil {
			return fmt.Errorf("MarkDone of %d: %w", id, err)
		}
		if _, err := fmt.Fprintf(os.Stdout, "done %d\n", id); err != nil {
			return err
		}
	}
	if ctx.Err() != nil {
		return fmt.Errorf("the end of the stream not reached in time: %w", ctx.Err())
	}
	fmt.Println("end")
	return s.Close()
}

// ---- helpers shared by scenarios 3, 4, 5 and 14 ----

// cgPlace is where a message was stored.
type cgPlace struct {
	partition int32
	offset    int64
}

// cgPrefill produces messages with identities 0 … n-1 (faults.Payload of size bytes)
// round-robin over the topic's partitions, waits for every delivery report, records
// each acknowledged message in ledger, and returns where each one was stored.
func cgPrefill(t *testing.T, bootstrap, topic string, partitions, n, size int, ledger *faults.Ledger) []cgPlace {
	t.Helper()
	places := make([]cgPlace, n)
	var failures []error
	p, err := producer.New(map[string]any{"bootstrap.servers": bootstrap, "linger.ms": 5},
		producer.WithLogger(cgQuietLogger()),
		producer.WithDeliveryReport(func(err error, m *message.Message) {
			if err != nil {
				failures = append(failures, err)
				return
			}
			id, err := faults.ID(m.Value())
			if err != nil {
				failures = append(failures, err)
				return
			}
			places[id] = cgPlace{m.Partition(), int64(m.Offset())}
			ledger.Acked(id)
		}))
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	for i := range n {
		err := p.ProduceWait(ctx, topic, faults.Payload(uint64(i), size), producer.Partition(int32(i%partitions)))
		require.NoError(t, err, "producing message %d", i)
		if i%1000 == 0 {
			p.Poll(0)
		}
	}
	left := p.Flush(time.Minute)
	require.NoError(t, p.Close())
	require.Zero(t, left, "messages not delivered")
	require.Empty(t, failures, "delivery failures")
	require.Equal(t, n, ledger.Counts().Acked)
	return places
}

// cgChild is a child process (see children) whose stdout the test reads line by line.
type cgChild struct {
	name  string
	cmd   *exec.Cmd
	lines chan string // closed when the child's stdout ends
	once  sync.Once
	err   error // Wait's result
}

// cgStart starts child program name with extra environment. When the test ends the
// child is killed if still running, and waited for.
func cgStart(t *testing.T, name string, env ...string) *cgChild {
	t.Helper()
	cmd := childCommand(t, name, env...)
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	c := &cgChild{name: name, cmd: cmd, lines: make(chan string, 4096)}
	go func() {
		defer close(c.lines)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			c.lines <- sc.Text()
		}
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill() // an error means it has exited already
		_ = c.finish()
	})
	return c
}

// read hands each line to fn until the child's stdout ends; the test fails (and the
// child is killed) when that takes longer than timeout.
func (c *cgChild) read(t *testing.T, timeout time.Duration, fn func(line string)) {
	t.Helper()
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	for {
		select {
		case line, ok := <-c.lines:
			if !ok {
				return
			}
			if line != "" {
				fn(line)
			}
		case <-timer.C:
			c.kill(t)
			t.Fatalf("child %s still running after %v", c.name, timeout)
		}
	}
}

// kill sends SIGKILL.
func (c *cgChild) kill(t *testing.T) {
	t.Helper()
	if err := c.cmd.Process.Signal(syscall.SIGKILL); err != nil && !errors.Is(err, os.ErrProcessDone) {
		t.Errorf("killing child %s: %v", c.name, err)
	}
}

// finish drains the child's stdout and waits for it to exit; it returns Wait's result.
func (c *cgChild) finish() error {
	c.once.Do(func() {
		for range c.lines { // Wait must come after the last read
		}
		c.err = c.cmd.Wait()
	})
	return c.err
}

// wantKilled waits for the child and checks that SIGKILL ended it.
func (c *cgChild) wantKilled(t *testing.T) {
	t.Helper()
	err := c.finish()
	var exit *exec.ExitError
	if !errors.As(err, &exit) {
		t.Fatalf("child %s: want it killed, Wait says %v", c.name, err)
	}
	if ws, ok := exit.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		t.Fatalf("child %s ended by itself (%v), not by the kill", c.name, err)
	}
}

// cgParseID reads the message identity in field i of a line.
func cgParseID(t *testing.T, f []string, i int) uint64 {
	t.Helper()
	if len(f) <= i {
		t.Fatalf("malformed line %q", strings.Join(f, " "))
	}
	id, err := strconv.ParseUint(f[i], 10, 64)
	if err != nil {
		t.Fatalf("malformed line %q: %v", strings.Join(f, " "), err)
	}
	return id
}

// cgCodeName names an error by its kafkaerror code, "not a kafkaerror: …" otherwise.
func cgCodeName(err error) string {
	var kerr *kafkaerror.Error
	if errors.As(err, &kerr) {
		return kerr.Name()
	}
	return fmt.Sprintf("not a kafkaerror: %T %v", err, err)
}

// cgQuietLogger passes on librdkafka's errors only.
func cgQuietLogger() *slog.Logger {
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))
}
