package cluster_test

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/rdstreams/rdstreams/cluster"
	"github.com/rdstreams/rdstreams/topicpartition"
)

// exampleClient connects to KAFKA_BOOTSTRAP (localhost:9092 without it).
func exampleClient() (*cluster.Client, error) {
	bootstrap := os.Getenv("KAFKA_BOOTSTRAP")
	if bootstrap == "" {
		bootstrap = "localhost:9092"
	}
	return cluster.New(map[string]any{"bootstrap.servers": bootstrap})
}

// Reset a group's offsets as kafka-consumer-groups --reset-offsets does: plan it,
// show the plan, then carry it out.
func ExampleClient_PlanGroupReset() {
	c, err := exampleClient()
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	topic := fmt.Sprintf("example-reset-%d", time.Now().UnixNano())
	group := topic + "-group"
	if err := c.CreateTopics(ctx, cluster.TopicSpec{Name: topic, Partitions: 1}); err != nil {
		fmt.Println(err)
		return
	}
	defer c.DeleteTopics(ctx, topic)
	if _, err := c.PublishBatch(ctx, topic, 0, [][]byte{[]byte("a"), []byte("b"), []byte("c")}); err != nil {
		fmt.Println(err)
		return
	}
	// The group has read everything (a consumer would have committed this).
	if _, err := c.AlterGroupOffsets(ctx, group, []topicpartition.TopicPartition{topicpartition.New(topic, 0, 3)}); err != nil {
		fmt.Println(err)
		return
	}

	plan, err := c.PlanGroupReset(ctx, group, cluster.ResetToEarliest())
	if err != nil {
		fmt.Println(err) // NON_EMPTY_GROUP, naming the members, while consumers are in the group
		return
	}
	for _, p := range plan.Partitions {
		fmt.Printf("partition %d: %s -> %s\n", p.Partition, p.Current, p.Target)
	}
	done, err := c.ResetGroupOffsets(ctx, plan)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, tp := range done {
		fmt.Printf("partition %d committed at %s, error: %v\n", tp.Partition, tp.Offset, tp.Err)
	}
	res, err := c.DeleteGroups(ctx, group)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("group deleted:", res.Err() == nil)
	// Output:
	// partition 0: 3 -> 0
	// partition 0 committed at 0, error: <nil>
	// group deleted: true
}

// Change a topic's retention and see where the value comes from; grow the topic.
func ExampleClient_IncrementalAlterConfigs() {
	c, err := exampleClient()
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	topic := fmt.Sprintf("example-configs-%d", time.Now().UnixNano())
	if err := c.CreateTopics(ctx, cluster.TopicSpec{Name: topic, Partitions: 1}); err != nil {
		fmt.Println(err)
		return
	}
	defer c.DeleteTopics(ctx, topic)

	res, err := c.IncrementalAlterConfigs(ctx, cluster.ConfigAlteration{
		Resource: cluster.TopicResource(topic),
		Ops:      []cluster.ConfigOp{{Name: "retention.ms", Op: cluster.ConfigSet, Value: "86400000"}},
	})
	if err == nil {
		err = res.Err() // per topic: an unknown property is INVALID_CONFIG naming the topic
	}
	if err != nil {
		fmt.Println(err)
		return
	}
	configs, err := c.DescribeConfigs(ctx, cluster.TopicResource(topic))
	if err != nil || configs[0].Err != nil {
		fmt.Println(err, configs[0].Err)
		return
	}
	e := configs[0].Entry("retention.ms")
	fmt.Println(e.Name, e.Value, e.Source, "default:", e.Default)

	grown, err := c.CreatePartitions(ctx, cluster.PartitionsSpec{Topic: topic, Total: 3})
	if err == nil {
		err = grown.Err()
	}
	fmt.Println("grown to 3 partitions:", err == nil)
	// Output:
	// retention.ms 86400000 DYNAMIC_TOPIC_CONFIG default: false
	// grown to 3 partitions: true
}

// The --to values of rdstreams groups reset.
func ExampleParseResetTo() {
	for _, s := range []string{"earliest", "offset:42", "time:2025-01-02T15:04:05Z", "yesterday"} {
		to, err := cluster.ParseResetTo(s)
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Println(to)
	}
	// Output:
	// earliest
	// offset:42
	// time:2025-01-02T15:04:05Z
	// reset to "yesterday": use earliest, latest, time:RFC3339 or offset:N
}
