package consumer

import (
	"log/slog"
	"time"

	ckafka "github.com/confluentinc/confluent-kafka-go/v2/kafka"

	"github.com/rdstreams/rdstreams/internal/ckconv"
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
// Poll or Consume; asynchronous commits are made one at a time, in the order asked for,
// and their results come in that order.
func (c *Consumer) Commit(opts ...CommitOption) ([]topicpartition.TopicPartition, error) {
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
	var offsets []ckafka.TopicPartition
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
		offsets = ckconv.ToCKTopicPartitions(a.offsets)
	}
	if a.async {
		c.asyncCommits.Add(1)
		c.mu.Lock()
		c.commitQueue = append(c.commitQueue, offsets)
		start := !c.committing
		c.committing = true
		c.mu.Unlock()
		if start {
			go c.runAsyncCommits()
		}
		return nil, nil
	}
	return c.commit(offsets)
}

// runAsyncCommits makes the queued asynchronous commits one after the other, in the
// order they were asked for (as librdkafka sends them), so that a later commit is
// never overtaken by an earlier one; it returns when the queue is empty.
func (c *Consumer) runAsyncCommits() {
	for {
		c.mu.Lock()
		if len(c.commitQueue) == 0 {
			c.committing = false
			c.mu.Unlock()
			return
		}
		offsets := c.commitQueue[0]
		c.commitQueue[0] = nil
		c.commitQueue = c.commitQueue[1:]
		c.mu.Unlock()
		parts, err := c.commit(offsets)
		c.mu.Lock()
		c.results = append(c.results, commitResult{err: err, partitions: parts})
		c.pendingResults.Add(1)
		c.mu.Unlock()
		c.asyncCommits.Done()
	}
}

// commit runs a synchronous commit: of offsets, or of the current positions when nil.
func (c *Consumer) commit(offsets []ckafka.TopicPartition) ([]topicpartition.TopicPartition, error) {
	var parts []ckafka.TopicPartition
	var err error
	if offsets == nil {
		parts, err = c.ck.Commit()
	} else {
		parts, err = c.ck.CommitOffsets(offsets)
	}
	return ckconv.TopicPartitions(parts), ckconv.Error(err)
}

// serveCommitResults runs the commit callback for finished asynchronous commits, one
// at a time, so that a panicking callback leaves the rest for the next Poll.
func (c *Consumer) serveCommitResults() {
	for c.pendingResults.Load() > 0 {
		c.mu.Lock()
		r := c.results[0]
		c.results = c.results[1:]
		c.pendingResults.Add(-1)
		c.mu.Unlock()
		if c.set.onCommit != nil {
			c.set.onCommit(r.err, r.partitions)
		} else if r.err != nil {
			c.set.logger.Warn("rdstreams: asynchronous commit failed", slog.String("error", r.err.Error()))
		}
	}
}

// nextOffset is the offset to commit or store for a consumed message: its offset + 1.
func nextOffset(op string, m *message.Message) ([]ckafka.TopicPartition, error) {
	if m == nil {
		return nil, kafkaerror.Newf(kafkaerror.InvalidArg, "%s: nil message", op)
	}
	if err := m.Err(); err != nil {
		return nil, kafkaerror.Newf(kafkaerror.InvalidArg, "%s: the message carries an error (%v), it has no offset to commit", op, err)
	}
	topic := m.Topic()
	return []ckafka.TopicPartition{{
		Topic: &topic, Partition: m.Partition(), Offset: ckafka.Offset(m.Offset() + 1), LeaderEpoch: m.LeaderEpoch(),
	}}, nil
}

// Committed is the group's committed offset for each partition, OffsetInvalid where
// none exists, asking the broker and waiting up to timeout (negative: no limit).
// Inside a callback that Close runs it fails at once with _STATE: librdkafka does not
// fetch committed offsets while the consumer leaves its group.
func (c *Consumer) Committed(partitions []topicpartition.TopicPartition, timeout time.Duration) ([]topicpartition.TopicPartition, error) {
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
	parts, err := c.ck.Committed(ckconv.ToCKTopicPartitions(partitions), millis(timeout))
	return ckconv.TopicPartitions(parts), ckconv.Error(err)
}

// StoreOffsets stores offsets (each the next offset to read) for the next commit, auto
// or manual. Use it with enable.auto.offset.store=false to commit only what was
// processed. It returns the stored partitions, each possibly with its own Err.
func (c *Consumer) StoreOffsets(offsets []topicpartition.TopicPartition) ([]topicpartition.TopicPartition, error) {
	return c.store(func() ([]ckafka.TopicPartition, error) {
		return c.ck.StoreOffsets(ckconv.ToCKTopicPartitions(offsets))
	})
}

// StoreMessage stores m's offset + 1 for the next commit.
func (c *Consumer) StoreMessage(m *message.Message) ([]topicpartition.TopicPartition, error) {
	next, err := nextOffset("StoreMessage", m)
	if err != nil {
		return nil, err
	}
	return c.store(func() ([]ckafka.TopicPartition, error) { return c.ck.StoreOffsets(next) })
}

func (c *Consumer) store(call func() ([]ckafka.TopicPartition, error)) ([]topicpartition.TopicPartition, error) {
	in := c.enter()
	if in == closed {
		return nil, kafkaerror.ErrClosed
	}
	defer c.exit(in)
	if err := c.needGroup("StoreOffsets"); err != nil {
		return nil, err
	}
	parts, err := call()
	return ckconv.TopicPartitions(parts), ckconv.Error(err)
}

// millis is a timeout in librdkafka's milliseconds, -1 for "no limit".
func millis(timeout time.Duration) int {
	if timeout < 0 {
		return -1
	}
	return int((timeout + time.Millisecond - 1) / time.Millisecond)
}
