package consumer_test

// Consumer-group semantics (SPEC §6, Subscribe and the rebalance callbacks), against the
// real broker. Every test has its own topics and group ids. Nothing waits with a sleep
// except TestGroupLostAssignment, whose scenario *is* a deliberate gap between polls.

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rdstreams/rdstreams/consumer"
	"github.com/rdstreams/rdstreams/internal/testkafka"
	"github.com/rdstreams/rdstreams/kafkaerror"
	"github.com/rdstreams/rdstreams/message"
	"github.com/rdstreams/rdstreams/producer"
	"github.com/rdstreams/rdstreams/topicpartition"
)

// grpWait bounds every "poll until" loop of this file.
const grpWait = 60 * time.Second

// grpConsumer creates a group consumer (earliest, no auto-commit) merged with extra
// properties; it is closed, and its engine released, when the test ends.
func grpConsumer(t *testing.T, group string, extra map[string]any) *consumer.Consumer {
	t.Helper()
	cfg := map[string]any{
		"bootstrap.servers":  testkafka.Bootstrap(t),
		"group.id":           group,
		"auto.offset.reset":  "earliest",
		"enable.auto.commit": false,
		"log_level":          3,
	}
	for k, v := range extra {
		cfg[k] = v
	}
	c, err := consumer.New(cfg)
	require.NoError(t, err)
	t.Cleanup(func() {
		_ = c.Close()
		select {
		case <-consumer.Released(c):
		case <-time.After(30 * time.Second):
			t.Error("consumer engine not released 30 s after Close")
		}
	})
	return c
}

// grpProduce writes count messages "<topic>/<partition>/<i>" to one partition and waits
// for delivery.
func grpProduce(t *testing.T, topic string, partition int32, count int) {
	t.Helper()
	p, err := producer.New(map[string]any{"bootstrap.servers": testkafka.Bootstrap(t)})
	require.NoError(t, err)
	defer p.Close()
	for i := 0; i < count; i++ {
		v := fmt.Sprintf("%s/%d/%d", topic, partition, i)
		require.NoError(t, p.Produce(topic, []byte(v), producer.Partition(partition)))
	}
	require.Equal(t, 0, p.Flush(30*time.Second), "undelivered messages")
}

// grpNames is a partition list as sorted "topic/partition" strings, offsets ignored.
func grpNames(tps []topicpartition.TopicPartition) []string {
	out := make([]string, 0, len(tps))
	for _, tp := range tps {
		out = append(out, fmt.Sprintf("%s/%d", tp.Topic, tp.Partition))
	}
	slices.Sort(out)
	return out
}

// grpPartitions is the partition numbers of a list, sorted (test 9 has one topic).
func grpPartitions(tps []topicpartition.TopicPartition) []int32 {
	out := make([]int32, 0, len(tps))
	for _, tp := range tps {
		out = append(out, tp.Partition)
	}
	slices.Sort(out)
	return out
}

// grpAll is every partition of topic as grpNames spells it.
func grpAll(topic string, partitions int) []string {
	out := make([]string, 0, partitions)
	for p := 0; p < partitions; p++ {
		out = append(out, fmt.Sprintf("%s/%d", topic, p))
	}
	slices.Sort(out)
	return out
}

// grpAssignment is grpNames of c.Assignment().
func grpAssignment(t *testing.T, c *consumer.Consumer) []string {
	t.Helper()
	a, err := c.Assignment()
	require.NoError(t, err)
	return grpNames(a)
}

// grpEvent is one rebalance callback as a test saw it.
type grpEvent struct {
	Kind       string   // "assign", "revoke" or "lost"
	Partitions []string // grpNames of the callback's partitions
	Lost       bool     // c.AssignmentLost() inside the callback
}

// grpRecorder records rebalance callbacks in the order they run.
type grpRecorder struct {
	mu     sync.Mutex
	events []grpEvent
}

func (r *grpRecorder) fn(kind string) consumer.RebalanceFunc {
	return func(c *consumer.Consumer, parts []topicpartition.TopicPartition) {
		r.mu.Lock()
		defer r.mu.Unlock()
		r.events = append(r.events, grpEvent{Kind: kind, Partitions: grpNames(parts), Lost: c.AssignmentLost()})
	}
}

// options subscribes OnAssign and OnRevoke, plus OnLost when withLost.
func (r *grpRecorder) options(withLost bool) []consumer.SubscribeOption {
	opts := []consumer.SubscribeOption{consumer.OnAssign(r.fn("assign")), consumer.OnRevoke(r.fn("revoke"))}
	if withLost {
		opts = append(opts, consumer.OnLost(r.fn("lost")))
	}
	return opts
}

func (r *grpRecorder) get() []grpEvent {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.events)
}

func (r *grpRecorder) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.events)
}

// grpReader polls a consumer and keeps what it returns: proper messages as
// "topic/partition@offset", and the end offset of every _PARTITION_EOF.
type grpReader struct {
	got  []string
	eof  map[string]topicpartition.Offset // "topic/partition" → end offset reported
	errs []error                          // other error events
}

func newGrpReader() *grpReader { return &grpReader{eof: map[string]topicpartition.Offset{}} }

