package main

import (
	"fmt"
	"sort"
)

// saslConfig is what kafkawait gives the engine to log in on the SASL_PLAINTEXT
// listener (-sasl-bootstrap, -user, -password).
func Example_saslConfig() {
	conf := saslConfig("127.0.0.1:39093", "rdstreams", "secret")
	keys := make([]string, 0, len(conf))
	for k := range conf {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Printf("%s=%v\n", k, conf[k])
	}
	// Output:
	// bootstrap.servers=127.0.0.1:39093
	// sasl.mechanisms=SCRAM-SHA-512
	// sasl.password=secret
	// sasl.username=rdstreams
	// security.protocol=SASL_PLAINTEXT
}
