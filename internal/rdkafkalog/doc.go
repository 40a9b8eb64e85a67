// Package cklog forwards librdkafka's log lines to log/slog.
//
// The producer, consumer and cluster clients build their engine clients with NewEngine,
// which starts a Forwarder for the engine's log channel and maps librdkafka's syslog
// levels to slog levels (Level). ReportError hands client-wide errors to the
// application's error callback or, without one, logs them.
package cklog
