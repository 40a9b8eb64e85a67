package engine

/*
#include "helpers.h"
*/
import "C"

import (
	"time"
	"unsafe"

	"github.com/rdstreams/rdstreams/message"
	"github.com/rdstreams/rdstreams/topicpartition"
)

// The records the C helpers write (rds_consume for consumed messages, rds_dr_fill for
// delivery reports) point into an arena of Go memory that is never written again:
// keys, values and header values are slices of it, header names strings sharing its
// bytes, so a Message costs no copy and stays valid while referenced.

// fillHeaders sets out[i] from hdrs[i], their bytes in arena.
func fillHeaders(out []message.Header, hdrs []C.struct_rds_hdr, arena []byte) {
	for i := range out {
		h := &hdrs[i]
		out[i] = message.Header{}
		if h.name_len > 0 {
			out[i].Key = unsafe.String(&arena[h.name_off], int(h.name_len))
		}
		if h.value_len >= 0 {
			out[i].Value = arena[h.value_off : h.value_off+h.value_len : h.value_off+h.value_len]
		}
	}
}

// fieldsOf is the message record r describes: its bytes in arena, its headers among
// headers, the topic given. epoch holds the leader epoch Fields points to (message.Build
// copies the number), so that no variable escapes per message.
func fieldsOf(r *C.struct_rds_msg, topic string, arena []byte, headers []message.Header, epoch *int32) message.Fields {
	f := message.Fields{
		Topic:     topic,
		Partition: int32(r.partition),
		Offset:    topicpartition.Offset(r.offset),
	}
	if r.key_len >= 0 {
		f.Key = arena[r.key_off : r.key_off+r.key_len : r.key_off+r.key_len]
	}
	if r.value_len >= 0 {
		f.Value = arena[r.value_off : r.value_off+r.value_len : r.value_off+r.value_len]
	}
	if r.hdr_count > 0 {
		f.Headers = headers[r.hdr_first : r.hdr_first+r.hdr_count : r.hdr_first+r.hdr_count]
	}
	if r.tstype != C.RDS_TIMESTAMP_NOT_AVAILABLE {
		f.TimestampType = message.TimestampType(r.tstype)
		f.Timestamp = time.UnixMilli(int64(r.timestamp))
	}
	if r.leader_epoch >= 0 {
		*epoch = int32(r.leader_epoch)
		f.LeaderEpoch = epoch
	}
	return f
}
