package consumer

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rdstreams/rdstreams/internal/engine"
	"github.com/rdstreams/rdstreams/kafkaerror"
	"github.com/rdstreams/rdstreams/message"
	"github.com/rdstreams/rdstreams/topicpartition"
)

// Commit commits offsets for the group: with CommitMessage(m), m's offset + 1; with
// CommitOffsets(…), those offsets; with neither, the current position of every assigned
// partition. Both at once, a message whose Err is set, or an offset without a topic
// name is an _INVALID_ARG error, refused without asking the broker.
//
// It waits for the broker and returns the committed partitions, each possibly with its
// own Err; _NO_OFFSET when there was nothing to commit. With CommitAsync it returns
// (nil, nil) at once and the result goes to the WithCommitCallback callback from a later
// Poll or Consume (or Close); asynchronous commits are sent in the order asked for, and
// their results come in that order.
func (c *Consumer) Commit(opts ...CommitOption) ([]topicpartition.TopicPartition, error) {
	return c.CommitContext(context.Background(), opts...)
}

// CommitContext is Commit waiting at most until ctx is done (then it returns a
// _TIMED_OUT error; the commit may still happen). An asynchronous commit does not wait.
func (c *Consumer) CommitContext(ctx context.Context, opts ...CommitOption) ([]topicpartition.TopicPartition, error) {
	in := c.enter()
	if in == closed {
		return nil, kafkaerror.ErrClosed
	}
	defer c.exit(in)
	if err := c.needGroup("Commit"); err != nil {
		return nil, err
	}
	var a commitArgs
	for _, o := range opts {
		o(&a)
	}
	var offsets []topicpartition.TopicPartition
	if !a.hasMsg && !a.hasOffs {
		c.storeTracked() // the current positions: what Poll returned
	}
	switch {
	case a.hasMsg && a.hasOffs:
		return nil, kafkaerror.Newf(kafkaerror.InvalidArg, "Commit: give a message or offsets, not both")
	case a.hasMsg:
		next, err := nextOffset("Commit", a.msg)
		if err != nil {
			return nil, err
		}
		offsets = next
	case a.hasOffs:
		if len(a.offsets) == 0 {
			return nil, kafkaerror.Newf(kafkaerror.InvalidArg, "Commit: the offset list is empty")
		}
		for i, tp := range a.offsets {
			if tp.Topic == "" {
				return nil, kafkaerror.Newf(kafkaerror.InvalidArg, "Commit: offsets[%d] (partition %d, offset %v) has no topic name", i, tp.Partition, tp.Offset)
			}
		}
		offsets = a.offsets
	}
	if a.async {
		_, err := c.commits.ask(offsets, true)
		return nil, err
	}
	return c.commit(ctx, offsets)
}

// commit makes a synchronous commit of offsets (nil: the current positions), waiting
// for its result in Go until ctx is done.
func (c *Consumer) commit(ctx context.Context, offsets []topicpartition.TopicPartition) ([]topicpartition.TopicPartition, error) {
	done, err := c.commits.ask(offsets, false)
	if err != nil {
		return nil, err
	}
	for {
		select {
		case r := <-done:
			return r.partitions, errOrNil(r.err)
		default:
		}
		c.commits.drain()
		select {
		case r := <-done:
			return r.partitions, errOrNil(r.err)
		case <-c.eng.CommitWake():
		case <-ctx.Done():
			return nil, kafkaerror.Newf(kafkaerror.TimedOut, "Commit: no answer from the group coordinator before the context was done (%v); the commit may still happen", ctx.Err())
		}
	}
}

// commitResult is the result of one commit.
type commitResult struct {
	err        *kafkaerror.Error
	partitions []topicpartition.TopicPartition
}

// commitQueue matches the results of offset commits, which all come through the
// engine's commit queue tagged with the commit's id, to whoever waits for them: a
// synchronous Commit, or, for asynchronous ones, the next Poll (in order).
type commitQueue struct {
	eng     backend
	drainMu sync.Mutex     // one goroutine drains the engine's commit queue at a time
	buf     []engine.Event // drain's, under drainMu

	mu       sync.Mutex
	next     uint64                       // the last id given
	waiters  map[uint64]chan commitResult // synchronous commits on their way
	results  []commitResult               // asynchronous results waiting for Poll
	pending  atomic.Int32                 // len(results), read without the lock
	inFlight atomic.Int32                 // commits asked and not answered
}

func (q *commitQueue) init(eng backend) {
	q.eng = eng
	q.waiters = map[uint64]chan commitResult{}
}

// ask sends a commit of offsets (nil: the current positions). For a synchronous
// commit it returns the channel its result will come on (see drain).
func (q *commitQueue) ask(offsets []topicpartition.TopicPartition, async bool) (<-chan commitResult, error) {
	q.mu.Lock()
	q.next++
	id := q.next
	var done chan commitResult
	if !async {
		done = make(chan commitResult, 1)
		q.waiters[id] = done
	}
	q.inFlight.Add(1)
	q.mu.Unlock()
	if err := q.eng.Commit(offsets, id); err != nil {
		q.mu.Lock()
		delete(q.waiters, id)
		q.inFlight.Add(-1)
		q.mu.Unlock()
		return nil, err
	}
	return done, nil
}

