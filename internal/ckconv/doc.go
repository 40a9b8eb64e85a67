// Package ckconv converts between confluent-kafka-go (the engine under rdstreams) and
// rdstreams' public types: errors, messages, partition lists, headers and configuration.
// It is the one place that knows both; the public packages never show engine types.
package ckconv
