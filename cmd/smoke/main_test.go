package main

import (
	"bytes"
	"os"
	"os/exec"
	"strings"
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

// `make demo` prints nothing on stderr: no librdkafka warning ("No `bootstrap.servers`
// configured", from the instance carrying the mock cluster) greets a newcomer.
func TestDemoStderrIsQuiet(t *testing.T) {
	if os.Getenv("SMOKE_DEMO_CHILD") == "1" {
		main()
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestDemoStderrIsQuiet$")
	cmd.Env = append(os.Environ(), "SMOKE_DEMO_CHILD=1", "KAFKA_BOOTSTRAP=")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("demo: %v\nstdout:\n%s\nstderr:\n%s", err, &stdout, &stderr)
	}
	if !strings.Contains(stdout.String(), "smoke: OK") {
		t.Errorf("demo did not report OK:\n%s", &stdout)
	}
	if stderr.Len() > 0 {
		t.Errorf("demo wrote to stderr:\n%s", &stderr)
	}
}
