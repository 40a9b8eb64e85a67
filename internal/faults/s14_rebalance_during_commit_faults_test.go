//go:build faults

package faults_test

// Scenario 14 (extra): rebalances during commits. Member A consumes in small batches and
// commits synchronously after each one, in a tight loop, cycling through the three
// forms of Commit (explicit offsets, a message, the current positions); member B joins
// and leaves the group again and again meanwhile, so A's commits keep running into
// rebalances (eager protocol: every join and leave revokes all of A's partitions).
// Then A's processing gets stuck past max.poll.interval.ms, so librdkafka takes it out
// of the group, and the commit that follows must fail. A commit that fails must fail
// with a clear *kafkaerror.Error of a rebalance kind, within bounded time, never a hang
// or a panic; nothing may be lost, and duplicates are counted.
//
// In practice the commits made during the churn succeed: the coordinator accepts a
// current-generation member's commits while it prepares a rebalance, and refuses them
// (REBALANCE_IN_PROGRESS, ILLEGAL_GENERATION) only in the milliseconds between the
// members' JoinGroup and SyncGroup. The stall is what makes a commit fail for sure.

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rdstreams/rdstreams/consumer"
	"github.com/rdstreams/rdstreams/internal/faults"
	"github.com/rdstreams/rdstreams/internal/testkafka"
	"github.com/rdstreams/rdstreams/kafkaerror"
	"github.com/rdstreams/rdstreams/message"
	"github.com/rdstreams/rdstreams/topicpartition"
)

// s14Expected are the codes a commit may fail with while the group rebalances: the
// broker's answers to a member whose generation is being replaced or is gone, and
// _NO_OFFSET for a commit of the current positions while nothing is assigned.
var s14Expected = map[kafkaerror.Code]bool{
	kafkaerror.RebalanceInProgress: true,
	kafkaerror.IllegalGeneration:   true,
	kafkaerror.UnknownMemberID:     true,
	kafkaerror.NoOffset:            true,
}

func s14ExpectedName(name string) bool {
	for code := range s14Expected {
		if code.Name() == name {
			return true
		}
	}
	return false
}

// s14CommitBound is how long one commit may take before it counts as a hang.
const s14CommitBound = 30 * time.Second

