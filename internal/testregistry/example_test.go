package testregistry_test

import (
	"fmt"
	"strings"

	"github.com/rdstreams/rdstreams/internal/testregistry"
)

// Subject names never repeat, so tests sharing one registry never meet.
func ExampleSubject() {
	a, b := testregistry.Subject("users"), testregistry.Subject("users")
	fmt.Println(strings.HasPrefix(a, "users-"), a != b)
	// Output: true true
}
