package errtext_test

import (
	"errors"
	"fmt"

	"github.com/rdstreams/rdstreams/internal/errtext"
	"github.com/rdstreams/rdstreams/kafkaerror"
	"github.com/rdstreams/rdstreams/topicpartition"
)

// A call's error names what was asked and still matches its code; an error a consumer
// reads comes in a Message.
func Example() {
	engine := kafkaerror.New(kafkaerror.UnknownPartition, "Local: Unknown partition", kafkaerror.Flags{Retriable: true})
	err := errtext.Prefixed(engine, "watermark offsets of topic %q partition %d", "orders", 7)
	var kerr *kafkaerror.Error
	fmt.Println(err)
	fmt.Println(errors.Is(err, kafkaerror.UnknownPartition), errors.As(err, &kerr) && kerr.Retriable())

	m := errtext.EventMessage(kafkaerror.ErrClosed, "", topicpartition.PartitionAny, topicpartition.OffsetInvalid)
	fmt.Println(errors.Is(m.Err(), kafkaerror.ErrClosed))
	// Output:
	// watermark offsets of topic "orders" partition 7: Local: Unknown partition
	// true true
	// true
}
