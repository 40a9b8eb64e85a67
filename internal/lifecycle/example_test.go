package lifecycle_test

import (
	"fmt"

	"github.com/rdstreams/rdstreams/internal/lifecycle"
)

// A client Enters its gate for every call and Exits when the call is done; Close
// refuses new calls at once and returns when the calls in progress have left.
func ExampleGate() {
	var g lifecycle.Gate // the zero Gate is open
	fmt.Println("call enters:", g.Enter())

	closed := make(chan bool)
	go func() { closed <- g.Close() }()
	<-g.Closing() // Close has begun; it waits for the call in progress
	fmt.Println("new call enters while closing:", g.Enter())

	g.Exit() // the call in progress ends, so Close can return
	fmt.Println("Close:", <-closed)
	fmt.Println("Closed:", g.Closed())
	fmt.Println("second Close:", g.Close())
	// Output:
	// call enters: true
	// new call enters while closing: false
	// Close: true
	// Closed: true
	// second Close: false
}
