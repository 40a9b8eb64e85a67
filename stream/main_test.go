package stream_test

import (
	"os"
	"testing"

	"go.uber.org/goleak"
)

// TestMain doubles as the reader process of TestKilledReaderResumesWithoutGap when
// started with STREAM_TEST_READER set; otherwise it runs the tests and checks that no
// goroutine is left behind.
func TestMain(m *testing.M) {
	if os.Getenv("STREAM_TEST_READER") != "" {
		os.Exit(runReaderProcess())
	}
	goleak.VerifyTestMain(m)
}
