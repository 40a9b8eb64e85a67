package groupmeta_test

import (
	"fmt"

	"github.com/rdstreams/rdstreams/internal/groupmeta"
	"github.com/rdstreams/rdstreams/producer"
)

// Bytes reaches the serialized metadata inside a *producer.GroupMetadata, the form in
// which it crosses to the engine.
func ExampleBytes() {
	g, err := producer.NewGroupMetadata("orders")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("serialized:", len(groupmeta.Bytes(g)) > 0)
	// Output:
	// serialized: true
}
