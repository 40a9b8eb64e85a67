package clientconf_test

import (
	"fmt"

	"github.com/rdstreams/rdstreams/internal/clientconf"
	"github.com/rdstreams/rdstreams/kafkaerror"
)

// The engine gets every property as a string, defaults included; a refused alias is
// named as the user wrote it; a connection failure is told in the client's terms.
func Example() {
	user := map[string]any{"bootstrap.servers": "127.0.0.1:39093", "linger.ms": -5,
		"security.protocol": "sasl_plaintext", "sasl.mechanisms": "SCRAM-SHA-512",
		"sasl.username": "alice", "sasl.password": "s3cret"}
	props, err := clientconf.ConfigStrings(user, map[string]any{"acks": "all", "linger.ms": 5})
	fmt.Println(props["linger.ms"], props["acks"], err)

	refused := kafkaerror.New(kafkaerror.InvalidArg,
		`Configuration property "queue.buffering.max.ms" value -5 is outside allowed range`, kafkaerror.Flags{})
	fmt.Println(clientconf.ConfigError(refused, user))

	conn := clientconf.ConnOf(user)
	f := conn.ExplainError(kafkaerror.New(kafkaerror.Authentication,
		"sasl_plaintext://127.0.0.1:39093/bootstrap: SASL authentication error: Authentication failed during "+
			"authentication due to invalid credentials with SASL mechanism SCRAM-SHA-512 (after 3ms in state AUTH_REQ)",
		kafkaerror.Flags{}))
	fmt.Println(f.Kind == clientconf.ConnAuth, f.Kind.Definitive())
	fmt.Println(f)
	// Output:
	// -5 all <nil>
	// configuration property "linger.ms" (librdkafka's queue.buffering.max.ms): Configuration property "queue.buffering.max.ms" value -5 is outside allowed range
	// true true
	// connect to 127.0.0.1:39093: SCRAM-SHA-512 login as user "alice" refused: wrong password, or no such user
}
