package cklog_test

import (
	"fmt"
	"log/slog"
	"os"

	ckafka "github.com/confluentinc/confluent-kafka-go/v2/kafka"

	"github.com/rdstreams/rdstreams/internal/cklog"
)

// librdkafka logs with syslog levels: 0–3 are errors, 4 warnings, 5–6 information and
// 7 debugging.
func ExampleLevel() {
	for syslog := 0; syslog <= 7; syslog++ {
		fmt.Println(syslog, cklog.Level(syslog))
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

// A Forwarder turns each engine log event into one slog record, at the mapped level,
// with the client's name and librdkafka's facility as attributes. Stop forwards what
// is still queued.
func ExampleStart() {
	logger := slog.New(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{
		Level: slog.LevelDebug,
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey && len(groups) == 0 {
				return slog.Attr{} // no time, so that the output is the same on every run
			}
			return a
		},
	}))
	f := cklog.Start(logger)
	f.C <- ckafka.LogEvent{Name: "rdkafka#producer-1", Tag: "FAIL", Level: 3,
		Message: "127.0.0.1:9092/bootstrap: Connect failed"}
	f.C <- ckafka.LogEvent{Name: "rdkafka#producer-1", Tag: "INIT", Level: 7,
		Message: "librdkafka initialized"}
	f.Stop()
	// Output:
	// level=ERROR msg="127.0.0.1:9092/bootstrap: Connect failed" client=rdkafka#producer-1 facility=FAIL source=librdkafka
	// level=DEBUG msg="librdkafka initialized" client=rdkafka#producer-1 facility=INIT source=librdkafka
}
