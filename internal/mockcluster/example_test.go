package mockcluster_test

import (
	"fmt"
	"net"

	"github.com/rdstreams/rdstreams/internal/mockcluster"
)

// Start a one-broker mock cluster in the process, give its bootstrap address to
// clients, and Close it when done. No Kafka broker is needed.
func Example() {
	mc, err := mockcluster.Start(1)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer mc.Close()

	bootstrap := mc.Bootstrap()
	_, _, err = net.SplitHostPort(bootstrap)
	fmt.Println("bootstrap is host:port:", bootstrap != "" && err == nil)
	fmt.Println("create topic:", mc.CreateTopic("mock-example", 3, 1))
	// Output:
	// bootstrap is host:port: true
	// create topic: <nil>
}
