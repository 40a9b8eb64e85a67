package consumer_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/rdstreams/rdstreams/consumer"
	"github.com/rdstreams/rdstreams/internal/testkafka"
	"github.com/rdstreams/rdstreams/kafkaerror"
	"github.com/rdstreams/rdstreams/message"
	"github.com/rdstreams/rdstreams/producer"
	"github.com/rdstreams/rdstreams/topicpartition"
)

// clReleaseBound is how long a test waits for the engine's background shutdown after
// Close (consumer.Released) before it declares a leak.
const clReleaseBound = 90 * time.Second

// clSlack is what a bounded Close may take beyond its bound.
const clSlack = 1500 * time.Millisecond

// clProduce writes n messages "<prefix>-<i>" to one partition of topic and waits until
// every one is delivered.
func clProduce(t *testing.T, bootstrap, topic string, partition int32, prefix string, n int) {
	t.Helper()
	p, err := producer.New(map[string]any{"bootstrap.servers": bootstrap})
	require.NoError(t, err)
	defer p.Close()
	for i := range n {
		require.NoError(t, p.Produce(topic, []byte(fmt.Sprintf("%s-%d", prefix, i)), producer.Partition(partition)))
	}
	require.Equal(t, 0, p.Flush(30*time.Second), "messages still undelivered")
}

// clConsumer creates a consumer that is closed when the test ends (a no-op when the
// test closed it already) and whose background shutdown the test then waits for.
func clConsumer(t *testing.T, conf map[string]any, opts ...consumer.Option) *consumer.Consumer {
	t.Helper()
	c, err := consumer.New(conf, opts...)
	require.NoError(t, err)
	t.Cleanup(func() {
		_ = c.Close()
		clWaitReleased(t, c)
	})
	return c
}

// clWaitReleased waits, within clReleaseBound, until the consumer's engine has shut down
// completely, and returns how long that took.
func clWaitReleased(t *testing.T, c *consumer.Consumer) time.Duration {
	t.Helper()
	start := time.Now()
	select {
	case <-consumer.Released(c):
		return time.Since(start)
	case <-time.After(clReleaseBound):
		t.Fatalf("consumer not released %v after Close: the engine's shutdown is stuck", clReleaseBound)
		return 0
	}
}

// clReadN polls until it has n proper messages (events are logged and skipped).
func clReadN(t *testing.T, c *consumer.Consumer, n int) []*message.Message {
	t.Helper()
	var out []*message.Message
	deadline := time.Now().Add(60 * time.Second)
	for len(out) < n {
		require.True(t, time.Now().Before(deadline), "read %d of %d messages in time", len(out), n)
		m := c.Poll(500 * time.Millisecond)
		if m == nil {
			continue
		}
		if m.Err() != nil {
			t.Logf("event while reading: %v", m.Err())
			continue
		}
		out = append(out, m)
	}
	return out
}

// clRequireCode asserts err is a *kafkaerror.Error with code want.
func clRequireCode(t *testing.T, err error, want kafkaerror.Code) {
	t.Helper()
	var kerr *kafkaerror.Error
	require.Truef(t, errors.As(err, &kerr), "error %v (%T) is a *kafkaerror.Error", err, err)
	require.Equal(t, want, kerr.Code(), "error code of %v", err)
	require.ErrorIs(t, err, want)
}

// clGoroutineID is the current goroutine's id, from the first line of its stack.
func clGoroutineID() uint64 {
	var buf [64]byte
	n := runtime.Stack(buf[:], false)
	f := strings.Fields(strings.TrimPrefix(string(buf[:n]), "goroutine "))
	id, err := strconv.ParseUint(f[0], 10, 64)
	if err != nil {
		panic("cannot parse goroutine id from " + string(buf[:n]))
	}
	return id
}

// clInStack reports whether some goroutine's stack contains frame.
func clInStack(frame string) bool {
	buf := make([]byte, 1<<20)
	n := runtime.Stack(buf, true)
	return strings.Contains(string(buf[:n]), frame)
}