func (r *grpReader) take(m *message.Message) {
	if m == nil {
		return
	}
	where := fmt.Sprintf("%s/%d", m.Topic(), m.Partition())
	switch err := m.Err(); {
	case err == nil:
		r.got = append(r.got, fmt.Sprintf("%s@%d", where, m.Offset()))
	case errors.Is(err, kafkaerror.PartitionEOF):
		r.eof[where] = m.Offset()
	default:
		r.errs = append(r.errs, err)
	}
}

// atEnd reports whether every partition in ends has reported _PARTITION_EOF at its end.
func (r *grpReader) atEnd(ends map[string]topicpartition.Offset) bool {
	for p, end := range ends {
		if r.eof[p] != end {
			return false
		}
	}
	return true
}

// grpPollUntil polls c (100 ms at a time), handing everything to r, until done holds;
// it fails the test after grpWait.
func grpPollUntil(t *testing.T, c *consumer.Consumer, r *grpReader, what string, done func() bool) {
	t.Helper()
	deadline := time.Now().Add(grpWait)
	for !done() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not reached within %v", what, grpWait)
		}
		r.take(c.Poll(100 * time.Millisecond))
	}
}

// grpWaitFor checks cond every 20 ms until it holds, failing the test after timeout. It
// is for conditions other goroutines make true (they do the polling).
func grpWaitFor(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not reached within %v", what, timeout)
		}
		<-time.After(20 * time.Millisecond)
	}
}

// grpOffsets lists "topic/partition@offset" for offsets from..to-1 of a partition.
func grpOffsets(topic string, partition int32, from, to int) []string {
	var out []string
	for o := from; o < to; o++ {
		out = append(out, fmt.Sprintf("%s/%d@%d", topic, partition, o))
	}
	return out
}

// grpGoID is the current goroutine's id, from the first line of its stack trace
// ("goroutine 42 [running]:").
func grpGoID() uint64 {
	buf := make([]byte, 64)
	buf = buf[:runtime.Stack(buf, false)]
	fields := strings.Fields(string(buf))
	id, err := strconv.ParseUint(fields[1], 10, 64)
	if err != nil {
		panic("cannot parse goroutine id from " + string(buf))
	}
	return id
}

// 1. Subscribe replaces the previous subscription: after Subscribe(A) then Subscribe(B),
// Subscription() is [B], A's partitions are revoked, B's assigned, and only B's
// messages arrive — also messages written to A after the switch are not read.
func TestGroupSubscribeReplacesSubscription(t *testing.T) {
	a := testkafka.Topic(t, 1, nil)
	b := testkafka.Topic(t, 1, nil)
	grpProduce(t, a, 0, 3)
	c := grpConsumer(t, testkafka.UniqueName("grp-replace"), map[string]any{"enable.partition.eof": true})
	var rec grpRecorder

	require.NoError(t, c.Subscribe([]string{a}, rec.options(false)...))
	r := newGrpReader()
	grpPollUntil(t, c, r, "all of A read", func() bool { return r.atEnd(map[string]topicpartition.Offset{a + "/0": 3}) })
	require.Equal(t, grpOffsets(a, 0, 0, 3), r.got)

	require.NoError(t, c.Subscribe([]string{b}, rec.options(false)...))
	subs, err := c.Subscription()
	require.NoError(t, err)
	assert.Equal(t, []string{b}, subs)
	grpProduce(t, a, 0, 3) // A's new messages must not be read any more
	grpProduce(t, b, 0, 5)
	r = newGrpReader()
	grpPollUntil(t, c, r, "all of B read", func() bool { return r.atEnd(map[string]topicpartition.Offset{b + "/0": 5}) })
	assert.Equal(t, grpOffsets(b, 0, 0, 5), r.got, "after the switch only B's messages")
	assert.Empty(t, r.errs)
	assert.Equal(t, []grpEvent{
		{Kind: "assign", Partitions: []string{a + "/0"}},
		{Kind: "revoke", Partitions: []string{a + "/0"}},
		{Kind: "assign", Partitions: []string{b + "/0"}},
	}, rec.get())
	assert.Equal(t, []string{b + "/0"}, grpAssignment(t, c))
}

// 2. A topic starting with '^' is a regular expression: `^<prefix>-.*` reads both
// matching topics and neither "<prefix>_c" (no dash) nor "x-<prefix>-d" (not anchored).
func TestGroupSubscribeRegex(t *testing.T) {
	bootstrap := testkafka.Bootstrap(t)
	prefix := testkafka.UniqueName("grprx")
	match1, match2 := prefix+"-a", prefix+"-b"
	other1, other2 := prefix+"_c", "x-"+prefix+"-d"
	for _, name := range []string{match1, match2, other1, other2} {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		require.NoError(t, testkafka.CreateTopic(ctx, bootstrap, name, 2, nil))
		cancel()
		t.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			_ = testkafka.DeleteTopic(ctx, bootstrap, name)
		})
		grpProduce(t, name, 0, 4)
		grpProduce(t, name, 1, 2)
	}
	c := grpConsumer(t, testkafka.UniqueName("grp-regex"), map[string]any{"enable.partition.eof": true})
	pattern := "^" + prefix + "-.*"
	require.NoError(t, c.Subscribe([]string{pattern}))
	subs, err := c.Subscription()
	require.NoError(t, err)
	assert.Equal(t, []string{pattern}, subs)

	r := newGrpReader()
	ends := map[string]topicpartition.Offset{match1 + "/0": 4, match1 + "/1": 2, match2 + "/0": 4, match2 + "/1": 2}
	grpPollUntil(t, c, r, "both matching topics read", func() bool { return r.atEnd(ends) })
	want := slices.Concat(grpOffsets(match1, 0, 0, 4), grpOffsets(match1, 1, 0, 2), grpOffsets(match2, 0, 0, 4), grpOffsets(match2, 1, 0, 2))
	slices.Sort(want)
	got := slices.Clone(r.got)
	slices.Sort(got)
	assert.Equal(t, want, got, "exactly the matching topics' messages, once each")
	assert.Empty(t, r.errs)
	assert.Equal(t, slices.Concat(grpAll(match1, 2), grpAll(match2, 2)), grpAssignment(t, c))
}

