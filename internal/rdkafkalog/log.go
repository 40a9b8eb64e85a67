package cklog

import (
	"context"
	"log/slog"

	ckafka "github.com/confluentinc/confluent-kafka-go/v2/kafka"
)

// Forwarder moves the engine's log events to a slog.Logger on its own goroutine.
// Logging is not a user callback, so it does not wait for Poll.
type Forwarder struct {
	C    chan ckafka.LogEvent // give to the engine as go.logs.channel
	stop chan struct{}
	done chan struct{}
}

// Start begins forwarding to logger.
func Start(logger *slog.Logger) *Forwarder {
	f := &Forwarder{C: make(chan ckafka.LogEvent, 1024), stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(f.done)
		for {
			select {
			case ev := <-f.C:
				emit(logger, ev)
			case <-f.stop:
				for { // what the engine queued before it stopped
					select {
					case ev := <-f.C:
						emit(logger, ev)
					default:
						return
					}
				}
			}
		}
	}()
	return f
}

// Stop forwards what is left and ends the goroutine. Call it after the engine has stopped.
func (f *Forwarder) Stop() {
	close(f.stop)
	<-f.done
}

// Level maps a syslog level (librdkafka's) to a slog level.
func Level(syslog int) slog.Level {
	switch {
	case syslog <= 3:
		return slog.LevelError
	case syslog == 4:
		return slog.LevelWarn
	case syslog <= 6:
		return slog.LevelInfo
	}
	return slog.LevelDebug
}

func emit(logger *slog.Logger, ev ckafka.LogEvent) {
	Emitter(logger)(ev.Level, ev.Name, ev.Tag, ev.Message)
}

// Emitter logs librdkafka's log lines (syslog level, client name, facility, text) to
// logger, as rdstreams' engine hands them over.
func Emitter(logger *slog.Logger) func(level int, client, facility, text string) {
	return func(level int, client, facility, text string) {
		logger.LogAttrs(context.Background(), Level(level), text,
			slog.String("client", client), slog.String("facility", facility), slog.String("source", "librdkafka"))
	}
}
