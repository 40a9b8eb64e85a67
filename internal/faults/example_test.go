package faults_test

import (
	"fmt"

	"github.com/rdstreams/rdstreams/internal/faults"
)

// A scenario gives every message an identity, records acknowledgements and
// receptions, and reads the losses and duplicates off the ledger.
func Example() {
	l := faults.NewLedger()
	for id := uint64(1); id <= 3; id++ {
		value := faults.Payload(id, 100) // what the producer sends
		got, _ := faults.ID(value)       // what the consumer reads back
		l.Acked(id)
		l.Seen(got)
	}
	l.Seen(2) // redelivered after a rebalance
	fmt.Println(l.Counts())
	fmt.Println(faults.Summary([]faults.Result{{Name: "demo", Passed: true, Duplicated: l.Counts().Duplicated}}))
	// Output:
	// acked 3, received 4 (3 distinct), lost 0, duplicated 1
	// faults: 1 scenarios, 1 passed, 0 failed, messages lost: 0, duplicated: 1
}
