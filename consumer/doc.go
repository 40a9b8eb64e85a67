// Package consumer is rdstreams' Kafka consumer, with the semantics of the Confluent and
// HPE Data Fabric (MapR) Streams Python clients' Consumer.
//
// Everything comes from Poll: messages, and events or errors as messages whose Err is
// set (a partition's end with enable.partition.eof, a topic that does not exist, all
// brokers down …). Callbacks — rebalance (OnAssign, OnRevoke, OnLost), commit results,
// errors, statistics — run only inside Poll, Consume or Close, on the goroutine that
// called them, never concurrently, as in the Python client. Nothing runs behind the
// application's back and there is no channel to drain.
//
//	c, err := consumer.New(map[string]any{
//		"bootstrap.servers":  "localhost:9092",
//		"group.id":           "billing",
//		"auto.offset.reset":  "earliest",
//		"enable.auto.commit": false,
//	})
//	if err != nil { … }
//	defer c.Close()
//	if err := c.Subscribe([]string{"orders"}); err != nil { … }
//	for {
//		m := c.Poll(time.Second)
//		if m == nil {
//			continue // nothing within a second
//		}
//		if m.Err() != nil {
//			log.Print(m.Err()) // an event or error
//			continue
//		}
//		process(m)
//		if _, err := c.Commit(consumer.CommitMessage(m)); err != nil { … } // commits offset+1
//	}
//
// Go additions: Messages, an iterator bound to a context; Context twins of every call
// that waits (PollContext, CommitContext, CommittedContext, OffsetsForTimesContext,
// GetWatermarkOffsetsContext, ListTopicsContext, CloseContext); Close returns within a
// bound even when the broker is gone.
//
// Consume(n, timeout) is the fast path: the messages waiting are copied out of
// librdkafka together, in one call, into memory allocated per batch (about one Go
// allocation per hundred messages). Poll returns one message per call and takes no
// more than that from librdkafka, so Position, Seek, Pause and the commit of what Poll
// returned stay exact.
//
// Python → Go:
//
//	Consumer(conf)                            consumer.New(conf, options…)
//	subscribe(topics, on_assign, on_revoke, on_lost)
//	                                          c.Subscribe(topics, consumer.OnAssign(fn), consumer.OnRevoke(fn), consumer.OnLost(fn))
//	unsubscribe()                             c.Unsubscribe()
//	assign(partitions) / unassign()           c.Assign(partitions) / c.Unassign()
//	TopicPartition(t, p) / TopicPartition(t, p, o)
//	                                          topicpartition.Of(t, p) / topicpartition.New(t, p, o)
//	incremental_assign / incremental_unassign c.IncrementalAssign / c.IncrementalUnassign
//	assignment()                              c.Assignment()
//	poll(timeout)                             c.Poll(timeout) (nil on timeout)
//	consume(num_messages, timeout)            c.Consume(n, timeout) (n = 0: an empty list at once)
//	commit(message=m) / commit(offsets=l) / commit()
//	                                          c.Commit(consumer.CommitMessage(m)) / c.Commit(consumer.CommitOffsets(l…)) / c.Commit()
//	commit(…, asynchronous=True)              c.Commit(…, consumer.CommitAsync()); result to consumer.WithCommitCallback
//	committed(partitions, timeout)            c.Committed(partitions, timeout), c.CommittedContext(ctx, partitions)
//	position(partitions)                      c.Position(partitions)
//	get_watermark_offsets(tp, timeout, cached) c.GetWatermarkOffsets(tp, timeout, cached)
//	seek(tp), pause(l), resume(l)             c.Seek(tp) / c.SeekPartitions(l), c.Pause(l), c.Resume(l)
//	store_offsets(message=m) / (offsets=l)    c.StoreMessage(m) / c.StoreOffsets(l)
//	offsets_for_times(l, timeout)             c.OffsetsForTimes(l, timeout)
//	consumer_group_metadata()                 c.GroupMetadata()
//	memberid()                                c.MemberID()
//	list_topics(topic, timeout)               c.ListTopics(topic, timeout), c.ListTopicsContext(ctx, topic)
//	oauth_cb in the config                    consumer.WithOAuthBearer(fn)
//	close()                                   c.Close()
//
// Differences: Commit is synchronous unless CommitAsync is given (Python's default is
// asynchronous); Position of a partition with nothing consumed is OffsetInvalid (the
// MapR client says 0); timeouts are time.Duration, negative meaning no limit. A
// topicpartition.TopicPartition literal without Offset means offset 0, where Python's
// TopicPartition(t, p) means "the committed offset": use topicpartition.Of for that.
//
// Configuration is read as Python reads it, a nested "default.topic.config" map
// included: its properties move to the top level and win over the same ones set there.
package consumer
