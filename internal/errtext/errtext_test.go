package errtext

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rdstreams/rdstreams/kafkaerror"
	"github.com/rdstreams/rdstreams/topicpartition"
)

func TestPrefixedKeepsCodeAndFlags(t *testing.T) {
	src := kafkaerror.New(kafkaerror.UnknownPartition, "Local: Unknown partition", kafkaerror.Flags{Retriable: true, Fatal: true, TxnRequiresAbort: true})
	err := Prefixed(src, "watermark offsets of topic %q partition %d", "t", 3)
	assert.Equal(t, `watermark offsets of topic "t" partition 3: Local: Unknown partition`, err.Error())
	var kerr *kafkaerror.Error
	require.ErrorAs(t, err, &kerr)
	assert.True(t, errors.Is(err, kafkaerror.UnknownPartition))
	assert.Equal(t, [3]bool{true, true, true}, [3]bool{kerr.Fatal(), kerr.Retriable(), kerr.TxnRequiresAbort()})

	plain := errors.New("not a Kafka error")
	assert.Same(t, plain, Prefixed(plain, "ignored"), "other errors pass through")
	assert.NoError(t, Prefixed(nil, "ignored"))
}

func TestEventMessageCarriesErrorAndPosition(t *testing.T) {
	m := EventMessage(kafkaerror.New(kafkaerror.PartitionEOF, "eof", kafkaerror.Flags{}), "t", 1, 7)
	assert.True(t, errors.Is(m.Err(), kafkaerror.PartitionEOF))
	var kerr *kafkaerror.Error
	require.True(t, errors.As(m.Err(), &kerr))
	assert.Equal(t, "eof", kerr.Str())
	assert.Equal(t, "t", m.Topic())
	assert.EqualValues(t, 1, m.Partition())
	assert.EqualValues(t, 7, m.Offset())
	assert.Equal(t, "t[1]@7 (error: eof)", m.String())

	none := EventMessage(kafkaerror.New(kafkaerror.AllBrokersDown, "", kafkaerror.Flags{}), "", topicpartition.PartitionAny, topicpartition.OffsetInvalid)
	assert.Equal(t, "", none.Topic())
	assert.Equal(t, topicpartition.PartitionAny, none.Partition())
	assert.Equal(t, topicpartition.OffsetInvalid, none.Offset())
}

func TestTopicsOfNamesEachTopicOnce(t *testing.T) {
	one := []topicpartition.TopicPartition{topicpartition.Of("a", 0), topicpartition.Of("a", 1)}
	two := append(one, topicpartition.Of("b", 0), topicpartition.Of("a", 2))
	if got := TopicsOf(one); got != `topic "a"` {
		t.Errorf("TopicsOf(one topic) = %s", got)
	}
	if got := TopicsOf(two); got != `topics "a", "b"` {
		t.Errorf("TopicsOf(two topics) = %s", got)
	}
}
