package cluster

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"sync"
	"time"

	"github.com/rdstreams/rdstreams/kafkaerror"
	"github.com/rdstreams/rdstreams/message"
	"github.com/rdstreams/rdstreams/producer"
	"github.com/rdstreams/rdstreams/topicpartition"
)

// PublishBatch writes values to one partition of topic, in the order given, and
// returns their offsets in the same order (samsa's topic.publish of a list: every
// message to the same partition, in order). It returns once every message is
// acknowledged or has failed for good. A nil value is a null (tombstone) record.
//
// The client's producer is idempotent, so retries can neither reorder nor duplicate
// messages, and PublishBatch calls on one Client never interleave: the offsets are
// increasing, and consecutive unless another client writes to the partition at the
// same time.
//
// When a message cannot be delivered, PublishBatch returns the error of the first such
// message (a *kafkaerror.Error) along with one offset per value: the offset of each
// message that was written, topicpartition.OffsetInvalid for the others. When ctx ends
// first it returns ctx's error with the offsets acknowledged so far; the messages
// still outstanding may yet be written (Close waits for them). A partition that does
// not exist fails with an error whose code is kafkaerror.UnknownPartition. A message
// the producer refuses outright (MSG_SIZE_TOO_LARGE …) stops the batch there: the
// messages after it are not sent, so that no gap is ever written.
//
// The first call creates the producer, from the client's configuration with
// enable.idempotence=true; an error creating it names the property at fault.
func (c *Client) PublishBatch(ctx context.Context, topic string, partition int32, values [][]byte) ([]topicpartition.Offset, error) {
	if err := validTopicName(topic); err != nil {
		return nil, err
	}
	if partition < 0 {
		return nil, kafkaerror.Newf(kafkaerror.InvalidArg, "publish batch to %s: partition %d: name a partition (0 or more)", topic, partition)
	}
	k, err := c.begin(ctx, false)
	if err != nil {
		return nil, err
	}
	defer k.end()
	if len(values) == 0 {
		return []topicpartition.Offset{}, nil
	}
	c.pubMu.Lock()
	defer c.pubMu.Unlock()
	p, err := c.publisher()
	if err != nil {
		return nil, err
	}

	b := newBatch(len(values))
	for i, v := range values {
		if !c.produce(k, p, b, i, topic, partition, v) {
			break
		}
	}
	outstanding := p.FlushContext(k.ctx)
	offsets, first, fatal := b.finish()
	if fatal {
		// A fatal error leaves the idempotent producer unusable: the next call makes a new one.
		_ = p.Close()
		c.pub = nil
	}
	unwritten := 0
	for _, o := range offsets {
		if o == topicpartition.OffsetInvalid {
			unwritten++
		}
	}
	switch {
	case first != nil:
		return offsets, first
	case unwritten == 0:
		return offsets, nil
	case k.ctx.Err() == nil: // cannot happen: every queued message got its report
		return offsets, kafkaerror.Newf(kafkaerror.Fail, "publish batch to %s[%d]: %d of %d messages got no delivery report",
			topic, partition, unwritten, len(values))
	}
	err = k.err(k.ctx.Err())
	if err == kafkaerror.ErrClosed {
		return offsets, err
	}
	return offsets, fmt.Errorf("publish batch to %s[%d]: %d of %d messages not acknowledged (%d still in flight): %w",
		topic, partition, unwritten, len(values), outstanding, err)
}

// publisher is the client's producer for PublishBatch, made on first use. The caller
// holds pubMu.
func (c *Client) publisher() (*producer.Producer, error) {
	if c.pub != nil {
		return c.pub, nil
	}
	config := maps.Clone(c.config)
	if config == nil {
		config = map[string]any{}
	}
	config["enable.idempotence"] = true // in order, without duplicates, through retries
	p, err := producer.New(config, producer.WithLogger(c.set.logger))
	if err != nil {
		return nil, err
	}
	c.pub = p
	return p, nil
}

// produce queues values[i], serving delivery reports while the producer's queue is
// full. It reports false when the batch must stop: the message was refused (its error
// is recorded) or the call's context ended.
func (c *Client) produce(k *call, p *producer.Producer, b *batch, i int, topic string, partition int32, v []byte) bool {
	for {
		err := p.Produce(topic, v, producer.Partition(partition), producer.OnDelivery(b.report(i)))
		switch {
		case err == nil:
			return true
		case err != kafkaerror.ErrBufferFull:
			b.fail(i, err)
			return false
		case k.ctx.Err() != nil:
			return false
		}
		p.Poll(10 * time.Millisecond) // deliveries make room
	}
}

// batch collects the delivery reports of one PublishBatch. Reports of messages still
// outstanding when PublishBatch returned may arrive during a later call: they are
// ignored then.
type batch struct {
	mu       sync.Mutex
	offsets  []topicpartition.Offset
	firstAt  int   // index of the first failed message, -1 if none
	firstErr error // its error
	fatal    bool  // some error was fatal
	done     bool  // PublishBatch returned
}

func newBatch(n int) *batch {
	b := &batch{offsets: make([]topicpartition.Offset, n), firstAt: -1}
	for i := range b.offsets {
		b.offsets[i] = topicpartition.OffsetInvalid
	}
	return b
}

// report is the delivery callback of message i.
func (b *batch) report(i int) producer.DeliveryFunc {
	return func(err error, m *message.Message) {
		if err != nil {
			b.fail(i, err)
			return
		}
		b.mu.Lock()
		defer b.mu.Unlock()
		if !b.done {
			b.offsets[i] = m.Offset()
		}
	}
}

// fail records message i's failure.
func (b *batch) fail(i int, err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.done {
		return
	}
	if kerr := (*kafkaerror.Error)(nil); errors.As(err, &kerr) && kerr.Fatal() {
		b.fatal = true
	}
	if b.firstAt < 0 || i < b.firstAt {
		b.firstAt, b.firstErr = i, err
	}
}

// finish ends the batch: later reports are ignored.
func (b *batch) finish() (offsets []topicpartition.Offset, first error, fatal bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.done = true
	return b.offsets, b.firstErr, b.fatal
}
