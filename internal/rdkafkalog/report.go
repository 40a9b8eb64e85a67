package rdkafkalog

import (
	"context"
	"log/slog"

	"github.com/rdstreams/rdstreams/kafkaerror"
)

// ReportError hands a client-wide error to the application's error callback, or, when
// it has none, logs it: at warning level, or error level when it is fatal.
func ReportError(logger *slog.Logger, callback func(*kafkaerror.Error), client string, err *kafkaerror.Error) {
	if callback != nil {
		callback(err)
		return
	}
	level := slog.LevelWarn
	if err.Fatal() {
		level = slog.LevelError
	}
	logger.Log(context.Background(), level, "rdstreams: "+client+" error",
		slog.String("code", err.Name()), slog.String("error", err.Str()), slog.Bool("fatal", err.Fatal()))
}
