package engine

/*
#include <stdlib.h>
#include "helpers.h"
*/
import "C"

import (
	"context"
	"sync"
	"time"
	"unsafe"

	"github.com/rdstreams/rdstreams/kafkaerror"
	"github.com/rdstreams/rdstreams/message"
	"github.com/rdstreams/rdstreams/topicpartition"
)

// Producer is a librdkafka producer driven through the event API: delivery reports,
// client errors and statistics wait on its main queue until Poll takes them, and every
// report is one of a message queued by Produce. Produce, Len and Purge are safe for
// concurrent use; Poll must be called by one goroutine at a time; Close only when no
// other call is in progress.
type Producer struct {
	*client

	topicsMu sync.RWMutex
	topics   map[string]*C.rd_kafka_topic_t // topic handles by name, made on first use
	names    map[uintptr]string             // topic names by handle

	// Poll's buffers, reused from call to call.
	msgs  []*C.rd_kafka_message_t
	recs  []C.struct_rds_dr
	hdrs  []C.struct_rds_hdr
	epoch int32 // fieldsOf's leader epoch
}

// Out is a message to produce. Slot comes back with its delivery report.
type Out struct {
	Topic     string
	Partition int32 // topicpartition.PartitionAny: the partitioner chooses
	Key       []byte
	Value     []byte
	Headers   []message.Header
	Timestamp time.Time // the zero time: librdkafka stamps the message
	Slot      uint64
}

// EventKind says what an Event carries.
type EventKind uint8

// The kinds of events Poll returns.
const (
	// Delivery is a delivery report: Slot and Msg (whose Err is nil or the failure).
	Delivery EventKind = iota + 1
	// ClientError is a client-wide error: Err.
	ClientError
	// Statistics is librdkafka's statistics JSON: Stats.
	Statistics
)

// Event is a delivery report, a client error or statistics, or one of a consumer's
// events (a rebalance, a commit result).
type Event struct {
	Kind  EventKind
	Slot  uint64
	Msg   *message.Message // a ClientError's: where it happened, when librdkafka says
	Err   *kafkaerror.Error
	Stats string

	Assign     bool // Rebalance: an assignment (else a revocation)
	Partitions []topicpartition.TopicPartition
}

// NewProducer creates a producer from librdkafka properties. An unknown property or an
// invalid value is a kafkaerror.InvalidArg error in librdkafka's words.
func NewProducer(props map[string]string, logf LogFunc, opts ...Option) (*Producer, error) {
	o := optionsOf(opts)
	c, err := newClient(C.RDS_PRODUCER, props, o.events(C.RDS_EVENT_DR|C.RDS_EVENT_ERROR|C.RDS_EVENT_STATS), logf, o.setup(nil))
	if err != nil {
		return nil, err
	}
	if o.tokens != nil {
		if err := c.serveTokens(o.tokens); err != nil {
			c.destroy()
			return nil, err
		}
	}
	return &Producer{client: c, topics: map[string]*C.rd_kafka_topic_t{}, names: map[uintptr]string{}}, nil
}

// topic is the handle of a topic, made on first use.
func (p *Producer) topic(name string) (*C.rd_kafka_topic_t, error) {
	p.topicsMu.RLock()
	rkt, ok := p.topics[name]
	p.topicsMu.RUnlock()
	if ok {
		return rkt, nil
	}
	p.topicsMu.Lock()
	defer p.topicsMu.Unlock()
	if rkt, ok := p.topics[name]; ok {
		return rkt, nil
	}
	cname := C.CString(name)
	defer C.free(unsafe.Pointer(cname))
	rkt = C.rd_kafka_topic_new(p.rk, cname, nil)
	if rkt == nil {
		return nil, codeError(C.rd_kafka_last_error())
	}
	p.topics[name] = rkt
	p.names[uintptr(unsafe.Pointer(rkt))] = name
	return rkt, nil
}

// headerScratch holds flattened headers for one Produce call.
type headerScratch struct {
	buf  []byte
	lens []int64
}

