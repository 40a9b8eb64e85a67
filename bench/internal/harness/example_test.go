package harness_test

import (
	"fmt"
	"time"

	"github.com/rdstreams/rdstreams/bench/internal/harness"
)

// A latency value carries its send time in its first 8 bytes; the receiver records
// the difference, and warm-up messages (stamp 0) are left out.
func Example() {
	value := harness.Payload(100)
	sent := time.Unix(1_700_000_000, 0)
	harness.Stamp(value, sent)

	lat := harness.NewLatency()
	lat.Record(harness.Stamped(value), sent.Add(4*time.Millisecond))
	lat.Record(0, sent.Add(time.Second)) // a warm-up message
	var r harness.Result
	lat.Fill(&r)
	fmt.Printf("%d measured, p50 %.1f ms\n", lat.Count, *r.P50Ms)
	// Output: 1 measured, p50 4.0 ms
}