// clWaitInStack waits until some goroutine is inside frame (a blocking call has really
// started), reporting false after timeout.
func clWaitInStack(frame string, timeout time.Duration) bool {
	deadline := time.Now().Add(timeout)
	tick := time.NewTicker(2 * time.Millisecond)
	defer tick.Stop()
	for !clInStack(frame) {
		if time.Now().After(deadline) {
			return false
		}
		<-tick.C
	}
	return true
}

// clPollFrame is the frame of a Poll, PollContext or Consume waiting for the engine, after
// it entered the consumer.
const clPollFrame = "consumer.(*Consumer).poll("

func clSortTPs(tps []topicpartition.TopicPartition) []topicpartition.TopicPartition {
	out := slices.Clone(tps)
	slices.SortFunc(out, func(a, b topicpartition.TopicPartition) int {
		if c := strings.Compare(a.Topic, b.Topic); c != 0 {
			return c
		}
		return int(a.Partition) - int(b.Partition)
	})
	return out
}

// clBrokerGoneClose subscribes a group consumer on a broker of the test's own, reads what
// was produced, kills the broker and closes: it returns Close's error and duration.
func clBrokerGoneClose(t *testing.T, opts ...consumer.Option) (time.Duration, *consumer.Consumer, error) {
	t.Helper()
	b := testkafka.StartBroker(t)
	topic := testkafka.UniqueName("close-gone")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	require.NoError(t, testkafka.CreateTopic(ctx, b.Bootstrap, topic, 1, nil))
	clProduce(t, b.Bootstrap, topic, 0, "m", 5)

	c := clConsumer(t, map[string]any{
		"bootstrap.servers":  b.Bootstrap,
		"group.id":           testkafka.UniqueName("close-gone"),
		"auto.offset.reset":  "earliest",
		"enable.auto.commit": true,
		// The broker's minimum: the engine's background shutdown (which waits out the
		// session with the broker gone) then ends in seconds. Close's bound is unaffected.
		"session.timeout.ms":    6000,
		"heartbeat.interval.ms": 1000,
	}, opts...)
	require.NoError(t, c.Subscribe([]string{topic}))
	got := clReadN(t, c, 5)
	require.Equal(t, topicpartition.Offset(4), got[4].Offset())

	b.Kill(t)
	start := time.Now()
	err := c.Close()
	return time.Since(start), c, err
}

// 1. With the broker gone, Close returns at its bound with _TIMED_OUT; the engine then
// finishes shutting down in the background.
func TestCloseBrokerGoneReturnsAtBound(t *testing.T) {
	t.Parallel() // a broker of its own: runs beside the other broker-gone tests
	const bound = 3 * time.Second
	took, c, err := clBrokerGoneClose(t, consumer.WithCloseTimeout(bound))
	t.Logf("broker gone: Close with WithCloseTimeout(%v) returned after %v: %v", bound, took, err)
	assert.LessOrEqual(t, took, bound+clSlack, "Close overran its bound")
	clRequireCode(t, err, kafkaerror.TimedOut)
	bg := clWaitReleased(t, c)
	t.Logf("broker gone: engine released %v after Close returned", bg)
	assert.NoError(t, c.Close(), "second Close is a no-op")
}

func TestCloseBrokerGoneDefaultBound(t *testing.T) {
	t.Parallel()
	took, c, err := clBrokerGoneClose(t)
	t.Logf("broker gone: Close with the default bound (%v) returned after %v: %v", consumer.DefaultCloseTimeout, took, err)
	assert.LessOrEqual(t, took, consumer.DefaultCloseTimeout+clSlack, "Close overran the default bound")
	clRequireCode(t, err, kafkaerror.TimedOut)
	bg := clWaitReleased(t, c)
	t.Logf("broker gone: engine released %v after Close returned", bg)
}

