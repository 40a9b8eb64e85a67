package consumer

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	ckafka "github.com/confluentinc/confluent-kafka-go/v2/kafka"

	"github.com/rdstreams/rdstreams/internal/ckconv"
	"github.com/rdstreams/rdstreams/internal/cklog"
	"github.com/rdstreams/rdstreams/internal/lifecycle"
	"github.com/rdstreams/rdstreams/kafkaerror"
	"github.com/rdstreams/rdstreams/message"
	"github.com/rdstreams/rdstreams/topicpartition"
)

// DefaultCloseTimeout bounds Close unless WithCloseTimeout says otherwise.
const DefaultCloseTimeout = 10 * time.Second

// pollSlice is the longest a Poll blocks inside librdkafka at once, so that Close and
// finished asynchronous commits are noticed promptly by a long or endless Poll.
const pollSlice = 100 * time.Millisecond

// Consumer is a Kafka consumer with the semantics of the Python clients' Consumer:
// messages, events and errors come from Poll (or Consume, or the Messages iterator),
// and callbacks — rebalance, commit results, errors, statistics — run only inside Poll,
// Consume or Close, on the goroutine that called them, never concurrently.
//
// All methods are safe for concurrent use.
type Consumer struct {
	ck         *ckafka.Consumer
	set        settings
	gate       lifecycle.Gate
	logs       *cklog.Forwarder
	hasGroup   bool           // the application set group.id
	conn       ckconv.Conn    // explains connection failures in client-wide errors
	autoCommit bool           // enable.auto.commit (with a group)
	track      *offsetTracker // nil when the application stores offsets itself

	serveMu sync.Mutex // one goroutine polls and serves callbacks at a time

	mu      sync.Mutex     // guards the fields below
	rb      rebalance      // the current subscription's callbacks
	manual  bool           // an Assign made outside a rebalance callback is in force
	results []commitResult // asynchronous commit results waiting for Poll
	bounce  chan func()    // while Close runs: callbacks to run on Close's goroutine
	gaveUp  chan struct{}  // closed when Close stops running bounced callbacks

	released    chan struct{} // closed once the engine has shut down completely
	inRebalance atomic.Bool   // a rebalance callback is running

	// While Close runs a callback on its goroutine (the gate is already closed), calls
	// made from that callback are let in through this window and counted, so that the
	// engine is not released under them.
	windowMu       sync.Mutex
	windowOpen     bool
	windowCalls    int
	windowIdle     *sync.Cond
	pendingResults atomic.Int32              // len(results), read without the lock on every poll
	asyncCommits   sync.WaitGroup            // asynchronous commits queued or in flight
	commitQueue    [][]ckafka.TopicPartition // asynchronous commits waiting, in order (nil: the positions); under mu
	committing     bool                      // runAsyncCommits is running; under mu

	// Errors found in the background (see checkAssignedTopics) waiting for Poll to
	// return them as error messages.
	found        []*message.Message // under mu
	pendingFound atomic.Int32       // len(found)
	topicChecks  sync.WaitGroup     // background topic checks in flight
}

type commitResult struct {
	err        error
	partitions []topicpartition.TopicPartition
}