// 3. Without callbacks the default assignment happens: a lone member gets every partition
// and reads every message exactly once.
func TestGroupDefaultAssignmentWithoutCallbacks(t *testing.T) {
	topic := testkafka.Topic(t, 3, nil)
	for p := int32(0); p < 3; p++ {
		grpProduce(t, topic, p, 10)
	}
	c := grpConsumer(t, testkafka.UniqueName("grp-default"), map[string]any{"enable.partition.eof": true})
	require.NoError(t, c.Subscribe([]string{topic}))

	r := newGrpReader()
	ends := map[string]topicpartition.Offset{topic + "/0": 10, topic + "/1": 10, topic + "/2": 10}
	grpPollUntil(t, c, r, "all partitions read", func() bool { return r.atEnd(ends) })
	assert.Equal(t, grpAll(topic, 3), grpAssignment(t, c))
	want := slices.Concat(grpOffsets(topic, 0, 0, 10), grpOffsets(topic, 1, 0, 10), grpOffsets(topic, 2, 0, 10))
	got := slices.Clone(r.got)
	slices.Sort(got)
	slices.Sort(want)
	assert.Equal(t, want, got)
	assert.Empty(t, r.errs)
}

// 4. OnAssign and OnRevoke: a lone member hears assign(all partitions) and, after
// Unsubscribe, revoke(the same partitions), in that order and nothing else. An OnAssign
// that calls Assign with chosen offsets (eager protocol) makes consumption start there,
// and does not count as a manual assignment (a later Subscribe is no _CONFLICT).
func TestGroupRebalanceCallbacks(t *testing.T) {
	t.Run("assign_then_revoke_on_unsubscribe", func(t *testing.T) {
		topic := testkafka.Topic(t, 3, nil)
		c := grpConsumer(t, testkafka.UniqueName("grp-cb"), nil)
		var rec grpRecorder
		require.NoError(t, c.Subscribe([]string{topic}, rec.options(true)...))
		r := newGrpReader()
		grpPollUntil(t, c, r, "assignment", func() bool { return rec.count() >= 1 })
		assert.Equal(t, grpAll(topic, 3), grpAssignment(t, c))

		require.NoError(t, c.Unsubscribe())
		grpPollUntil(t, c, r, "revocation", func() bool { return rec.count() >= 2 })
		assert.Equal(t, []grpEvent{
			{Kind: "assign", Partitions: grpAll(topic, 3)},
			{Kind: "revoke", Partitions: grpAll(topic, 3)},
		}, rec.get())
		assert.Empty(t, grpAssignment(t, c))
		subs, err := c.Subscription()
		require.NoError(t, err)
		assert.Empty(t, subs)
		assert.Empty(t, r.got)
	})

	t.Run("on_assign_chooses_start_offsets", func(t *testing.T) {
		topic := testkafka.Topic(t, 2, nil)
		grpProduce(t, topic, 0, 10)
		grpProduce(t, topic, 1, 10)
		c := grpConsumer(t, testkafka.UniqueName("grp-cb-offsets"), map[string]any{
			"partition.assignment.strategy": "range",
			"enable.partition.eof":          true,
		})
		var assigned [][]string
		var assignErr []error
		onAssign := func(c *consumer.Consumer, parts []topicpartition.TopicPartition) {
			assigned = append(assigned, grpNames(parts))
			start := map[int32]topicpartition.Offset{0: 7, 1: 3}
			chosen := slices.Clone(parts)
			for i := range chosen {
				chosen[i].Offset = start[chosen[i].Partition]
			}
			assignErr = append(assignErr, c.Assign(chosen))
		}
		require.NoError(t, c.Subscribe([]string{topic}, consumer.OnAssign(onAssign)))
		r := newGrpReader()
		ends := map[string]topicpartition.Offset{topic + "/0": 10, topic + "/1": 10}
		grpPollUntil(t, c, r, "both partitions read to the end", func() bool { return r.atEnd(ends) })
		assert.Equal(t, [][]string{grpAll(topic, 2)}, assigned)
		assert.Equal(t, []error{nil}, assignErr)
		assert.Equal(t, "EAGER", c.RebalanceProtocol())
		want := slices.Concat(grpOffsets(topic, 0, 7, 10), grpOffsets(topic, 1, 3, 10))
		got := slices.Clone(r.got)
		slices.Sort(got)
		assert.Equal(t, want, got, "partition 0 from offset 7, partition 1 from offset 3")
		assert.Empty(t, r.errs)
		// The Assign above ran inside OnAssign: the consumer holds no manual assignment.
		assert.NoError(t, c.Subscribe([]string{topic}), "Subscribe after an Assign made inside OnAssign")
	})
}

