package consumer

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rdstreams/rdstreams/internal/clientconf"
	"github.com/rdstreams/rdstreams/internal/engine"
	"github.com/rdstreams/rdstreams/kafkaerror"
	"github.com/rdstreams/rdstreams/message"
	"github.com/rdstreams/rdstreams/metadata"
	"github.com/rdstreams/rdstreams/topicpartition"
)

// fakeConsumer is a backend without librdkafka. The consumer queue holds what the test
// puts there (messages and events, in order); commits wait until the test answers
// them (or are answered at once with autoAnswer); every call that changes something is
// written to a log, so tests can check the order of things.
type fakeConsumer struct {
	mu         sync.Mutex
	queue      []any // *message.Message or engine.Event
	wake       chan struct{}
	commitWake chan struct{}
	closeWake  chan struct{}
	asked      []uint64 // commit ids not answered yet
	results    []engine.Event
	autoAnswer bool
	closeQueue []engine.Event // what the close queue holds after CloseQueue
	neverLeave bool           // Closed never becomes true
	leaving    bool
	closes     int
	log        []string
}

func newFakeConsumer() *fakeConsumer {
	return &fakeConsumer{wake: make(chan struct{}, 1), commitWake: make(chan struct{}, 1), closeWake: make(chan struct{}, 1), autoAnswer: true}
}

func signal(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

func (f *fakeConsumer) record(format string, args ...any) {
	f.log = append(f.log, fmt.Sprintf(format, args...))
}

func (f *fakeConsumer) logged() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.log...)
}

// put queues messages and events on the consumer queue.
func (f *fakeConsumer) put(items ...any) {
	f.mu.Lock()
	f.queue = append(f.queue, items...)
	f.mu.Unlock()
	signal(f.wake)
}

func (f *fakeConsumer) Consume(dst []*message.Message, max int) ([]*message.Message, engine.Event, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for len(f.queue) > 0 && max > 0 {
		switch it := f.queue[0].(type) {
		case *message.Message:
			dst = append(dst, it)
			f.queue = f.queue[1:]
			max--
		case engine.Event:
			if len(dst) > 0 {
				return dst, engine.Event{}, false
			}
			f.queue = f.queue[1:]
			return dst, it, true
		}
	}
	return dst, engine.Event{}, false
}

func (f *fakeConsumer) Wake() <-chan struct{} { return f.wake }

func (f *fakeConsumer) Subscribe(topics []string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.record("Subscribe %v", topics)
	return nil
}
func (f *fakeConsumer) Unsubscribe() error              { return nil }
func (f *fakeConsumer) Subscription() ([]string, error) { return nil, nil }
func (f *fakeConsumer) Assign(tps []topicpartition.TopicPartition) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if tps == nil {
		f.record("Unassign")
	} else {
		f.record("Assign %s", tpsText(tps))
	}
	return nil
}
func (f *fakeConsumer) IncrementalAssign(tps []topicpartition.TopicPartition) error {
	return f.Assign(tps)
}
func (f *fakeConsumer) IncrementalUnassign([]topicpartition.TopicPartition) error { return nil }
func (f *fakeConsumer) Assignment() ([]topicpartition.TopicPartition, error)      { return nil, nil }
func (f *fakeConsumer) AssignmentLost() bool                                      { return false }
func (f *fakeConsumer) RebalanceProtocol() string                                 { return "EAGER" }
func (f *fakeConsumer) MemberID() string                                          { return "" }
func (f *fakeConsumer) GroupMetadata() ([]byte, error)                            { return nil, nil }

func (f *fakeConsumer) Commit(offsets []topicpartition.TopicPartition, id uint64) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if offsets == nil {
		f.record("Commit positions")
	} else {
		f.record("Commit %s", tpsText(offsets))
	}
	f.asked = append(f.asked, id)
	if f.autoAnswer {
		f.answerLocked(nil)
	}
	return nil
}

// answerAll answers every commit from now on at once (for Close's final commit).
func (f *fakeConsumer) answerAll() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.autoAnswer = true
}

// answer answers the oldest commit asked for, with err.
func (f *fakeConsumer) answer(err *kafkaerror.Error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.answerLocked(err)
}