// New creates a consumer from librdkafka configuration properties
// (https://github.com/confluentinc/librdkafka/blob/master/CONFIGURATION.md), e.g.
//
//	consumer.New(map[string]any{
//		"bootstrap.servers": "localhost:9092",
//		"group.id":          "billing",
//		"auto.offset.reset": "earliest",
//	})
//
// An unknown property or an invalid value is an error naming the property. A nested
// "default.topic.config" map, which the Python clients still accept, is read as Python
// reads it: its properties move to the top level, and win over the same property set
// there. group.id is needed only for group operations (Subscribe, Commit, Committed, StoreOffsets,
// GroupMetadata); a consumer without one reads the partitions it Assigns.
func New(config map[string]any, opts ...Option) (*Consumer, error) {
	s := settings{logger: slog.Default(), closeTimeout: DefaultCloseTimeout}
	for _, o := range opts {
		o(&s)
	}
	config, err := ckconv.Flatten(config) // default.topic.config: its properties count as set
	if err != nil {
		return nil, err
	}
	_, hasGroup := config["group.id"]
	autoStore, err := ckconv.BoolProperty(config, "enable.auto.offset.store", true)
	if err != nil {
		return nil, err
	}
	autoCommit, err := ckconv.BoolProperty(config, "enable.auto.commit", true)
	if err != nil {
		return nil, err
	}
	defaults := map[string]any{}
	if !hasGroup {
		// The engine always wants a group; this one is never used for the group's sake.
		defaults["group.id"] = "rdstreams-no-group-" + randomSuffix()
		defaults["enable.auto.commit"] = false
	}
	overrides := map[string]any{}
	var track *offsetTracker
	if autoStore && hasGroup { // without a group nothing is ever committed
		// rdstreams stores what Poll returns itself (see offsetTracker).
		overrides["enable.auto.offset.store"] = "false"
		track = newOffsetTracker()
	}
	ck, logs, err := cklog.NewEngine(config, defaults, overrides, s.logger, ckafka.NewConsumer)
	if err != nil {
		return nil, err
	}
	c := &Consumer{ck: ck, set: s, logs: logs, hasGroup: hasGroup, conn: ckconv.ConnOf(config), autoCommit: hasGroup && autoCommit,
		track: track, released: make(chan struct{})}
	c.windowIdle = sync.NewCond(&c.windowMu)
	return c, nil
}

// Poll returns the next message, or an event or error as a message whose Err is set
// (check Err first). It serves callbacks while it waits. It returns nil when timeout
// passes with nothing to return (0: do not wait; negative: wait until something comes
// or the consumer is closed). On a closed consumer it returns a message whose Err is
// kafkaerror.ErrClosed.
func (c *Consumer) Poll(timeout time.Duration) *message.Message {
	m, err := c.serving(func() *message.Message { return c.poll(timeout, nil) })
	if err != nil {
		return closedMessage()
	}
	return m
}

// PollContext is Poll waiting until ctx is done instead of a timeout.
func (c *Consumer) PollContext(ctx context.Context) *message.Message {
	m, err := c.serving(func() *message.Message {
		timeout := time.Duration(-1)
		if d, ok := ctx.Deadline(); ok {
			timeout = max(0, time.Until(d))
		}
		return c.poll(timeout, ctx.Done())
	})
	if err != nil {
		return closedMessage()
	}
	return m
}

// Consume returns up to n messages (0 ≤ n ≤ 1,000,000), waiting up to timeout for them
// (negative: until n have come); fewer, or none, when the time runs out. Events and
// errors are in the list as messages whose Err is set. n = 0 returns an empty list at
// once, whatever the timeout, and serves no callbacks, as in confluent-kafka-python. On
// a closed consumer it returns kafkaerror.ErrClosed.
func (c *Consumer) Consume(n int, timeout time.Duration) ([]*message.Message, error) {
	if n < 0 || n > 1_000_000 {
		return nil, kafkaerror.Newf(kafkaerror.InvalidArg, "Consume: n must be between 0 and 1000000, got %d", n)
	}
	if n == 0 {
		in := c.enter()
		if in == closed {
			return nil, kafkaerror.ErrClosed
		}
		c.exit(in)
		return []*message.Message{}, nil
	}
	var out []*message.Message
	_, err := c.serving(func() *message.Message {
		deadline := time.Now().Add(timeout)
		out = make([]*message.Message, 0, min(n, 1024))
		for len(out) < n {
			remaining := time.Duration(-1)
			if timeout >= 0 {
				remaining = max(0, time.Until(deadline))
			}
			m := c.poll(remaining, nil)
			if m == nil {
				break
			}
			out = append(out, m)
		}
		return nil
	})
	return out, err
}

// serving runs a call that polls and serves callbacks: on an open consumer (else it
// returns ErrClosed), one such call at a time.
func (c *Consumer) serving(call func() *message.Message) (*message.Message, error) {
	in := c.enter()
	if in == closed {
		return nil, kafkaerror.ErrClosed
	}
	defer c.exit(in)
	c.serveMu.Lock()
	defer c.serveMu.Unlock()
	return call(), nil
}

