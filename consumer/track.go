package consumer

import (
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	ckafka "github.com/confluentinc/confluent-kafka-go/v2/kafka"
)

// storeInterval is how often Poll stores the offsets of the messages it returned.
const storeInterval = 100 * time.Millisecond

// offsetTracker remembers, per partition, the offset after the last message Poll
// returned to the application, and hands out the ones not yet stored in librdkafka.
//
// Why it exists: the engine's own close drains the consumer queue and drops what it
// pops, and librdkafka's automatic offset store would store those offsets too, so the
// final auto-commit would skip messages the application never received. rdstreams
// therefore runs the engine with enable.auto.offset.store=false and stores, on the
// application's behalf, exactly what Poll returned: periodically, before a commit of
// the current positions, when partitions are revoked, and at Close.
type offsetTracker struct {
	mu    sync.Mutex
	parts map[trackKey]*tracked
	last  *tracked // the previous message's partition: most messages hit it

	// Read on every poll without the lock.
	dirty     atomic.Bool  // something was returned since the last store
	lastStore atomic.Int64 // when offsets were last handed out, unix nanoseconds
	polls     uint32       // busyDue's counter; only the polling goroutine (serveMu) uses it
}

type trackKey struct {
	topic     string
	partition int32
}

type tracked struct {
	topic     string
	topicData *byte // identity of the engine's cached topic string, for the fast path
	partition int32
	next      int64  // offset after the last returned message
	epoch     *int32 // its leader epoch
	stored    int64  // what was last handed out for storing
}

func newOffsetTracker() *offsetTracker {
	return &offsetTracker{parts: map[trackKey]*tracked{}}
}

// seen records a message Poll is about to return.
func (t *offsetTracker) seen(m *ckafka.Message) {
	tp := &m.TopicPartition
	if tp.Topic == nil {
		return
	}
	t.mu.Lock()
	e := t.last
	if e == nil || e.partition != tp.Partition || e.topicData != unsafe.StringData(*tp.Topic) {
		k := trackKey{*tp.Topic, tp.Partition}
		if e = t.parts[k]; e == nil {
			e = &tracked{topic: k.topic, partition: k.partition, stored: -1}
			t.parts[k] = e
		}
		e.topicData = unsafe.StringData(*tp.Topic)
		t.last = e
	}
	e.next = int64(tp.Offset) + 1
	e.epoch = tp.LeaderEpoch
	t.mu.Unlock()
	if !t.dirty.Load() {
		t.dirty.Store(true)
	}
}

// busyDue is due for a consumer busy returning messages: it looks at the clock only
// every 256th poll, so the message path stays free of clock reads.
func (t *offsetTracker) busyDue() bool {
	t.polls++
	return t.polls%256 == 0 && t.due(time.Now())
}

// due reports whether a periodic store is due; it takes no lock.
func (t *offsetTracker) due(now time.Time) bool {
	return t.dirty.Load() && now.UnixNano()-t.lastStore.Load() >= int64(storeInterval)
}

// pending returns the offsets not yet handed out for storing, and marks them handed out.
func (t *offsetTracker) pending() []ckafka.TopicPartition {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.dirty.Store(false)
	t.lastStore.Store(time.Now().UnixNano())
	var out []ckafka.TopicPartition
	for _, e := range t.parts {
		if e.next == e.stored {
			continue
		}
		e.stored = e.next
		topic := e.topic
		out = append(out, ckafka.TopicPartition{Topic: &topic, Partition: e.partition, Offset: ckafka.Offset(e.next), LeaderEpoch: e.epoch})
	}
	return out
}

// forget drops partitions that are no longer assigned.
func (t *offsetTracker) forget(parts []ckafka.TopicPartition) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, p := range parts {
		if p.Topic != nil {
			delete(t.parts, trackKey{*p.Topic, p.Partition})
		}
	}
	t.last = nil
}
