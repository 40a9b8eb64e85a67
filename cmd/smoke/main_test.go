package main

import (
	"testing"

	"github.com/rdstreams/rdstreams/internal/testkafka"
)

// The demo's round trip, on the real broker.
func TestSmokeOnBroker(t *testing.T) {
	testkafka.Bootstrap(t) // fails loudly without a broker
	if err := run(300, 3); err != nil {
		t.Fatal(err)
	}
}

// The demo as `make demo` runs it without a broker: on librdkafka's mock cluster.
func TestSmokeOnMockCluster(t *testing.T) {
	t.Setenv("KAFKA_BOOTSTRAP", "")
	if err := run(300, 3); err != nil {
		t.Fatal(err)
	}
}