// poll asks the engine for events until one is a message to return, or timeout passes
// (negative: never), done closes or the consumer closes. The caller holds serveMu.
//
// The path that returns a message reads no clock: the deadline is worked out only once
// a wait came back empty (counting that first wait as spent, so Poll may end a little
// early when events other than messages arrived, never late).
func (c *Consumer) poll(timeout time.Duration, done <-chan struct{}) *message.Message {
	var deadline time.Time
	wait := pollSlice
	if timeout >= 0 {
		wait = min(wait, timeout)
	}
	for {
		c.serveCommitResults()
		if c.pendingFound.Load() > 0 {
			return c.popFound()
		}
		if c.track != nil && c.track.busyDue() {
			c.storeTracked()
		}
		if ev := c.ck.Poll(millis(wait)); ev != nil {
			if m := c.handle(ev); m != nil {
				return m
			}
		}
		// Nothing to return yet: the idle path.
		now := time.Now()
		if c.track != nil && c.track.due(now) {
			c.storeTracked()
		}
		if timeout >= 0 {
			if deadline.IsZero() {
				deadline = now.Add(timeout - wait)
			}
			if !now.Before(deadline) {
				return nil
			}
			wait = min(pollSlice, deadline.Sub(now))
		}
		select {
		case <-done:
			return nil
		case <-c.gate.Closing():
			return nil
		default:
		}
	}
}

// handle turns an engine event into the message Poll returns, or serves its callback
// and returns nil.
func (c *Consumer) handle(ev ckafka.Event) *message.Message {
	switch e := ev.(type) {
	case *ckafka.Message:
		if c.track != nil && e.TopicPartition.Error == nil {
			c.track.seen(e)
		}
		return ckconv.Message(e)
	case ckafka.PartitionEOF:
		topic := ""
		if e.Topic != nil {
			topic = *e.Topic
		}
		eof := kafkaerror.New(kafkaerror.PartitionEOF, "", kafkaerror.Flags{})
		return ckconv.EventMessage(eof, topic, e.Partition, topicpartition.Offset(e.Offset))
	case ckafka.Error:
		kerr := c.conn.ClientError(e)
		if !c.hasGroup && kerr.Code() == kafkaerror.GroupAuthorizationFailed {
			// The engine looks up a coordinator for the stand-in group.id a consumer
			// without a group gets (see New); on a cluster with ACLs that lookup is
			// refused. The application named no group: this error is not its own.
			c.set.logger.Debug("rdstreams: ignored the group authorization error of the stand-in group", slog.String("error", kerr.Error()))
			return nil
		}
		if c.set.onError != nil {
			c.set.onError(kerr)
			return nil
		}
		return ckconv.EventMessage(kerr, "", topicpartition.PartitionAny, topicpartition.OffsetInvalid)
	case ckafka.OffsetsCommitted:
		if c.set.onCommit != nil {
			c.set.onCommit(ckconv.Error(e.Error), ckconv.TopicPartitions(e.Offsets))
		}
	case *ckafka.Stats:
		if c.set.onStats != nil {
			c.set.onStats(e.String())
		}
	default:
		c.set.logger.Debug("rdstreams: consumer event ignored", slog.String("event", ev.String()))
	}
	return nil
}

func closedMessage() *message.Message {
	return ckconv.EventMessage(kafkaerror.ErrClosed, "", topicpartition.PartitionAny, topicpartition.OffsetInvalid)
}

// Close stops consuming, commits the current offsets when enable.auto.commit is on,
// leaves the group (so another member takes the partitions at once) and releases the
// consumer. Rebalance callbacks for the revoked partitions run inside Close, on this
// goroutine. It returns within the close timeout (WithCloseTimeout, default 10s) even
// when the broker is gone: then it returns a _TIMED_OUT error and librdkafka finishes
// shutting down in the background.
//
// Close is idempotent: later calls return nil at once. Every other call afterwards
// returns kafkaerror.ErrClosed. Close must not be called from inside a callback.
func (c *Consumer) Close() error {
	if c.set.closeTimeout < 0 {
		return c.CloseContext(context.Background())
	}
	ctx, cancel := context.WithTimeout(context.Background(), c.set.closeTimeout)
	defer cancel()
	return c.CloseContext(ctx)
}

