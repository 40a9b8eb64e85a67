// Command rdstreams is the rdstreams command line: publish to and subscribe from
// hop-client style kafka:// streams, read the last messages of a topic, show cluster
// metadata and consumer groups' lag, and measure throughput and latency — in the hop /
// kcat tradition.
//
//	rdstreams publish kafka://localhost:9092/alerts alerts.txt
//	rdstreams subscribe --start-at earliest --json kafka://localhost:9092/alerts
//	rdstreams tail -n 10 kafka://localhost:9092/alerts
//	rdstreams topics kafka://localhost:9092
//	rdstreams groups kafka://localhost:9092 alerts-archiver
//	rdstreams perf produce --messages 100000 kafka://localhost:9092/bench
//	rdstreams perf consume kafka://localhost:9092/bench
//
// Run "rdstreams --help" for the commands and "rdstreams COMMAND --help" for each
// command's flags.
//
// Errors are one line on standard error starting with "rdstreams: ". The exit code is
// 0 on success, 1 for a runtime error (unreachable broker, unknown topic, unreadable
// file, undelivered message) and 2 for a usage error (unknown command or flag, missing
// or malformed argument, invalid URL).
package main
