// Package groupmeta lets the consumer hand its group metadata to the producer's
// transactions while the consumer still runs on confluent-kafka-go.
//
// Both sides hold the same thing, the bytes of librdkafka's
// rd_kafka_consumer_group_metadata_write: Consumer.GroupMetadata Wraps the consumer
// engine's metadata into the *producer.GroupMetadata that
// Producer.SendOffsetsToTransaction takes, and Bytes reads them back. The package goes
// once the consumer runs on rdstreams' own engine.
package groupmeta
