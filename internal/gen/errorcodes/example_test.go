package main

import "fmt"

// goName turns a librdkafka enum name into a Go constant name, keeping Go's spelling
// of initialisms.
func Example_goName() {
	for _, name := range []string{"NO_ERROR", "_PARTITION_EOF", "UNKNOWN_TOPIC_OR_PART",
		"UNSUPPORTED_SASL_MECHANISM", "_SSL", "INVALID_PRODUCER_ID_MAPPING"} {
		fmt.Println(name, "→", goName(name))
	}
	// Output:
	// NO_ERROR → NoError
	// _PARTITION_EOF → PartitionEOF
	// UNKNOWN_TOPIC_OR_PART → UnknownTopicOrPart
	// UNSUPPORTED_SASL_MECHANISM → UnsupportedSASLMechanism
	// _SSL → SSL
	// INVALID_PRODUCER_ID_MAPPING → InvalidProducerIDMapping
}
