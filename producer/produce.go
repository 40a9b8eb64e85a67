package producer

import (
	"context"
	"time"

	"github.com/rdstreams/rdstreams/internal/engine"
	"github.com/rdstreams/rdstreams/kafkaerror"
	"github.com/rdstreams/rdstreams/topicpartition"
)

// Produce queues a message for topic and returns at once; its delivery report comes
// later through Poll, Flush or Close. A nil value produces a null (tombstone) record.
// librdkafka copies value, key and headers: the caller may reuse them on return.
//
// When the queue is full (queue.buffering.max.messages or .kbytes) it returns
// kafkaerror.ErrBufferFull: serve reports with Poll and try again, or use ProduceWait.
// Any other failure is a *kafkaerror.Error (MSG_SIZE_TOO_LARGE beyond
// message.max.bytes, _UNKNOWN_PARTITION, _FATAL …); a message refused here gets no
// delivery report. On a closed producer it returns kafkaerror.ErrClosed.
func (p *Producer) Produce(topic string, value []byte, opts ...ProduceOption) error {
	if !p.gate.Enter() {
		return kafkaerror.ErrClosed
	}
	defer p.gate.Exit()
	if topic == "" {
		return kafkaerror.Newf(kafkaerror.InvalidArg, "produce: empty topic name")
	}
	o := engine.Out{Topic: topic, Partition: topicpartition.PartitionAny, Value: value}
	for i := range opts {
		opt := &opts[i]
		switch opt.kind {
		case optKey:
			o.Key = opt.key
		case optPartition:
			o.Partition = opt.partition
		case optHeaders:
			o.Headers = opt.headers
		case optTimestamp:
			o.Timestamp = opt.timestamp
		case optOnDelivery:
			if opt.onDelivery != nil {
				o.Slot = p.slots.put(opt.onDelivery)
			}
		}
	}
	if err := p.eng.Produce(o); err != nil {
		p.slots.drop(o.Slot)
		return produceError(err, &o)
	}
	p.produced.Add(1)
	return nil
}

// ProduceWait is Produce that, instead of failing with ErrBufferFull, waits for room in
// the queue until ctx is done (then it returns ctx's error). Room is made as delivery
// reports are served: another goroutine (or the same one, between calls) must keep
// calling Poll. ProduceWait runs no callback itself.
func (p *Producer) ProduceWait(ctx context.Context, topic string, value []byte, opts ...ProduceOption) error {
	backoff := 100 * time.Microsecond
	var timer *time.Timer
	for {
		err := p.Produce(topic, value, opts...)
		if err != kafkaerror.ErrBufferFull {
			return err
		}
		// librdkafka gives no signal when room frees up: back off briefly and retry.
		if timer == nil {
			timer = time.NewTimer(backoff)
			defer timer.Stop()
		} else {
			timer.Reset(backoff)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-p.gate.Closing():
			return kafkaerror.ErrClosed
		case <-timer.C:
		}
		backoff = min(2*backoff, 20*time.Millisecond)
	}
}