var headerScratches = sync.Pool{New: func() any { return new(headerScratch) }}

// Produce queues o (librdkafka copies key, value and headers; o is passed by value so
// that producing allocates nothing). It returns librdkafka's
// error: kafkaerror.QueueFull when the queue is full, MSG_SIZE_TOO_LARGE,
// _UNKNOWN_PARTITION, _FATAL …
func (p *Producer) Produce(o Out) error {
	rkt, err := p.topic(o.Topic)
	if err != nil {
		return err
	}
	ts := timestampMs(o.Timestamp)
	var hbuf *C.char
	var hlens *C.int64_t
	if len(o.Headers) > 0 {
		s := headerScratches.Get().(*headerScratch)
		defer headerScratches.Put(s)
		s.buf, s.lens = appendHeaders(s.buf[:0], s.lens[:0], o.Headers)
		if len(s.buf) > 0 {
			hbuf = (*C.char)(unsafe.Pointer(unsafe.SliceData(s.buf)))
		}
		hlens = (*C.int64_t)(unsafe.Pointer(unsafe.SliceData(s.lens)))
	}
	code := C.rds_produce(p.rk, rkt, C.int32_t(o.Partition),
		unsafe.Pointer(unsafe.SliceData(o.Value)), C.size_t(len(o.Value)), present(o.Value),
		unsafe.Pointer(unsafe.SliceData(o.Key)), C.size_t(len(o.Key)), present(o.Key),
		hbuf, hlens, C.int(len(o.Headers)), ts, C.uint64_t(o.Slot))
	if code != C.RDS_ERR_NO_ERROR {
		return codeError(code)
	}
	return nil
}

// batchScratch holds one ProduceBatch call's flattened messages.
type batchScratch struct {
	buf   []byte
	desc  []int64
	hlens []int64
}

var batchScratches = sync.Pool{New: func() any { return new(batchScratch) }}

// ProduceBatch queues outs, all for topic and partition (PartitionAny: the
// partitioner chooses each), in one call into librdkafka; the Topic and Partition of
// each Out are not read. It stops at the first message librdkafka refuses and returns
// how many it queued, with that message's error.
func (p *Producer) ProduceBatch(topic string, partition int32, outs []Out) (int, error) {
	if len(outs) == 0 {
		return 0, nil
	}
	rkt, err := p.topic(topic)
	if err != nil {
		return 0, err
	}
	s := batchScratches.Get().(*batchScratch)
	defer batchScratches.Put(s)
	s.buf, s.desc, s.hlens = s.buf[:0], s.desc[:0], s.hlens[:0]
	for i := range outs {
		o := &outs[i]
		klen, vlen := int64(len(o.Key)), int64(len(o.Value))
		if o.Key == nil {
			klen = -1
		}
		if o.Value == nil {
			vlen = -1
		}
		s.buf = append(s.buf, o.Key...)
		s.buf = append(s.buf, o.Value...)
		s.buf, s.hlens = appendHeaders(s.buf, s.hlens, o.Headers)
		s.desc = append(s.desc, klen, vlen, int64(len(o.Headers)), int64(timestampMs(o.Timestamp)), int64(o.Slot))
	}
	var bufPtr *C.char
	if len(s.buf) > 0 {
		bufPtr = (*C.char)(unsafe.Pointer(unsafe.SliceData(s.buf)))
	}
	var hlensPtr *C.int64_t
	if len(s.hlens) > 0 {
		hlensPtr = (*C.int64_t)(unsafe.SliceData(s.hlens))
	}
	var queued C.int
	code := C.rds_produce_batch(p.rk, rkt, C.int32_t(partition), bufPtr,
		(*C.int64_t)(unsafe.SliceData(s.desc)), C.int(len(outs)), hlensPtr, &queued)
	if code != C.RDS_ERR_NO_ERROR {
		return int(queued), codeError(code)
	}
	return int(queued), nil
}

