// Command smoke is rdstreams' round trip check: it produces a set of messages covering
// the awkward cases (null and empty values and keys, binary bytes, headers with null and
// empty values, timestamps), reads them back and compares every byte, key, header and
// timestamp. It exits non-zero on any mismatch.
//
// With KAFKA_BOOTSTRAP unset it starts librdkafka's in-process mock cluster, so it runs
// anywhere with no broker at all; with KAFKA_BOOTSTRAP set it uses that broker.
//
//	go run ./cmd/smoke            # or: make demo
//	KAFKA_BOOTSTRAP=localhost:9092 go run ./cmd/smoke
//	go run ./cmd/smoke -n 5000 -partitions 6
package main
