package engine_test

import (
	"fmt"

	"github.com/rdstreams/rdstreams/internal/engine"
)

func ExampleVersion() {
	_, version := engine.Version()
	fmt.Println("librdkafka", version)
	// Output: librdkafka 2.11.1
}

func ExampleStartMockCluster() {
	mc, err := engine.StartMockCluster(1)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer mc.Close()
	fmt.Println("create topic:", mc.CreateTopic("orders", 3, 1))
	// Output: create topic: <nil>
}
