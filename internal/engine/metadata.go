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

	"github.com/rdstreams/rdstreams/metadata"
)

// metadataSlices are the bounds of Metadata's successive requests: librdkafka's
// metadata call cannot be interrupted, so a long wait is made of requests of at most
// these lengths, the last repeated, with the caller's context looked at in between.
var metadataSlices = []time.Duration{time.Second, 2 * time.Second, 5 * time.Second}

// Metadata asks the cluster about its brokers and topics: every topic when topic is
// "", else that topic alone (Python's list_topics(topic)). As in librdkafka, asking
// about one topic the cluster does not have answers with that topic and its
// UNKNOWN_TOPIC_OR_PART in Topic.Err, or creates it when the client's
// allow.auto.create.topics (a producer's default) and the broker's
// auto.create.topics.enable both allow.
//
// It waits until ctx is done (no deadline: for as long as it takes). No broker
// reachable in that time is the error of the last request, _TRANSPORT or _TIMED_OUT
// in librdkafka's words. A request in progress is not interrupted: a cancelled ctx is
// noticed within 5 s.
func (c *client) Metadata(ctx context.Context, topic string) (*metadata.Cluster, error) {
	var rkt *C.rd_kafka_topic_t
	if topic != "" {
		name := C.CString(topic)
		rkt = C.rd_kafka_topic_new(c.rk, name, nil)
		C.free(unsafe.Pointer(name))
		if rkt == nil {
			return nil, codeError(C.rd_kafka_last_error())
		}
		defer C.rd_kafka_topic_destroy(rkt)
	}
	all := C.int(0)
	if rkt == nil {
		all = 1
	}
	for attempt := 0; ; attempt++ {
		bound := metadataSlices[min(attempt, len(metadataSlices)-1)]
		if deadline, ok := ctx.Deadline(); ok {
			bound = min(bound, time.Until(deadline))
		}
		var md *C.struct_rd_kafka_metadata
		code := C.rd_kafka_metadata(c.rk, all, rkt, &md, C.int(max(1, bound.Milliseconds())))
		if code == C.RDS_ERR_NO_ERROR {
			defer C.rd_kafka_metadata_destroy(md)
			return c.convertMetadata((*C.struct_rds_metadata)(unsafe.Pointer(md))), nil
		}
		if (code != C.RDS_ERR__TIMED_OUT && code != C.RDS_ERR__TRANSPORT) || ctx.Err() != nil {
			return nil, codeError(code)
		}
	}
}

// convertMetadata copies librdkafka's metadata into Go values, sorted.
func (c *client) convertMetadata(md *C.struct_rds_metadata) *metadata.Cluster {
	out := &metadata.Cluster{
		ControllerID:   int32(C.rd_kafka_controllerid(c.rk, 0)), // from the answer just parsed
		OrigBrokerID:   int32(md.orig_broker_id),
		OrigBrokerName: C.GoString(md.orig_broker_name),
	}
	if id := C.rd_kafka_clusterid(c.rk, 0); id != nil {
		out.ClusterID = C.GoString(id)
		C.rd_kafka_mem_free(c.rk, unsafe.Pointer(id))
	}
	brokers := unsafe.Slice(md.brokers, int(md.broker_cnt))
	out.Brokers = make([]metadata.Broker, len(brokers))
	for i, b := range brokers {
		out.Brokers[i] = metadata.Broker{ID: int32(b.id), Host: C.GoString(b.host), Port: int(b.port)}
	}
	topics := unsafe.Slice(md.topics, int(md.topic_cnt))
	out.Topics = make([]metadata.Topic, len(topics))
	for i, t := range topics {
		name := C.GoString(t.topic)
		mt := metadata.Topic{Name: name, Internal: metadata.InternalTopic(name), Err: brokerError(t.err)}
		parts := unsafe.Slice(t.partitions, int(t.partition_cnt))
		mt.Partitions = make([]metadata.Partition, len(parts))
		for j, p := range parts {
			mt.Partitions[j] = metadata.Partition{
				ID:       int32(p.id),
				Leader:   int32(p.leader),
				Replicas: brokerIDs(p.replicas, p.replica_cnt),
				ISR:      brokerIDs(p.isrs, p.isr_cnt),
				Err:      brokerError(p.err),
			}
		}
		out.Topics[i] = mt
	}
	out.Sort()
	return out
}

// brokerError is nil for no error, else librdkafka's error for code. (A nil
// *kafkaerror.Error must not become a non-nil error interface.)
func brokerError(code C.int) error {
	if code == C.RDS_ERR_NO_ERROR {
		return nil
	}
	return codeError(code)
}

func brokerIDs(ids *C.int32_t, n C.int) []int32 {
	out := make([]int32, int(n))
	for i, id := range unsafe.Slice(ids, int(n)) {
		out[i] = int32(id)
	}
	return out
}
