package engine

/*
#include <stdlib.h>
#include "helpers.h"
*/
import "C"

import (
	"context"
	"unsafe"

	"github.com/rdstreams/rdstreams/kafkaerror"
	"github.com/rdstreams/rdstreams/message"
	"github.com/rdstreams/rdstreams/topicpartition"
)

// More kinds of events, a consumer's.
const (
	// Rebalance is a group rebalance: Assign (else a revocation) and Partitions; Err
	// is set when the rebalance failed (then the assignment must be dropped).
	Rebalance EventKind = iota + Statistics + 1
	// CommitResult is the result of an offset commit: Slot (the id given to Commit, 0
	// for an automatic commit), Err (nil on success) and Partitions, each with its Err.
	CommitResult
)

// Sizes of a consumer's blocks: the arena chunk messages are copied into, and the
// blocks of Messages and Headers handed out.
const (
	arenaChunk   = 128 << 10
	messageBlock = 256
	headerBlock  = 256
)

// Consumer is a librdkafka consumer driven through the event API: messages, rebalances,
// errors, statistics and automatic commits' results wait on its consumer queue (Wake
// says when) until Consume takes them, in order; offset commits' results wait on a
// queue of their own (CommitWake). Consume must be called by one goroutine at a time;
// the other calls are safe for concurrent use; Close only when no other call is in
// progress.
type Consumer struct {
	*client
	consq   *watchedQueue            // the consumer queue
	commitq *watchedQueue            // offset commits' results
	closeq  *watchedQueue            // made by CloseQueue
	rebal   *C.struct_rds_rebalances // rebalances met while taking a batch

	// Consume's state and buffers (one goroutine at a time).
	batch   C.struct_rds_batch
	recs    []C.struct_rds_msg
	hdrs    []C.struct_rds_hdr
	arena   []byte // the current chunk; arena[used:] is free
	used    int
	msgs    []message.Message // the current block of Messages, handed out from the front
	headers []message.Header
	topics  map[string]string   // topic names interned
	topic   string              // the previous message's topic
	event   *C.rd_kafka_event_t // rds_consume's out-parameter (a field: no allocation)
	epoch   int32               // build's leader epoch, whose address Fields takes
}

// NewConsumer creates a consumer from librdkafka properties (group.id must be set).
func NewConsumer(props map[string]string, logf LogFunc, opts ...Option) (*Consumer, error) {
	o := optionsOf(opts)
	rebal := C.rds_rebalances_new()
	c, err := newClient(C.RDS_CONSUMER, props,
		o.events(C.RDS_EVENT_ERROR|C.RDS_EVENT_STATS|C.RDS_EVENT_REBALANCE|C.RDS_EVENT_OFFSET_COMMIT), logf,
		o.setup(func(conf *C.rd_kafka_conf_t) {
			// Rebalances met while a batch is taken wait in rebal (see rds_consume).
			C.rd_kafka_conf_set_opaque(conf, unsafe.Pointer(rebal))
			C.rds_set_rebalance_cb(conf)
		}))
	if err != nil {
		C.rds_rebalances_free(rebal)
		return nil, err
	}
	out := &Consumer{client: c, rebal: rebal, topics: map[string]string{}}
	if o.tokens != nil {
		err = c.serveTokens(o.tokens)
	}
	// Messages, consumer errors and rebalances come on the consumer queue; client
	// errors, statistics and automatic commits' results on the main queue. Both wake
	// the same channel.
	if err == nil {
		out.consq, err = c.newQueue(C.rd_kafka_queue_get_consumer(c.rk), c.wake)
	}
	if err == nil {
		out.commitq, err = c.newQueue(nil, nil)
	}
	if err != nil {
		out.Close()
		return nil, err
	}
	return out, nil
}

