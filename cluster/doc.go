// Package cluster is rdstreams' view of a Kafka cluster as a whole: its brokers,
// topics and partitions (who leads each partition, where its replicas live), topic
// administration, consumer groups and how far they lag, and samsa's "publish a list of
// messages to one partition, in order". It also has the rest of confluent-kafka-python's
// AdminClient: DescribeGroups, GroupOffsets, AlterGroupOffsets, PlanGroupReset and
// ResetGroupOffsets, DeleteGroups, CreatePartitions, DescribeConfigs, AlterConfigs and
// IncrementalAlterConfigs, ListOffsets, DeleteRecords, DescribeCluster, CreateACLs,
// DescribeACLs and DeleteACLs, DescribeUserScramCredentials and
// AlterUserScramCredentials.
//
// Where one item of a call can fail alone (a topic, a partition, a group, a config
// resource, a user), the call returns each item's result with its own Err (or
// ItemResults), and its own error only for a failure of the whole call.
//
//	c, err := cluster.New(map[string]any{"bootstrap.servers": "localhost:9092"})
//	if err != nil { … }
//	defer c.Close()
//	md, err := c.Metadata(ctx)
//	for _, b := range md.Brokers {
//		fmt.Println(b.ID, b.Addr())
//	}
//	err = c.CreateTopics(ctx, cluster.TopicSpec{Name: "orders", Partitions: 6,
//		Configs: map[string]string{"retention.ms": "86400000"}})
//	offsets, err := c.PublishBatch(ctx, "orders", 0, [][]byte{a, b, c}) // in order, one partition
//	lag, err := c.GroupLag(ctx, "billing")
//
// Every method takes a context. A context without a deadline is bounded by
// DefaultTimeout, except in PublishBatch, whose messages are bounded by the producer's
// message.timeout.ms instead. Close cuts calls in progress short: they return
// kafkaerror.ErrClosed, as does every call after Close.
//
// Errors from the broker or the client are *kafkaerror.Error values, matched with
// errors.Is against a code: errors.Is(err, kafkaerror.TopicAlreadyExists). When several
// topics fail in one call, the error joins one *kafkaerror.Error per topic.
//
// samsa → Go:
//
//	Cluster(zookeeper)                  cluster.New(config)
//	cluster.brokers[0]                  md.Broker(0)
//	cluster.topics['example-topic']     md.Topic("example-topic"), or c.TopicMetadata(ctx, name)
//	list(topic.partitions)              md.Topic(name).Partitions
//	topic.publish(['hello', 'world'])   c.PublishBatch(ctx, topic, partition, values)
package cluster