// 5. A lost assignment: with the eager protocol and max.poll.interval.ms=6000, a member
// that stops polling for longer is thrown out of the group and, at its next Poll, hears
// that its partitions were lost (AssignmentLost() true inside the callback). With OnLost
// set only OnLost runs; without it OnRevoke gets the lost partitions. The member then
// rejoins and is assigned the partitions again.
func TestGroupLostAssignment(t *testing.T) {
	for _, withLost := range []bool{true, false} {
		name := map[bool]string{true: "with_OnLost", false: "without_OnLost_goes_to_OnRevoke"}[withLost]
		t.Run(name, func(t *testing.T) {
			topic := testkafka.Topic(t, 2, nil)
			c := grpConsumer(t, testkafka.UniqueName("grp-lost"), map[string]any{
				"partition.assignment.strategy": "range",
				"session.timeout.ms":            6000,
				"max.poll.interval.ms":          6000,
				"heartbeat.interval.ms":         1000,
			})
			var rec grpRecorder
			require.NoError(t, c.Subscribe([]string{topic}, rec.options(withLost)...))
			r := newGrpReader()
			grpPollUntil(t, c, r, "assignment", func() bool { return rec.count() >= 1 })
			all := grpAll(topic, 2)
			require.Equal(t, []grpEvent{{Kind: "assign", Partitions: all}}, rec.get())

			// The scenario itself: the application does not poll for longer than
			// max.poll.interval.ms. There is nothing to wait on — not polling is the point —
			// so this one gap is a sleep.
			time.Sleep(8 * time.Second)
			require.Equal(t, 1, rec.count(), "no callback may run while nobody polls")

			grpPollUntil(t, c, r, "loss reported and partitions assigned again", func() bool { return rec.count() >= 3 })
			lostKind := "revoke"
			if withLost {
				lostKind = "lost"
			}
			assert.Equal(t, []grpEvent{
				{Kind: "assign", Partitions: all},
				{Kind: lostKind, Partitions: all, Lost: true},
				{Kind: "assign", Partitions: all},
			}, rec.get())
			for _, err := range r.errs {
				t.Logf("event while losing the assignment: %v", err)
			}
		})
	}
}

// 6. Rebalance callbacks run only inside Poll, Consume or Close, on the goroutine that
// called them: an assignment served by Consume on the test goroutine, a revocation
// served by Poll on it, an assignment served by Poll on a second goroutine, and the
// final revocation served by Close on a third.
func TestGroupCallbacksRunOnCallerGoroutine(t *testing.T) {
	topic := testkafka.Topic(t, 2, nil)
	c := grpConsumer(t, testkafka.UniqueName("grp-goroutine"), nil)

	type call struct {
		Kind, Inside string // callback, and the call it ran in ("" for none)
		Same         bool   // it ran on the goroutine of that call
		Caller       uint64 // the goroutine of that call
	}
	var mu sync.Mutex
	var inside string
	var insideG uint64
	var calls []call
	enter := func(name string) {
		mu.Lock()
		inside, insideG = name, grpGoID()
		mu.Unlock()
	}
	leave := func() {
		mu.Lock()
		inside, insideG = "", 0
		mu.Unlock()
	}
	record := func(kind string) consumer.RebalanceFunc {
		return func(*consumer.Consumer, []topicpartition.TopicPartition) {
			g := grpGoID()
			mu.Lock()
			calls = append(calls, call{Kind: kind, Inside: inside, Same: g == insideG, Caller: insideG})
			mu.Unlock()
		}
	}
	ncalls := func() int {
		mu.Lock()
		defer mu.Unlock()
		return len(calls)
	}
	poll := func() {
		enter("Poll")
		defer leave()
		c.Poll(100 * time.Millisecond)
	}
	waitCalls := func(n int) bool { // poll (on the calling goroutine) until n callbacks ran
		deadline := time.Now().Add(grpWait)
		for ncalls() < n && time.Now().Before(deadline) {
			poll()
		}
		return ncalls() >= n
	}
	opts := []consumer.SubscribeOption{consumer.OnAssign(record("assign")), consumer.OnRevoke(record("revoke"))}

	testG := grpGoID()
	require.NoError(t, c.Subscribe([]string{topic}, opts...))
	deadline := time.Now().Add(grpWait)
	for ncalls() < 1 && time.Now().Before(deadline) {
		enter("Consume")
		_, err := c.Consume(10, 100*time.Millisecond)
		leave()
		require.NoError(t, err)
	}
	require.NoError(t, c.Unsubscribe())
	require.True(t, waitCalls(2), "revocation after Unsubscribe")
	require.NoError(t, c.Subscribe([]string{topic}, opts...))

	pollerG := make(chan uint64, 1)
	assigned := make(chan bool, 1)
	go func() {
		pollerG <- grpGoID()
		assigned <- waitCalls(3)
	}()
	otherG := <-pollerG
	require.True(t, <-assigned, "assignment served by the second goroutine")

	closerG := make(chan uint64, 1)
	closed := make(chan error, 1)
	go func() {
		closerG <- grpGoID()
		enter("Close")
		defer leave()
		closed <- c.Close()
	}()
	closeG := <-closerG
	require.NoError(t, <-closed)

	require.NotEqual(t, testG, otherG)
	require.NotEqual(t, testG, closeG)
	assert.Equal(t, []call{
		{Kind: "assign", Inside: "Consume", Same: true, Caller: testG},
		{Kind: "revoke", Inside: "Poll", Same: true, Caller: testG},
		{Kind: "assign", Inside: "Poll", Same: true, Caller: otherG},
		{Kind: "revoke", Inside: "Close", Same: true, Caller: closeG},
	}, calls)
}

