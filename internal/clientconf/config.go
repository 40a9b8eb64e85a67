package clientconf

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/rdstreams/rdstreams/kafkaerror"
)

// DefaultTopicConfig is the property under which the Python clients still accept a
// nested map of topic properties (librdkafka's old default_topic_conf).
const DefaultTopicConfig = "default.topic.config"

// Flatten returns config with the entries of its DefaultTopicConfig map moved to the
// top level, as confluent-kafka-python does: where a property is set both at the top
// level and inside, the inner value wins (Python updates the top-level dict with the
// inner one). The map may be a map[string]any or a map[string]string. config itself is
// not modified; without the key it is returned as is.
func Flatten(config map[string]any) (map[string]any, error) {
	nested, ok := config[DefaultTopicConfig]
	if !ok {
		return config, nil
	}
	var inner map[string]any
	switch m := nested.(type) {
	case map[string]any:
		inner = m
	case map[string]string:
		inner = make(map[string]any, len(m))
		for k, v := range m {
			inner[k] = v
		}
	default:
		return nil, kafkaerror.Newf(kafkaerror.InvalidArg,
			"configuration property %q: value of type %T is not supported (use a map[string]any of topic properties, or set them at the top level)", DefaultTopicConfig, nested)
	}
	flat := make(map[string]any, len(config)+len(inner))
	for k, v := range config {
		if k != DefaultTopicConfig {
			flat[k] = v
		}
	}
	for k, v := range inner {
		if _, ok := configString(v); !ok {
			return nil, kafkaerror.Newf(kafkaerror.InvalidArg,
				"configuration property %q: property %q: value of type %T is not supported (use a string, bool or number)", DefaultTopicConfig, k, v)
		}
		flat[k] = v
	}
	return flat, nil
}

// ConfigStrings is the configuration the engine gets: the user's librdkafka
// properties, each value spelled as librdkafka reads it, plus the given defaults where
// the user set nothing. Values may be strings, bools, integers or floats; a
// DefaultTopicConfig map is flattened into the top level first (see Flatten).
// Properties of confluent-kafka-go's engine ("go.*") are refused: rdstreams has options
// for what they did.
//
// Property names and values are checked by librdkafka when the client is created; this
// only refuses what librdkafka would never see.
func ConfigStrings(user map[string]any, defaults map[string]any) (map[string]string, error) {
	user, err := Flatten(user)
	if err != nil {
		return nil, err
	}
	out := make(map[string]string, len(user)+len(defaults))
	for k, v := range user {
		if strings.HasPrefix(k, "go.") {
			return nil, kafkaerror.Newf(kafkaerror.InvalidArg,
				"configuration property %q is not supported: go.* properties belong to the engine rdstreams wraps; use rdstreams options instead", k)
		}
		s, ok := configString(v)
		if !ok {
			return nil, unsupported(k, v)
		}
		out[k] = s
	}
	for k, v := range defaults {
		if _, set := out[k]; set {
			continue
		}
		s, ok := configString(v)
		if !ok {
			return nil, unsupported(k, v)
		}
		out[k] = s
	}
	return out, nil
}

func unsupported(name string, v any) error {
	return kafkaerror.Newf(kafkaerror.InvalidArg,
		"configuration property %q: value of type %T is not supported (use a string, bool or number)", name, v)
}

// configString spells a configuration value the way librdkafka reads it.
func configString(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case bool:
		return strconv.FormatBool(x), true
	case int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64:
		return fmt.Sprint(x), true
	case float32:
		return strconv.FormatFloat(float64(x), 'g', -1, 32), true
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64), true
	}
	return "", false
}

// aliases maps librdkafka's alternative property names (the Java client's spellings) to
// the canonical names librdkafka's error messages use (CONFIGURATION.md, "Alias for").
var aliases = map[string]string{
	"bootstrap.servers":   "metadata.broker.list",
	"linger.ms":           "queue.buffering.max.ms",
	"retries":             "message.send.max.retries",
	"acks":                "request.required.acks",
	"compression.type":    "compression.codec",
	"max.in.flight":       "max.in.flight.requests.per.connection",
	"delivery.timeout.ms": "message.timeout.ms",
	"sasl.mechanism":      "sasl.mechanisms",
}

// ConfigError is the engine's error for a refused configuration, renamed where
// librdkafka named the canonical property while the user wrote an alias (linger.ms for
// queue.buffering.max.ms): the user's name is put in front so the error names what they
// set. Errors that are not a *kafkaerror.Error are returned unchanged.
func ConfigError(err error, user map[string]any) error {
	kerr, ok := err.(*kafkaerror.Error)
	if !ok {
		return err
	}
	if flat, ferr := Flatten(user); ferr == nil {
		user = flat
	}
	for alias, canonical := range aliases {
		if _, set := user[alias]; set && strings.Contains(kerr.Str(), `"`+canonical+`"`) {
			return kafkaerror.New(kerr.Code(),
				fmt.Sprintf("configuration property %q (librdkafka's %s): %s", alias, canonical, strings.TrimSpace(kerr.Str())),
				kafkaerror.Flags{Fatal: kerr.Fatal(), Retriable: kerr.Retriable()})
		}
	}
	return kerr
}

// property is the value the user set for name: inside DefaultTopicConfig first (the
// inner value wins, see Flatten), else at the top level.
func property(config map[string]any, name string) (any, bool) {
	switch inner := config[DefaultTopicConfig].(type) {
	case map[string]any:
		if v, ok := inner[name]; ok {
			return v, true
		}
	case map[string]string:
		if v, ok := inner[name]; ok {
			return v, true
		}
	}
	v, ok := config[name]
	return v, ok
}

// IntProperty reads an integer property the user set, whatever type they gave it in.
func IntProperty(config map[string]any, name string) (int, bool) {
	v, ok := property(config, name)
	if !ok {
		return 0, false
	}
	s, ok := configString(v)
	if !ok {
		return 0, false
	}
	n, err := strconv.Atoi(s)
	return n, err == nil
}

// BoolProperty reads a boolean property the user set (a bool or "true"/"false"), or def.
func BoolProperty(config map[string]any, name string, def bool) (bool, error) {
	v, ok := property(config, name)
	if !ok {
		return def, nil
	}
	s, _ := configString(v)
	b, err := strconv.ParseBool(s)
	if err != nil {
		return false, kafkaerror.Newf(kafkaerror.InvalidArg, "configuration property %q: %v is not true or false", name, v)
	}
	return b, nil
}