// Consume appends to dst up to max messages waiting on the consumer queue, without
// waiting, and returns dst. When the next thing waiting is not a message (a rebalance,
// a consumer error, an event of the main queue), it returns dst as it was, with that
// event and ok true (never after appending messages: the event waits for the next
// call, so that order is kept). Taking messages advances librdkafka's application
// positions (Position, the offsets a commit of the current positions commits).
//
// Messages are copied into blocks of memory that are never reused: a Message stays
// valid as long as it is referenced (and keeps its block alive).
func (c *Consumer) Consume(dst []*message.Message, max int) (_ []*message.Message, ev Event, ok bool) {
	var needBytes, needHdrs int
	for max > 0 {
		c.room(max, needBytes, needHdrs)
		b := &c.batch
		b.recs_cap = C.int(min(max, len(c.recs)))
		b.hdrs_cap = C.int64_t(len(c.hdrs))
		b.arena_cap = C.int64_t(len(c.arena) - c.used)
		var hdrPtr *C.struct_rds_hdr
		if len(c.hdrs) > 0 {
			hdrPtr = unsafe.SliceData(c.hdrs)
		}
		var arenaPtr *C.char
		if c.used < len(c.arena) {
			arenaPtr = (*C.char)(unsafe.Pointer(&c.arena[c.used]))
		}
		res := C.rds_consume(c.mainq, c.consq.q, c.rebal, &c.batch, unsafe.SliceData(c.recs), hdrPtr, arenaPtr, &c.event)
		n := int(b.n)
		dst = c.build(dst, n)
		max -= n
		switch res {
		case C.RDS_CONSUME_EVENT:
			cev := c.event
			c.event = nil
			ev = c.convert(cev)
			C.rd_kafka_event_destroy(cev)
			return dst, ev, ev.Kind != 0
		case C.RDS_CONSUME_REBALANCE:
			return dst, c.rebalanceEvent(), true
		case C.RDS_CONSUME_CB_ERROR:
			text := C.GoString(c.batch.error_text)
			C.free(unsafe.Pointer(c.batch.error_text))
			c.batch.error_text = nil
			return dst, Event{Kind: ClientError, Err: kafkaerror.New(kafkaerror.Code(c.batch.rebalance_err), text, kafkaerror.Flags{})}, true
		case C.RDS_CONSUME_ERROR:
			return dst, c.consumerError(), true
		case C.RDS_CONSUME_ROOM:
			needBytes, needHdrs = int(b.need_bytes), int(b.need_hdrs)
		default:
			return dst, Event{}, false
		}
	}
	return dst, Event{}, false
}

// rebalanceEvent is the rebalance rds_consume returned.
func (c *Consumer) rebalanceEvent() Event {
	list := c.batch.rebalance_parts
	c.batch.rebalance_parts = nil
	defer C.rd_kafka_topic_partition_list_destroy(list)
	code := c.batch.rebalance_err
	out := Event{Kind: Rebalance, Assign: code == C.RDS_ERR__ASSIGN_PARTITIONS, Partitions: goPartitions(list)}
	if code != C.RDS_ERR__ASSIGN_PARTITIONS && code != C.RDS_ERR__REVOKE_PARTITIONS {
		out.Err = codeError(code)
	}
	return out
}

// consumerError is the error message rds_consume stopped at, as a ClientError event
// whose Msg says where.
func (c *Consumer) consumerError() Event {
	var code C.int
	var topic, text *C.char
	var partition C.int32_t
	var offset C.int64_t
	C.rds_consume_error(&c.batch, &code, &topic, &partition, &offset, &text)
	kerr := kafkaerror.New(kafkaerror.Code(code), C.GoString(text), kafkaerror.Flags{})
	f := message.Fields{Partition: int32(partition), Offset: topicpartition.Offset(offset), Err: kerr}
	if topic != nil {
		f.Topic = C.GoString(topic)
	} else {
		f.Partition, f.Offset = topicpartition.PartitionAny, topicpartition.OffsetInvalid
	}
	C.rds_consume_skip(&c.batch)
	return Event{Kind: ClientError, Err: kerr, Msg: message.New(f)}
}

