package stream_test

import (
	"context"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/rdstreams/rdstreams/cluster"
	"github.com/rdstreams/rdstreams/stream"
)

// exampleBroker is the broker the examples talk to: KAFKA_BOOTSTRAP (set by make
// test), else a local default.
func exampleBroker() string {
	if b := os.Getenv("KAFKA_BOOTSTRAP"); b != "" {
		return b
	}
	return "localhost:9092"
}

// Write three messages in hop-client's formats, then read them back with their
// metadata. As in hop-client, a string is written as json (a Python str) and a []byte
// as a blob (Python bytes).
func Example() {
	broker := exampleBroker()
	url := fmt.Sprintf("kafka://%s/example-alerts-%d", broker, time.Now().UnixNano())

	w, err := stream.Open(url, stream.Write, stream.NoAuth())
	if err != nil {
		fmt.Println(err)
		return
	}
	_ = w.Write(stream.JSON(map[string]any{"event": "GRB", "ra": 12.5}))
	_ = w.Write("plain text")
	_ = w.Write([]byte{0x00, 0x01})
	if err := w.Close(); err != nil {
		fmt.Println(err)
		return
	}

	r, err := stream.Open(url, stream.Read, stream.NoAuth(), stream.StartAt(stream.Earliest))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer r.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for m, err := range r.Messages(ctx) { // ends at the end of the stream
		if err != nil {
			continue // e.g. the topic is being created
		}
		if m.Format == stream.FormatJSON {
			content, _ := m.Content() // what json.Unmarshal gives into an any
			fmt.Printf("offset %d, json: %v\n", m.Metadata.Offset, content)
		} else {
			fmt.Printf("offset %d, %s: %x\n", m.Metadata.Offset, m.Format, m.Payload)
		}
	}
	// Output:
	// offset 0, json: map[event:GRB ra:12.5]
	// offset 1, json: plain text
	// offset 2, blob: 0001
}

// Mark messages done without waiting for the broker (hop-client's mark_done default);
// Close waits for those commits, so the group resumes after the last one marked.
func ExampleStream_MarkDoneAsync() {
	broker := exampleBroker()
	url := fmt.Sprintf("kafka://%s/example-marks-%d", broker, time.Now().UnixNano())
	group := fmt.Sprintf("example-marks-%d", time.Now().UnixNano())

	w, err := stream.Open(url, stream.Write, stream.NoAuth())
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, alert := range []string{"first", "second", "third"} {
		_ = w.Write(alert)
	}
	if err := w.Close(); err != nil {
		fmt.Println(err)
		return
	}

	read := func(process int) {
		r, err := stream.Open(url, stream.Read, stream.NoAuth(), stream.Group(group),
			stream.StartAt(stream.Earliest), stream.AutoCommit(false))
		if err != nil {
			fmt.Println(err)
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		for m, err := range r.Messages(ctx) {
			if err != nil {
				continue // e.g. the topic is being created
			}
			var alert string
			_ = m.Decode(&alert)
			fmt.Println("processed", alert)
			if err := r.MarkDoneAsync(m.Metadata); err != nil {
				fmt.Println(err)
			}
			if process--; process == 0 {
				break
			}
		}
		if err := r.Close(); err != nil { // waits for the commits, reports their failures
			fmt.Println(err)
		}
	}
	read(2)
	fmt.Println("-- a new reader of the group")
	read(-1) // to the end of the stream
	// Output:
	// processed first
	// processed second
	// -- a new reader of the group
	// processed third
}

// A reader is positioned when Open returns: with Latest it starts after what the topic
// holds, and reads whatever is written from then on.
func ExampleStream_Positioned() {
	broker := exampleBroker()
	url := fmt.Sprintf("kafka://%s/example-positioned-%d", broker, time.Now().UnixNano())
	w, err := stream.Open(url, stream.Write, stream.NoAuth())
	if err != nil {
		fmt.Println(err)
		return
	}
	defer w.Close()
	_ = w.Write("old news") // creates the topic (with the broker's auto.create.topics.enable)
	if err := w.Flush(context.Background()); err != nil {
		fmt.Println(err)
		return
	}

	r, err := stream.Open(url, stream.Read, stream.NoAuth(), stream.Persist()) // StartAt(Latest)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer r.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	starts, err := r.Positioned(ctx)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, tp := range starts {
		fmt.Printf("partition %d starts at offset %d\n", tp.Partition, tp.Offset)
	}
	_ = w.Write("breaking news") // written once the reader is positioned: it is read
	for m, err := range r.Messages(ctx) {
		if err != nil {
			fmt.Println(err)
			return
		}
		var alert string
		_ = m.Decode(&alert)
		fmt.Println("read", alert)
		break
	}
	// Output:
	// partition 0 starts at offset 1
	// read breaking news
}

// Balanced readers of one group share the topic's partitions out, as Kafka consumer
// group members do (rdstreams' addition; hop-client's readers each read everything).
func ExampleBalanced() {
	broker := exampleBroker()
	topic := fmt.Sprintf("example-balanced-%d", time.Now().UnixNano())
	admin, err := cluster.New(map[string]any{"bootstrap.servers": broker})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer admin.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := admin.CreateTopics(ctx, cluster.TopicSpec{Name: topic, Partitions: 4}); err != nil {
		fmt.Println(err)
		return
	}
	url := fmt.Sprintf("kafka://%s/%s", broker, topic)
	group := "example-balanced-" + topic

	var readers []*stream.Stream
	var wg sync.WaitGroup
	for range 2 {
		r, err := stream.Open(url, stream.Read, stream.NoAuth(), stream.Group(group), stream.Balanced(), stream.Persist())
		if err != nil {
			fmt.Println(err)
			return
		}
		readers = append(readers, r)
		wg.Add(1)
		go func() { // the group assigns partitions while Messages runs
			defer wg.Done()
			for range r.Messages(ctx) {
			}
		}()
	}
	for i := range readers {
		if _, err := readers[1-i].Positioned(ctx); err != nil { // the second, then the first
			fmt.Println(err)
		}
	}
	for i, r := range readers {
		starts, err := r.Positioned(ctx)
		if err != nil {
			fmt.Println(err)
		}
		fmt.Printf("reader %d reads %d of the 4 partitions\n", i+1, len(starts))
	}
	for _, r := range readers {
		_ = r.Close() // ends its Messages
	}
	wg.Wait()
	// Output:
	// reader 1 reads 2 of the 4 partitions
	// reader 2 reads 2 of the 4 partitions
}
