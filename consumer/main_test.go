package consumer_test

import (
	"testing"

	"go.uber.org/goleak"
)

// Every test leaves no goroutine behind: Close (and, after a Close that returned at its
// bound, the engine's background shutdown, see consumer.Released) stops all of them.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
