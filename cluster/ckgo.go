package cluster

import (
	"log/slog"

	ckafka "github.com/confluentinc/confluent-kafka-go/v2/kafka"

	"github.com/rdstreams/rdstreams/internal/ckconv"
	"github.com/rdstreams/rdstreams/internal/clientconf"
	"github.com/rdstreams/rdstreams/internal/rdkafkalog"
	"github.com/rdstreams/rdstreams/topicpartition"
)

// The cluster client is the last rdstreams client that drives confluent-kafka-go (its
// admin API). What it alone needs to cross to and from that library is here; the
// error and message conversions it shares with the test helpers are in ckconv.

// newCKEngine creates a confluent-kafka-go client with mk from the user's configuration
// plus defaults (where the user set nothing), forwarding its log lines to logger. A
// refused property is an error naming it, as the user spelled it; on any error nothing
// is left running.
func newCKEngine[T any](config, defaults map[string]any, logger *slog.Logger,
	mk func(*ckafka.ConfigMap) (T, error)) (T, *logForwarder, error) {
	var zero T
	props, err := clientconf.ConfigStrings(config, nil)
	if err != nil {
		return zero, nil, err
	}
	logs := startLogForwarder(logger)
	cm := ckafka.ConfigMap{"go.logs.channel.enable": true, "go.logs.channel": logs.c}
	for k, v := range props {
		cm[k] = v
	}
	for k, v := range defaults {
		if _, set := cm[k]; !set {
			cm[k] = v
		}
	}
	engine, err := mk(&cm)
	if err != nil {
		logs.stop()
		return zero, nil, clientconf.ConfigError(ckconv.Error(err), config)
	}
	return engine, logs, nil
}

// logForwarder moves confluent-kafka-go's log events to a slog.Logger on its own
// goroutine. Logging is not a user callback, so it waits for no call.
type logForwarder struct {
	c    chan ckafka.LogEvent // given to the engine as go.logs.channel
	quit chan struct{}
	done chan struct{}
}

func startLogForwarder(logger *slog.Logger) *logForwarder {
	f := &logForwarder{c: make(chan ckafka.LogEvent, 1024), quit: make(chan struct{}), done: make(chan struct{})}
	emit := rdkafkalog.Emitter(logger)
	go func() {
		defer close(f.done)
		for {
			select {
			case ev := <-f.c:
				emit(ev.Level, ev.Name, ev.Tag, ev.Message)
			case <-f.quit:
				for { // what the engine queued before it stopped
					select {
					case ev := <-f.c:
						emit(ev.Level, ev.Name, ev.Tag, ev.Message)
					default:
						return
					}
				}
			}
		}
	}()
	return f
}

// stop forwards what is left and ends the goroutine. Call it after the engine has
// stopped.
func (f *logForwarder) stop() {
	close(f.quit)
	<-f.done
}

// explain converts a client-wide error of confluent-kafka-go and says what kind of
// failure it is (clientconf.Conn.ExplainError).
func explain(conn clientconf.Conn, ce ckafka.Error) *clientconf.ConnError {
	return conn.ExplainError(ckconv.FromCK(ce))
}

// fromCKTopicPartition converts one confluent-kafka-go partition.
func fromCKTopicPartition(ck ckafka.TopicPartition) topicpartition.TopicPartition {
	tp := topicpartition.TopicPartition{
		Partition:   ck.Partition,
		Offset:      topicpartition.Offset(ck.Offset),
		LeaderEpoch: ck.LeaderEpoch,
		Err:         ckconv.Error(ck.Error),
	}
	if ck.Topic != nil {
		tp.Topic = *ck.Topic
	}
	if ck.Metadata != nil {
		tp.Metadata = *ck.Metadata
	}
	return tp
}

// toCKTopicPartitions converts a partition list for confluent-kafka-go; nil stays nil.
func toCKTopicPartitions(tps []topicpartition.TopicPartition) []ckafka.TopicPartition {
	if tps == nil {
		return nil
	}
	out := make([]ckafka.TopicPartition, len(tps))
	for i := range tps {
		tp := &tps[i]
		topic := tp.Topic
		out[i] = ckafka.TopicPartition{
			Topic:       &topic,
			Partition:   tp.Partition,
			Offset:      ckafka.Offset(tp.Offset),
			LeaderEpoch: tp.LeaderEpoch,
			Error:       tp.Err,
		}
		if tp.Metadata != "" {
			md := tp.Metadata
			out[i].Metadata = &md
		}
	}
	return out
}
