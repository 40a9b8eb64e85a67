// Package testkafka gives tests and the smoke command what they need around a broker:
// its address, fresh topics, and reading back what was written. Integration tests
// never skip: without a broker they fail and say how to start one.
//
// The broker's address comes from KAFKA_BOOTSTRAP, which `make test` sets after
// starting a real broker (or `eval "$(broker/kafka.sh env)"` after `make kafka-up`).
// StartBroker starts a disposable broker of a test's own for tests that kill or
// restart it; StartSecureBroker one with a SASL_SSL listener (certificates generated
// for the test), StandardAuthorizer ACLs and several SCRAM users, for the fault
// suite's authentication, ACL and TLS scenarios. StartCluster starts a three-node KRaft
// cluster on loopback (each node a broker and a controller, own ports, storage and log)
// whose nodes a test kills, freezes, stops and restarts, with WaitISR and the leader,
// group coordinator and transaction coordinator lookups; StartIdentityProvider and
// StartOAuthBroker give an OpenID Connect identity provider (JWKS, client-credentials
// token endpoint) and a broker whose OAUTHBEARER listener validates its tokens. The
// integration tests of producer, consumer, cluster, stream and
// cmd/rdstreams use it, and cmd/smoke uses UniqueName, CreateTopic and ReadAll.
package testkafka