// appendHeaders flattens headers for rds_produce: names and values onto buf, two
// lengths each onto lens (value -1: null).
func appendHeaders(buf []byte, lens []int64, headers []message.Header) ([]byte, []int64) {
	for _, h := range headers {
		buf = append(buf, h.Key...)
		buf = append(buf, h.Value...)
		vlen := int64(len(h.Value))
		if h.Value == nil {
			vlen = -1
		}
		lens = append(lens, int64(len(h.Key)), vlen)
	}
	return buf, lens
}

// timestampMs is a message's timestamp for librdkafka: 0 (now) for the zero time.
func timestampMs(t time.Time) C.int64_t {
	if t.IsZero() {
		return 0
	}
	return C.int64_t(t.UnixMilli())
}

func present(b []byte) C.int {
	if b == nil {
		return 0
	}
	return 1
}

// Len is rd_kafka_outq_len: messages queued or in flight plus reports and events not
// yet served by Poll.
func (p *Producer) Len() int { return p.outqLen() }

// Purge flags.
const (
	PurgeQueue       = C.RDS_PURGE_F_QUEUE
	PurgeInFlight    = C.RDS_PURGE_F_INFLIGHT
	PurgeNonBlocking = C.RDS_PURGE_F_NON_BLOCKING
)

// Purge drops queued (PurgeQueue) and in-flight (PurgeInFlight) messages: each gets a
// delivery report with _PURGE_QUEUE or _PURGE_INFLIGHT.
func (p *Producer) Purge(flags int) error {
	if code := C.rd_kafka_purge(p.rk, C.int(flags)); code != C.RDS_ERR_NO_ERROR {
		return codeError(code)
	}
	return nil
}

// Poll appends to dst the events waiting on the main queue, without waiting, until the
// queue is empty or at least max delivery reports have been taken (a batch of reports
// is taken whole), and returns dst. Taking a report releases its message: Len no
// longer counts it.
func (p *Producer) Poll(dst []Event, max int) []Event {
	if p.msgs == nil {
		p.msgs = make([]*C.rd_kafka_message_t, 1024)
	}
	reports := 0
	for reports < max {
		var typ C.int
		var count, bytes, headers C.size_t
		ev := C.rds_poll(p.mainq, 0, &typ, unsafe.SliceData(p.msgs), C.size_t(len(p.msgs)), &count, &bytes, &headers)
		if ev == nil {
			break
		}
		switch typ {
		case C.RDS_EVENT_DR:
			if n := int(count); n > len(p.msgs) {
				p.msgs = make([]*C.rd_kafka_message_t, n)
				C.rds_dr_prepare(ev, unsafe.SliceData(p.msgs), count, &bytes, &headers)
			}
			before := len(dst)
			dst = p.expand(dst, int(count), int(bytes), int(headers))
			reports += len(dst) - before
		case C.RDS_EVENT_ERROR:
			dst = append(dst, Event{Kind: ClientError, Err: p.eventError(ev)})
		case C.RDS_EVENT_STATS:
			dst = append(dst, Event{Kind: Statistics, Stats: C.GoString(C.rd_kafka_event_stats(ev))})
		}
		C.rd_kafka_event_destroy(ev)
	}
	return dst
}

// expand appends the n delivery reports in p.msgs to dst. Their keys, values and
// headers live in one arena per batch, never reused: a report's Message stays valid as
// long as it is referenced.
func (p *Producer) expand(dst []Event, n, bytes, headers int) []Event {
	if n == 0 {
		return dst
	}
	if len(p.recs) < n {
		p.recs = make([]C.struct_rds_dr, n)
	}
	if len(p.hdrs) < headers {
		p.hdrs = make([]C.struct_rds_hdr, headers)
	}
	arena := make([]byte, bytes)
	var arenaPtr *C.char
	var hdrPtr *C.struct_rds_hdr
	if bytes > 0 {
		arenaPtr = (*C.char)(unsafe.Pointer(unsafe.SliceData(arena)))
	}
	if headers > 0 {
		hdrPtr = unsafe.SliceData(p.hdrs)
	}
	C.rds_dr_fill(unsafe.SliceData(p.msgs), C.size_t(n), unsafe.SliceData(p.recs), hdrPtr, arenaPtr)
	var allHeaders []message.Header
	if headers > 0 {
		allHeaders = make([]message.Header, headers)
		fillHeaders(allHeaders, p.hdrs, arena)
	}
	p.topicsMu.RLock()
	defer p.topicsMu.RUnlock()
	var lastRkt C.uint64_t
	var topic string
	for i := 0; i < n; i++ {
		r := &p.recs[i]
		if r.rkt != lastRkt {
			lastRkt, topic = r.rkt, p.names[uintptr(r.rkt)]
		}
		f := fieldsOf(&r.m, topic, arena, allHeaders, &p.epoch)
		if r.err != C.RDS_ERR_NO_ERROR {
			f.Err = codeError(C.int(r.err))
		}
		dst = append(dst, Event{Kind: Delivery, Slot: uint64(r.opaque), Msg: message.New(f)})
	}
	return dst
}

