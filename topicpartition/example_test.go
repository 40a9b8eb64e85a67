package topicpartition_test

import (
	"fmt"

	"github.com/rdstreams/rdstreams/topicpartition"
)

func Example() {
	// Start partition 0 at the beginning, partition 1 at offset 100, partition 2 at the
	// last ten messages: the list a consumer's Assign takes.
	assignment := []topicpartition.TopicPartition{
		topicpartition.New("orders", 0, topicpartition.OffsetBeginning),
		topicpartition.New("orders", 1, 100),
		topicpartition.New("orders", 2, topicpartition.OffsetTail(10)),
	}
	for _, tp := range assignment {
		fmt.Println(tp)
	}
	// Output:
	// orders[0]@beginning
	// orders[1]@100
	// orders[2]@tail(10)
}

// Of is Python's TopicPartition(topic, partition): no offset given, so an assignment
// starts where the group left off. A struct literal without Offset means offset 0.
func ExampleOf() {
	resume := topicpartition.Of("orders", 0)
	literal := topicpartition.TopicPartition{Topic: "orders", Partition: 0}
	fmt.Println(resume, resume.Offset == topicpartition.OffsetInvalid)
	fmt.Println(literal)
	// Output:
	// orders[0]@invalid true
	// orders[0]@0
}
