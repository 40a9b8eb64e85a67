// Package ckconv converts confluent-kafka-go's errors, messages and headers to and from
// rdstreams' types, for the code that still drives confluent-kafka-go: the cluster
// client and the test helpers (internal/testkafka, tests that read with a
// confluent-kafka-go client). The producer, consumer and stream packages run on
// rdstreams' own engine and must not import it.
package ckconv