// eventError is an error event's error; a fatal error is the one that made the
// producer fail (rd_kafka_fatal_error), flagged fatal.
func (c *client) eventError(ev *C.rd_kafka_event_t) *kafkaerror.Error {
	code := C.rd_kafka_event_error(ev)
	text := C.GoString(C.rd_kafka_event_error_string(ev))
	fatal := C.rd_kafka_event_error_is_fatal(ev) != 0
	if fatal {
		buf := (*C.char)(C.malloc(errBufSize))
		defer C.free(unsafe.Pointer(buf))
		if orig := C.rd_kafka_fatal_error(c.rk, buf, errBufSize); orig != C.RDS_ERR_NO_ERROR {
			code, text = orig, C.GoString(buf)
		}
	}
	return kafkaerror.New(kafkaerror.Code(code), text, kafkaerror.Flags{Fatal: fatal})
}

// Close releases the producer without waiting for anything: messages not delivered
// and reports not served are dropped. Flush and purge first where that matters.
func (p *Producer) Close() {
	p.topicsMu.Lock()
	for _, rkt := range p.topics {
		C.rd_kafka_topic_destroy(rkt)
	}
	p.topics, p.names = nil, nil
	p.topicsMu.Unlock()
	p.destroy()
}

// timeoutMs is librdkafka's timeout for a call bounded by ctx: the time to its
// deadline, or -1 (no limit) without one.
func timeoutMs(ctx context.Context) C.int {
	d, ok := ctx.Deadline()
	if !ok {
		return -1
	}
	return C.int(max(0, time.Until(d).Milliseconds()))
}

// InitTransactions is rd_kafka_init_transactions bounded by ctx's deadline.
func (p *Producer) InitTransactions(ctx context.Context) error {
	return objectError(C.rd_kafka_init_transactions(p.rk, timeoutMs(ctx)))
}

// BeginTransaction is rd_kafka_begin_transaction.
func (p *Producer) BeginTransaction() error {
	return objectError(C.rd_kafka_begin_transaction(p.rk))
}

// CommitTransaction is rd_kafka_commit_transaction bounded by ctx's deadline.
func (p *Producer) CommitTransaction(ctx context.Context) error {
	return objectError(C.rd_kafka_commit_transaction(p.rk, timeoutMs(ctx)))
}

// AbortTransaction is rd_kafka_abort_transaction bounded by ctx's deadline.
func (p *Producer) AbortTransaction(ctx context.Context) error {
	return objectError(C.rd_kafka_abort_transaction(p.rk, timeoutMs(ctx)))
}

// SendOffsetsToTransaction adds offsets (the next offset to read of each partition) to
// the transaction, for the group whose metadata is group (the bytes of
// rd_kafka_consumer_group_metadata_write).
func (p *Producer) SendOffsetsToTransaction(ctx context.Context, offsets []topicpartition.TopicPartition, group []byte) error {
	if len(group) == 0 {
		return kafkaerror.Newf(kafkaerror.InvalidArg, "SendOffsetsToTransaction: no group metadata")
	}
	var cgmd *C.rd_kafka_consumer_group_metadata_t
	if err := objectError(C.rd_kafka_consumer_group_metadata_read(&cgmd, unsafe.Pointer(unsafe.SliceData(group)), C.size_t(len(group)))); err != nil {
		return err
	}
	defer C.rd_kafka_consumer_group_metadata_destroy(cgmd)
	list := partitionList(offsets)
	defer C.rd_kafka_topic_partition_list_destroy(list)
	return objectError(C.rd_kafka_send_offsets_to_transaction(p.rk, list, cgmd, timeoutMs(ctx)))
}

