package producer

import (
	"sync"
	"time"

	"github.com/rdstreams/rdstreams/internal/engine"
	"github.com/rdstreams/rdstreams/kafkaerror"
	"github.com/rdstreams/rdstreams/message"
)

// Record is one message of a ProduceBatch: what Produce takes as its value and options.
type Record struct {
	Key        []byte // nil: no key
	Value      []byte // nil: a null (tombstone) value
	Headers    []message.Header
	Timestamp  time.Time    // the zero time: the time it is queued
	OnDelivery DeliveryFunc // nil: the producer's default (WithDeliveryReport)
}

// ProduceBatch queues records for topic, all to partition (topicpartition.PartitionAny:
// the partitioner places each, by key as Produce does), in one call into librdkafka
// instead of one per message. Each record still gets exactly one delivery report,
// through Poll, Flush or Close, as with Produce; librdkafka copies every key, value and
// header, so records may be reused on return.
//
// It stops at the first record the producer refuses and returns how many it queued
// (records[:n]) with that record's error: kafkaerror.ErrBufferFull when the queue is
// full — serve reports with Poll and call again with records[n:] — or a
// *kafkaerror.Error as Produce returns it. On a closed producer it returns 0 and
// kafkaerror.ErrClosed.
//
// Use it where throughput is what matters and messages come in groups anyway (a file,
// a fetched page, a buffer of events): it saves the per-message crossing from Go into
// C, which dominates the cost of small messages. Produce is as correct and simpler for
// everything else.
func (p *Producer) ProduceBatch(topic string, partition int32, records []Record) (int, error) {
	if !p.gate.Enter() {
		return 0, kafkaerror.ErrClosed
	}
	defer p.gate.Exit()
	if topic == "" {
		return 0, kafkaerror.Newf(kafkaerror.InvalidArg, "produce batch: empty topic name")
	}
	outs := batchOuts.Get().(*[]engine.Out)
	defer func() {
		clear(*outs) // keep no record's bytes alive in the pool
		batchOuts.Put(outs)
	}()
	*outs = (*outs)[:0]
	for i := range records {
		r := &records[i]
		o := engine.Out{Key: r.Key, Value: r.Value, Headers: r.Headers, Timestamp: r.Timestamp}
		if r.OnDelivery != nil {
			o.Slot = p.slots.put(r.OnDelivery)
		}
		*outs = append(*outs, o)
	}
	n, err := p.eng.ProduceBatch(topic, partition, *outs)
	p.produced.Add(int64(n))
	for _, o := range (*outs)[n:] {
		p.slots.drop(o.Slot)
	}
	if err != nil && n < len(*outs) {
		o := (*outs)[n]
		o.Topic, o.Partition = topic, partition
		return n, produceError(err, &o)
	}
	return n, nil
}

var batchOuts = sync.Pool{New: func() any { return new([]engine.Out) }}