func (f *fakeConsumer) answerLocked(err *kafkaerror.Error) {
	id := f.asked[0]
	f.asked = f.asked[1:]
	f.results = append(f.results, engine.Event{Kind: engine.CommitResult, Slot: id, Err: err,
		Partitions: []topicpartition.TopicPartition{topicpartition.New("t", 0, topicpartition.Offset(id))}})
	signal(f.commitWake)
}

func (f *fakeConsumer) CommitWake() <-chan struct{} { return f.commitWake }
func (f *fakeConsumer) CommitResults(dst []engine.Event) []engine.Event {
	f.mu.Lock()
	defer f.mu.Unlock()
	dst = append(dst, f.results...)
	f.results = nil
	return dst
}
func (f *fakeConsumer) Committed(context.Context, []topicpartition.TopicPartition) ([]topicpartition.TopicPartition, error) {
	return nil, nil
}
func (f *fakeConsumer) StoreOffsets(tps []topicpartition.TopicPartition) ([]topicpartition.TopicPartition, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.record("Store %s", tpsText(tps))
	return tps, nil
}
func (f *fakeConsumer) Position(tps []topicpartition.TopicPartition) ([]topicpartition.TopicPartition, error) {
	return tps, nil
}
func (f *fakeConsumer) Seek(_ context.Context, tps []topicpartition.TopicPartition) ([]topicpartition.TopicPartition, error) {
	return tps, nil
}
func (f *fakeConsumer) Pause(tps []topicpartition.TopicPartition) ([]topicpartition.TopicPartition, error) {
	return tps, nil
}
func (f *fakeConsumer) Resume(tps []topicpartition.TopicPartition) ([]topicpartition.TopicPartition, error) {
	return tps, nil
}
func (f *fakeConsumer) OffsetsForTimes(_ context.Context, tps []topicpartition.TopicPartition) ([]topicpartition.TopicPartition, error) {
	return tps, nil
}
func (f *fakeConsumer) Watermarks(context.Context, string, int32, bool) (int64, int64, error) {
	return 0, 0, nil
}
func (f *fakeConsumer) Metadata(context.Context, string) (*metadata.Cluster, error) {
	return &metadata.Cluster{}, nil
}

func (f *fakeConsumer) CloseQueue() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.record("CloseQueue")
	f.leaving = true
	signal(f.closeWake)
	return nil
}
func (f *fakeConsumer) CloseWake() <-chan struct{} { return f.closeWake }
func (f *fakeConsumer) CloseEvents(dst []engine.Event) []engine.Event {
	f.mu.Lock()
	defer f.mu.Unlock()
	dst = append(dst, f.closeQueue...)
	f.closeQueue = nil
	return dst
}
func (f *fakeConsumer) Closed() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.leaving && !f.neverLeave && len(f.closeQueue) == 0
}
func (f *fakeConsumer) Close() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.record("Close")
	f.closes++
}

var _ backend = (*fakeConsumer)(nil)

func tpsText(tps []topicpartition.TopicPartition) string {
	s := ""
	for _, tp := range tps {
		s += fmt.Sprintf("%s/%d@%d ", tp.Topic, tp.Partition, tp.Offset)
	}
	return s
}

func fakeMessage(partition int32, offset int64) *message.Message {
	return message.New(message.Fields{Topic: "t", Partition: partition, Offset: topicpartition.Offset(offset), Value: []byte("v")})
}

func rebalanceEvent(assign bool, partitions ...int32) engine.Event {
	ev := engine.Event{Kind: engine.Rebalance, Assign: assign}
	for _, p := range partitions {
		ev.Partitions = append(ev.Partitions, topicpartition.Of("t", p))
	}
	return ev
}

// newFaked is a consumer with a group, auto-commit and offset tracking, on f.
func newFaked(f *fakeConsumer, opts ...Option) *Consumer {
	s := settings{logger: slog.New(slog.NewTextHandler(io.Discard, nil)), closeTimeout: 2 * time.Second}
	for _, o := range opts {
		o(&s)
	}
	return newConsumer(f, s, clientconf.ConnOf(nil), true, true, newOffsetTracker())
}

