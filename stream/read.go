package stream

import (
	"context"
	"errors"
	"iter"
	"log/slog"
	"maps"
	"sync"

	"github.com/rdstreams/rdstreams/consumer"
	"github.com/rdstreams/rdstreams/kafkaerror"
	"github.com/rdstreams/rdstreams/topicpartition"
)

func (s *Stream) openReader(ctx context.Context, config map[string]any) error {
	if len(s.url.Topics) == 0 {
		return kafkaerror.Newf(kafkaerror.InvalidArg, "stream: the URL %q names no topic to read", s.url.String())
	}
	group, err := readerGroup(s.opts.group, config, s.username)
	if err != nil {
		return err
	}
	s.opts.group = group
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, DefaultOpenTimeout)
		defer cancel()
	}
	adminConfig := maps.Clone(config) // for the topics' partitions: no group
	delete(adminConfig, "group.id")
	config["group.id"] = group
	config["enable.auto.commit"] = s.opts.autoCommit
	config["auto.offset.reset"] = s.opts.start.resetPolicy()
	config["enable.partition.eof"] = true
	copts := []consumer.Option{consumer.WithLogger(s.opts.logger)}
	if s.opts.onCommit != nil {
		copts = append(copts, consumer.WithCommitCallback(s.opts.onCommit))
	}
	if s.opts.closeTimeout != 0 {
		copts = append(copts, consumer.WithCloseTimeout(s.opts.closeTimeout))
	}
	c, err := consumer.New(config, copts...)
	if err != nil {
		return err
	}
	s.c = c
	s.tracker = &endTracker{assigned: map[partKey]bool{}, ended: map[partKey]bool{}, started: map[partKey]bool{}}
	s.pos = newPositions()
	if s.opts.balanced {
		err = c.Subscribe(s.url.Topics, consumer.OnAssign(s.onAssign), consumer.OnRevoke(s.onRevoke))
	} else {
		err = s.openAssigned(ctx, adminConfig)
	}
	if err != nil {
		_ = c.Close()
		return err
	}
	return nil
}

// Group is a reader's consumer group id.
func (s *Stream) Group() string {
	if s.c == nil {
		return ""
	}
	return s.opts.group
}

// onAssign starts the partitions a Balanced reader's group assigns it where its group
// left off, else at the start position; with ResetOnStart, or an explicit offset or
// time, at the start position the first time this reader gets a partition (see
// startOffsets).
func (s *Stream) onAssign(c *consumer.Consumer, parts []topicpartition.TopicPartition) {
	s.tracker.assign(parts)
	first := s.tracker.firstTime(parts)
	select {
	case <-s.pos.closed:
		return // an assignment Close runs: nothing more is read
	default:
	}
	ctx, cancel := context.WithTimeout(context.Background(), DefaultOpenTimeout)
	defer cancel()
	starts, err := s.startOffsets(ctx, parts, first, false)
	if err != nil {
		s.opts.logger.Warn("rdstreams: stream: finding the start offsets failed; starting where the group left off, else at auto.offset.reset",
			slog.String("error", err.Error()))
		starts = make([]topicpartition.TopicPartition, len(parts))
		for i, p := range parts {
			starts[i] = topicpartition.New(p.Topic, p.Partition, topicpartition.OffsetStored)
		}
	}
	if err := c.Assign(starts); err != nil {
		s.opts.logger.Warn("rdstreams: stream: assigning start offsets failed", slog.String("error", err.Error()))
	}
	s.pos.set(starts)
}

func (s *Stream) onRevoke(_ *consumer.Consumer, parts []topicpartition.TopicPartition) {
	s.pos.unset()
	s.tracker.revoke(parts)
}