// 2. With auto-commit on (and an interval too long to fire), Close commits exactly the
// position after the last message the application consumed — not what was prefetched.
func TestCloseCommitsWithAutoCommit(t *testing.T) {
	bootstrap := testkafka.Bootstrap(t)
	topic := testkafka.Topic(t, 2, nil)
	clProduce(t, bootstrap, topic, 0, "p0", 10)
	clProduce(t, bootstrap, topic, 1, "p1", 10)
	group := testkafka.UniqueName("close-commit")
	conf := map[string]any{
		"bootstrap.servers":       bootstrap,
		"group.id":                group,
		"auto.offset.reset":       "earliest",
		"enable.auto.commit":      true,
		"auto.commit.interval.ms": 600000,
	}
	parts := []topicpartition.TopicPartition{topicpartition.New(topic, 0, topicpartition.OffsetInvalid), topicpartition.New(topic, 1, topicpartition.OffsetInvalid)}

	c := clConsumer(t, conf)
	require.NoError(t, c.Subscribe([]string{topic}))
	const k = 13 // of 20: at least one partition is read only in part
	got := clReadN(t, c, k)
	want := map[int32]topicpartition.Offset{0: topicpartition.OffsetInvalid, 1: topicpartition.OffsetInvalid}
	for _, m := range got {
		want[m.Partition()] = m.Offset() + 1
	}
	t.Logf("consumed %d messages; expect committed p0=%d p1=%d", k, want[0], want[1])
	before, err := c.Committed(parts, 10*time.Second)
	require.NoError(t, err)
	for _, tp := range before {
		require.Equal(t, topicpartition.OffsetInvalid, tp.Offset, "nothing committed before Close: %v", tp)
	}

	require.NoError(t, c.Close())

	check := clConsumer(t, conf)
	committed, err := check.Committed(parts, 10*time.Second)
	require.NoError(t, err)
	require.Len(t, committed, 2)
	for _, tp := range clSortTPs(committed) {
		assert.NoError(t, tp.Err)
		assert.Equal(t, want[tp.Partition], tp.Offset, "committed offset of %v", tp)
	}
	require.NoError(t, check.Close())
}

// 3. A second Close is a no-op; every other call on a closed consumer fails with
// ErrClosed.
func TestCloseThenEveryCallIsClosed(t *testing.T) {
	bootstrap := testkafka.Bootstrap(t)
	topic := testkafka.Topic(t, 1, nil)
	clProduce(t, bootstrap, topic, 0, "m", 1)
	c := clConsumer(t, map[string]any{
		"bootstrap.servers": bootstrap,
		"group.id":          testkafka.UniqueName("close-calls"),
		"auto.offset.reset": "earliest",
	})
	require.NoError(t, c.Subscribe([]string{topic}))
	msg := clReadN(t, c, 1)[0]
	require.Equal(t, "EAGER", c.RebalanceProtocol())

	require.NoError(t, c.Close())
	assert.NoError(t, c.Close(), "second Close")
	assert.NoError(t, c.CloseContext(context.Background()), "CloseContext after Close")

	tp := topicpartition.New(topic, 0, 0)
	tps := []topicpartition.TopicPartition{tp}
	closed := func(name string, err error) {
		t.Helper()
		assert.ErrorIsf(t, err, kafkaerror.ErrClosed, "%s on a closed consumer", name)
	}
	closed("Subscribe", c.Subscribe([]string{topic}))
	closed("Unsubscribe", c.Unsubscribe())
	_, err := c.Subscription()
	closed("Subscription", err)
	closed("Assign", c.Assign(tps))
	closed("Unassign", c.Unassign())
	closed("IncrementalAssign", c.IncrementalAssign(tps))
	closed("IncrementalUnassign", c.IncrementalUnassign(tps))
	_, err = c.Assignment()
	closed("Assignment", err)
	_, err = c.Commit()
	closed("Commit()", err)
	_, err = c.Commit(consumer.CommitMessage(msg))
	closed("Commit(message)", err)
	_, err = c.Commit(consumer.CommitOffsets(tp))
	closed("Commit(offsets)", err)
	_, err = c.Commit(consumer.CommitAsync())
	closed("Commit(async)", err)
	_, err = c.Committed(tps, time.Second)
	closed("Committed", err)
	_, err = c.Position(tps)
	closed("Position", err)
	low, high, err := c.GetWatermarkOffsets(tp, time.Second, false)
	closed("GetWatermarkOffsets", err)
	assert.Equal(t, topicpartition.OffsetInvalid, low)
	assert.Equal(t, topicpartition.OffsetInvalid, high)
	_, _, err = c.GetWatermarkOffsets(tp, time.Second, true)
	closed("GetWatermarkOffsets(cached)", err)
	closed("Seek", c.Seek(tp))
	closed("Pause", c.Pause(tps))
	closed("Resume", c.Resume(tps))
	_, err = c.StoreOffsets(tps)
	closed("StoreOffsets", err)
	_, err = c.StoreMessage(msg)
	closed("StoreMessage", err)
	_, err = c.OffsetsForTimes([]topicpartition.TopicPartition{topicpartition.New(topic, 0, consumer.TimeOffset(time.Now()))}, time.Second)
	closed("OffsetsForTimes", err)
	gm, err := c.GroupMetadata()
	closed("GroupMetadata", err)
	assert.Nil(t, gm)
	ms, err := c.Consume(1, time.Second)
	closed("Consume", err)
	assert.Empty(t, ms)

	start := time.Now()
	m := c.Poll(-1)
	assert.Less(t, time.Since(start), time.Second, "Poll(-1) on a closed consumer returns at once")
	require.NotNil(t, m, "Poll on a closed consumer")
	assert.ErrorIs(t, m.Err(), kafkaerror.ErrClosed)
	m = c.PollContext(context.Background())
	require.NotNil(t, m, "PollContext on a closed consumer")
	assert.ErrorIs(t, m.Err(), kafkaerror.ErrClosed)
	assert.False(t, c.AssignmentLost())
	assert.Equal(t, "NONE", c.RebalanceProtocol())
}