// A rebalance is served in its place among the messages: OnAssign runs before the
// engine assigns (and the engine assigns because the callback did not), the messages
// returned are stored before OnRevoke runs, and unassigning follows OnRevoke.
func TestFakeRebalanceOrdering(t *testing.T) {
	f := newFakeConsumer()
	c := newFaked(f)
	require.NoError(t, c.Subscribe([]string{"t"},
		OnAssign(func(_ *Consumer, tps []topicpartition.TopicPartition) {
			f.mu.Lock()
			f.record("OnAssign %s", tpsText(tps))
			f.mu.Unlock()
		}),
		OnRevoke(func(_ *Consumer, tps []topicpartition.TopicPartition) {
			f.mu.Lock()
			f.record("OnRevoke %s", tpsText(tps))
			f.mu.Unlock()
		})))
	f.put(rebalanceEvent(true, 0), fakeMessage(0, 5), fakeMessage(0, 6), rebalanceEvent(false, 0))
	m := c.Poll(time.Second)
	require.NotNil(t, m)
	assert.EqualValues(t, 5, m.Offset())
	m = c.Poll(time.Second)
	require.NotNil(t, m)
	assert.EqualValues(t, 6, m.Offset())
	assert.Nil(t, c.Poll(0), "the revocation is served, nothing returned")
	assert.Equal(t, []string{
		"Subscribe [t]",
		"OnAssign t/0@-1001 ",
		"Assign t/0@-1001 ",
		"Store t/0@7 ",
		"OnRevoke t/0@-1001 ",
		"Unassign",
	}, f.logged())
	require.NoError(t, c.Close())
}

// A callback that assigns itself is not second-guessed: the engine is told once.
func TestFakeRebalanceCallbackAssigns(t *testing.T) {
	f := newFakeConsumer()
	c := newFaked(f)
	start := []topicpartition.TopicPartition{topicpartition.New("t", 0, 42)}
	require.NoError(t, c.Subscribe([]string{"t"}, OnAssign(func(c *Consumer, _ []topicpartition.TopicPartition) {
		require.NoError(t, c.Assign(start))
	})))
	f.put(rebalanceEvent(true, 0))
	assert.Nil(t, c.Poll(0))
	assert.Equal(t, []string{"Subscribe [t]", "Assign t/0@42 "}, f.logged())
	require.NoError(t, c.Close())
}

// Commit with no arguments commits what Poll returned: the tracked offsets are stored
// first, then the current positions are committed; the commit waits for its answer.
func TestFakeCommitStoresWhatPollReturned(t *testing.T) {
	f := newFakeConsumer()
	f.autoAnswer = false
	c := newFaked(f)
	f.put(fakeMessage(1, 10), fakeMessage(1, 11), fakeMessage(1, 12))
	for i := 0; i < 2; i++ {
		require.NotNil(t, c.Poll(time.Second))
	}
	done := make(chan error, 1)
	go func() {
		_, err := c.Commit()
		done <- err
	}()
	require.Eventually(t, func() bool {
		f.mu.Lock()
		defer f.mu.Unlock()
		return len(f.asked) == 1
	}, 5*time.Second, time.Millisecond)
	select {
	case err := <-done:
		t.Fatalf("Commit returned before its answer: %v", err)
	default:
	}
	f.answer(nil)
	require.NoError(t, <-done)
	assert.Equal(t, []string{"Store t/1@12 ", "Commit positions"}, f.logged(), "the third message was not returned, so not stored")
	f.answerAll()
	require.NoError(t, c.Close())
}

