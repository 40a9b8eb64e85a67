package avro_test

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/rdstreams/rdstreams/schemaregistry"
	"github.com/rdstreams/rdstreams/serde"
	"github.com/rdstreams/rdstreams/serde/avro"
	"github.com/rdstreams/rdstreams/topicpartition"
)

func exampleEnv(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// A Go struct written in Avro and read back as a generic map, as Python's
// AvroDeserializer returns a dict.
func Example() {
	broker := exampleEnv("KAFKA_BOOTSTRAP", "localhost:9092")
	client, err := schemaregistry.New(map[string]any{"url": exampleEnv("SCHEMA_REGISTRY_URL", "http://localhost:8081")})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer client.Close()
	topic := fmt.Sprintf("user_avro-%d", time.Now().UnixNano())
	s, err := avro.NewSerializer[User](userSchema, client, nil)
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
	_ = p.Produce(topic, "user-1", User{Name: "Robert Zych", FavoriteNumber: 42, FavoriteColor: "blue"})
	p.Flush(30 * time.Second)

	d, err := avro.NewDeserializer[map[string]any]("", client, nil)
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
		fmt.Println(m.Key(), m.Value())
	}
	// Output: user-1 map[favorite_color:blue favorite_number:42 name:Robert Zych twitter_handle:<nil>]
}
