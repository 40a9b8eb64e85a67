package jsonschema_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/rdstreams/rdstreams/kafkaerror"
	"github.com/rdstreams/rdstreams/schemaregistry"
	"github.com/rdstreams/rdstreams/serde"
	"github.com/rdstreams/rdstreams/serde/jsonschema"
	"github.com/rdstreams/rdstreams/topicpartition"
)

func exampleEnv(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// The seed's produce_json and consume_json in Go: a User written as JSON with its
// schema registered, and read back validated.
func Example() {
	broker := exampleEnv("KAFKA_BOOTSTRAP", "localhost:9092")
	client, err := schemaregistry.New(map[string]any{"url": exampleEnv("SCHEMA_REGISTRY_URL", "http://localhost:8081")})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer client.Close()
	topic := fmt.Sprintf("user_json-%d", time.Now().UnixNano())

	jsonSerializer, err := jsonschema.NewSerializer[User](userSchema, client, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	p, err := serde.NewProducer(map[string]any{"bootstrap.servers": broker}, serde.StringSerializer(), jsonSerializer)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer p.Close()
	user := User{Name: "Robert Zych", FavoriteColor: "blue", FavoriteNumber: 42, TwitterHandle: "zychr"}
	if err := p.Produce(topic, "user-1", user); err != nil {
		fmt.Println(err)
		return
	}
	p.Flush(30 * time.Second)

	jsonDeserializer, err := jsonschema.NewDeserializer[User](userSchema, client, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	c, err := serde.NewConsumer(map[string]any{"bootstrap.servers": broker}, serde.StringDeserializer(), jsonDeserializer)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()
	_ = c.Assign([]topicpartition.TopicPartition{topicpartition.New(topic, 0, topicpartition.OffsetBeginning)})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if m := c.PollContext(ctx); m != nil && m.Err() == nil {
		u := m.Value()
		fmt.Printf("User name: %s, favorite number:%d, favorite color:%s, twitter handle:%s\n",
			u.Name, u.FavoriteNumber, u.FavoriteColor, u.TwitterHandle)
	}
	// Output: User name: Robert Zych, favorite number:42, favorite color:blue, twitter handle:zychr
}

// The seed's compatibility failure: with BACKWARD, adding a required field is refused
// by the registry and the produce fails with _VALUE_SERIALIZATION.
func ExampleNewSerializer_incompatible() {
	broker := exampleEnv("KAFKA_BOOTSTRAP", "localhost:9092")
	client, err := schemaregistry.New(map[string]any{"url": exampleEnv("SCHEMA_REGISTRY_URL", "http://localhost:8081")})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer client.Close()
	topic := fmt.Sprintf("user_json-%d", time.Now().UnixNano())
	_ = client.SetCompatibility(context.Background(), topic+"-value", schemaregistry.Backward)
	for _, schema := range []string{userSchema, userSchemaMoreRequired} {
		s, err := jsonschema.NewSerializer[User](schema, client, nil)
		if err != nil {
			fmt.Println(err)
			return
		}
		p, err := serde.NewProducer(map[string]any{"bootstrap.servers": broker}, serde.StringSerializer(), s)
		if err != nil {
			fmt.Println(err)
			return
		}
		err = p.Produce(topic, "user-1", robert)
		var kerr *kafkaerror.Error
		if errors.As(err, &kerr) {
			fmt.Printf("KafkaError{code=%s,val=%d} %v\n", kerr.Name(), kerr.Code(),
				strings.HasSuffix(kerr.Str(), "(HTTP status code 409, SR code 409)"))
		} else {
			fmt.Println("produced:", err == nil)
		}
		p.Close()
	}
	// Output:
	// produced: true
	// KafkaError{code=_VALUE_SERIALIZATION,val=-161} true
}