// 7. Subscribe on a consumer holding a manual assignment is a _CONFLICT error; after
// Unassign, Subscribe works and the group assigns the partitions.
func TestGroupSubscribeConflictsWithManualAssign(t *testing.T) {
	topic := testkafka.Topic(t, 2, nil)
	c := grpConsumer(t, testkafka.UniqueName("grp-conflict"), nil)
	require.NoError(t, c.Assign([]topicpartition.TopicPartition{topicpartition.New(topic, 0, topicpartition.OffsetBeginning)}))

	err := c.Subscribe([]string{topic})
	require.Error(t, err)
	assert.True(t, errors.Is(err, kafkaerror.Conflict), "want _CONFLICT, got %v", err)
	assert.Equal(t, []string{topic + "/0"}, grpAssignment(t, c), "the manual assignment stays")
	subs, err := c.Subscription()
	require.NoError(t, err)
	assert.Empty(t, subs)

	require.NoError(t, c.Unassign())
	var rec grpRecorder
	require.NoError(t, c.Subscribe([]string{topic}, rec.options(false)...))
	r := newGrpReader()
	grpPollUntil(t, c, r, "group assignment", func() bool { return rec.count() >= 1 })
	assert.Equal(t, []grpEvent{{Kind: "assign", Partitions: grpAll(topic, 2)}}, rec.get())
	assert.Equal(t, grpAll(topic, 2), grpAssignment(t, c))
}

// 8. Close leaves the group: with two members and session.timeout.ms=45000, closing one
// hands all partitions to the other within seconds (a member that merely vanished would
// be noticed only after 45 s).
func TestGroupCloseHandsPartitionsOverAtOnce(t *testing.T) {
	topic := testkafka.Topic(t, 4, nil)
	group := testkafka.UniqueName("grp-close")
	cfg := map[string]any{"session.timeout.ms": 45000}
	c1 := grpConsumer(t, group, cfg)
	c2 := grpConsumer(t, group, cfg)
	require.NoError(t, c1.Subscribe([]string{topic}))
	require.NoError(t, c2.Subscribe([]string{topic}))

	// Both are polled from here, in turn: callbacks and rebalances need polls.
	deadline := time.Now().Add(grpWait)
	for {
		c1.Poll(50 * time.Millisecond)
		c2.Poll(50 * time.Millisecond)
		a1, a2 := grpAssignment(t, c1), grpAssignment(t, c2)
		if len(a1) == 2 && len(a2) == 2 {
			assert.ElementsMatch(t, grpAll(topic, 4), slices.Concat(a1, a2), "the members split the partitions")
			break
		}
		require.True(t, time.Now().Before(deadline), "members did not share the partitions: %v %v", a1, a2)
	}

	start := time.Now()
	require.NoError(t, c1.Close())
	closeTook := time.Since(start)
	for len(grpAssignment(t, c2)) != 4 {
		require.Less(t, time.Since(start), 15*time.Second, "partitions not handed over within 15 s of Close")
		c2.Poll(50 * time.Millisecond)
	}
	took := time.Since(start)
	t.Logf("Close took %v; the remaining member owned all 4 partitions %v after Close began (session.timeout.ms=45000)", closeTook, took)
	assert.Equal(t, grpAll(topic, 4), grpAssignment(t, c2))
}

// 9. Two members under load, for each protocol: a producer writes keyed, numbered
// messages at a steady rate while member 1 consumes, member 2 joins midway and later
// closes, and member 1 reads on to the end. No message is lost (duplicates after a
// rebalance are allowed, and counted), each member only ever receives messages from
// partitions its own callbacks say it owns, and no partition is owned, or being
// processed, by both members at once.
//
// Members commit each message synchronously right after processing it: the committed
// offset then never runs ahead of processing (no loss) and never lags more than the
// message in hand (few duplicates), so a re-delivery can only come from a commit that
// failed during a rebalance. Auto-commit would lag by up to auto.commit.interval.ms and
// blur that count.
func TestGroupTwoMembersUnderLoad(t *testing.T) {
	cases := []struct {
		name         string
		config       map[string]any
		wantProtocol string // "" for group.protocol=consumer: logged, not asserted
	}{
		{"eager_range", map[string]any{"partition.assignment.strategy": "range"}, "EAGER"},
		{"cooperative_sticky", map[string]any{"partition.assignment.strategy": "cooperative-sticky"}, "COOPERATIVE"},
		// KIP-848: librdkafka refuses partition.assignment.strategy and session.timeout.ms here.
		{"group_protocol_consumer", map[string]any{"group.protocol": "consumer"}, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { grpRunTwoMembers(t, tc.config, tc.wantProtocol) })
	}
}

