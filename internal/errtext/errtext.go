package errtext

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/rdstreams/rdstreams/kafkaerror"
	"github.com/rdstreams/rdstreams/message"
	"github.com/rdstreams/rdstreams/topicpartition"
)

// Prefixed is err with context put before its text
// ("watermark offsets of topic "t" partition 0: Local: Unknown partition"), keeping
// its code and flags. Errors that are not Kafka errors are returned unchanged.
func Prefixed(err error, format string, args ...any) error {
	var kerr *kafkaerror.Error
	if !errors.As(err, &kerr) {
		return err
	}
	return WithText(kerr, fmt.Sprintf(format, args...)+": "+kerr.Str())
}

// WithText is kerr with another text and the same code and flags.
func WithText(kerr *kafkaerror.Error, str string) *kafkaerror.Error {
	return kafkaerror.New(kerr.Code(), str, kafkaerror.Flags{
		Fatal:            kerr.Fatal(),
		Retriable:        kerr.Retriable(),
		TxnRequiresAbort: kerr.TxnRequiresAbort(),
	})
}

// EventMessage builds the Message that reports an event or error: err set, and the topic,
// partition and offset it concerns where known ("" / PartitionAny / OffsetInvalid if not).
func EventMessage(err error, topic string, partition int32, offset topicpartition.Offset) *message.Message {
	return message.New(message.Fields{Topic: topic, Partition: partition, Offset: offset, Err: err})
}

// TopicsOf names the distinct topics of partitions for an error's text, in order:
// topic "a", or topics "a", "b".
func TopicsOf(parts []topicpartition.TopicPartition) string {
	var names []string
	for _, p := range parts {
		if q := strconv.Quote(p.Topic); !slices.Contains(names, q) {
			names = append(names, q)
		}
	}
	if len(names) == 1 {
		return "topic " + names[0]
	}
	return "topics " + strings.Join(names, ", ")
}