func TestScenario14RebalanceDuringCommit(t *testing.T) {
	s := begin(t, "rebalance-during-commit")
	const (
		total      = 60_000
		partitions = 6
		size       = 100
		produceFor = 20 * time.Second
		cycles     = 8 // B joins and leaves this many times
	)
	bootstrap := testkafka.Bootstrap(t)
	topic := testkafka.Topic(t, partitions, nil)
	group := testkafka.UniqueName("s14-commit")
	ledger := faults.NewLedger()
	var distinct atomic.Int64
	seen := func(m *message.Message) error {
		id, err := faults.ID(m.Value())
		if err != nil {
			return err
		}
		if ledger.Seen(id) {
			distinct.Add(1)
		}
		return nil
	}
	start := time.Now()
	prod := s04Produce(bootstrap, topic, ledger, total, size, partitions, produceFor)
	t.Cleanup(prod.stop)

	newConsumer := func(name string, extra map[string]any) *consumer.Consumer {
		config := map[string]any{
			"bootstrap.servers": bootstrap, "group.id": group, "auto.offset.reset": "earliest",
			"client.id": name,
			// Members hear of a rebalance at their next heartbeat: frequent heartbeats
			// make each join and each leave a rebalance of its own.
			"heartbeat.interval.ms": 100,
		}
		for k, v := range extra {
			config[k] = v
		}
		c, err := consumer.New(config, consumer.WithLogger(cgQuietLogger()))
		require.NoError(t, err)
		return c
	}

	// Member A.
	a := &s14A{c: newConsumer("s14-A", map[string]any{"session.timeout.ms": 6000, "max.poll.interval.ms": 6000}), seen: seen, stop: make(chan struct{}), done: make(chan struct{}),
		attempts: map[string]int{}, failed: map[string]int{}, partFailed: map[string]int{}}
	require.NoError(t, a.c.Subscribe([]string{topic}, consumer.OnAssign(a.onAssign), consumer.OnRevoke(a.onRevoke), consumer.OnLost(a.onLost)))
	a.batch.Store(10)
	go a.run()
	stopA := sync.OnceFunc(func() {
		close(a.stop)
		select {
		case <-a.done:
		case <-time.After(2 * s14CommitBound):
			t.Errorf("member A did not stop (a call hung)")
		}
	})
	t.Cleanup(stopA)
	// checkA fails the test when one of A's commits has been running too long.
	checkA := func() {
		if since := a.inCommit.Load(); since != 0 && time.Since(time.Unix(0, since)) > s14CommitBound {
			t.Fatalf("a commit of member A has not returned for %v", s14CommitBound)
		}
	}
	waitFor := func(what string, timeout time.Duration, cond func() bool) {
		deadline := time.Now().Add(timeout)
		for !cond() {
			checkA()
			if time.Now().After(deadline) {
				t.Fatalf("waiting %v for %s", timeout, what)
			}
			time.Sleep(20 * time.Millisecond) // polling the condition
		}
	}
	pause := func(d time.Duration) {
		until := time.Now().Add(d)
		waitFor("a pause", d+time.Second, func() bool { return time.Now().After(until) })
	}
	waitFor("member A consuming", time.Minute, func() bool { return a.commits.Load() > 10 })

	// Member B joins, consumes a little, leaves; again and again.
	bReceived, bCloseErrs := 0, 0
	for i := range cycles {
		b := &s14B{c: newConsumer(fmt.Sprintf("s14-B%d", i+1), nil), seen: seen, stop: make(chan struct{}), done: make(chan error, 1)}
		require.NoError(t, b.c.Subscribe([]string{topic}, consumer.OnAssign(func(*consumer.Consumer, []topicpartition.TopicPartition) {
			b.assigned.Store(true)
		})))
		go b.run()
		waitFor(fmt.Sprintf("B%d's assignment", i+1), time.Minute, b.assigned.Load)
		pause(500*time.Millisecond + rand.N(time.Second))
		close(b.stop)
		var closeErr error
		waitFor(fmt.Sprintf("B%d to close", i+1), time.Minute, func() bool {
			select {
			case closeErr = <-b.done:
				return true
			default:
				return false
			}
		})
		if closeErr != nil {
			bCloseErrs++
			t.Errorf("B%d Close: %v", i+1, closeErr)
		}
		if b.err != nil {
			t.Errorf("B%d: %v", i+1, b.err)
		}
		bReceived += int(b.received.Load())
		pause(500*time.Millisecond + rand.N(time.Second))
	}
	churnTook := time.Since(start)

	// A's processing gets stuck past max.poll.interval.ms: librdkafka makes it leave the
	// group, and the commit that follows the stall must fail clearly.
	a.stall.Store(int64(8 * time.Second))
	waitFor("the commit after the stall", time.Minute, func() bool {
		a.mu.Lock()
		defer a.mu.Unlock()
		return a.stallCommit != "" && a.stallCommit != "pending"
	})
	a.batch.Store(1000)

	// A alone consumes the rest.
	var pr s04ProduceResult
	waitFor("the producer", 2*time.Minute, func() bool {
		select {
		case pr = <-prod.done:
			return true
		default:
			return false
		}
	})
	require.NoError(t, pr.err, "producer")
	require.Equal(t, total, pr.acked, "messages acknowledged")
	waitFor("every message consumed", 2*time.Minute, func() bool { return distinct.Load() == total })
	stopA()

	a.mu.Lock()
	defer a.mu.Unlock()
	require.Empty(t, a.panics, "panics in member A")
	if len(a.unclear) > 0 {
		t.Errorf("%d commit errors that are not a rebalance's clear kafkaerror (first: %v)", len(a.unclear), a.unclear[:min(5, len(a.unclear))])
	}
	if a.err != nil {
		t.Errorf("member A: %v", a.err)
	}
	if a.revokes < cycles {
		t.Errorf("member A saw %d revocations for %d joins and %d leaves of B: the commits hardly met a rebalance", a.revokes, cycles, cycles)
	}
	if a.lost == 0 || a.maxPoll == 0 {
		t.Errorf("after the stall: %d lost-assignment callbacks, %d _MAX_POLL_EXCEEDED events; want both", a.lost, a.maxPoll)
	}
	if code := a.stallCommit; code == "ok" || !s14ExpectedName(code) {
		t.Errorf("the commit after the stall (no longer a member): %s; want a rebalance error", code)
	}
	attempted := a.commits.Load()
	failed := 0
	for _, n := range a.failed {
		failed += n
	}
	s.figure("%d messages on %d partitions; B joined and left %d times (received %d)", total, partitions, cycles, bReceived)
	s.figure("A: %d assign, %d revoke, %d lost callbacks", a.assigns, a.revokes, a.lost)
	s.figure("commits attempted %d (%s), failed %d (%s)", attempted, s04Names(a.attempts), failed, s04Names(a.failed))
	if len(a.partFailed) > 0 {
		s.figure("partitions failed inside successful commits: %s", s04Names(a.partFailed))
	}
	s.figure("commits over 100 ms %d, slowest %v", a.slow, a.slowest.Round(time.Millisecond))
	s.figure("stall past max.poll.interval.ms: %d _MAX_POLL_EXCEEDED, commit after it %s", a.maxPoll, a.stallCommit)
	s.figure("churn %.1fs", churnTook.Seconds())
	s.account(ledger, -1)
}