// 4. Close from another goroutine wakes a Poll(-1) that is waiting: Poll returns nil
// (no message came; the next call would report ErrClosed) promptly.
func TestCloseWakesBlockedPoll(t *testing.T) {
	bootstrap := testkafka.Bootstrap(t)
	topic := testkafka.Topic(t, 1, nil)
	c := clConsumer(t, map[string]any{"bootstrap.servers": bootstrap})
	require.NoError(t, c.Assign([]topicpartition.TopicPartition{topicpartition.New(topic, 0, topicpartition.OffsetEnd)}))

	type result struct {
		m   *message.Message
		end time.Time
	}
	polled := make(chan result, 1)
	go func() {
		m := c.Poll(-1)
		polled <- result{m, time.Now()}
	}()
	require.True(t, clWaitInStack(clPollFrame, 10*time.Second), "Poll(-1) never started waiting")
	select {
	case r := <-polled:
		t.Fatalf("Poll(-1) returned %v with nothing to read and no Close", r.m)
	default:
	}

	closeStart := time.Now()
	require.NoError(t, c.Close())
	closeTook := time.Since(closeStart)
	select {
	case r := <-polled:
		woke := r.end.Sub(closeStart)
		t.Logf("Poll(-1) woke %v after Close began; Close took %v", woke, closeTook)
		assert.Nil(t, r.m, "a Poll(-1) woken by Close returns nil")
		assert.Less(t, woke, time.Second, "Poll(-1) woke promptly")
	case <-time.After(5 * time.Second):
		t.Fatal("Poll(-1) still blocked 5 s after Close returned")
	}
	m := c.Poll(-1)
	require.NotNil(t, m)
	assert.ErrorIs(t, m.Err(), kafkaerror.ErrClosed, "the next Poll reports the close")
}

