package avro_test

import (
	"testing"

	"go.uber.org/goleak"
)

// Every test leaves no goroutine behind: producers, consumers and registry clients
// (their idle connections) are closed.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
