package cluster_test

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/rdstreams/rdstreams/cluster"
)

// Create a topic, look at it, delete it.
func Example() {
	bootstrap := os.Getenv("KAFKA_BOOTSTRAP")
	if bootstrap == "" {
		bootstrap = "localhost:9092"
	}
	c, err := cluster.New(map[string]any{"bootstrap.servers": bootstrap})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	name := fmt.Sprintf("example-cluster-%d", time.Now().UnixNano()) // a fresh topic for this run
	err = c.CreateTopics(ctx, cluster.TopicSpec{Name: name, Partitions: 3,
		Configs: map[string]string{"retention.ms": "3600000"}})
	if err != nil {
		fmt.Println(err)
		return
	}
	topic, err := c.TopicMetadata(ctx, name)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("partitions:", len(topic.Partitions))

	offsets, err := c.PublishBatch(ctx, name, 2, [][]byte{[]byte("hello"), []byte("world")})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("published to partition 2 at offsets", offsets)

	if err := c.DeleteTopics(ctx, name); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("deleted")
	// Output:
	// partitions: 3
	// published to partition 2 at offsets [0 1]
	// deleted
}
