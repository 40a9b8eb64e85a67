package protobuf_test

import (
	"context"
	"fmt"
	"os"
	"time"

	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/rdstreams/rdstreams/schemaregistry"
	"github.com/rdstreams/rdstreams/serde"
	"github.com/rdstreams/rdstreams/serde/protobuf"
	"github.com/rdstreams/rdstreams/topicpartition"
)

func exampleEnv(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// The seed's produce_protobuf with a generated message type (here the well-known
// StringValue; a protoc-generated *userpb.User works the same), read back into it.
func Example() {
	broker := exampleEnv("KAFKA_BOOTSTRAP", "localhost:9092")
	client, err := schemaregistry.New(map[string]any{"url": exampleEnv("SCHEMA_REGISTRY_URL", "http://localhost:8081")})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer client.Close()
	topic := fmt.Sprintf("mytopic_protobuf-%d", time.Now().UnixNano())
	s, err := protobuf.NewSerializer[*wrapperspb.StringValue](client, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	p, err := serde.NewProducer(map[string]any{"bootstrap.servers": broker}, serde.StringSerializer(), s)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer p.Close()
	_ = p.Produce(topic, "greeting", wrapperspb.String("hello from Go"))
	p.Flush(30 * time.Second)

	d, err := protobuf.NewDeserializer[*wrapperspb.StringValue](client, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	c, err := serde.NewConsumer(map[string]any{"bootstrap.servers": broker}, serde.StringDeserializer(), d)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()
	_ = c.Assign([]topicpartition.TopicPartition{topicpartition.New(topic, 0, topicpartition.OffsetBeginning)})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if m := c.PollContext(ctx); m != nil && m.Err() == nil {
		fmt.Println(m.Key()+":", m.Value().GetValue())
	}
	// Output: greeting: hello from Go
}
