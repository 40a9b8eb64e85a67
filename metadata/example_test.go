package metadata_test

import (
	"fmt"

	"github.com/rdstreams/rdstreams/metadata"
)

// A Cluster is plain data: a test can build one, and Sort puts it in the documented
// order for Broker and Topic to search.
func ExampleCluster() {
	md := metadata.Cluster{
		ClusterID:    "abc",
		ControllerID: 2,
		Brokers:      []metadata.Broker{{ID: 2, Host: "b2", Port: 9092}, {ID: 1, Host: "::1", Port: 9093}},
		Topics: []metadata.Topic{
			{Name: "orders", Partitions: []metadata.Partition{{ID: 1, Leader: 2}, {ID: 0, Leader: 1}}},
			{Name: "__consumer_offsets", Internal: metadata.InternalTopic("__consumer_offsets")},
		},
	}
	md.Sort()
	fmt.Println(md.Broker(1).Addr(), md.Broker(3) == nil)
	t := md.Topic("orders")
	fmt.Println(t.Name, len(t.Partitions), "partitions; partition 0 led by", md.Broker(t.Partitions[0].Leader).Host)
	fmt.Println(md.Topics[0].Name, md.Topics[0].Internal, metadata.InternalTopic("orders"))
	// Output:
	// [::1]:9093 true
	// orders 2 partitions; partition 0 led by ::1
	// __consumer_offsets true false
}
