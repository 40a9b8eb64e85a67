package main

import (
	"flag"
	"fmt"
	"os"
	"syscall"
	"time"

	ckafka "github.com/confluentinc/confluent-kafka-go/v2/kafka"
)

func main() {
	bootstrap := flag.String("bootstrap", "127.0.0.1:39092", "PLAINTEXT listener")
	saslBootstrap := flag.String("sasl-bootstrap", "", "SASL_PLAINTEXT listener (empty: do not check)")
	user := flag.String("user", "", "SCRAM-SHA-512 user")
	password := flag.String("password", "", "SCRAM-SHA-512 password")
	pid := flag.Int("pid", 0, "broker process id: give up at once when it has exited")
	timeout := flag.Duration("timeout", 90*time.Second, "how long to wait")
	flag.Parse()

	deadline := time.Now().Add(*timeout)
	check := func(name string, conf ckafka.ConfigMap) {
		var last error
		for time.Now().Before(deadline) {
			if *pid != 0 && syscall.Kill(*pid, 0) != nil {
				fmt.Fprintf(os.Stderr, "kafkawait: broker process %d has exited\n", *pid)
				os.Exit(1)
			}
			if last = metadata(conf); last == nil {
				return
			}
			time.Sleep(250 * time.Millisecond) // polling an external process: nothing to wait on
		}
		fmt.Fprintf(os.Stderr, "kafkawait: %s listener not ready after %v: %v\n", name, *timeout, last)
		os.Exit(1)
	}
	check("PLAINTEXT", ckafka.ConfigMap{"bootstrap.servers": *bootstrap})
	if *saslBootstrap != "" {
		check("SASL_PLAINTEXT", saslConfig(*saslBootstrap, *user, *password))
	}
}

// saslConfig is the engine configuration for a SCRAM-SHA-512 login as user on the
// SASL_PLAINTEXT listener at bootstrap.
func saslConfig(bootstrap, user, password string) ckafka.ConfigMap {
	return ckafka.ConfigMap{
		"bootstrap.servers": bootstrap,
		"security.protocol": "SASL_PLAINTEXT",
		"sasl.mechanisms":   "SCRAM-SHA-512",
		"sasl.username":     user,
		"sasl.password":     password,
	}
}

// metadata asks the broker for cluster metadata and checks that a broker is listed
// and a controller elected.
func metadata(conf ckafka.ConfigMap) error {
	conf["log_level"] = 0 // connection refused is expected while the broker starts
	a, err := ckafka.NewAdminClient(&conf)
	if err != nil {
		return err
	}
	defer a.Close()
	md, err := a.GetMetadata(nil, true, 2000)
	if err != nil {
		return err
	}
	if len(md.Brokers) == 0 {
		return fmt.Errorf("metadata lists no broker")
	}
	return nil
}