// grpTracker is the shared view of test 9: who owns and who processes each partition,
// according to the members' own callbacks, and how often each message was seen.
type grpTracker struct {
	mu         sync.Mutex
	owner      map[int32]string          // partition → member owning it
	owned      map[string]map[int32]bool // member → partitions its callbacks gave it
	processing map[int32]string          // partition → member processing a message of it
	seen       []int                     // seq → times consumed
	distinct   int
	violations []string
	history    []string // every callback, for the log
}

func (tr *grpTracker) violate(format string, args ...any) {
	tr.violations = append(tr.violations, fmt.Sprintf(format, args...))
}

func (tr *grpTracker) distinctSeen() int {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	return tr.distinct
}

func (tr *grpTracker) ownedBy(name string) []int32 {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	var out []int32
	for p := range tr.owned[name] {
		out = append(out, p)
	}
	slices.Sort(out)
	return out
}

// grpMember is one member of test 9, polling on its own goroutine.
type grpMember struct {
	name     string
	c        *consumer.Consumer
	tr       *grpTracker
	stop     chan struct{}
	stopOnce sync.Once
	done     chan error // Close's result, once the goroutine ends

	consumed    atomic.Int64
	commitFails atomic.Int64
	protocol    atomic.Value // RebalanceProtocol() seen in the first OnAssign
	subErr      error
}

func (m *grpMember) onAssign(c *consumer.Consumer, parts []topicpartition.TopicPartition) {
	if m.protocol.Load() == nil {
		m.protocol.Store(c.RebalanceProtocol())
	}
	tr := m.tr
	tr.mu.Lock()
	defer tr.mu.Unlock()
	tr.history = append(tr.history, fmt.Sprintf("%s assign %v", m.name, grpPartitions(parts)))
	for _, tp := range parts {
		if o := tr.owner[tp.Partition]; o != "" && o != m.name {
			tr.violate("%s assigned partition %d while %s still owns it", m.name, tp.Partition, o)
		}
		if tr.owned[m.name][tp.Partition] {
			tr.violate("%s assigned partition %d it already owns", m.name, tp.Partition)
		}
		tr.owner[tp.Partition] = m.name
		tr.owned[m.name][tp.Partition] = true
	}
}

func (m *grpMember) onRevoke(kind string) consumer.RebalanceFunc {
	return func(c *consumer.Consumer, parts []topicpartition.TopicPartition) {
		tr := m.tr
		tr.mu.Lock()
		defer tr.mu.Unlock()
		tr.history = append(tr.history, fmt.Sprintf("%s %s %v", m.name, kind, grpPartitions(parts)))
		if kind == "lost" {
			tr.violate("%s lost partitions %v: no member should lose its assignment here", m.name, grpNames(parts))
		}
		for _, tp := range parts {
			if !tr.owned[m.name][tp.Partition] {
				tr.violate("%s %s partition %d it does not own", m.name, kind, tp.Partition)
			}
			delete(tr.owned[m.name], tp.Partition)
			if tr.owner[tp.Partition] == m.name {
				delete(tr.owner, tp.Partition)
			}
		}
	}
}

// process handles one consumed message: ownership checks, counting, commit.
func (m *grpMember) process(msg *message.Message) {
	tr := m.tr
	p := msg.Partition()
	seq, err := strconv.Atoi(strings.TrimPrefix(string(msg.Value()), "seq="))
	tr.mu.Lock()
	switch {
	case err != nil || seq < 0 || seq >= len(tr.seen):
		tr.violate("%s: unexpected value %q at %d@%d", m.name, msg.Value(), p, msg.Offset())
		tr.mu.Unlock()
		return
	case !tr.owned[m.name][p]:
		tr.violate("%s received seq %d from partition %d@%d, which its callbacks do not give it (owner: %q)",
			m.name, seq, p, msg.Offset(), tr.owner[p])
	case tr.owner[p] != m.name:
		tr.violate("%s received seq %d from partition %d, owned by %q", m.name, seq, p, tr.owner[p])
	}
	if other := tr.processing[p]; other != "" {
		tr.violate("%s processes partition %d while %s is processing it", m.name, p, other)
	}
	tr.processing[p] = m.name
	if tr.seen[seq] == 0 {
		tr.distinct++
	}
	tr.seen[seq]++
	tr.mu.Unlock()
	m.consumed.Add(1)

	parts, err := m.c.Commit(consumer.CommitMessage(msg))
	if err == nil {
		for _, tp := range parts {
			err = errors.Join(err, tp.Err)
		}
	}
	if err != nil {
		if m.commitFails.Add(1) <= 3 {
			tr.mu.Lock()
			tr.history = append(tr.history, fmt.Sprintf("%s commit of %d@%d failed: %v", m.name, p, msg.Offset(), err))
			tr.mu.Unlock()
		}
	}

	tr.mu.Lock()
	tr.processing[p] = ""
	tr.mu.Unlock()
}

