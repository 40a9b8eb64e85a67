package engine_test

import (
	"context"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// Every test leaves no goroutine behind: Close stops the wake-up and log goroutines.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// testCtx bounds a test's broker calls.
func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}
