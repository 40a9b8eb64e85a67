package consumer

import (
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/rdstreams/rdstreams/message"
	"github.com/rdstreams/rdstreams/topicpartition"
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
	partition int32
	next      int64 // offset after the last returned message
	epoch     int32 // its leader epoch, -1 when unknown
	stored    int64 // what was last handed out for storing
}

func newOffsetTracker() *offsetTracker {
	return &offsetTracker{parts: map[trackKey]*tracked{}}
}

// seen records messages Poll or Consume is about to return.
func (t *offsetTracker) seen(msgs []*message.Message) {
	t.mu.Lock()
	e := t.last
	for _, m := range msgs {
		topic := m.Topic()
		// The engine interns topic names: the same topic is the same string data.
		if e == nil || e.partition != m.Partition() || unsafe.StringData(e.topic) != unsafe.StringData(topic) {
			k := trackKey{topic, m.Partition()}
			if e = t.parts[k]; e == nil {
				e = &tracked{topic: topic, partition: k.partition, stored: -1}
				t.parts[k] = e
			}
		}
		e.next = int64(m.Offset()) + 1
		e.epoch = -1
		if ep := m.LeaderEpoch(); ep != nil {
			e.epoch = *ep
		}
	}
	t.last = e
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
func (t *offsetTracker) pending() []topicpartition.TopicPartition {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.dirty.Store(false)
	t.lastStore.Store(time.Now().UnixNano())
	var out []topicpartition.TopicPartition
	for _, e := range t.parts {
		if e.next == e.stored {
			continue
		}
		e.stored = e.next
		tp := topicpartition.TopicPartition{Topic: e.topic, Partition: e.partition, Offset: topicpartition.Offset(e.next)}
		if e.epoch >= 0 {
			epoch := e.epoch
			tp.LeaderEpoch = &epoch
		}
		out = append(out, tp)
	}
	return out
}

// forget drops partitions that are no longer assigned (nil: all).
func (t *offsetTracker) forget(parts []topicpartition.TopicPartition) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if parts == nil {
		clear(t.parts)
	}
	for _, p := range parts {
		delete(t.parts, trackKey{p.Topic, p.Partition})
	}
	t.last = nil
}
