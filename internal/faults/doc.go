// Package faults holds the bookkeeping of rdstreams' fault suite (`make test-faults`):
// a Ledger that counts what a scenario sent, what the broker acknowledged and what
// consumers received, so a scenario can say how many messages were lost and how many
// arrived twice; payloads that carry a message's identity; and the per-scenario and
// summary lines the suite prints.
//
// The scenarios themselves are tests in this folder behind the `faults` build tag, so
// `go test ./...` does not run them:
//
//	make test-faults
//
// starts the project's broker, builds the suite with -race and runs every scenario,
// one line each, then exactly one summary line:
//
//	faults: 25 scenarios, 25 passed, 0 failed, messages lost: 0, duplicated: 38304
//
// Scenarios start the brokers they need beside the project's: disposable single nodes,
// a secured one, a three-node cluster that the cluster scenarios share, and one with an
// OAUTHBEARER listener.
package faults
