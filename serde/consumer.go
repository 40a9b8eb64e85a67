package serde

import (
	"context"
	"fmt"
	"iter"
	"time"

	"github.com/rdstreams/rdstreams/consumer"
	"github.com/rdstreams/rdstreams/kafkaerror"
	"github.com/rdstreams/rdstreams/message"
	"github.com/rdstreams/rdstreams/topicpartition"
)

// Consumer is Python's DeserializingConsumer: a consumer.Consumer whose Poll returns
// records with typed, deserialized keys and values. Every other method (Subscribe,
// Assign, Commit, Close, …) is the embedded consumer's; commit a record with
// consumer.CommitMessage(m.Raw()).
type Consumer[K, V any] struct {
	*consumer.Consumer
	key   Deserializer[K]
	value Deserializer[V]
}

// NewConsumer makes a consumer.Consumer from config and opts and deserializes keys with
// key and values with value (Python's key.deserializer and value.deserializer).
func NewConsumer[K, V any](config map[string]any, key Deserializer[K], value Deserializer[V], opts ...consumer.Option) (*Consumer[K, V], error) {
	if key == nil || value == nil {
		return nil, kafkaerror.Newf(kafkaerror.InvalidArg, "serde.NewConsumer: a key and a value deserializer are required (BytesDeserializer passes bytes through)")
	}
	c, err := consumer.New(config, opts...)
	if err != nil {
		return nil, err
	}
	return &Consumer[K, V]{Consumer: c, key: key, value: value}, nil
}

// Message is a consumed record with its key and value deserialized, or an event or
// error. Raw is the record as consumed, with the key and value bytes.
type Message[K, V any] struct {
	raw   *message.Message
	key   K
	value V
	err   error
}

// Key is the deserialized key; K's zero value for a null key or when Err is set.
func (m *Message[K, V]) Key() K { return m.key }

// Value is the deserialized value; V's zero value for a null value or when Err is set.
func (m *Message[K, V]) Value() V { return m.value }

// Err is nil for a record read in full; the consumer's event or error (as
// message.Message.Err); or an *Error with code _KEY_DESERIALIZATION or
// _VALUE_DESERIALIZATION when the key or value could not be deserialized, Python's
// KeyDeserializationError and ValueDeserializationError.
func (m *Message[K, V]) Err() error { return m.err }

// Raw is the record as the consumer returned it.
func (m *Message[K, V]) Raw() *message.Message { return m.raw }

// Topic is the record's topic.
func (m *Message[K, V]) Topic() string { return m.raw.Topic() }

// Partition is the record's partition.
func (m *Message[K, V]) Partition() int32 { return m.raw.Partition() }

// Offset is the record's offset.
func (m *Message[K, V]) Offset() topicpartition.Offset { return m.raw.Offset() }

// Headers are the record's headers.
func (m *Message[K, V]) Headers() []message.Header { return m.raw.Headers() }

// Timestamp is the record's timestamp and its type.
func (m *Message[K, V]) Timestamp() (message.TimestampType, time.Time) { return m.raw.Timestamp() }

// String describes the record for logs, as message.Message does.
func (m *Message[K, V]) String() string {
	if m.err != nil {
		return fmt.Sprintf("%s: %v", m.raw, m.err)
	}
	return m.raw.String()
}

// Poll waits up to timeout for a record (negative: forever) and deserializes it; nil
// on timeout. The deserializers' registry calls are bounded by the registry client's
// own timeout.
func (c *Consumer[K, V]) Poll(timeout time.Duration) *Message[K, V] {
	return c.Deserialize(context.Background(), c.Consumer.Poll(timeout))
}

// PollContext waits until ctx is done for a record and deserializes it (ctx bounds the
// registry calls too); nil when ctx ends first.
func (c *Consumer[K, V]) PollContext(ctx context.Context) *Message[K, V] {
	return c.Deserialize(ctx, c.Consumer.PollContext(ctx))
}

// Messages iterates over what PollContext returns until ctx is done, as the embedded
// consumer's Messages does, yielding each record with its Err.
func (c *Consumer[K, V]) Messages(ctx context.Context) iter.Seq2[*Message[K, V], error] {
	return func(yield func(*Message[K, V], error) bool) {
		for m, err := range c.Consumer.Messages(ctx) {
			dm := c.Deserialize(ctx, m)
			if err == nil {
				err = dm.err
			}
			if !yield(dm, err) || err == kafkaerror.ErrClosed {
				return
			}
		}
	}
}

// Deserialize deserializes a record the embedded consumer returned: its key, then its
// value, each unless null. A failure is set as the Message's Err (the key's first, so
// a bad key leaves the value undecoded, as in Python); a message whose Err is already
// set passes through undecoded. nil gives nil.
func (c *Consumer[K, V]) Deserialize(ctx context.Context, m *message.Message) *Message[K, V] {
	if m == nil {
		return nil
	}
	dm := &Message[K, V]{raw: m, err: m.Err()}
	if dm.err != nil {
		return dm
	}
	sc := SerializationContext{Topic: m.Topic(), Headers: m.Headers()}
	if m.Key() != nil {
		sc.Field = Key
		if dm.key, dm.err = deserialize(ctx, c.key, sc, m.Key()); dm.err != nil {
			return dm
		}
	}
	if m.Value() != nil {
		sc.Field = Value
		dm.value, dm.err = deserialize(ctx, c.value, sc, m.Value())
	}
	return dm
}

// deserialize runs d, turning a failure (a panic too: none escapes) into an *Error.
func deserialize[T any](ctx context.Context, d Deserializer[T], sc SerializationContext, data []byte) (v T, err error) {
	defer func() {
		if r := recover(); r != nil {
			var zero T
			v, err = zero, DeserializationError(sc.Field, fmt.Errorf("%s deserializer panicked: %v", sc.Field, r))
		}
	}()
	v, err = d.Deserialize(ctx, sc, data)
	if err != nil {
		var zero T
		return zero, DeserializationError(sc.Field, err)
	}
	return v, nil
}
