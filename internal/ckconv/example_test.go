package ckconv_test

import (
	"errors"
	"fmt"

	ckafka "github.com/confluentinc/confluent-kafka-go/v2/kafka"

	"github.com/rdstreams/rdstreams/internal/ckconv"
	"github.com/rdstreams/rdstreams/kafkaerror"
)

// confluent-kafka-go's errors become *kafkaerror.Error, and its messages rdstreams'
// Messages.
func Example() {
	err := ckconv.Error(ckafka.NewError(ckafka.ErrQueueFull, "", false))
	fmt.Println(errors.Is(err, kafkaerror.QueueFull), errors.Is(err, kafkaerror.ErrBufferFull))

	topic := "orders"
	m := ckconv.Message(&ckafka.Message{
		TopicPartition: ckafka.TopicPartition{Topic: &topic, Partition: 2, Offset: 41},
		Value:          []byte("v"),
		Headers:        ckconv.Headers(nil),
	})
	fmt.Println(m, string(m.Value()))
	// Output:
	// true true
	// orders[2]@41 (1 bytes) v
}