// s14A is the committing member: it polls and commits on its own goroutine.
type s14A struct {
	c        *consumer.Consumer
	seen     func(*message.Message) error
	stop     chan struct{}
	done     chan struct{}
	commits  atomic.Int64
	inCommit atomic.Int64 // unix nanoseconds when the running commit began, 0 when none
	batch    atomic.Int64 // messages per Consume, hence per commit
	stall    atomic.Int64 // when set: sleep this long (nanoseconds) once, between a batch and its commit

	stallCommit string // the outcome of the commit after the stall

	mu         sync.Mutex
	attempts   map[string]int // by form
	failed     map[string]int // by code name
	partFailed map[string]int // partition errors in the result of a successful call, by code name
	unclear    []string
	panics     []string
	err        error
	slowest    time.Duration
	assigns    int
	revokes    int
	lost       int
	maxPoll    int // _MAX_POLL_EXCEEDED events
	slow       int // commits over 100 ms: held while the group rebalanced
}

func (a *s14A) onAssign(*consumer.Consumer, []topicpartition.TopicPartition) {
	a.mu.Lock()
	a.assigns++
	a.mu.Unlock()
}

func (a *s14A) onRevoke(*consumer.Consumer, []topicpartition.TopicPartition) {
	a.mu.Lock()
	a.revokes++
	a.mu.Unlock()
}

func (a *s14A) onLost(*consumer.Consumer, []topicpartition.TopicPartition) {
	a.mu.Lock()
	a.lost++
	a.mu.Unlock()
}

