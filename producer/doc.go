// Package producer is rdstreams' asynchronous Kafka producer, with the semantics of the
// Confluent and HPE Data Fabric (MapR) Streams Python clients' Producer.
//
// Produce queues a message and returns at once. Every produced message then gets exactly
// one delivery report — success with its partition and offset, or a permanent failure —
// delivered to a callback when the application calls Poll, Flush or Close, on the
// goroutine that called them. Nothing runs behind the application's back and no channel
// has to be drained: a producer that is never polled simply fills up and returns
// kafkaerror.ErrBufferFull, as the Python client raises BufferError.
//
//	p, err := producer.New(map[string]any{"bootstrap.servers": "localhost:9092"},
//		producer.WithDeliveryReport(func(err error, m *message.Message) {
//			if err != nil {
//				log.Printf("delivery failed: %v", err)
//			}
//		}))
//	if err != nil { … }
//	defer p.Close()
//	err = p.Produce("orders", []byte(`{"id":1}`), producer.Key([]byte("customer-7")))
//	…
//	p.Flush(10 * time.Second)
//
// Partitioning: keyed messages go where Kafka's Java client puts them (murmur2 of the
// key modulo the partition count), whichever client produced them; see New.
//
// Python → Go:
//
//	Producer(conf)                                  producer.New(conf, options…)
//	produce(topic, value, key, partition, on_delivery, timestamp, headers)
//	                                                p.Produce(topic, value, producer.Key(k), producer.Partition(n),
//	                                                    producer.OnDelivery(fn), producer.Timestamp(t), producer.Headers(h…))
//	poll(timeout)                                   p.Poll(timeout) int
//	flush(timeout)                                  p.Flush(timeout) int
//	len(p)                                          p.Len()
//	BufferError                                     kafkaerror.ErrBufferFull
//	init_transactions / begin_transaction / send_offsets_to_transaction /
//	commit_transaction / abort_transaction          p.InitTransactions(ctx) … p.AbortTransaction(ctx)
//	error_cb, stats_cb, logger                      producer.WithErrorCallback, WithStatsCallback, WithLogger
//
//	produce_batch(topic, messages, partition)       p.ProduceBatch(topic, partition, records)
//
// Go additions: ProduceWait blocks for queue room (bounded by a context), and Close
// releases the producer within a bound, reporting what it could not deliver.
//
// The producer runs on rdstreams' own binding over librdkafka (internal/engine):
// librdkafka's event API, whose delivery reports Poll takes from librdkafka in batches
// and serves on the calling goroutine. Len is librdkafka's rd_kafka_outq_len, so
// reports not yet served count toward queue.buffering.max.messages, as in Python.
// ProduceBatch queues many records in one call into librdkafka, for throughput.
package producer
