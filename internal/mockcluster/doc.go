// Package mockcluster starts librdkafka's in-process mock Kafka cluster: for the
// no-broker demo and for fault injection, never in place of the real broker in
// integration tests.
//
// cmd/smoke (make demo) runs on it when KAFKA_BOOTSTRAP is unset.
package mockcluster
