// Package harness is what every Go benchmark client shares: the common flags, the one
// JSON result line, payloads, send-time stamps, rate pacing and the latency histogram.
// It holds no Kafka code, so each client program stays about its own library.
//
// A client program is run as
//
//	client -workload produce|consume|latency -bootstrap HOST:PORT -topic T \
//	       -messages N -size BYTES [-rate MSGS_PER_S] [-linger-ms 5] [-batch-size 1000000]
//
// and prints exactly one JSON line (Result) on stdout. A client that does not
// implement a workload exits with status ExitUnsupported.
package harness