// run subscribes, polls until told to stop, then closes — all on its own goroutine.
func (m *grpMember) run(topic string) {
	defer close(m.done)
	if err := m.c.Subscribe([]string{topic},
		consumer.OnAssign(m.onAssign), consumer.OnRevoke(m.onRevoke("revoke")), consumer.OnLost(m.onRevoke("lost"))); err != nil {
		m.subErr = err
		m.done <- m.c.Close()
		return
	}
	for {
		select {
		case <-m.stop:
			m.done <- m.c.Close()
			return
		default:
		}
		msg := m.c.Poll(100 * time.Millisecond)
		if msg == nil {
			continue
		}
		if err := msg.Err(); err != nil {
			m.tr.mu.Lock()
			m.tr.history = append(m.tr.history, fmt.Sprintf("%s event %v", m.name, err))
			m.tr.mu.Unlock()
			continue
		}
		m.process(msg)
	}
}

// closeAndWait stops the member's goroutine and returns Close's result.
func (m *grpMember) closeAndWait(t *testing.T) error {
	m.stopOnce.Do(func() { close(m.stop) })
	select {
	case err := <-m.done:
		return err
	case <-time.After(30 * time.Second):
		t.Errorf("%s did not stop within 30 s", m.name)
		return nil
	}
}

func grpRunTwoMembers(t *testing.T, extra map[string]any, wantProtocol string) {
	const n = 3000
	const partitions = 6
	bootstrap := testkafka.Bootstrap(t)
	topic := testkafka.Topic(t, partitions, nil)
	group := testkafka.UniqueName("grp-load")
	tr := &grpTracker{
		owner:      map[int32]string{},
		owned:      map[string]map[int32]bool{"m1": {}, "m2": {}},
		processing: map[int32]string{},
		seen:       make([]int, n),
	}
	newMember := func(name string) *grpMember {
		m := &grpMember{name: name, c: grpConsumer(t, group, extra), tr: tr, stop: make(chan struct{}), done: make(chan error, 1)}
		t.Cleanup(func() { _ = m.closeAndWait(t) })
		go m.run(topic)
		return m
	}

	// The producer: one keyed message every 6 ms (about 18 s in all), value "seq=<i>".
	var produced atomic.Int64
	var deliveryFails atomic.Int64
	prodDone := make(chan error, 1)
	quit, exited := make(chan struct{}), make(chan struct{})
	t.Cleanup(func() { close(quit); <-exited })
	start := time.Now()
	go func() {
		defer close(exited)
		p, err := producer.New(map[string]any{"bootstrap.servers": bootstrap, "linger.ms": 5},
			producer.WithDeliveryReport(func(err error, _ *message.Message) {
				if err != nil {
					deliveryFails.Add(1)
				}
			}))
		if err != nil {
			prodDone <- err
			return
		}
		defer p.Close()
		tick := time.NewTicker(6 * time.Millisecond)
		defer tick.Stop()
		for i := 0; i < n; i++ {
			select {
			case <-tick.C:
			case <-quit: // the test failed early
				prodDone <- errors.New("stopped")
				return
			}
			key := producer.Key([]byte(fmt.Sprintf("key-%d", i%97)))
			if err := p.Produce(topic, []byte(fmt.Sprintf("seq=%d", i)), key); err != nil {
				prodDone <- fmt.Errorf("producing seq %d: %w", i, err)
				return
			}
			produced.Add(1)
			p.Poll(0)
		}
		if left := p.Flush(30 * time.Second); left != 0 {
			prodDone <- fmt.Errorf("%d messages not delivered", left)
			return
		}
		prodDone <- nil
	}()

	m1 := newMember("m1")
	grpWaitFor(t, grpWait, "a quarter produced", func() bool { return produced.Load() >= n/4 })
	joined := time.Since(start)
	m2 := newMember("m2")
	// Member 2 leaves once two thirds are produced and it has done real work (under
	// group.protocol=consumer its first assignment can take two 5 s heartbeats).
	grpWaitFor(t, grpWait, "two thirds produced and member 2 consumed 100", func() bool {
		return produced.Load() >= 2*n/3 && m2.consumed.Load() >= 100
	})
	m2Owned := len(tr.ownedBy("m2"))
	left := time.Since(start)
	require.NoError(t, m2.closeAndWait(t), "member 2 Close")
	require.NoError(t, m2.subErr)
	assert.Empty(t, tr.ownedBy("m2"), "member 2's OnRevoke ran inside Close for everything it owned")

	grpWaitFor(t, 90*time.Second, "every message consumed", func() bool { return tr.distinctSeen() == n })
	all := []int32{0, 1, 2, 3, 4, 5}
	grpWaitFor(t, grpWait, "member 1 owns every partition", func() bool { return slices.Equal(tr.ownedBy("m1"), all) })
	m1Assignment := grpAssignment(t, m1.c)
	require.NoError(t, m1.closeAndWait(t), "member 1 Close")
	require.NoError(t, m1.subErr)
	require.NoError(t, <-prodDone)
	assert.Zero(t, deliveryFails.Load(), "delivery failures")

	tr.mu.Lock()
	defer tr.mu.Unlock()
	var missing []int
	dups, dupMsgs := 0, 0
	for seq, k := range tr.seen {
		switch {
		case k == 0:
			missing = append(missing, seq)
		case k > 1:
			dups += k - 1
			dupMsgs++
		}
	}
	p1, _ := m1.protocol.Load().(string)
	p2, _ := m2.protocol.Load().(string)
	t.Logf("m2 joined at %v, closed at %v owning %d partitions; consumed m1=%d m2=%d; failed commits m1=%d m2=%d; "+
		"duplicates: %d re-deliveries of %d messages; protocol m1=%s m2=%s",
		joined.Round(time.Millisecond), left.Round(time.Millisecond), m2Owned, m1.consumed.Load(), m2.consumed.Load(),
		m1.commitFails.Load(), m2.commitFails.Load(), dups, dupMsgs, p1, p2)
	t.Logf("callbacks: %s", strings.Join(tr.history, "; "))
	assert.Empty(t, missing, "lost messages")
	assert.Empty(t, tr.violations, "ownership violations")
	assert.Equal(t, int64(n), m1.consumed.Load()+m2.consumed.Load()-int64(dups), "consumed = distinct + duplicates")
	assert.Positive(t, m2.consumed.Load(), "member 2 took part")
	assert.Equal(t, grpAll(topic, partitions), m1Assignment)
	assert.Empty(t, tr.owned["m1"], "member 1's OnRevoke ran inside its Close")
	if wantProtocol != "" {
		assert.Equal(t, wantProtocol, p1)
		assert.Equal(t, wantProtocol, p2)
	}
}

