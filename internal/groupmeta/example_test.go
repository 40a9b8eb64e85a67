package groupmeta_test

import (
	"fmt"

	"github.com/rdstreams/rdstreams/internal/groupmeta"
	"github.com/rdstreams/rdstreams/producer"
)

// Unwrap reaches the engine's metadata inside a *producer.GroupMetadata, and Wrap puts
// it back into one without copying: the round trip gives the very same engine value.
func ExampleWrap() {
	g, err := producer.NewGroupMetadata("orders")
	if err != nil {
		fmt.Println(err)
		return
	}
	ck := groupmeta.Unwrap(g)
	fmt.Println("engine metadata:", ck != nil)

	wrapped := groupmeta.Wrap(ck)
	fmt.Println("same engine metadata after Wrap:", groupmeta.Unwrap(wrapped) == ck)
	// Output:
	// engine metadata: true
	// same engine metadata after Wrap: true
}