// partitionList is a C partition list with offsets, leader epochs and metadata; the
// caller destroys it.
func partitionList(tps []topicpartition.TopicPartition) *C.rd_kafka_topic_partition_list_t {
	if len(tps) == 0 {
		return C.rd_kafka_topic_partition_list_new(0)
	}
	var names, metas []byte
	lens := make([]int64, len(tps))
	parts := make([]int32, len(tps))
	offs := make([]int64, len(tps))
	epochs := make([]int32, len(tps))
	metaLens := make([]int64, len(tps))
	extra := false
	for i, tp := range tps {
		names = append(names, tp.Topic...)
		lens[i], parts[i], offs[i] = int64(len(tp.Topic)), tp.Partition, int64(tp.Offset)
		epochs[i] = -1
		if tp.LeaderEpoch != nil {
			epochs[i], extra = *tp.LeaderEpoch, true
		}
		if tp.Metadata != "" {
			metas = append(metas, tp.Metadata...)
			metaLens[i], extra = int64(len(tp.Metadata)), true
		}
	}
	var namesPtr *C.char
	if len(names) > 0 {
		namesPtr = (*C.char)(unsafe.Pointer(unsafe.SliceData(names)))
	}
	list := C.rds_partition_list(namesPtr, (*C.int64_t)(unsafe.SliceData(lens)),
		(*C.int32_t)(unsafe.SliceData(parts)), (*C.int64_t)(unsafe.SliceData(offs)), C.int(len(tps)))
	if extra {
		var metasPtr *C.char
		if len(metas) > 0 {
			metasPtr = (*C.char)(unsafe.Pointer(unsafe.SliceData(metas)))
		}
		C.rds_partition_list_meta(list, (*C.int32_t)(unsafe.SliceData(epochs)), metasPtr,
			(*C.int64_t)(unsafe.SliceData(metaLens)))
	}
	return list
}

// CheckGroupMetadata reports whether b is group metadata librdkafka can read (the
// bytes of rd_kafka_consumer_group_metadata_write).
func CheckGroupMetadata(b []byte) error {
	if len(b) == 0 {
		return kafkaerror.Newf(kafkaerror.InvalidArg, "group metadata: empty")
	}
	var cgmd *C.rd_kafka_consumer_group_metadata_t
	if err := objectError(C.rd_kafka_consumer_group_metadata_read(&cgmd, unsafe.Pointer(unsafe.SliceData(b)), C.size_t(len(b)))); err != nil {
		return err
	}
	C.rd_kafka_consumer_group_metadata_destroy(cgmd)
	return nil
}

// GroupMetadata is the serialized metadata of a group known only by its id
// (rd_kafka_consumer_group_metadata_new, then _write).
func GroupMetadata(groupID string) ([]byte, error) {
	cid := C.CString(groupID)
	defer C.free(unsafe.Pointer(cid))
	cgmd := C.rd_kafka_consumer_group_metadata_new(cid)
	if cgmd == nil {
		return nil, kafkaerror.Newf(kafkaerror.InvalidArg, "group metadata for group %q: librdkafka refused it", groupID)
	}
	defer C.rd_kafka_consumer_group_metadata_destroy(cgmd)
	var buf unsafe.Pointer
	var size C.size_t
	if err := objectError(C.rd_kafka_consumer_group_metadata_write(cgmd, &buf, &size)); err != nil {
		return nil, err
	}
	defer C.rd_kafka_mem_free(nil, buf)
	return C.GoBytes(buf, C.int(size)), nil
}
