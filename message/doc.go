// Package message holds Message, what a consumer's Poll returns and what a producer's
// delivery report carries: a consumed or produced record, or an event or error.
//
// Check Err first: nil means a proper message; otherwise the Message reports an event
// or an error (a *kafkaerror.Error, for example _PARTITION_EOF) and may still carry the
// topic, partition and offset it concerns.
//
// Absent is distinct from empty: Value and Key return nil for a null payload or key
// (a tombstone), and an empty non-nil slice for a zero-length one.
//
// Python → Go: len() is [Message.Len], error() is [Message.Err], key(), value(),
// topic(), partition(), offset(), timestamp() and headers() are [Message.Key],
// [Message.Value], [Message.Topic], [Message.Partition], [Message.Offset],
// [Message.Timestamp] and [Message.Headers]. Where Python returns None, Go returns nil,
// "", [topicpartition.PartitionAny] or [topicpartition.OffsetInvalid].
package message
