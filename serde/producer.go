package serde

import (
	"context"
	"fmt"

	"github.com/rdstreams/rdstreams/kafkaerror"
	"github.com/rdstreams/rdstreams/producer"
)

// Producer is Python's SerializingProducer: a producer.Producer whose Produce takes a
// typed key and value and serializes them first. Every other method (Poll, Flush,
// Len, transactions, Close, …) is the embedded producer's.
type Producer[K, V any] struct {
	*producer.Producer
	key   Serializer[K]
	value Serializer[V]
}

// NewProducer makes a producer.Producer from config and opts and serializes keys with
// key and values with value (Python's key.serializer and value.serializer). Use
// BytesSerializer for records without keys.
func NewProducer[K, V any](config map[string]any, key Serializer[K], value Serializer[V], opts ...producer.Option) (*Producer[K, V], error) {
	if key == nil || value == nil {
		return nil, kafkaerror.Newf(kafkaerror.InvalidArg, "serde.NewProducer: a key and a value serializer are required (BytesSerializer passes bytes through)")
	}
	p, err := producer.New(config, opts...)
	if err != nil {
		return nil, err
	}
	return &Producer[K, V]{Producer: p, key: key, value: value}, nil
}

// Produce serializes key and value and queues the record, as ProduceContext with a
// context that only the registry client's own timeout bounds.
func (p *Producer[K, V]) Produce(topic string, key K, value V, opts ...producer.ProduceOption) error {
	return p.ProduceContext(context.Background(), topic, key, value, opts...)
}

// ProduceContext serializes key, then value, and queues the record with opts
// (partition, headers, timestamp, OnDelivery; the key is this call's). A serializer's
// failure returns an *Error whose code is _KEY_SERIALIZATION or _VALUE_SERIALIZATION
// and nothing is queued; otherwise it is the producer's Produce. ctx bounds the
// serializers' registry calls.
func (p *Producer[K, V]) ProduceContext(ctx context.Context, topic string, key K, value V, opts ...producer.ProduceOption) error {
	kb, err := serialize(ctx, p.key, SerializationContext{Topic: topic, Field: Key}, key)
	if err != nil {
		return err
	}
	vb, err := serialize(ctx, p.value, SerializationContext{Topic: topic, Field: Value}, value)
	if err != nil {
		return err
	}
	if kb != nil {
		opts = append(opts, producer.Key(kb))
	}
	return p.Producer.Produce(topic, vb, opts...)
}

// serialize runs s, turning a failure (a panic too: none escapes) into an *Error.
func serialize[T any](ctx context.Context, s Serializer[T], sc SerializationContext, v T) (out []byte, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = SerializationError(sc.Field, fmt.Errorf("%s serializer panicked: %v", sc.Field, r))
		}
	}()
	out, err = s.Serialize(ctx, sc, v)
	if err != nil {
		return nil, SerializationError(sc.Field, err)
	}
	return out, nil
}
