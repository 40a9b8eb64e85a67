package cluster_test

import (
	"testing"

	"go.uber.org/goleak"
)

// Every test leaves no goroutine behind: Close stops the engine, its log forwarder and
// event drain, and PublishBatch's producer.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
