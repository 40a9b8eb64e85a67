package rdkafkalog

import (
	"context"
	"log/slog"
)

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

// Emitter logs librdkafka's log lines (syslog level, client name, facility, text) to
// logger, as rdstreams' engine hands them over: one record per line, at the mapped
// level, with the client's name and the facility as attributes.
func Emitter(logger *slog.Logger) func(level int, client, facility, text string) {
	return func(level int, client, facility, text string) {
		logger.LogAttrs(context.Background(), Level(level), text,
			slog.String("client", client), slog.String("facility", facility), slog.String("source", "librdkafka"))
	}
}