// drain takes the results waiting in the engine and hands each to its waiter, or
// queues it for Poll.
func (q *commitQueue) drain() {
	q.drainMu.Lock()
	defer q.drainMu.Unlock()
	q.buf = q.eng.CommitResults(q.buf[:0])
	if len(q.buf) == 0 {
		return
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	for i, ev := range q.buf {
		r := commitResult{err: ev.Err, partitions: ev.Partitions}
		q.inFlight.Add(-1)
		if done, ok := q.waiters[ev.Slot]; ok {
			delete(q.waiters, ev.Slot)
			done <- r // buffered: a waiter that gave up is not waited for
		} else {
			q.results = append(q.results, r)
			q.pending.Add(1)
		}
		q.buf[i] = engine.Event{}
	}
}

// take removes the oldest asynchronous result; ok false when there is none.
func (q *commitQueue) take() (r commitResult, ok bool) {
	if q.pending.Load() == 0 {
		return r, false
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.results) == 0 {
		return r, false
	}
	r = q.results[0]
	q.results[0] = commitResult{}
	q.results = q.results[1:]
	q.pending.Add(-1)
	return r, true
}

// settled reports whether every commit asked has been answered.
func (q *commitQueue) settled() bool { return q.inFlight.Load() == 0 }

// serveCommitResults runs the commit callback for finished asynchronous commits, one
// at a time, so that a panicking callback leaves the rest for the next Poll.
func (c *Consumer) serveCommitResults() {
	select {
	case <-c.eng.CommitWake():
		c.commits.drain()
	default:
	}
	for {
		r, ok := c.commits.take()
		if !ok {
			return
		}
		c.reportCommit(r)
	}
}

// serveCommitResultsClosing is serveCommitResults for Close, through the close window.
func (c *Consumer) serveCommitResultsClosing() {
	for {
		r, ok := c.commits.take()
		if !ok || c.quiet.Load() {
			return
		}
		c.inCloseWindow(func() { c.reportCommit(r) })
	}
}

func (c *Consumer) reportCommit(r commitResult) {
	if c.set.onCommit != nil {
		c.set.onCommit(errOrNil(r.err), r.partitions)
	} else if r.err != nil {
		c.set.logger.Warn("rdstreams: asynchronous commit failed", slog.String("error", r.err.Error()))
	}
}

// nextOffset is the offset to commit or store for a consumed message: its offset + 1.
func nextOffset(op string, m *message.Message) ([]topicpartition.TopicPartition, error) {
	if m == nil {
		return nil, kafkaerror.Newf(kafkaerror.InvalidArg, "%s: nil message", op)
	}
	if err := m.Err(); err != nil {
		return nil, kafkaerror.Newf(kafkaerror.InvalidArg, "%s: the message carries an error (%v), it has no offset to commit", op, err)
	}
	return []topicpartition.TopicPartition{{
		Topic: m.Topic(), Partition: m.Partition(), Offset: m.Offset() + 1, LeaderEpoch: m.LeaderEpoch(),
	}}, nil
}

// Committed is the group's committed offset for each partition, OffsetInvalid where
// none exists, asking the broker and waiting up to timeout (negative: no limit).
// Inside a callback that Close runs it fails at once with _STATE: librdkafka does not
// fetch committed offsets while the consumer leaves its group.
func (c *Consumer) Committed(partitions []topicpartition.TopicPartition, timeout time.Duration) ([]topicpartition.TopicPartition, error) {
	ctx, cancel := timeoutContext(timeout)
	defer cancel()
	return c.CommittedContext(ctx, partitions)
}

// CommittedContext is Committed bounded by ctx's deadline instead of a timeout.
func (c *Consumer) CommittedContext(ctx context.Context, partitions []topicpartition.TopicPartition) ([]topicpartition.TopicPartition, error) {
	in := c.enter()
	if in == closed {
		return nil, kafkaerror.ErrClosed
	}
	defer c.exit(in)
	if err := c.needGroup("Committed"); err != nil {
		return nil, err
	}
	if in == viaCloseWindow {
		// librdkafka does not answer an offset fetch while the consumer leaves its group:
		// the call would wait out its whole timeout, and hold Close up with it.
		return nil, kafkaerror.Newf(kafkaerror.State,
			"Committed: not available in a callback run by Close (the consumer is leaving its group); use the offsets the callback received")
	}
	return c.eng.Committed(ctx, partitions)
}

// StoreOffsets stores offsets (each the next offset to read) for the next commit, auto
// or manual. Use it with enable.auto.offset.store=false to commit only what was
// processed. It returns the stored partitions, each possibly with its own Err.
func (c *Consumer) StoreOffsets(offsets []topicpartition.TopicPartition) ([]topicpartition.TopicPartition, error) {
	return c.store(offsets)
}

// StoreMessage stores m's offset + 1 for the next commit.
func (c *Consumer) StoreMessage(m *message.Message) ([]topicpartition.TopicPartition, error) {
	next, err := nextOffset("StoreMessage", m)
	if err != nil {
		return nil, err
	}
	return c.store(next)
}

func (c *Consumer) store(offsets []topicpartition.TopicPartition) ([]topicpartition.TopicPartition, error) {
	in := c.enter()
	if in == closed {
		return nil, kafkaerror.ErrClosed
	}
	defer c.exit(in)
	if err := c.needGroup("StoreOffsets"); err != nil {
		return nil, err
	}
	return c.eng.StoreOffsets(offsets)
}

// timeoutContext is a context for a timeout in the Python clients' sense (negative:
// no limit).
func timeoutContext(timeout time.Duration) (context.Context, context.CancelFunc) {
	if timeout < 0 {
		return context.Background(), func() {}
	}
	return context.WithTimeout(context.Background(), timeout)
}

// errNoOffset reports whether err is _NO_OFFSET: nothing to commit.
func errNoOffset(err error) bool { return errors.Is(err, kafkaerror.NoOffset) }
