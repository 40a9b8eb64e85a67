package consumer

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rdstreams/rdstreams/internal/clientconf"
	"github.com/rdstreams/rdstreams/internal/engine"
	"github.com/rdstreams/rdstreams/internal/errtext"
	"github.com/rdstreams/rdstreams/internal/lifecycle"
	"github.com/rdstreams/rdstreams/internal/rdkafkalog"
	"github.com/rdstreams/rdstreams/kafkaerror"
	"github.com/rdstreams/rdstreams/message"
	"github.com/rdstreams/rdstreams/topicpartition"
)

// DefaultCloseTimeout bounds Close unless WithCloseTimeout says otherwise.
const DefaultCloseTimeout = 10 * time.Second

// maxConsume is the most messages Consume returns at once.
const maxConsume = 1_000_000

// Consumer is a Kafka consumer with the semantics of the Python clients' Consumer:
// messages, events and errors come from Poll (or Consume, or the Messages iterator),
// and callbacks — rebalance, commit results, errors, statistics — run only inside Poll,
// Consume or Close, on the goroutine that called them, never concurrently.
//
// All methods are safe for concurrent use.
type Consumer struct {
	eng        backend
	set        settings
	gate       lifecycle.Gate
	hasGroup   bool            // the application set group.id
	conn       clientconf.Conn // explains connection failures in client-wide errors
	autoCommit bool            // enable.auto.commit (with a group)
	track      *offsetTracker  // nil when the application stores offsets itself

	serveMu sync.Mutex          // one goroutine consumes and serves callbacks at a time
	one     [1]*message.Message // Poll's buffer, guarded by serveMu
	timer   *time.Timer         // reused by waits, guarded by serveMu

	mu     sync.Mutex // guards the fields below
	rb     rebalance  // the current subscription's callbacks
	manual bool       // an Assign made outside a rebalance callback is in force

	inRebalance atomic.Bool // a rebalance callback is running
	assignedIn  atomic.Bool // that callback changed the assignment itself

	commits commitQueue // offset commits on their way and their results

	// While Close runs a callback on its goroutine (the gate is already closed), calls
	// made from that callback are let in through this window and counted, so that the
	// engine is not released under them.
	windowMu    sync.Mutex
	windowOpen  bool
	windowCalls int
	windowIdle  *sync.Cond

	// Errors found in the background (see checkAssignedTopics) waiting for Poll to
	// return them as error messages.
	found        []*message.Message // under mu
	pendingFound atomic.Int32       // len(found)
	topicChecks  sync.WaitGroup     // background topic checks in flight

	released   chan struct{}                   // closed once the engine has shut down completely
	finalParts []topicpartition.TopicPartition // what Close's final commit committed

	// Close's progress, used by one goroutine at a time: Close's, then, if Close gave
	// up or a callback panicked, finishInBackground's.
	closeStarted bool        // the engine's close queue was asked for
	closeErr     error       // the engine refused to close
	quiet        atomic.Bool // callbacks are no longer run (finishInBackground)
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
	config, err := clientconf.Flatten(config) // default.topic.config: its properties count as set
	if err != nil {
		return nil, err
	}
	_, hasGroup := config["group.id"]
	autoStore, err := clientconf.BoolProperty(config, "enable.auto.offset.store", true)
	if err != nil {
		return nil, err
	}
	autoCommit, err := clientconf.BoolProperty(config, "enable.auto.commit", true)
	if err != nil {
		return nil, err
	}
	defaults := map[string]any{}
	if !hasGroup {
		// The engine always wants a group; this one is never used for the group's sake.
		defaults["group.id"] = "rdstreams-no-group-" + randomSuffix()
		defaults["enable.auto.commit"] = false
	}
	props, err := clientconf.ConfigStrings(config, defaults)
	if err != nil {
		return nil, err
	}
	var track *offsetTracker
	if autoStore && hasGroup { // without a group nothing is ever committed
		// rdstreams stores what Poll returns itself (see offsetTracker).
		props["enable.auto.offset.store"] = "false"
		track = newOffsetTracker()
	}
	eng, err := engine.NewConsumer(props, rdkafkalog.Emitter(s.logger), s.engineOptions()...)
	if err != nil {
		return nil, clientconf.ConfigError(err, config)
	}
	return newConsumer(eng, s, clientconf.ConnOf(config), hasGroup, hasGroup && autoCommit, track), nil
}