// 5. OnRevoke runs inside Close, on the goroutine that called Close (not the one that
// polled), with the partitions that were assigned.
func TestCloseRunsOnRevokeOnClosingGoroutine(t *testing.T) {
	bootstrap := testkafka.Bootstrap(t)
	topic := testkafka.Topic(t, 3, nil)
	c := clConsumer(t, map[string]any{
		"bootstrap.servers": bootstrap,
		"group.id":          testkafka.UniqueName("close-revoke"),
	})
	var (
		mu          sync.Mutex
		assigned    []topicpartition.TopicPartition
		revoked     []topicpartition.TopicPartition
		revokes     int
		revokeGID   uint64
		closing     bool
		revokeInCls bool
	)
	require.NoError(t, c.Subscribe([]string{topic},
		consumer.OnAssign(func(_ *consumer.Consumer, ps []topicpartition.TopicPartition) {
			mu.Lock()
			defer mu.Unlock()
			assigned = append(assigned, ps...)
		}),
		consumer.OnRevoke(func(_ *consumer.Consumer, ps []topicpartition.TopicPartition) {
			mu.Lock()
			defer mu.Unlock()
			revokes++
			revoked = append(revoked, ps...)
			revokeGID = clGoroutineID()
			revokeInCls = closing
		})))
	deadline := time.Now().Add(30 * time.Second)
	for {
		mu.Lock()
		n := len(assigned)
		mu.Unlock()
		if n == 3 {
			break
		}
		require.True(t, time.Now().Before(deadline), "partitions assigned in time")
		c.Poll(100 * time.Millisecond)
	}
	mu.Lock()
	require.Equal(t, 0, revokes, "no revoke before Close")
	mu.Unlock()

	pollGID := clGoroutineID()
	closed := make(chan error, 1)
	closeGID := make(chan uint64, 1)
	go func() {
		closeGID <- clGoroutineID()
		mu.Lock()
		closing = true
		mu.Unlock()
		closed <- c.Close()
	}()
	select {
	case err := <-closed:
		require.NoError(t, err)
	case <-time.After(consumer.DefaultCloseTimeout + clSlack):
		t.Fatal("Close did not return")
	}
	gid := <-closeGID
	mu.Lock()
	defer mu.Unlock()
	assert.Equal(t, 1, revokes, "OnRevoke calls during Close")
	assert.True(t, revokeInCls, "OnRevoke ran inside Close")
	assert.Equal(t, gid, revokeGID, "OnRevoke ran on Close's goroutine")
	assert.NotEqual(t, pollGID, revokeGID, "OnRevoke did not run on the polling goroutine")
	assert.Equal(t, clSortTPs(assigned), clSortTPs(revoked), "revoked what was assigned")
}

// OnRevoke is documented as "the place to commit what was processed", and Close runs it:
// a Commit made there must reach the group, as it does with the Python client.
// Committed inside OnRevoke run by Close fails at once with _STATE, instead of waiting
// out its timeout (librdkafka does not answer offset fetches while leaving the group).
func TestCloseOnRevokeCommittedFailsFast(t *testing.T) {
	bootstrap := testkafka.Bootstrap(t)
	topic := testkafka.Topic(t, 1, nil)
	clProduce(t, bootstrap, topic, 0, "m", 3)
	c := clConsumer(t, map[string]any{
		"bootstrap.servers": bootstrap,
		"group.id":          testkafka.UniqueName("close-revoke-committed"),
		"auto.offset.reset": "earliest",
	})
	var (
		mu      sync.Mutex
		err     error
		elapsed time.Duration
		calls   int
	)
	require.NoError(t, c.Subscribe([]string{topic},
		consumer.OnRevoke(func(c *consumer.Consumer, ps []topicpartition.TopicPartition) {
			start := time.Now()
			_, cerr := c.Committed(ps, 5*time.Second)
			mu.Lock()
			defer mu.Unlock()
			calls++
			err, elapsed = cerr, time.Since(start)
		})))
	clReadN(t, c, 3)
	require.NoError(t, c.Close())
	mu.Lock()
	defer mu.Unlock()
	require.Equal(t, 1, calls)
	assert.ErrorIs(t, err, kafkaerror.State)
	assert.Less(t, elapsed, time.Second, "Committed waited instead of failing at once")
}

