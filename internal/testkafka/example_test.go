package testkafka_test

import (
	"fmt"
	"regexp"

	"github.com/rdstreams/rdstreams/internal/testkafka"
)

// UniqueName appends a dash and 12 random hex digits to the prefix, so that the
// topics and groups of one test never meet another's.
func ExampleUniqueName() {
	a, b := testkafka.UniqueName("orders"), testkafka.UniqueName("orders")
	shape := regexp.MustCompile(`^orders-[0-9a-f]{12}$`)
	fmt.Println("shape prefix-hex12:", shape.MatchString(a), shape.MatchString(b))
	fmt.Println("distinct:", a != b)
	// Output:
	// shape prefix-hex12: true true
	// distinct: true
}
