package kafkaerror_test

import (
	"errors"
	"fmt"

	"github.com/rdstreams/rdstreams/kafkaerror"
)

func Example() {
	// An error as a producer returns it when its queue is full, wrapped by application code.
	err := fmt.Errorf("publishing order: %w", kafkaerror.ErrBufferFull)

	fmt.Println(errors.Is(err, kafkaerror.ErrBufferFull)) // Python's BufferError
	fmt.Println(errors.Is(err, kafkaerror.QueueFull))     // the same, by code

	var kerr *kafkaerror.Error
	if errors.As(err, &kerr) {
		fmt.Println(kerr.Code() == kafkaerror.QueueFull, int(kerr.Code()), kerr.Name(), kerr.Retriable())
	}
	// Output:
	// true
	// true
	// true -184 _QUEUE_FULL true
}

func ExampleParseCode() {
	c, ok := kafkaerror.ParseCode("UNKNOWN_TOPIC_OR_PART")
	fmt.Println(int(c), ok, c == kafkaerror.UnknownTopicOrPart, c.Description())
	// Output: 3 true true Broker: Unknown topic or partition
}
