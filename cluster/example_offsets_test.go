package cluster_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/rdstreams/rdstreams/cluster"
	"github.com/rdstreams/rdstreams/kafkaerror"
	"github.com/rdstreams/rdstreams/topicpartition"
)

// Forget where a group was on one partition, keeping the others: kafka-consumer-groups
// --delete-offsets.
func ExampleClient_DeleteGroupOffsets() {
	c, err := exampleClient()
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	topic := fmt.Sprintf("example-delete-offsets-%d", time.Now().UnixNano())
	group := topic + "-group"
	if err := c.CreateTopics(ctx, cluster.TopicSpec{Name: topic, Partitions: 2}); err != nil {
		fmt.Println(err)
		return
	}
	defer c.DeleteTopics(ctx, topic)
	// The group's position on both partitions (a consumer would have committed these).
	if _, err := c.AlterGroupOffsets(ctx, group, []topicpartition.TopicPartition{
		topicpartition.New(topic, 0, 0), topicpartition.New(topic, 1, 0),
	}); err != nil {
		fmt.Println(err)
		return
	}
	defer c.DeleteGroups(ctx, group)

	deleted, err := c.DeleteGroupOffsets(ctx, group, topicpartition.Of(topic, 1))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("partition", deleted[0].Partition, "error:", deleted[0].Err)
	left, err := c.GroupOffsets(ctx, group)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, tp := range left {
		fmt.Println("still committed: partition", tp.Partition, "at", tp.Offset)
	}
	// Output:
	// partition 1 error: <nil>
	// still committed: partition 0 at 0
}

// Move leadership back to the preferred replicas after a broker restart.
func ExampleClient_ElectLeaders() {
	c, err := exampleClient()
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	topic := fmt.Sprintf("example-elect-%d", time.Now().UnixNano())
	if err := c.CreateTopics(ctx, cluster.TopicSpec{Name: topic, Partitions: 1}); err != nil {
		fmt.Println(err)
		return
	}
	defer c.DeleteTopics(ctx, topic)

	res, err := c.ElectLeaders(ctx, cluster.ElectPreferred, topicpartition.Of(topic, 0))
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, tp := range res {
		switch {
		case errors.Is(tp.Err, kafkaerror.ElectionNotNeeded):
			fmt.Println("partition", tp.Partition, "already led by its preferred replica")
		case tp.Err != nil:
			fmt.Println("partition", tp.Partition, "failed:", tp.Err)
		default:
			fmt.Println("partition", tp.Partition, "has a new leader")
		}
	}
	// Output:
	// partition 0 already led by its preferred replica
}
