package engine_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rdstreams/rdstreams/internal/engine"
	"github.com/rdstreams/rdstreams/kafkaerror"
)

func TestMockCluster(t *testing.T) {
	mc, err := engine.StartMockCluster(3)
	require.NoError(t, err)
	assert.Len(t, splitComma(mc.Bootstrap()), 3, "one address per broker: %s", mc.Bootstrap())
	require.NoError(t, mc.CreateTopic("engine-mock", 4, 3))

	err = mc.CreateTopic("engine-mock", 4, 3)
	var kerr *kafkaerror.Error
	require.True(t, errors.As(err, &kerr), "a kafkaerror: %v", err)
	assert.Equal(t, kafkaerror.TopicAlreadyExists, kerr.Code())
	assert.Contains(t, err.Error(), `create topic "engine-mock"`)

	mc.Close()
	mc.Close() // no-op
	assert.ErrorContains(t, mc.CreateTopic("late", 1, 1), "closed")

	_, err = engine.StartMockCluster(0)
	assert.ErrorContains(t, err, "at least 1")
}

func splitComma(s string) []string {
	var out []string
	start := 0
	for i := 0; i <= len(s); i++ {
		if i == len(s) || s[i] == ',' {
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return out
}
