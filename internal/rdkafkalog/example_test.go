package rdkafkalog_test

import (
	"fmt"
	"log/slog"
	"os"

	"github.com/rdstreams/rdstreams/internal/rdkafkalog"
)

// librdkafka logs with syslog levels: 0–3 are errors, 4 warnings, 5–6 information and
// 7 debugging.
func ExampleLevel() {
	for syslog := 0; syslog <= 7; syslog++ {
		fmt.Println(syslog, rdkafkalog.Level(syslog))
	}
	// Output:
	// 0 ERROR
	// 1 ERROR
	// 2 ERROR
	// 3 ERROR
	// 4 WARN
	// 5 INFO
	// 6 INFO
	// 7 DEBUG
}

// Each of librdkafka's log lines becomes one slog record, at the mapped level, with the
// client's name and librdkafka's facility as attributes.
func ExampleEmitter() {
	logger := slog.New(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{
		Level: slog.LevelDebug,
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey && len(groups) == 0 {
				return slog.Attr{} // no time, so that the output is the same on every run
			}
			return a
		},
	}))
	emit := rdkafkalog.Emitter(logger)
	emit(3, "rdkafka#producer-1", "FAIL", "127.0.0.1:9092/bootstrap: Connect failed")
	emit(7, "rdkafka#producer-1", "INIT", "librdkafka initialized")
	// Output:
	// level=ERROR msg="127.0.0.1:9092/bootstrap: Connect failed" client=rdkafka#producer-1 facility=FAIL source=librdkafka
	// level=DEBUG msg="librdkafka initialized" client=rdkafka#producer-1 facility=INIT source=librdkafka
}