// Extra (a bug found while writing the tests above): OnRevoke is "the place to commit
// what was processed", and Close runs it for the partitions it gives up. Inside that
// callback the consumer must still work, as it does in the Python client's on_revoke
// during close(): Assignment lists the partitions being revoked and Commit commits.
func TestGroupOnRevokeInsideCloseCanCommit(t *testing.T) {
	topic := testkafka.Topic(t, 1, nil)
	grpProduce(t, topic, 0, 5)
	group := testkafka.UniqueName("grp-revoke-commit")
	c := grpConsumer(t, group, nil)
	closing := false
	var revokes int
	var assignment []string
	var assignErr, commitErr error
	var committed []topicpartition.TopicPartition
	onRevoke := func(c *consumer.Consumer, _ []topicpartition.TopicPartition) {
		revokes++
		if !closing {
			return
		}
		var a []topicpartition.TopicPartition
		a, assignErr = c.Assignment()
		assignment = grpNames(a)
		committed, commitErr = c.Commit() // the current positions: offset 5
	}
	require.NoError(t, c.Subscribe([]string{topic}, consumer.OnRevoke(onRevoke)))
	r := newGrpReader()
	grpPollUntil(t, c, r, "5 messages", func() bool { return len(r.got) == 5 })
	closing = true
	require.NoError(t, c.Close())

	require.Equal(t, 1, revokes, "OnRevoke ran inside Close")
	assert.NoError(t, assignErr, "Assignment inside OnRevoke inside Close")
	assert.Equal(t, []string{topic + "/0"}, assignment)
	if assert.NoError(t, commitErr, "Commit inside OnRevoke inside Close") && assert.Len(t, committed, 1) {
		assert.Equal(t, topicpartition.Offset(5), committed[0].Offset)
	}
	probe := grpConsumer(t, group, nil)
	got, err := probe.Committed([]topicpartition.TopicPartition{topicpartition.New(topic, 0, topicpartition.OffsetInvalid)}, 10*time.Second)
	require.NoError(t, err)
	require.Len(t, got, 1)
	assert.Equal(t, topicpartition.Offset(5), got[0].Offset, "the group's committed offset after Close")
}

// Extra (a second bug): the _CONFLICT refusal is for a consumer that *holds* a manual
// assignment. One whose manual partitions were all removed with IncrementalUnassign
// holds none (Assignment() is empty), so Subscribe must work without an Unassign.
func TestGroupSubscribeAfterIncrementalUnassignOfEverything(t *testing.T) {
	topic := testkafka.Topic(t, 2, nil)
	c := grpConsumer(t, testkafka.UniqueName("grp-incr-conflict"), nil)
	parts := []topicpartition.TopicPartition{topicpartition.New(topic, 0, topicpartition.OffsetBeginning)}
	require.NoError(t, c.IncrementalAssign(parts))
	assert.ErrorIs(t, c.Subscribe([]string{topic}), kafkaerror.Conflict, "while partition 0 is held")
	require.NoError(t, c.IncrementalUnassign(parts))
	require.Empty(t, grpAssignment(t, c))

	var rec grpRecorder
	require.NoError(t, c.Subscribe([]string{topic}, rec.options(false)...), "nothing is assigned any more")
	grpPollUntil(t, c, newGrpReader(), "group assignment", func() bool { return rec.count() >= 1 })
	assert.Equal(t, grpAll(topic, 2), grpAssignment(t, c))
}