// CloseContext is Close bounded by ctx instead of the close timeout.
func (c *Consumer) CloseContext(ctx context.Context) error {
	if !c.gate.Begin() {
		return nil
	}
	// New calls fail from now on and blocked ones wake up. The shutdown runs on a worker
	// goroutine, so that Close can give up waiting at its bound: the worker waits for the
	// calls still in progress, makes the final commit, and runs the engine's close. The
	// callbacks this triggers are bounced back here, to run on the caller's goroutine.
	bounce := make(chan func())
	abandoned := make(chan struct{})
	defer close(abandoned) // on return or on a callback's panic: the worker stops bouncing
	c.mu.Lock()
	c.bounce, c.gaveUp = bounce, abandoned
	c.mu.Unlock()
	finished := make(chan error, 1)
	go func() {
		<-c.gate.Idle()
		c.asyncCommits.Wait() // the engine must not be destroyed under a commit
		c.topicChecks.Wait()
		c.finalCommit()
		err := c.ck.Close()
		c.logs.Stop()
		finished <- ckconv.Error(err)
		close(c.released)
	}()
	for {
		select {
		case fn := <-bounce:
			fn()
		case err := <-finished:
			return err
		case <-ctx.Done():
			return kafkaerror.Newf(kafkaerror.TimedOut,
				"consumer close did not finish in time (broker unreachable, or a cooperative rebalance in progress?); librdkafka completes it in the background and the group reassigns the partitions after session.timeout.ms")
		}
	}
}

// finalCommit stores what Poll returned and, with auto-commit, commits it, reporting
// the result to the commit callback (the engine's close would commit too, but drops
// the result).
func (c *Consumer) finalCommit() {
	c.storeTracked()
	if !c.autoCommit {
		return
	}
	parts, err := c.commit(nil)
	if errors.Is(err, kafkaerror.NoOffset) || c.set.onCommit == nil {
		return
	}
	c.runCallback(func() { c.set.onCommit(err, parts) })
}

// storeTracked stores in librdkafka the offsets of the messages Poll returned.
func (c *Consumer) storeTracked() {
	if c.track == nil {
		return
	}
	if pending := c.track.pending(); len(pending) > 0 {
		if _, err := c.ck.StoreOffsets(pending); err != nil {
			c.set.logger.Debug("rdstreams: storing consumed offsets", slog.String("error", err.Error()))
		}
	}
}

// entry says how a call got in: not at all (the consumer is closed), through the gate,
// or through the window Close opens for the callbacks it runs.
type entry uint8

const (
	closed entry = iota
	viaGate
	viaCloseWindow
)

// enter starts a call; closed means it must return ErrClosed. Pair it with exit.
func (c *Consumer) enter() entry {
	if c.gate.Enter() {
		return viaGate
	}
	c.windowMu.Lock()
	defer c.windowMu.Unlock()
	if !c.windowOpen {
		return closed
	}
	c.windowCalls++
	return viaCloseWindow
}

// exit ends a call started by enter.
func (c *Consumer) exit(e entry) {
	switch e {
	case viaGate:
		c.gate.Exit()
	case viaCloseWindow:
		c.windowMu.Lock()
		c.windowCalls--
		if c.windowCalls == 0 {
			c.windowIdle.Broadcast()
		}
		c.windowMu.Unlock()
	}
}

// inCloseWindow runs fn, a callback Close runs, with calls into the consumer allowed,
// and returns once every call that came in meanwhile has left.
func (c *Consumer) inCloseWindow(fn func()) {
	c.windowMu.Lock()
	c.windowOpen = true
	c.windowMu.Unlock()
	defer func() {
		c.windowMu.Lock()
		c.windowOpen = false
		for c.windowCalls > 0 {
			c.windowIdle.Wait()
		}
		c.windowMu.Unlock()
	}()
	fn()
}

// runCallback runs a user callback: directly when called on a serving goroutine, or,
// while Close runs the engine on its worker, on Close's goroutine.
func (c *Consumer) runCallback(fn func()) {
	c.mu.Lock()
	bounce, abandoned := c.bounce, c.gaveUp
	c.mu.Unlock()
	if bounce == nil {
		fn()
		return
	}
	done := make(chan struct{})
	select {
	case bounce <- func() { defer close(done); c.inCloseWindow(fn) }:
		select {
		case <-done:
		case <-abandoned: // the callback panicked out of Close
		}
	case <-abandoned: // Close gave up waiting: nobody is left to run callbacks
	}
}