// room makes sure the buffers hold at least the next message (needBytes, needHdrs)
// and records for max messages (up to 1024 at a time).
func (c *Consumer) room(n, needBytes, needHdrs int) {
	if want := min(n, 1024); len(c.recs) < want {
		c.recs = make([]C.struct_rds_msg, want)
	}
	if len(c.hdrs) < needHdrs {
		c.hdrs = make([]C.struct_rds_hdr, max(needHdrs, 64))
	}
	if len(c.arena)-c.used < needBytes || c.arena == nil {
		c.arena, c.used = make([]byte, max(arenaChunk, needBytes)), 0
	}
}

// build appends the n messages rds_consume wrote to dst.
func (c *Consumer) build(dst []*message.Message, n int) []*message.Message {
	if n == 0 {
		return dst
	}
	arena := c.arena[c.used : c.used+int(c.batch.arena_used)]
	c.used += int(c.batch.arena_used)
	var headers []message.Header
	if hn := int(c.batch.hdrs_used); hn > 0 {
		if len(c.headers) < hn {
			c.headers = make([]message.Header, max(headerBlock, hn))
		}
		headers, c.headers = c.headers[:hn:hn], c.headers[hn:]
		fillHeaders(headers, c.hdrs, arena)
	}
	for i := 0; i < n; i++ {
		r := &c.recs[i]
		if r.topic_len >= 0 {
			name := arena[r.topic_off : r.topic_off+r.topic_len]
			t, ok := c.topics[string(name)]
			if !ok {
				t = string(name)
				c.topics[t] = t
			}
			c.topic = t
		}
		f := fieldsOf(r, c.topic, arena, headers, &c.epoch)
		if len(c.msgs) == 0 {
			c.msgs = make([]message.Message, messageBlock)
		}
		m := &c.msgs[0]
		c.msgs = c.msgs[1:]
		message.Build(m, f)
		dst = append(dst, m)
	}
	return dst
}

// convert converts an event that is not a message.
func (c *Consumer) convert(ev *C.rd_kafka_event_t) Event {
	switch C.rd_kafka_event_type(ev) {
	case C.RDS_EVENT_ERROR:
		out := Event{Kind: ClientError, Err: c.eventError(ev)}
		if tp := C.rd_kafka_event_topic_partition(ev); tp != nil {
			p := (*C.struct_rds_topic_partition)(unsafe.Pointer(tp))
			out.Msg = message.New(message.Fields{
				Topic: C.GoString(p.topic), Partition: int32(p.partition),
				Offset: topicpartition.Offset(p.offset), Err: out.Err,
			})
			C.rd_kafka_topic_partition_destroy(tp)
		}
		return out
	case C.RDS_EVENT_STATS:
		return Event{Kind: Statistics, Stats: C.GoString(C.rd_kafka_event_stats(ev))}
	case C.RDS_EVENT_REBALANCE:
		code := C.rd_kafka_event_error(ev)
		out := Event{Kind: Rebalance, Assign: code == C.RDS_ERR__ASSIGN_PARTITIONS,
			Partitions: goPartitions(C.rd_kafka_event_topic_partition_list(ev))}
		if code != C.RDS_ERR__ASSIGN_PARTITIONS && code != C.RDS_ERR__REVOKE_PARTITIONS {
			out.Err = kafkaerror.New(kafkaerror.Code(code), C.GoString(C.rd_kafka_event_error_string(ev)), kafkaerror.Flags{})
		}
		return out
	case C.RDS_EVENT_OFFSET_COMMIT:
		out := Event{Kind: CommitResult, Slot: uint64(C.rds_event_id(ev)),
			Partitions: goPartitions(C.rd_kafka_event_topic_partition_list(ev))}
		if code := C.rd_kafka_event_error(ev); code != C.RDS_ERR_NO_ERROR {
			out.Err = kafkaerror.New(kafkaerror.Code(code), C.GoString(C.rd_kafka_event_error_string(ev)), kafkaerror.Flags{})
		}
		return out
	}
	return Event{}
}

// Subscribe subscribes to topics (names, or regular expressions starting with '^').
func (c *Consumer) Subscribe(topics []string) error {
	tps := make([]topicpartition.TopicPartition, len(topics))
	for i, t := range topics {
		tps[i] = topicpartition.TopicPartition{Topic: t, Partition: topicpartition.PartitionAny}
	}
	list := partitionList(tps)
	defer C.rd_kafka_topic_partition_list_destroy(list)
	return codeErr(C.rd_kafka_subscribe(c.rk, list))
}