// newConsumer is a Consumer driving eng (the lifecycle tests give it a fake).
func newConsumer(eng backend, s settings, conn clientconf.Conn, hasGroup, autoCommit bool, track *offsetTracker) *Consumer {
	c := &Consumer{eng: eng, set: s, conn: conn, hasGroup: hasGroup, autoCommit: autoCommit, track: track,
		released: make(chan struct{})}
	c.windowIdle = sync.NewCond(&c.windowMu)
	c.commits.init(eng)
	return c
}

// Poll returns the next message, or an event or error as a message whose Err is set
// (check Err first). It serves callbacks while it waits. It returns nil when timeout
// passes with nothing to return (0: do not wait; negative: wait until something comes
// or the consumer is closed). On a closed consumer it returns a message whose Err is
// kafkaerror.ErrClosed.
func (c *Consumer) Poll(timeout time.Duration) *message.Message {
	// Written out rather than through serving: the message path allocates nothing.
	in := c.enter()
	if in == closed {
		return closedMessage()
	}
	defer c.exit(in)
	c.serveMu.Lock()
	defer c.serveMu.Unlock()
	w := c.waitFor(timeout)
	m := c.poll(&w)
	c.endWait(&w)
	return m
}

// PollContext is Poll waiting until ctx is done instead of a timeout.
func (c *Consumer) PollContext(ctx context.Context) *message.Message {
	var m *message.Message
	err := c.serving(func() { m = c.poll(&wait{block: true, done: ctx.Done(), closing: c.gate.Closing()}) })
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
//
// Consume is the fast path: the messages waiting are copied out of librdkafka together,
// in one call, into memory allocated for the batch.
func (c *Consumer) Consume(n int, timeout time.Duration) ([]*message.Message, error) {
	if n < 0 || n > maxConsume {
		return nil, kafkaerror.Newf(kafkaerror.InvalidArg, "Consume: n must be between 0 and %d, got %d", maxConsume, n)
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
	err := c.serving(func() {
		w := c.waitFor(timeout)
		defer c.endWait(&w)
		out = c.consume(make([]*message.Message, 0, min(n, 1024)), n, &w)
	})
	return out, err
}

// serving runs a call that consumes and serves callbacks: on an open consumer (else it
// returns ErrClosed), one such call at a time.
func (c *Consumer) serving(call func()) error {
	in := c.enter()
	if in == closed {
		return kafkaerror.ErrClosed
	}
	defer c.exit(in)
	c.serveMu.Lock()
	defer c.serveMu.Unlock()
	call()
	return nil
}

// wait says how long a call waits for something to return. Its timer is armed only
// when the call first has to wait, so that a call that finds a message at once reads
// no clock.
type wait struct {
	block    bool             // wait at all
	timeout  time.Duration    // > 0: the timer to arm when the call first waits
	deadline <-chan time.Time // the armed timer's channel; nil: no deadline (yet)
	done     <-chan struct{}  // the caller's context
	closing  <-chan struct{}  // Close began
}

// waitFor is the wait for a timeout (negative: none); end it with endWait. The caller
// holds serveMu (the timer is reused from call to call).
func (c *Consumer) waitFor(timeout time.Duration) wait {
	return wait{block: timeout != 0, timeout: max(timeout, 0), closing: c.gate.Closing()}
}

// arm starts w's timer, once.
func (c *Consumer) arm(w *wait) {
	if w.timeout <= 0 || w.deadline != nil {
		return
	}
	if c.timer == nil {
		c.timer = time.NewTimer(w.timeout)
	} else {
		c.timer.Reset(w.timeout)
	}
	w.deadline = c.timer.C
}

// endWait stops the timer of a wait, if it was armed.
func (c *Consumer) endWait(w *wait) {
	if w.deadline != nil {
		c.timer.Stop()
	}
}

// poll takes the next message or event to return, serving callbacks, until w says to
// stop waiting. The caller holds serveMu.
func (c *Consumer) poll(w *wait) *message.Message {
	for {
		if m := c.background(); m != nil {
			return m
		}
		msgs, ev, ok := c.eng.Consume(c.one[:0], 1)
		if len(msgs) == 1 {
			if c.track != nil {
				c.track.seen(msgs)
			}
			m := msgs[0]
			c.one[0] = nil // the buffer does not keep the message alive
			return m
		}
		if ok {
			if m := c.handle(ev); m != nil {
				return m
			}
			continue
		}
		if !c.idle(w) {
			return nil
		}
	}
}

// consume appends to out until it holds n messages or w says to stop waiting. The
// caller holds serveMu.
func (c *Consumer) consume(out []*message.Message, n int, w *wait) []*message.Message {
	for len(out) < n {
		if m := c.background(); m != nil {
			out = append(out, m)
			continue
		}
		before := len(out)
		var ev engine.Event
		var ok bool
		out, ev, ok = c.eng.Consume(out, n-len(out))
		if c.track != nil && len(out) > before {
			c.track.seen(out[before:])
		}
		if ok {
			if m := c.handle(ev); m != nil {
				out = append(out, m)
			}
			continue
		}
		if len(out) > before {
			continue // the queue may have more by now: look again before waiting
		}
		if !c.idle(w) {
			break
		}
	}
	return out
}

// background serves what arrived outside the consumer queue — results of
// asynchronous commits, errors found by topic checks — and stores consumed offsets when
// due; it returns an error message to return, if any.
func (c *Consumer) background() *message.Message {
	c.serveCommitResults()
	if c.pendingFound.Load() > 0 {
		return c.popFound()
	}
	if c.track != nil && c.track.busyDue() {
		c.storeTracked()
	}
	return nil
}

// idle waits, with the consumer queue empty, until it may have something again; false
// when w says to stop waiting instead.
func (c *Consumer) idle(w *wait) bool {
	if !w.block {
		return false
	}
	c.arm(w)
	if c.track != nil && c.track.dirty.Load() {
		c.storeTracked() // what was returned is stored before the consumer goes quiet
	}
	select {
	case <-c.eng.Wake():
		return true
	case <-c.eng.CommitWake():
		c.commits.drain()
		return true
	case <-w.deadline:
	case <-w.done:
	case <-w.closing:
	}
	return false
}

// handle turns an engine event into the message Poll returns, or serves its callback
// and returns nil.
func (c *Consumer) handle(ev engine.Event) *message.Message {
	switch ev.Kind {
	case engine.ClientError:
		if ev.Msg != nil && ev.Err.Code() == kafkaerror.PartitionEOF {
			eof := kafkaerror.New(kafkaerror.PartitionEOF, "", kafkaerror.Flags{})
			return errtext.EventMessage(eof, ev.Msg.Topic(), ev.Msg.Partition(), ev.Msg.Offset())
		}
		kerr := c.conn.Report(ev.Err)
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
		if ev.Msg != nil {
			return errtext.EventMessage(kerr, ev.Msg.Topic(), ev.Msg.Partition(), ev.Msg.Offset())
		}
		return errtext.EventMessage(kerr, "", topicpartition.PartitionAny, topicpartition.OffsetInvalid)
	case engine.CommitResult: // an automatic commit's
		if c.set.onCommit != nil {
			c.set.onCommit(errOrNil(ev.Err), ev.Partitions)
		}
	case engine.Statistics:
		if c.set.onStats != nil {
			c.set.onStats(ev.Stats)
		}
	case engine.Rebalance:
		c.rebalance(ev, false)
	}
	return nil
}

// errOrNil is err as an error: nil when err is nil.
func errOrNil(err *kafkaerror.Error) error {
	if err == nil {
		return nil
	}
	return err
}

func closedMessage() *message.Message {
	return errtext.EventMessage(kafkaerror.ErrClosed, "", topicpartition.PartitionAny, topicpartition.OffsetInvalid)
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

// errCloseTimedOut is what a Close that reached its bound returns.
func errCloseTimedOut() error {
	return kafkaerror.Newf(kafkaerror.TimedOut,
		"consumer close did not finish in time (broker unreachable, or a cooperative rebalance in progress?); librdkafka completes it in the background and the group reassigns the partitions after session.timeout.ms")
}

// CloseContext is Close bounded by ctx instead of the close timeout.
//
// Close serves the engine's close queue on this goroutine: the revocation of the
// assignment (OnRevoke runs here and may commit), the final commit's result, and the
// results of asynchronous commits still on their way.
func (c *Consumer) CloseContext(ctx context.Context) error {
	if !c.gate.Begin() {
		return nil
	}
	// New calls fail from now on and blocked ones wake up; the engine is left alone
	// until the calls in progress have returned.
	select {
	case <-c.gate.Idle():
	case <-ctx.Done():
		go func() {
			<-c.gate.Idle()
			c.finishInBackground()
		}()
		return errCloseTimedOut()
	}
	left := false
	defer func() {
		if !left { // a callback panicked: the consumer still leaves, in the background
			go c.finishInBackground()
		}
	}()
	err := c.leave(ctx)
	left = true
	if err != nil {
		go c.finishInBackground()
		return err
	}
	c.release(true)
	return nil
}

// backgroundBound bounds how long a consumer whose Close gave up (or whose callback
// panicked) keeps leaving its group in the background before it is released anyway.
const backgroundBound = 2 * time.Minute

// finishInBackground finishes what Close began, without the application's callbacks:
// it serves the close queue until the engine has left the group (librdkafka's close
// waits for that), then releases the engine.
func (c *Consumer) finishInBackground() {
	c.quiet.Store(true)
	ctx, cancel := context.WithTimeout(context.Background(), backgroundBound)
	defer cancel()
	err := c.leave(ctx)
	c.release(err == nil)
}

// leave makes the final commit, leaves the group through the engine's close queue and
// serves its events until the engine says it is closed, or ctx is done. After a leave
// that did not finish, it may run again (finishInBackground): it then goes on where the
// first stopped, without the final commit.
func (c *Consumer) leave(ctx context.Context) error {
	if !c.quiet.Load() {
		if err := c.finalCommit(ctx); err != nil {
			return err
		}
	}
	switch {
	case c.closeErr != nil:
		return c.closeErr
	case !c.closeStarted:
		c.closeStarted = true
		if err := c.eng.CloseQueue(); err != nil {
			c.closeErr = err
			return err
		}
	}
	var events []engine.Event
	for {
		events = c.eng.CloseEvents(events[:0])
		for _, ev := range events {
			c.serveClosing(ev)
		}
		c.commits.drain()
		c.serveCommitResultsClosing()
		if len(events) == 0 && c.eng.Closed() && c.commits.settled() {
			return nil
		}
		if len(events) > 0 {
			continue
		}
		select {
		case <-c.eng.CloseWake():
		case <-c.eng.Wake():
		case <-c.eng.CommitWake():
		case <-ctx.Done():
			return errCloseTimedOut()
		}
	}
}

// finalCommit stores what Poll returned and, with auto-commit, commits it, reporting
// the result to the commit callback (the engine's close would commit too, but without
// a bound of Close's and without the result). It fails only when ctx is done first.
func (c *Consumer) finalCommit(ctx context.Context) error {
	c.storeTracked()
	if !c.autoCommit {
		return nil
	}
	parts, err := c.commit(ctx, nil)
	if ctx.Err() != nil {
		return errCloseTimedOut()
	}
	if err == nil {
		c.finalParts = parts
	}
	if c.set.onCommit != nil && !errNoOffset(err) {
		c.inCloseWindow(func() { c.set.onCommit(err, parts) })
	}
	return nil
}

// serveClosing serves an event of the close queue.
func (c *Consumer) serveClosing(ev engine.Event) {
	switch ev.Kind {
	case engine.Rebalance:
		c.rebalance(ev, true)
	case engine.CommitResult:
		// The engine commits once more as it leaves; the same offsets again are not news.
		if c.quiet.Load() || ev.Err == nil && sameOffsets(ev.Partitions, c.finalParts) {
			return
		}
		if c.set.onCommit != nil && !errNoOffset(errOrNil(ev.Err)) {
			c.inCloseWindow(func() { c.set.onCommit(errOrNil(ev.Err), ev.Partitions) })
		}
	case engine.ClientError:
		c.set.logger.Debug("rdstreams: consumer error while closing", slog.String("error", ev.Err.Error()))
	}
}

// sameOffsets reports whether every partition of a is in b with the same offset.
func sameOffsets(a, b []topicpartition.TopicPartition) bool {
	for _, x := range a {
		found := false
		for _, y := range b {
			if x.Topic == y.Topic && x.Partition == y.Partition && x.Offset == y.Offset {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// release shuts the engine down, once every background call has returned.
func (c *Consumer) release(left bool) {
	c.topicChecks.Wait()
	if !left {
		c.set.logger.Debug("rdstreams: consumer released without leaving its group")
	}
	c.eng.Close()
	close(c.released)
}

// storeTracked stores in librdkafka the offsets of the messages Poll returned.
func (c *Consumer) storeTracked() {
	if c.track == nil {
		return
	}
	if pending := c.track.pending(); len(pending) > 0 {
		if _, err := c.eng.StoreOffsets(pending); err != nil {
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
