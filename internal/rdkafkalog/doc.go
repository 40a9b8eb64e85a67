// Package rdkafkalog carries librdkafka's log lines to log/slog.
//
// Emitter turns each line the engine hands over into one slog record, mapping
// librdkafka's syslog levels to slog levels (Level). Watch lets a client look at those
// lines on their way, whatever level the application's logger lets through.
// ReportError hands client-wide errors to the application's error callback or, without
// one, logs them.
package rdkafkalog
