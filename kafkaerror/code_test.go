package kafkaerror_test

import (
	"errors"
	"fmt"
	"testing"

	ckafka "github.com/confluentinc/confluent-kafka-go/v2/kafka"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rdstreams/rdstreams/kafkaerror"
)

// The numbers SPEC §2 names, checked against both the table and librdkafka itself.
func TestSpecCodesHaveLibrdkafkaNumbersAndNames(t *testing.T) {
	cases := []struct {
		code kafkaerror.Code
		num  int
		name string
		ck   ckafka.ErrorCode
	}{
		{kafkaerror.PartitionEOF, -191, "_PARTITION_EOF", ckafka.ErrPartitionEOF},
		{kafkaerror.QueueFull, -184, "_QUEUE_FULL", ckafka.ErrQueueFull},
		{kafkaerror.TimedOut, -185, "_TIMED_OUT", ckafka.ErrTimedOut},
		{kafkaerror.MsgTimedOut, -192, "_MSG_TIMED_OUT", ckafka.ErrMsgTimedOut},
		{kafkaerror.AllBrokersDown, -187, "_ALL_BROKERS_DOWN", ckafka.ErrAllBrokersDown},
		{kafkaerror.InvalidArg, -186, "_INVALID_ARG", ckafka.ErrInvalidArg},
		{kafkaerror.State, -172, "_STATE", ckafka.ErrState},
		{kafkaerror.NoOffset, -168, "_NO_OFFSET", ckafka.ErrNoOffset},
		{kafkaerror.Fatal, -150, "_FATAL", ckafka.ErrFatal},
		{kafkaerror.UnknownTopicOrPart, 3, "UNKNOWN_TOPIC_OR_PART", ckafka.ErrUnknownTopicOrPart},
		{kafkaerror.MsgSizeTooLarge, 10, "MSG_SIZE_TOO_LARGE", ckafka.ErrMsgSizeTooLarge},
		{kafkaerror.TopicAuthorizationFailed, 29, "TOPIC_AUTHORIZATION_FAILED", ckafka.ErrTopicAuthorizationFailed},
		{kafkaerror.SASLAuthenticationFailed, 58, "SASL_AUTHENTICATION_FAILED", ckafka.ErrSaslAuthenticationFailed},
		{kafkaerror.NoError, 0, "NO_ERROR", ckafka.ErrNoError},
		{kafkaerror.Unknown, -1, "UNKNOWN", ckafka.ErrUnknown},
	}
	for _, c := range cases {
		assert.Equal(t, c.num, int(c.code), c.name)
		assert.Equal(t, c.num, int(c.ck), c.name)
		assert.Equal(t, c.name, c.code.Name())
		assert.Equal(t, c.ck.String(), c.code.Description(), c.name)
	}
}

// Every code in the table: its name parses back to it, its description is librdkafka's,
// and the Go constant names are unique.
func TestCodeTableRoundTrips(t *testing.T) {
	codes := kafkaerror.Codes()
	require.Len(t, codes, 170, "librdkafka 2.11.1 defines 170 error codes")
	for i, c := range codes {
		if i > 0 {
			require.Less(t, codes[i-1], c, "Codes is sorted and has no duplicates")
		}
		back, ok := kafkaerror.ParseCode(c.Name())
		require.True(t, ok, c.Name())
		require.Equal(t, c, back, c.Name())
		require.Equal(t, ckafka.ErrorCode(c).String(), c.Description(), c.Name())
	}
	_, ok := kafkaerror.ParseCode("NO_SUCH_CODE")
	assert.False(t, ok)
	assert.Equal(t, "ERR_12345", kafkaerror.Code(12345).Name())
}

func TestErrorsIsThroughWrapping(t *testing.T) {
	err := kafkaerror.New(kafkaerror.QueueFull, "", kafkaerror.Flags{Retriable: true})
	wrapped := fmt.Errorf("sending order 7: %w", fmt.Errorf("inner: %w", err))

	assert.True(t, errors.Is(wrapped, kafkaerror.QueueFull))
	assert.True(t, errors.Is(wrapped, kafkaerror.ErrBufferFull), "ErrBufferFull matches any _QUEUE_FULL")
	// The sentinels themselves, as a call would return them.
	bufferFull, closed := returned(kafkaerror.ErrBufferFull), returned(kafkaerror.ErrClosed)
	assert.True(t, errors.Is(bufferFull, kafkaerror.QueueFull))
	assert.False(t, errors.Is(wrapped, kafkaerror.MsgTimedOut))
	assert.False(t, errors.Is(wrapped, kafkaerror.ErrClosed))
	assert.False(t, errors.Is(closed, kafkaerror.QueueFull))
	assert.True(t, errors.Is(fmt.Errorf("x: %w", closed), kafkaerror.ErrClosed))
	assert.True(t, errors.Is(closed, kafkaerror.Destroy))

	var kerr *kafkaerror.Error
	require.True(t, errors.As(wrapped, &kerr))
	assert.Equal(t, kafkaerror.QueueFull, kerr.Code())
	assert.Equal(t, "_QUEUE_FULL", kerr.Name())
	assert.Equal(t, "Local: Queue full", kerr.Str(), "empty text means the code's description")
	assert.Equal(t, "Local: Queue full", kerr.Error(), "Error() is Str()")
	assert.True(t, kerr.Retriable())
	assert.False(t, kerr.Fatal())
	assert.False(t, kerr.TxnRequiresAbort())
}

func TestErrorFlags(t *testing.T) {
	e := kafkaerror.New(kafkaerror.Fatal, "producer fenced", kafkaerror.Flags{Fatal: true, TxnRequiresAbort: true})
	assert.True(t, e.Fatal())
	assert.True(t, e.TxnRequiresAbort())
	assert.False(t, e.Retriable())
	assert.Equal(t, "producer fenced", e.Str())
	f := kafkaerror.Newf(kafkaerror.InvalidArg, "bad %s", "thing")
	assert.Equal(t, "bad thing", f.Error())
	assert.Equal(t, "bad thing", f.Str())
}

func TestCodeAsErrorTarget(t *testing.T) {
	var err error = kafkaerror.MsgSizeTooLarge
	assert.Equal(t, "Broker: Message size too large", err.Error())
	assert.Equal(t, "MSG_SIZE_TOO_LARGE", fmt.Sprint(kafkaerror.MsgSizeTooLarge.String()))
}

// returned hands back err as a library call would return it.
func returned(err error) error { return err }