// Unsubscribe drops the subscription.
func (c *Consumer) Unsubscribe() error { return codeErr(C.rd_kafka_unsubscribe(c.rk)) }

// Subscription is the current subscription.
func (c *Consumer) Subscription() ([]string, error) {
	var list *C.rd_kafka_topic_partition_list_t
	if err := codeErr(C.rd_kafka_subscription(c.rk, &list)); err != nil {
		return nil, err
	}
	defer C.rd_kafka_topic_partition_list_destroy(list)
	tps := goPartitions(list)
	topics := make([]string, len(tps))
	for i, tp := range tps {
		topics[i] = tp.Topic
	}
	return topics, nil
}

// Assign replaces the assignment (nil: unassign all).
func (c *Consumer) Assign(tps []topicpartition.TopicPartition) error {
	if tps == nil {
		return codeErr(C.rd_kafka_assign(c.rk, nil))
	}
	list := partitionList(tps)
	defer C.rd_kafka_topic_partition_list_destroy(list)
	return codeErr(C.rd_kafka_assign(c.rk, list))
}

// IncrementalAssign adds partitions to the assignment.
func (c *Consumer) IncrementalAssign(tps []topicpartition.TopicPartition) error {
	list := partitionList(tps)
	defer C.rd_kafka_topic_partition_list_destroy(list)
	return objectError(C.rd_kafka_incremental_assign(c.rk, list))
}

// IncrementalUnassign removes partitions from the assignment.
func (c *Consumer) IncrementalUnassign(tps []topicpartition.TopicPartition) error {
	list := partitionList(tps)
	defer C.rd_kafka_topic_partition_list_destroy(list)
	return objectError(C.rd_kafka_incremental_unassign(c.rk, list))
}

// Assignment is the current assignment.
func (c *Consumer) Assignment() ([]topicpartition.TopicPartition, error) {
	var list *C.rd_kafka_topic_partition_list_t
	if err := codeErr(C.rd_kafka_assignment(c.rk, &list)); err != nil {
		return nil, err
	}
	defer C.rd_kafka_topic_partition_list_destroy(list)
	return goPartitions(list), nil
}

// AssignmentLost reports whether the current assignment was lost (inside a revocation).
func (c *Consumer) AssignmentLost() bool { return C.rd_kafka_assignment_lost(c.rk) != 0 }

// RebalanceProtocol is "EAGER", "COOPERATIVE" or "NONE".
func (c *Consumer) RebalanceProtocol() string {
	p := C.rd_kafka_rebalance_protocol(c.rk)
	if p == nil {
		return "NONE"
	}
	return C.GoString(p)
}

// MemberID is the member id the group coordinator gave this consumer, "" before it
// joined.
func (c *Consumer) MemberID() string {
	id := C.rd_kafka_memberid(c.rk)
	if id == nil {
		return ""
	}
	defer C.rd_kafka_mem_free(c.rk, unsafe.Pointer(id))
	return C.GoString(id)
}

