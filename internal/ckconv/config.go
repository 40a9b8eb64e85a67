package ckconv

import (
	"fmt"
	"strconv"
	"strings"

	ckafka "github.com/confluentinc/confluent-kafka-go/v2/kafka"

	"github.com/rdstreams/rdstreams/kafkaerror"
)

// ConfigMap copies a user's librdkafka configuration for the engine, then adds the
// given defaults where the user set nothing. Values may be strings, bools, integers or
// floats. Properties of the engine itself ("go.*") are refused: rdstreams sets those.
//
// Property names and values are checked by librdkafka when the client is created; this
// only refuses what librdkafka would never see.
func ConfigMap(user map[string]any, defaults map[string]any) (ckafka.ConfigMap, error) {
	cm := make(ckafka.ConfigMap, len(user)+len(defaults))
	for k, v := range user {
		if strings.HasPrefix(k, "go.") {
			return nil, kafkaerror.Newf(kafkaerror.InvalidArg,
				"configuration property %q is not supported: go.* properties belong to the engine rdstreams wraps; use rdstreams options instead", k)
		}
		s, ok := configString(v)
		if !ok {
			return nil, kafkaerror.Newf(kafkaerror.InvalidArg,
				"configuration property %q: value of type %T is not supported (use a string, bool or number)", k, v)
		}
		cm[k] = s
	}
	for k, v := range defaults {
		if _, set := cm[k]; !set {
			cm[k] = v
		}
	}
	return cm, nil
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