func TestCloseOnRevokeCanCommit(t *testing.T) {
	bootstrap := testkafka.Bootstrap(t)
	topic := testkafka.Topic(t, 1, nil)
	clProduce(t, bootstrap, topic, 0, "m", 5)
	conf := map[string]any{
		"bootstrap.servers":  bootstrap,
		"group.id":           testkafka.UniqueName("close-revoke-commit"),
		"auto.offset.reset":  "earliest",
		"enable.auto.commit": false,
	}
	c := clConsumer(t, conf)
	var (
		mu            sync.Mutex
		revokeCalls   int
		commitErr     error
		assignmentErr error
	)
	require.NoError(t, c.Subscribe([]string{topic},
		consumer.OnRevoke(func(c *consumer.Consumer, ps []topicpartition.TopicPartition) {
			_, aerr := c.Assignment()
			_, cerr := c.Commit(consumer.CommitOffsets(topicpartition.New(topic, 0, 3)))
			mu.Lock()
			defer mu.Unlock()
			revokeCalls++
			commitErr, assignmentErr = cerr, aerr
		})))
	clReadN(t, c, 5)
	require.NoError(t, c.Close())

	mu.Lock()
	require.Equal(t, 1, revokeCalls)
	assert.NoError(t, assignmentErr, "Assignment inside OnRevoke run by Close")
	assert.NoError(t, commitErr, "Commit inside OnRevoke run by Close")
	mu.Unlock()

	check := clConsumer(t, conf)
	committed, err := check.Committed([]topicpartition.TopicPartition{topicpartition.New(topic, 0, topicpartition.OffsetInvalid)}, 10*time.Second)
	require.NoError(t, err)
	require.Len(t, committed, 1)
	assert.Equal(t, topicpartition.Offset(3), committed[0].Offset, "offset committed from OnRevoke during Close")
	require.NoError(t, check.Close())
}

// 6. A panic in OnRevoke during Close propagates out of Close; the consumer is still
// closed and released.
func TestClosePanicInOnRevokePropagates(t *testing.T) {
	bootstrap := testkafka.Bootstrap(t)
	topic := testkafka.Topic(t, 1, nil)
	c := clConsumer(t, map[string]any{
		"bootstrap.servers": bootstrap,
		"group.id":          testkafka.UniqueName("close-panic"),
	})
	var assigned sync.WaitGroup
	assigned.Add(1)
	var once sync.Once
	require.NoError(t, c.Subscribe([]string{topic},
		consumer.OnAssign(func(*consumer.Consumer, []topicpartition.TopicPartition) { once.Do(assigned.Done) }),
		consumer.OnRevoke(func(*consumer.Consumer, []topicpartition.TopicPartition) { panic("revoke boom") })))
	isAssigned := make(chan struct{})
	go func() { assigned.Wait(); close(isAssigned) }()
	deadline := time.Now().Add(30 * time.Second)
	for waiting := true; waiting; {
		select {
		case <-isAssigned:
			waiting = false
		default:
			require.True(t, time.Now().Before(deadline), "partitions assigned in time")
			c.Poll(100 * time.Millisecond)
		}
	}

	start := time.Now()
	assert.PanicsWithValue(t, "revoke boom", func() { _ = c.Close() })
	t.Logf("Close panicked after %v", time.Since(start))
	bg := clWaitReleased(t, c)
	t.Logf("consumer released %v after the panic", bg)
	assert.NoError(t, c.Close(), "Close after the panicked Close is a no-op")
	m := c.Poll(0)
	require.NotNil(t, m)
	assert.ErrorIs(t, m.Err(), kafkaerror.ErrClosed)
}

