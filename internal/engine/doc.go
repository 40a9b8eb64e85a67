// Package engine is rdstreams' own cgo binding over librdkafka: the one package with C in
// it for rdstreams' clients.
//
// It declares the librdkafka functions it calls itself (librdkafka.h in this folder;
// TestDeclarationsMatchLibrdkafka compiles them against the real header, and
// TestLibraryVersion checks that the library linked is the one they were written for).
// The static librdkafka comes with confluent-kafka-go: the blank import of its kafka
// package puts the library on the link line, so a binary holds one librdkafka, shared
// with whatever still goes through confluent-kafka-go, and building needs only Go and a C
// compiler, no environment variables.
//
// It holds the producer (Producer: librdkafka's event API; delivery reports, client
// errors and statistics wait on the main queue, whose wake-ups reach Go through a pipe
// and the netpoller; reports are taken in batches, copied into one arena per batch),
// the consumer (Consumer: messages taken from the consumer queue a batch at a time
// with rd_kafka_consume_batch_queue and copied, in the same cgo call, into arena
// chunks and blocks of Messages that are never reused; rebalances met inside a batch
// kept in order by a C rebalance callback; commits through a commit queue whose
// results carry the commit's id; leaving the group through the close queue), metadata
// (Metadata, on both), a second instance for admin calls confluent-kafka-go lacks
// (Admin), OAUTHBEARER tokens from the application served from the SASL queue
// (WithTokens), librdkafka's version, and the in-process mock cluster used by the
// no-broker demo (cmd/smoke) and fault injection. Log lines go to a LogFunc from their
// own queue; no librdkafka thread ever calls Go.
package engine