// GroupMetadata is the consumer's group metadata, as rd_kafka_consumer_group_metadata_write
// serializes it.
func (c *Consumer) GroupMetadata() ([]byte, error) {
	cgmd := C.rd_kafka_consumer_group_metadata(c.rk)
	if cgmd == nil {
		return nil, kafkaerror.Newf(kafkaerror.State, "group metadata: the consumer has no group")
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

// Commit asks for offsets to be committed (nil: the current positions); the result
// comes as a CommitResult event with Slot id on the commit queue (CommitResults).
func (c *Consumer) Commit(offsets []topicpartition.TopicPartition, id uint64) error {
	var list *C.rd_kafka_topic_partition_list_t
	if offsets != nil {
		list = partitionList(offsets)
		defer C.rd_kafka_topic_partition_list_destroy(list)
	}
	return codeErr(C.rds_commit(c.rk, list, c.commitq.q, C.uint64_t(id)))
}

// CommitWake has a token whenever the commit queue may have gained results.
func (c *Consumer) CommitWake() <-chan struct{} { return c.commitq.wake }

// CommitResults appends the commit results waiting to dst, without waiting.
func (c *Consumer) CommitResults(dst []Event) []Event { return c.drain(c.commitq.q, dst) }

// drain appends the events waiting on q other than messages (which it drops).
func (c *Consumer) drain(q *C.rd_kafka_queue_t, dst []Event) []Event {
	for {
		ev := C.rd_kafka_queue_poll(q, 0)
		if ev == nil {
			return dst
		}
		if C.rd_kafka_event_type(ev) != C.RDS_EVENT_FETCH {
			if e := c.convert(ev); e.Kind != 0 {
				dst = append(dst, e)
			}
		}
		C.rd_kafka_event_destroy(ev)
	}
}

// Committed fills in the committed offsets of tps, bounded by ctx's deadline.
func (c *Consumer) Committed(ctx context.Context, tps []topicpartition.TopicPartition) ([]topicpartition.TopicPartition, error) {
	return c.listCall(tps, func(l *C.rd_kafka_topic_partition_list_t) error {
		return codeErr(C.rd_kafka_committed(c.rk, l, timeoutMs(ctx)))
	})
}

// Position fills in the positions of tps (the offset after the last message taken).
func (c *Consumer) Position(tps []topicpartition.TopicPartition) ([]topicpartition.TopicPartition, error) {
	return c.listCall(tps, func(l *C.rd_kafka_topic_partition_list_t) error {
		return codeErr(C.rd_kafka_position(c.rk, l))
	})
}

// StoreOffsets stores offsets for the next commit; each partition may get its Err.
func (c *Consumer) StoreOffsets(tps []topicpartition.TopicPartition) ([]topicpartition.TopicPartition, error) {
	return c.listCall(tps, func(l *C.rd_kafka_topic_partition_list_t) error {
		return codeErr(C.rd_kafka_offsets_store(c.rk, l))
	})
}

// Seek moves the fetch positions of assigned partitions (rd_kafka_seek_partitions),
// bounded by ctx's deadline; each partition may get its Err.
func (c *Consumer) Seek(ctx context.Context, tps []topicpartition.TopicPartition) ([]topicpartition.TopicPartition, error) {
	return c.listCall(tps, func(l *C.rd_kafka_topic_partition_list_t) error {
		return objectError(C.rd_kafka_seek_partitions(c.rk, l, timeoutMs(ctx)))
	})
}

// Pause stops fetching from tps; each partition may get its Err.
func (c *Consumer) Pause(tps []topicpartition.TopicPartition) ([]topicpartition.TopicPartition, error) {
	return c.listCall(tps, func(l *C.rd_kafka_topic_partition_list_t) error {
		return codeErr(C.rd_kafka_pause_partitions(c.rk, l))
	})
}

// Resume fetches again from tps; each partition may get its Err.
func (c *Consumer) Resume(tps []topicpartition.TopicPartition) ([]topicpartition.TopicPartition, error) {
	return c.listCall(tps, func(l *C.rd_kafka_topic_partition_list_t) error {
		return codeErr(C.rd_kafka_resume_partitions(c.rk, l))
	})
}

// OffsetsForTimes looks up, for each partition, the first offset at or after the time
// in its Offset (ms), bounded by ctx's deadline.
func (c *Consumer) OffsetsForTimes(ctx context.Context, tps []topicpartition.TopicPartition) ([]topicpartition.TopicPartition, error) {
	return c.listCall(tps, func(l *C.rd_kafka_topic_partition_list_t) error {
		return codeErr(C.rd_kafka_offsets_for_times(c.rk, l, timeoutMs(ctx)))
	})
}

// listCall runs call on a C list of tps and returns the list as call left it.
func (c *Consumer) listCall(tps []topicpartition.TopicPartition, call func(*C.rd_kafka_topic_partition_list_t) error) ([]topicpartition.TopicPartition, error) {
	list := partitionList(tps)
	defer C.rd_kafka_topic_partition_list_destroy(list)
	if err := call(list); err != nil {
		return nil, err
	}
	return goPartitions(list), nil
}

// Watermarks is the partition's low and high watermark: from the last fetch when
// cached, else asked of the broker, bounded by ctx's deadline.
func (c *Consumer) Watermarks(ctx context.Context, topic string, partition int32, cached bool) (low, high int64, err error) {
	ct := C.CString(topic)
	defer C.free(unsafe.Pointer(ct))
	var l, h C.int64_t
	if cached {
		err = codeErr(C.rd_kafka_get_watermark_offsets(c.rk, ct, C.int32_t(partition), &l, &h))
	} else {
		err = codeErr(C.rd_kafka_query_watermark_offsets(c.rk, ct, C.int32_t(partition), &l, &h, timeoutMs(ctx)))
	}
	return int64(l), int64(h), err
}

// CloseQueue starts leaving the group (rd_kafka_consumer_close_queue): from now on the
// rebalances and commit results of the close come through CloseEvents (CloseWake says
// when), until Closed.
func (c *Consumer) CloseQueue() error {
	q, err := c.newQueue(nil, nil)
	if err != nil {
		return err
	}
	c.closeq = q
	return objectError(C.rd_kafka_consumer_close_queue(c.rk, q.q))
}

// CloseWake has a token whenever the close queue may have gained events (the main
// queue's wake-ups still come through Wake).
func (c *Consumer) CloseWake() <-chan struct{} { return c.closeq.wake }

// CloseEvents appends the events waiting on the main queue and the close queue (to
// which the consumer queue now forwards; messages are dropped), without waiting.
func (c *Consumer) CloseEvents(dst []Event) []Event {
	C.rds_consume_release(&c.batch)
	dst = c.drain(c.mainq, dst)
	return c.drain(c.closeq.q, dst)
}

// Closed reports whether the consumer has left its group (rd_kafka_consumer_closed).
func (c *Consumer) Closed() bool { return C.rd_kafka_consumer_closed(c.rk) != 0 }

// Close releases the consumer without leaving its group (CloseQueue does that).
func (c *Consumer) Close() {
	C.rds_consume_release(&c.batch)
	for _, q := range []*watchedQueue{c.consq, c.commitq, c.closeq} {
		if q != nil {
			q.close()
		}
	}
	c.destroyConsumer()
	C.rds_rebalances_free(c.rebal)
}

// destroyConsumer is the client's destroy for a consumer: the group was left already,
// or will not be.
func (c *client) destroyConsumer() {
	c.destroyFlags = C.RDS_DESTROY_F_NO_CONSUMER_CLOSE
	c.destroy()
}

// codeErr is nil for RDS_ERR_NO_ERROR, else librdkafka's error for code.
func codeErr(code C.int) error {
	if code == C.RDS_ERR_NO_ERROR {
		return nil
	}
	return codeError(code)
}

// goPartitions converts a C partition list (nil: none).
func goPartitions(l *C.rd_kafka_topic_partition_list_t) []topicpartition.TopicPartition {
	if l == nil {
		return nil
	}
	list := (*C.struct_rds_tp_list)(unsafe.Pointer(l))
	elems := unsafe.Slice((*C.struct_rds_topic_partition)(unsafe.Pointer(list.elems)), int(list.cnt))
	out := make([]topicpartition.TopicPartition, len(elems))
	for i := range elems {
		e := &elems[i]
		tp := topicpartition.TopicPartition{
			Topic:     C.GoString(e.topic),
			Partition: int32(e.partition),
			Offset:    topicpartition.Offset(e.offset),
		}
		if e.metadata != nil && e.metadata_size > 0 {
			tp.Metadata = C.GoStringN((*C.char)(e.metadata), C.int(e.metadata_size))
		}
		if epoch := int32(C.rd_kafka_topic_partition_get_leader_epoch((*C.rd_kafka_topic_partition_t)(unsafe.Pointer(e)))); epoch >= 0 {
			tp.LeaderEpoch = &epoch
		}
		if e.err != C.RDS_ERR_NO_ERROR {
			tp.Err = codeError(e.err)
		}
		out[i] = tp
	}
	return out
}
