package producer_test

import (
	"testing"

	"go.uber.org/goleak"
)

// Every test leaves no goroutine behind: the producer's Close stops everything it started.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
