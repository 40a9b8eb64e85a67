package consumer_test

import (
	"fmt"
	"os"
	"time"

	"github.com/rdstreams/rdstreams/consumer"
	"github.com/rdstreams/rdstreams/producer"
	"github.com/rdstreams/rdstreams/topicpartition"
)

// Subscribe, poll, process, commit each message after processing it.
func Example() {
	bootstrap := os.Getenv("KAFKA_BOOTSTRAP")
	if bootstrap == "" {
		bootstrap = "localhost:9092"
	}
	topic := fmt.Sprintf("example-orders-%d", time.Now().UnixNano()) // a fresh topic for this run
	p, _ := producer.New(map[string]any{"bootstrap.servers": bootstrap})
	for _, v := range []string{"apple", "banana", "cherry"} {
		_ = p.Produce(topic, []byte(v))
	}
	p.Flush(30 * time.Second)
	p.Close()

	c, err := consumer.New(map[string]any{
		"bootstrap.servers":  bootstrap,
		"group.id":           "example-group-" + topic,
		"auto.offset.reset":  "earliest",
		"enable.auto.commit": false,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()
	if err := c.Subscribe([]string{topic}); err != nil {
		fmt.Println(err)
		return
	}
	for read := 0; read < 3; {
		m := c.Poll(time.Second)
		if m == nil {
			continue // nothing yet
		}
		if m.Err() != nil {
			continue // an event, e.g. the topic being created
		}
		fmt.Printf("%s at offset %d\n", m.Value(), m.Offset())
		if _, err := c.Commit(consumer.CommitMessage(m)); err != nil {
			fmt.Println("commit:", err)
		}
		read++
	}
	// Output:
	// apple at offset 0
	// banana at offset 1
	// cherry at offset 2
}

// Consume takes messages a batch at a time: the fast way to read a topic.
func ExampleConsumer_Consume() {
	bootstrap := os.Getenv("KAFKA_BOOTSTRAP")
	if bootstrap == "" {
		bootstrap = "localhost:9092"
	}
	topic := fmt.Sprintf("example-batch-%d", time.Now().UnixNano())
	p, _ := producer.New(map[string]any{"bootstrap.servers": bootstrap})
	for i := 0; i < 5; i++ {
		_ = p.Produce(topic, []byte(fmt.Sprint("event ", i)), producer.Partition(0))
	}
	p.Flush(30 * time.Second)
	p.Close()

	c, err := consumer.New(map[string]any{"bootstrap.servers": bootstrap})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()
	_ = c.Assign([]topicpartition.TopicPartition{topicpartition.New(topic, 0, topicpartition.OffsetBeginning)})
	for read := 0; read < 5; {
		msgs, err := c.Consume(100, time.Second) // up to 100 at once, waiting up to a second
		if err != nil {
			fmt.Println(err)
			return
		}
		for _, m := range msgs {
			if m.Err() == nil {
				fmt.Printf("%s at offset %d\n", m.Value(), m.Offset())
				read++
			}
		}
	}
	// Output:
	// event 0 at offset 0
	// event 1 at offset 1
	// event 2 at offset 2
	// event 3 at offset 3
	// event 4 at offset 4
}