// 7. The Messages iterator: every message in order, ends when ctx is cancelled (from
// the loop, or from elsewhere while it waits), starts no goroutine; after Close it
// yields ErrClosed once and ends.
func TestCloseMessagesIterator(t *testing.T) {
	bootstrap := testkafka.Bootstrap(t)
	topic := testkafka.Topic(t, 1, nil)
	const n = 20
	clProduce(t, bootstrap, topic, 0, "m", n)

	newAssigned := func(t *testing.T) *consumer.Consumer {
		c := clConsumer(t, map[string]any{"bootstrap.servers": bootstrap})
		require.NoError(t, c.Assign([]topicpartition.TopicPartition{topicpartition.New(topic, 0, topicpartition.OffsetBeginning)}))
		return c
	}
	checkOrder := func(t *testing.T, got []*message.Message) {
		require.Len(t, got, n)
		for i, m := range got {
			assert.Equal(t, topicpartition.Offset(i), m.Offset())
			assert.Equal(t, fmt.Sprintf("m-%d", i), string(m.Value()))
		}
	}

	t.Run("cancel inside the loop", func(t *testing.T) {
		c := newAssigned(t)
		ignore := goleak.IgnoreCurrent()
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		var got []*message.Message
		for m, err := range c.Messages(ctx) {
			require.NoError(t, err)
			got = append(got, m)
			if len(got) == n {
				cancel()
			}
		}
		require.ErrorIs(t, ctx.Err(), context.Canceled, "the loop ended because of the cancel, not the guard timeout")
		checkOrder(t, got)
		goleak.VerifyNone(t, ignore)
		require.NoError(t, c.Close())
	})

	t.Run("cancel while waiting", func(t *testing.T) {
		c := newAssigned(t)
		ignore := goleak.IgnoreCurrent()
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		var got []*message.Message
		sawWait := make(chan bool, 1)
		for m, err := range c.Messages(ctx) {
			require.NoError(t, err)
			got = append(got, m)
			if len(got) == n {
				go func() {
					ok := clWaitInStack(clPollFrame, 10*time.Second)
					sawWait <- ok
					cancel()
				}()
			}
		}
		require.ErrorIs(t, ctx.Err(), context.Canceled)
		assert.True(t, <-sawWait, "the iterator was waiting when cancelled")
		checkOrder(t, got)
		goleak.VerifyNone(t, ignore)
		require.NoError(t, c.Close())
	})

	t.Run("close while waiting", func(t *testing.T) {
		c := newAssigned(t)
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		var got []*message.Message
		var errs []error
		closed := make(chan error, 1)
		for m, err := range c.Messages(ctx) {
			if err != nil {
				require.NotNil(t, m)
				errs = append(errs, err)
				continue
			}
			got = append(got, m)
			if len(got) == n {
				go func() {
					clWaitInStack(clPollFrame, 10*time.Second)
					closed <- c.Close()
				}()
			}
		}
		require.NoError(t, ctx.Err(), "the loop ended because of Close, not the guard timeout")
		require.NoError(t, <-closed)
		checkOrder(t, got)
		require.Len(t, errs, 1)
		assert.ErrorIs(t, errs[0], kafkaerror.ErrClosed)
	})

	t.Run("after Close", func(t *testing.T) {
		c := newAssigned(t)
		require.NoError(t, c.Close())
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		var ms []*message.Message
		var errs []error
		for m, err := range c.Messages(ctx) {
			ms = append(ms, m)
			errs = append(errs, err)
		}
		require.NoError(t, ctx.Err())
		require.Len(t, ms, 1)
		require.NotNil(t, ms[0])
		assert.ErrorIs(t, errs[0], kafkaerror.ErrClosed)
		assert.ErrorIs(t, ms[0].Err(), kafkaerror.ErrClosed)
	})
}

// 8. CloseContext with a context already cancelled returns at once with _TIMED_OUT; the
// engine still shuts down (and leaves the group) in the background.
func TestCloseContextAlreadyCancelled(t *testing.T) {
	bootstrap := testkafka.Bootstrap(t)
	topic := testkafka.Topic(t, 1, nil)
	clProduce(t, bootstrap, topic, 0, "m", 3)
	c := clConsumer(t, map[string]any{
		"bootstrap.servers":  bootstrap,
		"group.id":           testkafka.UniqueName("close-cancelled"),
		"auto.offset.reset":  "earliest",
		"enable.auto.commit": true,
	})
	require.NoError(t, c.Subscribe([]string{topic}))
	clReadN(t, c, 3)

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	start := time.Now()
	err := c.CloseContext(ctx)
	took := time.Since(start)
	t.Logf("CloseContext(cancelled) returned after %v: %v", took, err)
	assert.Less(t, took, 500*time.Millisecond)
	clRequireCode(t, err, kafkaerror.TimedOut)
	bg := clWaitReleased(t, c)
	t.Logf("engine released %v later", bg)
	assert.NoError(t, c.Close())
	_, err = c.Assignment()
	assert.ErrorIs(t, err, kafkaerror.ErrClosed)
}

