package ckconv

import (
	"reflect"

	ckafka "github.com/confluentinc/confluent-kafka-go/v2/kafka"
)

// GroupMetadataBytes is the serialized form (rd_kafka_consumer_group_metadata_write)
// that confluent-kafka-go's consumer group metadata holds, for
// producer.ParseGroupMetadata; nil for nil. confluent-kafka-go keeps the bytes in an
// unexported field and offers no accessor: it is read by name, without unsafe, until
// the consumer runs on rdstreams' own engine.
func GroupMetadataBytes(md *ckafka.ConsumerGroupMetadata) []byte {
	if md == nil {
		return nil
	}
	f := reflect.ValueOf(md).Elem().FieldByName("serialized")
	if !f.IsValid() || f.Kind() != reflect.Slice {
		return nil
	}
	return append([]byte(nil), f.Bytes()...)
}