// Asynchronous commits start no goroutine; their results reach the commit callback
// from Poll, in the order asked, also when answered while nobody polls.
func TestFakeAsyncCommitResultsThroughPoll(t *testing.T) {
	f := newFakeConsumer()
	f.autoAnswer = false
	var got []string
	c := newFaked(f, WithCommitCallback(func(err error, tps []topicpartition.TopicPartition) {
		got = append(got, fmt.Sprintf("%v %s", err, tpsText(tps)))
	}))
	for i := 0; i < 3; i++ {
		_, err := c.Commit(CommitOffsets(topicpartition.New("t", 0, topicpartition.Offset(i))), CommitAsync())
		require.NoError(t, err)
	}
	f.answer(nil)
	f.answer(kafkaerror.New(kafkaerror.RebalanceInProgress, "rebalancing", kafkaerror.Flags{}))
	f.answer(nil)
	assert.Empty(t, got, "no callback before Poll")
	assert.Nil(t, c.Poll(0))
	assert.Equal(t, []string{"<nil> t/0@1 ", "rebalancing t/0@2 ", "<nil> t/0@3 "}, got)
	f.answerAll()
	require.NoError(t, c.Close())
}

// Close while another goroutine waits in Poll: the Poll returns, then Close leaves the
// group on its own goroutine — OnRevoke runs there and can commit — and releases the
// engine once.
func TestFakeCloseDuringPollRunsOnRevokeOnCloseGoroutine(t *testing.T) {
	f := newFakeConsumer()
	closing := make(chan struct{})
	var revokedInClose, commitErr = false, error(nil)
	c := newFaked(f)
	require.NoError(t, c.Subscribe([]string{"t"}, OnRevoke(func(c *Consumer, _ []topicpartition.TopicPartition) {
		select {
		case <-closing:
			revokedInClose = true
		default:
		}
		_, commitErr = c.Commit(CommitOffsets(topicpartition.New("t", 0, 3)))
	})))
	f.closeQueue = []engine.Event{rebalanceEvent(false, 0)}
	polled := make(chan *message.Message)
	go func() { polled <- c.Poll(-1) }()
	require.Eventually(t, func() bool { // Poll is in: it holds serveMu
		if c.serveMu.TryLock() {
			c.serveMu.Unlock()
			return false
		}
		return true
	}, 5*time.Second, time.Millisecond)
	close(closing)
	require.NoError(t, c.Close())
	assert.Nil(t, <-polled)
	assert.True(t, revokedInClose, "OnRevoke ran inside Close")
	assert.NoError(t, commitErr, "a commit from OnRevoke during Close goes through")
	<-c.released
	assert.Equal(t, 1, f.closes)
	log := f.logged()
	assert.Equal(t, []string{"Subscribe [t]", "Commit positions", "CloseQueue", "Commit t/0@3 ", "Unassign", "Close"}, log)
	assert.ErrorIs(t, c.Poll(0).Err(), kafkaerror.ErrClosed)
}

// An engine that takes longer to leave than Close's bound: Close returns _TIMED_OUT
// at its bound; the consumer goes on leaving in the background and is released once
// the engine has left.
func TestFakeCloseBound(t *testing.T) {
	f := newFakeConsumer()
	f.neverLeave = true
	c := newFaked(f, WithCloseTimeout(200*time.Millisecond))
	start := time.Now()
	err := c.Close()
	assert.ErrorIs(t, err, kafkaerror.TimedOut)
	assert.Less(t, time.Since(start), 2*time.Second)
	select {
	case <-c.released:
		t.Fatal("released before the engine left its group")
	default:
	}
	f.mu.Lock()
	f.neverLeave = false // the engine has left
	f.mu.Unlock()
	signal(f.closeWake)
	select {
	case <-c.released:
	case <-time.After(5 * time.Second):
		t.Fatal("engine not released")
	}
	assert.Equal(t, 1, f.closes)
}

// A panic in OnRevoke during Close comes out of Close; the engine is still released.
func TestFakeClosePanicInOnRevoke(t *testing.T) {
	f := newFakeConsumer()
	c := newFaked(f)
	require.NoError(t, c.Subscribe([]string{"t"}, OnRevoke(func(*Consumer, []topicpartition.TopicPartition) { panic("boom") })))
	f.closeQueue = []engine.Event{rebalanceEvent(false, 0)}
	assert.PanicsWithValue(t, "boom", func() { _ = c.Close() })
	select {
	case <-c.released:
	case <-time.After(5 * time.Second):
		t.Fatal("engine not released after the panic")
	}
	assert.Contains(t, f.logged(), "Unassign", "the revocation reached the engine despite the panic")
	assert.NoError(t, c.Close())
}
