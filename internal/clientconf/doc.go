// Package clientconf holds what rdstreams' clients do with the librdkafka configuration
// a user gives them, before and after the engine sees it: checking it and spelling it
// for the engine (ConfigStrings, with default.topic.config flattened as Python does),
// reading the few properties rdstreams acts on itself (BoolProperty, IntProperty), and
// wording the errors that depend on it: a refused property under the name the user
// wrote (ConfigError), and connection failures explained for the client's security
// settings (Conn, ConnError).
//
// It knows nothing of confluent-kafka-go, so the producer, consumer and stream packages
// use it without linking that library's Go code.
package clientconf