// Messages iterates over the stream's messages, each with its Metadata (hop-client's
// read(metadata=True)):
//
//	for m, err := range s.Messages(ctx) {
//		if err != nil { … }
//		var alert map[string]any
//		_ = m.Decode(&alert)
//		s.MarkDone(m.Metadata) // with AutoCommit(false)
//	}
//
// Without Persist the iteration ends, and the stream closes, once every assigned
// partition has reached its end; with Persist it goes on until ctx is done or the
// stream is closed. Passing broker trouble (a restart, a lost connection) is retried
// quietly; other errors are yielded with a nil message and the iteration goes on —
// except, without Persist, an unknown topic (a topic deleted while it is read, or a
// Balanced reader's topic that does not exist), which ends it.
func (s *Stream) Messages(ctx context.Context) iter.Seq2[*Message, error] {
	return func(yield func(*Message, error) bool) {
		if s.c == nil {
			yield(nil, errNotReader)
			return
		}
		s.readMu.Lock()
		defer s.readMu.Unlock()
		for m, err := range s.c.Messages(ctx) {
			switch {
			case err == nil:
				if !yield(fromConsumed(m), nil) {
					return
				}
			case errors.Is(err, kafkaerror.PartitionEOF):
				s.tracker.reachedEnd(m.Topic(), m.Partition())
				if !s.opts.persist && s.tracker.allAtEnd() {
					_ = s.Close()
					return
				}
			case errors.Is(err, kafkaerror.ErrClosed):
				return
			case transient(err):
				s.opts.logger.Debug("rdstreams: stream: broker trouble, retrying", slog.String("error", err.Error()))
			default:
				if !yield(nil, err) {
					return
				}
				if !s.opts.persist && errors.Is(err, kafkaerror.UnknownTopicOrPart) {
					// A topic that does not exist has no end to reach: the stream ends here.
					_ = s.Close()
					return
				}
			}
		}
	}
}

// transient is broker trouble librdkafka recovers from by itself.
func transient(err error) bool {
	var kerr *kafkaerror.Error
	if !errors.As(err, &kerr) {
		return false
	}
	switch kerr.Code() {
	case kafkaerror.Transport, kafkaerror.AllBrokersDown, kafkaerror.Resolve, kafkaerror.TimedOut, kafkaerror.Fail:
		return true
	}
	return kerr.Retriable() && !kerr.Fatal()
}

// MarkDone commits a message as processed: the group resumes after it. With
// AutoCommit(false) only messages marked done are committed. It waits for the broker;
// MarkDoneAsync does not.
func (s *Stream) MarkDone(md Metadata) error {
	if s.c == nil {
		return errNotReader
	}
	if md.msg == nil {
		return kafkaerror.Newf(kafkaerror.InvalidArg, "stream: MarkDone needs the Metadata of a message this stream returned")
	}
	return s.marker().markSync(md)
}

// partKey names a partition.
type partKey struct {
	topic     string
	partition int32
}

// endTracker knows which partitions are assigned and which of them have reached their
// end at least once: the end of the stream is when all have.
type endTracker struct {
	mu       sync.Mutex
	assigned map[partKey]bool
	ended    map[partKey]bool
	started  map[partKey]bool // assigned to this reader before
}

func (t *endTracker) assign(parts []topicpartition.TopicPartition) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, p := range parts {
		t.assigned[partKey{p.Topic, p.Partition}] = true
	}
}

// firstTime reports, per partition, whether this reader gets it for the first time.
func (t *endTracker) firstTime(parts []topicpartition.TopicPartition) []bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make([]bool, len(parts))
	for i, p := range parts {
		k := partKey{p.Topic, p.Partition}
		out[i] = !t.started[k]
		t.started[k] = true
	}
	return out
}

func (t *endTracker) revoke(parts []topicpartition.TopicPartition) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, p := range parts {
		delete(t.assigned, partKey{p.Topic, p.Partition})
	}
}

func (t *endTracker) reachedEnd(topic string, partition int32) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.ended[partKey{topic, partition}] = true
}

func (t *endTracker) allAtEnd() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.assigned) == 0 {
		return false
	}
	for k := range t.assigned {
		if !t.ended[k] {
			return false
		}
	}
	return true
}