// Close's bound holds even while another goroutine is inside a synchronous Commit (which
// has no timeout of its own) waiting for a broker that is gone: "All methods are safe for
// concurrent use" and Close "returns within the close timeout even when the broker is
// gone".
func TestCloseBoundHoldsWhileCommitBlocked(t *testing.T) {
	t.Parallel()
	const bound = 3 * time.Second
	b := testkafka.StartBroker(t)
	topic := testkafka.UniqueName("close-blocked")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	require.NoError(t, testkafka.CreateTopic(ctx, b.Bootstrap, topic, 1, nil))
	clProduce(t, b.Bootstrap, topic, 0, "m", 3)
	c := clConsumer(t, map[string]any{
		"bootstrap.servers":     b.Bootstrap,
		"group.id":              testkafka.UniqueName("close-blocked"),
		"auto.offset.reset":     "earliest",
		"enable.auto.commit":    false,
		"session.timeout.ms":    6000,
		"heartbeat.interval.ms": 1000,
	}, consumer.WithCloseTimeout(bound))
	require.NoError(t, c.Subscribe([]string{topic}))
	clReadN(t, c, 3)
	b.Kill(t)

	type commitResult struct {
		tps []topicpartition.TopicPartition
		err error
	}
	committed := make(chan commitResult, 1)
	go func() {
		tps, err := c.Commit()
		committed <- commitResult{tps, err}
	}()
	require.True(t, clWaitInStack("consumer.(*Consumer).commit(", 10*time.Second), "Commit never started")
	select {
	case r := <-committed:
		t.Fatalf("Commit returned at once with the broker gone, nothing to hold Close: %v %v", r.tps, r.err)
	default:
	}

	closed := make(chan error, 1)
	start := time.Now()
	go func() { closed <- c.Close() }()
	select {
	case err := <-closed:
		took := time.Since(start)
		t.Logf("Close returned after %v: %v", took, err)
		assert.LessOrEqual(t, took, bound+clSlack)
	case <-time.After(bound + clSlack):
		t.Errorf("Close has not returned %v after it began (bound %v): it waits for the synchronous Commit in progress, which waits for the broker", bound+clSlack, bound)
		// Bring the broker back so that the blocked calls finish and nothing leaks.
		b.Restart(t)
		select {
		case err := <-closed:
			t.Logf("Close returned %v after it began, once the broker was back: %v", time.Since(start), err)
		case <-time.After(clReleaseBound):
			t.Fatal("Close still blocked after the broker came back")
		}
	}
	select {
	case r := <-committed:
		t.Logf("the concurrent Commit returned: %v %v", r.tps, r.err)
	case <-time.After(clReleaseBound):
		t.Fatal("Commit still blocked")
	}
	clWaitReleased(t, c)
}

// The final auto-commit Close makes is an auto-commit like any other: its result goes to
// the WithCommitCallback callback, which "runs inside Poll, Consume or Close, on the
// goroutine that called them" (the Python client calls on_commit inside close()).
func TestCloseReportsFinalAutoCommit(t *testing.T) {
	bootstrap := testkafka.Bootstrap(t)
	topic := testkafka.Topic(t, 1, nil)
	clProduce(t, bootstrap, topic, 0, "m", 5)
	var (
		mu      sync.Mutex
		calls   int
		gotErr  error
		gotTPs  []topicpartition.TopicPartition
		gotGID  uint64
		closing bool
		inClose bool
	)
	c := clConsumer(t, map[string]any{
		"bootstrap.servers":       bootstrap,
		"group.id":                testkafka.UniqueName("close-oncommit"),
		"auto.offset.reset":       "earliest",
		"enable.auto.commit":      true,
		"auto.commit.interval.ms": 600000,
	}, consumer.WithCommitCallback(func(err error, tps []topicpartition.TopicPartition) {
		mu.Lock()
		defer mu.Unlock()
		calls++
		gotErr, gotTPs, gotGID, inClose = err, tps, clGoroutineID(), closing
	}))
	require.NoError(t, c.Subscribe([]string{topic}))
	// Read the whole partition so that the committed offset does not depend on what
	// Close itself may consume.
	clReadN(t, c, 5)
	mu.Lock()
	require.Equal(t, 0, calls, "no commit before Close")
	closing = true
	mu.Unlock()

	require.NoError(t, c.Close())
	mu.Lock()
	defer mu.Unlock()
	require.Equal(t, 1, calls, "commit callbacks run by Close for its final auto-commit")
	assert.True(t, inClose)
	assert.Equal(t, clGoroutineID(), gotGID, "the callback ran on Close's goroutine")
	assert.NoError(t, gotErr)
	require.Len(t, gotTPs, 1)
	assert.Equal(t, topicpartition.Offset(5), gotTPs[0].Offset)
}
