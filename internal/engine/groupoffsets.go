package engine

/*
#include <stdlib.h>
#include "librdkafka.h"
*/
import "C"

import (
	"context"
	"time"
	"unsafe"

	"github.com/rdstreams/rdstreams/kafkaerror"
	"github.com/rdstreams/rdstreams/topicpartition"
)

// Admin is a librdkafka instance for the admin calls that confluent-kafka-go does not
// expose (cluster's DeleteGroupOffsets). It has no events on its main queue; its log
// lines go to the LogFunc given to NewAdmin.
type Admin struct {
	*client
}

// NewAdmin creates an admin client from librdkafka properties (a producer instance
// that never produces, the cheapest kind).
func NewAdmin(props map[string]string, logf LogFunc) (*Admin, error) {
	c, err := newClient(C.RDS_PRODUCER, props, C.RDS_EVENT_NONE, logf, nil)
	if err != nil {
		return nil, err
	}
	return &Admin{client: c}, nil
}

// Close releases the instance; call it when no other call is in progress.
func (a *Admin) Close() { a.destroy() }

// DeleteGroupOffsets deletes the committed offsets of the given partitions from a
// consumer group (librdkafka's rd_kafka_DeleteConsumerGroupOffsets, Kafka's
// OffsetDelete request). It returns the partitions as the broker answered, each with
// its own Err (GROUP_SUBSCRIBED_TO_TOPIC while a member of the group is subscribed to
// the topic; UNKNOWN_TOPIC_OR_PART) in librdkafka's words, and an error of its own
// when the whole request failed (GROUP_ID_NOT_FOUND for a group without committed
// offsets; ctx's error when ctx ended first).
func (c *client) DeleteGroupOffsets(ctx context.Context, group string, partitions []topicpartition.TopicPartition) ([]topicpartition.TopicPartition, error) {
	list := C.rd_kafka_topic_partition_list_new(C.int(len(partitions)))
	defer C.rd_kafka_topic_partition_list_destroy(list)
	for _, tp := range partitions {
		name := C.CString(tp.Topic)
		C.rd_kafka_topic_partition_list_add(list, name, C.int32_t(tp.Partition))
		C.free(unsafe.Pointer(name))
	}
	cgroup := C.CString(group)
	req := C.rd_kafka_DeleteConsumerGroupOffsets_new(cgroup, list)
	C.free(unsafe.Pointer(cgroup))
	defer C.rd_kafka_DeleteConsumerGroupOffsets_destroy(req)

	opts := C.rd_kafka_AdminOptions_new(c.rk, C.RDS_ADMIN_OP_DELETECONSUMERGROUPOFFSETS)
	defer C.rd_kafka_AdminOptions_destroy(opts)
	if deadline, ok := ctx.Deadline(); ok {
		errbuf := (*C.char)(C.malloc(errBufSize))
		defer C.free(unsafe.Pointer(errbuf))
		ms := C.int(max(1, time.Until(deadline).Milliseconds()))
		if code := C.rd_kafka_AdminOptions_set_request_timeout(opts, ms, errbuf, errBufSize); code != C.RDS_ERR_NO_ERROR {
			return nil, kafkaerror.New(kafkaerror.Code(code), C.GoString(errbuf), kafkaerror.Flags{})
		}
	}

	q := C.rd_kafka_queue_new(c.rk)
	defer C.rd_kafka_queue_destroy(q)
	// The request array is C memory: cgo lets no Go pointer to a C pointer through.
	reqs := (**C.rd_kafka_DeleteConsumerGroupOffsets_t)(C.malloc(C.size_t(unsafe.Sizeof(req))))
	defer C.free(unsafe.Pointer(reqs))
	*reqs = req
	C.rd_kafka_DeleteConsumerGroupOffsets(c.rk, reqs, 1, opts, q)

	ev := waitEvent(ctx, q)
	if ev == nil {
		return nil, ctx.Err()
	}
	defer C.rd_kafka_event_destroy(ev)
	if code := C.rd_kafka_event_error(ev); code != C.RDS_ERR_NO_ERROR {
		return nil, kafkaerror.New(kafkaerror.Code(code), C.GoString(C.rd_kafka_event_error_string(ev)), kafkaerror.Flags{})
	}
	res := C.rd_kafka_event_DeleteConsumerGroupOffsets_result(ev)
	if res == nil {
		return nil, kafkaerror.Newf(kafkaerror.Fail, "delete group offsets: an event of type %d instead of the result", int(C.rd_kafka_event_type(ev)))
	}
	var n C.size_t
	groups := C.rd_kafka_DeleteConsumerGroupOffsets_result_groups(res, &n)
	if n != 1 {
		return nil, kafkaerror.Newf(kafkaerror.Fail, "delete group offsets: %d results for one group", int(n))
	}
	g := unsafe.Slice(groups, 1)[0]
	if e := C.rd_kafka_group_result_error(g); e != nil {
		return nil, kafkaerror.New(kafkaerror.Code(C.rd_kafka_error_code(e)), C.GoString(C.rd_kafka_error_string(e)), kafkaerror.Flags{})
	}
	return partitionsOf(C.rd_kafka_group_result_partitions(g)), nil
}

// waitEvent waits for the next event of q until ctx is done; nil then.
func waitEvent(ctx context.Context, q *C.rd_kafka_queue_t) *C.rd_kafka_event_t {
	yielded := make(chan struct{})
	stop := context.AfterFunc(ctx, func() {
		defer close(yielded)
		C.rd_kafka_queue_yield(q) // ends the wait below
	})
	var ev *C.rd_kafka_event_t
	for ev == nil && ctx.Err() == nil {
		ev = C.rd_kafka_queue_poll(q, -1)
	}
	if !stop() {
		<-yielded // the queue outlives the yield
	}
	return ev
}

// partitionsOf copies a partition list librdkafka owns: topic, partition, offset and
// the partition's error.
func partitionsOf(list *C.rd_kafka_topic_partition_list_t) []topicpartition.TopicPartition {
	if list == nil {
		return nil
	}
	l := (*C.struct_rds_tp_list)(unsafe.Pointer(list))
	elems := unsafe.Slice((*C.struct_rds_topic_partition)(unsafe.Pointer(l.elems)), int(l.cnt))
	out := make([]topicpartition.TopicPartition, len(elems))
	for i, e := range elems {
		out[i] = topicpartition.New(C.GoString(e.topic), int32(e.partition), topicpartition.Offset(e.offset))
		if e.err != C.RDS_ERR_NO_ERROR {
			out[i].Err = codeError(e.err)
		}
	}
	return out
}
