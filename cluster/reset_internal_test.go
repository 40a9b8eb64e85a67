package cluster

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rdstreams/rdstreams/kafkaerror"
	"github.com/rdstreams/rdstreams/topicpartition"
)

// The plan of each kind of reset, computed without a broker: earliest and latest take
// the watermarks, an offset is kept within them, a time without a message that late
// goes to the end, and a partition whose offsets failed keeps its error and no target.
func TestPlanReset(t *testing.T) {
	failed := kafkaerror.Newf(kafkaerror.UnknownTopicOrPart, "orders[2]: gone")
	parts := []partitionOffsets{
		{topic: "orders", partition: 1, committed: 7, low: 5, high: 20, forTime: topicpartition.OffsetEnd},
		{topic: "orders", partition: 0, committed: topicpartition.OffsetInvalid, low: 0, high: 10, forTime: 4},
		{topic: "alerts", partition: 0, committed: 3, low: 2, high: 2, forTime: topicpartition.OffsetEnd},
		{topic: "orders", partition: 2, committed: 1, err: failed},
	}
	targets := func(to ResetTo) []topicpartition.Offset {
		var out []topicpartition.Offset
		for _, p := range planReset(to, parts) {
			out = append(out, p.Target)
		}
		return out
	}
	// Sorted: alerts[0], orders[0], orders[1], orders[2].
	inv := topicpartition.OffsetInvalid
	assert.Equal(t, []topicpartition.Offset{2, 0, 5, inv}, targets(ResetToEarliest()))
	assert.Equal(t, []topicpartition.Offset{2, 10, 20, inv}, targets(ResetToLatest()))
	assert.Equal(t, []topicpartition.Offset{2, 4, 20, inv}, targets(ResetToTime(time.Unix(1000, 0))))
	assert.Equal(t, []topicpartition.Offset{2, 6, 6, inv}, targets(ResetToOffset(6)))
	assert.Equal(t, []topicpartition.Offset{2, 0, 5, inv}, targets(ResetToOffset(0)))
	assert.Equal(t, []topicpartition.Offset{2, 10, 20, inv}, targets(ResetToOffset(1_000_000)))

	plan := planReset(ResetToLatest(), parts)
	assert.Equal(t, PartitionReset{Topic: "orders", Partition: 1, Current: 7, Target: 20, Low: 5, High: 20}, plan[2])
	assert.Equal(t, topicpartition.OffsetInvalid, plan[1].Current)
	assert.True(t, errors.Is(plan[3].Err, kafkaerror.UnknownTopicOrPart))
	assert.Empty(t, planReset(ResetToLatest(), nil))
}

// Lag counts from the committed offset, or from the first offset when nothing is
// committed, and is never negative.
func TestLag(t *testing.T) {
	assert.EqualValues(t, 7, lag(3, 0, 10))
	assert.EqualValues(t, 6, lag(topicpartition.OffsetInvalid, 4, 10))
	assert.EqualValues(t, 0, lag(10, 0, 10))
	assert.EqualValues(t, 0, lag(12, 0, 10)) // committed beyond a truncated end
	assert.EqualValues(t, 0, lag(topicpartition.OffsetInvalid, 0, 0))
}

// ParseResetTo reads what String writes, and refuses anything else naming the input.
func TestParseResetTo(t *testing.T) {
	at := time.Date(2025, 1, 2, 15, 4, 5, 0, time.UTC)
	for _, r := range []ResetTo{ResetToEarliest(), ResetToLatest(), ResetToTime(at), ResetToOffset(42)} {
		got, err := ParseResetTo(r.String())
		require.NoError(t, err, r.String())
		assert.Equal(t, r.String(), got.String())
	}
	got, err := ParseResetTo("time:2025-01-02T15:04:05Z")
	require.NoError(t, err)
	assert.True(t, got.at.Equal(at))
	for _, bad := range []string{"", "first", "offset:-1", "offset:x", "time:yesterday", "Earliest"} {
		_, err := ParseResetTo(bad)
		require.Error(t, err, bad)
		assert.True(t, errors.Is(err, kafkaerror.InvalidArg))
		assert.Contains(t, err.Error(), "reset to")
	}
}
