// Command kafkawait waits until a Kafka broker really answers: a metadata request on the
// PLAINTEXT listener and, when asked, a SCRAM-SHA-512 login plus metadata request on the
// SASL_PLAINTEXT listener. broker/kafka.sh runs it after starting the broker.
//
//	go run ./internal/cmd/kafkawait [-bootstrap HOST:PORT] [-sasl-bootstrap HOST:PORT \
//	    -user USER -password PASSWORD] [-pid PID] [-timeout 90s]
//
// It exits 0 once every listener asked for answers, and 1 (with one line on standard
// error) when the timeout passes first or the broker process PID has exited.
package main
