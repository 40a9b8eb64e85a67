package cklog

import (
	"log/slog"

	ckafka "github.com/confluentinc/confluent-kafka-go/v2/kafka"

	"github.com/rdstreams/rdstreams/internal/ckconv"
)

// NewEngine creates an engine client (producer, consumer, …) with mk from the user's
// configuration plus defaults (where the user set nothing) plus overrides (always),
// forwarding its log lines to logger. A refused property is an error naming it, as
// the user spelled it; on any error nothing is left running.
func NewEngine[T any](config, defaults, overrides map[string]any, logger *slog.Logger,
	mk func(*ckafka.ConfigMap) (T, error)) (T, *Forwarder, error) {
	var zero T
	logs := Start(logger)
	all := map[string]any{"go.logs.channel.enable": true, "go.logs.channel": logs.C}
	for k, v := range defaults {
		all[k] = v
	}
	cm, err := ckconv.ConfigMap(config, all)
	if err != nil {
		logs.Stop()
		return zero, nil, err
	}
	for k, v := range overrides {
		cm[k] = v
	}
	engine, err := mk(&cm)
	if err != nil {
		logs.Stop()
		return zero, nil, ckconv.ConfigError(err, config)
	}
	return engine, logs, nil
}
