// Package metadata holds what a Kafka cluster says about itself: its brokers, and its
// topics with their partitions (which broker leads each, which hold replicas, which are
// in sync).
//
// The producer's ListTopics and the cluster package's Metadata return the same
// [Cluster], so code that reads metadata does not care which client fetched it. The
// package is a leaf (it imports nothing else of rdstreams), so every client package
// can use it.
//
// Python → Go (confluent_kafka.admin): ClusterMetadata is [Cluster] (cluster_id,
// controller_id, brokers, topics, orig_broker_id, orig_broker_name), BrokerMetadata is
// [Broker], TopicMetadata is [Topic] (error is [Topic.Err]), PartitionMetadata is
// [Partition] (isrs is [Partition.ISR], error is [Partition.Err]). Python keys brokers
// and topics by id and name in dicts; Go keeps them in sorted slices, with
// [Cluster.Broker] and [Cluster.Topic] to look one up.
package metadata