func (a *s14A) run() {
	defer close(a.done)
	defer func() {
		if r := recover(); r != nil {
			a.mu.Lock()
			a.panics = append(a.panics, fmt.Sprint(r))
			a.mu.Unlock()
		}
	}()
	defer func() {
		if err := a.c.Close(); err != nil {
			a.fail(fmt.Errorf("Close: %w", err))
		}
	}()
	for n := 0; ; n++ {
		select {
		case <-a.stop:
			return
		default:
		}
		msgs, err := a.c.Consume(int(a.batch.Load()), 20*time.Millisecond)
		if err != nil {
			a.fail(fmt.Errorf("Consume: %w", err))
			return
		}
		var batch []*message.Message
		for _, m := range msgs {
			if err := m.Err(); err != nil {
				if errors.Is(err, kafkaerror.MaxPollExceeded) { // the stall, reported
					a.mu.Lock()
					a.maxPoll++
					a.mu.Unlock()
				} else {
					a.fail(fmt.Errorf("event from Consume: %w", err))
				}
				continue
			}
			if err := a.seen(m); err != nil {
				a.fail(err)
			}
			batch = append(batch, m)
		}
		if len(batch) == 0 {
			continue
		}
		if d := a.stall.Swap(0); d > 0 {
			time.Sleep(time.Duration(d)) // processing stuck past max.poll.interval.ms
			a.mu.Lock()
			a.stallCommit = "pending"
			a.mu.Unlock()
			a.commit(0, batch)
			continue
		}
		a.commit(n%3, batch)
	}
}

// commit commits a batch in one of three forms and records the outcome.
func (a *s14A) commit(form int, batch []*message.Message) {
	var opt []consumer.CommitOption
	var name string
	switch form {
	case 0:
		name = "offsets"
		next := map[int32]topicpartition.Offset{}
		for _, m := range batch {
			next[m.Partition()] = m.Offset() + 1
		}
		var offsets []topicpartition.TopicPartition
		for p, o := range next {
			offsets = append(offsets, topicpartition.New(batch[0].Topic(), p, o))
		}
		opt = append(opt, consumer.CommitOffsets(offsets...))
	case 1:
		name = "message"
		opt = append(opt, consumer.CommitMessage(batch[len(batch)-1]))
	default:
		name = "positions"
	}
	began := time.Now()
	a.inCommit.Store(began.UnixNano())
	parts, err := a.c.Commit(opt...)
	a.inCommit.Store(0)
	took := time.Since(began)
	a.commits.Add(1)

	a.mu.Lock()
	defer a.mu.Unlock()
	if a.stallCommit == "pending" {
		a.stallCommit = "ok"
		if err != nil {
			a.stallCommit = cgCodeName(err)
		}
	}
	a.attempts[name]++
	a.slowest = max(a.slowest, took)
	if took > 100*time.Millisecond {
		a.slow++
	}
	if err != nil {
		a.failed[cgCodeName(err)]++
		a.check(name, err)
		return
	}
	for _, tp := range parts {
		if tp.Err != nil {
			a.partFailed[cgCodeName(tp.Err)]++
			a.check(name+" partition", tp.Err)
		}
	}
}

// check records an error that is not a clear kafkaerror of a rebalance kind. The caller
// holds mu.
func (a *s14A) check(what string, err error) {
	var kerr *kafkaerror.Error
	switch {
	case !errors.As(err, &kerr):
		a.unclear = append(a.unclear, fmt.Sprintf("%s: %T %v", what, err, err))
	case kerr.Name() == "" || kerr.Str() == "":
		a.unclear = append(a.unclear, fmt.Sprintf("%s: code %d without name or text", what, kerr.Code()))
	case !s14Expected[kerr.Code()]:
		a.unclear = append(a.unclear, fmt.Sprintf("%s: %s (%v)", what, kerr.Name(), err))
	}
}

func (a *s14A) fail(err error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.err == nil {
		a.err = err
	}
}

// s14B is the member that comes and goes; it uses auto-commit.
type s14B struct {
	c        *consumer.Consumer
	seen     func(*message.Message) error
	stop     chan struct{}
	done     chan error // Close's result
	assigned atomic.Bool
	received atomic.Int64
	err      error // read after done
}

func (b *s14B) run() {
	for {
		select {
		case <-b.stop:
			b.done <- b.c.Close()
			return
		default:
		}
		m := b.c.Poll(50 * time.Millisecond)
		if m == nil {
			continue
		}
		if err := m.Err(); err != nil {
			if b.err == nil {
				b.err = fmt.Errorf("event from Poll: %w", err)
			}
			continue
		}
		if err := b.seen(m); err != nil && b.err == nil {
			b.err = err
		}
		b.received.Add(1)
	}
}
