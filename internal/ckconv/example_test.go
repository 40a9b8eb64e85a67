package ckconv_test

import (
	"errors"
	"fmt"

	ckafka "github.com/confluentinc/confluent-kafka-go/v2/kafka"

	"github.com/rdstreams/rdstreams/internal/ckconv"
	"github.com/rdstreams/rdstreams/kafkaerror"
)

// Engine errors become *kafkaerror.Error; user configuration is checked before the
// engine sees it.
func Example() {
	err := ckconv.Error(ckafka.NewError(ckafka.ErrQueueFull, "", false))
	fmt.Println(errors.Is(err, kafkaerror.QueueFull), errors.Is(err, kafkaerror.ErrBufferFull))

	cm, err := ckconv.ConfigMap(map[string]any{"linger.ms": 5, "enable.idempotence": true}, map[string]any{"acks": "all"})
	fmt.Println(cm["linger.ms"], cm["enable.idempotence"], cm["acks"], err)

	_, err = ckconv.ConfigMap(map[string]any{"go.events.channel.size": 1}, nil)
	fmt.Println(errors.Is(err, kafkaerror.InvalidArg))
	// Output:
	// true true
	// 5 true all <nil>
	// true
}
