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
// A Message is a plain, immutable value of rdstreams' own fields. [New] builds one from
// [Fields]: engines do, and so can an application's tests, to hand its handlers messages
// without a broker.
//
// Python → Go: Message(topic=…, …), the constructor meant for tests, is [New]; len()
// is [Message.Len], error() is [Message.Err], key(), value(), topic(), partition(),
// offset(), timestamp() and headers() are [Message.Key], [Message.Value],
// [Message.Topic], [Message.Partition], [Message.Offset], [Message.Timestamp] and
// [Message.Headers]. Where Python returns None, Go returns nil, "",
// [topicpartition.PartitionAny] or [topicpartition.OffsetInvalid].
package message
