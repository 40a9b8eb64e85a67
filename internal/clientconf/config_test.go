package clientconf

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rdstreams/rdstreams/kafkaerror"
)

func TestConfigStrings(t *testing.T) {
	props, err := ConfigStrings(map[string]any{"a": 1, "b": true, "c": 2.5, "d": "x", "e": int64(7), "g": float32(0.25)},
		map[string]any{"d": "default", "f": "default", "h": 3})
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"a": "1", "b": "true", "c": "2.5", "d": "x", "e": "7", "f": "default", "g": "0.25", "h": "3"}, props)

	_, err = ConfigStrings(map[string]any{"go.logs.channel.enable": true}, nil)
	assert.ErrorIs(t, err, kafkaerror.InvalidArg)
	assert.ErrorContains(t, err, `"go.logs.channel.enable"`)
	_, err = ConfigStrings(map[string]any{"x": struct{}{}}, nil)
	assert.ErrorContains(t, err, `"x"`)
	_, err = ConfigStrings(nil, map[string]any{"y": []int{1}})
	assert.ErrorContains(t, err, `"y"`, "a default is spelled like the user's values")

	n, ok := IntProperty(map[string]any{"q": "12", "r": 3.0, "s": "abc"}, "q")
	assert.True(t, ok)
	assert.Equal(t, 12, n)
	_, ok = IntProperty(map[string]any{"s": "abc"}, "s")
	assert.False(t, ok)
	_, ok = IntProperty(map[string]any{}, "s")
	assert.False(t, ok)

	on, err := BoolProperty(map[string]any{"b": "false"}, "b", true)
	require.NoError(t, err)
	assert.False(t, on)
	on, err = BoolProperty(nil, "b", true)
	require.NoError(t, err)
	assert.True(t, on, "the default when unset")
	_, err = BoolProperty(map[string]any{"b": "maybe"}, "b", true)
	assert.ErrorIs(t, err, kafkaerror.InvalidArg)
}

func TestConfigErrorNamesAlias(t *testing.T) {
	engine := kafkaerror.New(kafkaerror.InvalidArg, `Configuration property "queue.buffering.max.ms" value -5 is outside allowed range`, kafkaerror.Flags{})
	err := ConfigError(engine, map[string]any{"linger.ms": -5})
	assert.ErrorContains(t, err, `"linger.ms"`)
	assert.True(t, errors.Is(err, kafkaerror.InvalidArg))
	same := ConfigError(engine, map[string]any{"queue.buffering.max.ms": -5})
	assert.Same(t, engine, same, "the canonical name was written: the engine's error as it is")

	plain := errors.New("not a Kafka error")
	assert.Same(t, plain, ConfigError(plain, map[string]any{"linger.ms": -5}))
	assert.NoError(t, ConfigError(nil, nil))
}

// default.topic.config, the nested map the Python clients still accept, is flattened
// into the top level as Python does: where a property is set both at the top level and
// inside, the inner value wins.
func TestConfigStringsDefaultTopicConfig(t *testing.T) {
	user := map[string]any{
		"bootstrap.servers":    "b:9092",
		"acks":                 1,
		"default.topic.config": map[string]any{"acks": "all", "message.timeout.ms": 5000},
	}
	props, err := ConfigStrings(user, map[string]any{"message.timeout.ms": "1"})
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"bootstrap.servers": "b:9092", "acks": "all", "message.timeout.ms": "5000"}, props,
		"the inner acks wins over the top-level one; the inner value over a default")
	assert.Contains(t, user, "default.topic.config", "the caller's map is left alone")
	assert.Equal(t, 1, user["acks"])

	props, err = ConfigStrings(map[string]any{"default.topic.config": map[string]string{"auto.offset.reset": "earliest"}}, nil)
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"auto.offset.reset": "earliest"}, props, "a map[string]string works too")

	_, err = ConfigStrings(map[string]any{"default.topic.config": "acks=all"}, nil)
	assert.ErrorIs(t, err, kafkaerror.InvalidArg)
	assert.ErrorContains(t, err, `configuration property "default.topic.config": value of type string is not supported`)
	_, err = ConfigStrings(map[string]any{"default.topic.config": map[string]any{"acks": []int{1}}}, nil)
	assert.ErrorIs(t, err, kafkaerror.InvalidArg)
	assert.ErrorContains(t, err, `configuration property "default.topic.config": property "acks": value of type []int is not supported`)

	// The properties rdstreams reads itself see the inner values too.
	nested := map[string]any{"enable.auto.commit": true, "queue.buffering.max.messages": 10,
		"default.topic.config": map[string]any{"enable.auto.commit": "false", "queue.buffering.max.messages": "20"}}
	on, err := BoolProperty(nested, "enable.auto.commit", true)
	require.NoError(t, err)
	assert.False(t, on)
	n, ok := IntProperty(nested, "queue.buffering.max.messages")
	assert.True(t, ok)
	assert.Equal(t, 20, n)

	flat, err := Flatten(map[string]any{"a": 1})
	require.NoError(t, err)
	assert.Equal(t, map[string]any{"a": 1}, flat)
}

// A client-configuration error names the alias the user wrote, also inside
// default.topic.config.
func TestConfigErrorNamesNestedAlias(t *testing.T) {
	engine := kafkaerror.New(kafkaerror.InvalidArg, `Configuration property "queue.buffering.max.ms" value -5 is outside allowed range`, kafkaerror.Flags{})
	err := ConfigError(engine, map[string]any{"default.topic.config": map[string]any{"linger.ms": -5}})
	assert.ErrorContains(t, err, `"linger.ms"`)
}
