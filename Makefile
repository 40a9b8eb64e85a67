# rdstreams — build, test and demo. `make test` is what CI runs.
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
GO ?= go
KAFKA := broker/kafka.sh
# the schema registry for the serde tests (Apicurio, Confluent-compatible API); see registry/registry.sh
REGISTRY := registry/registry.sh
STATICCHECK_VERSION := v0.8.2
STATICCHECK := $(CURDIR)/bin/staticcheck
GO_FILES = $(shell git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './.kafka/*')
TEST_TIMEOUT ?= 25m
# hop-client (Python, from PyPI) for the stream interoperability tests; versions pinned.
HOP_VENV := $(CURDIR)/.kafka/hopvenv
HOP_PYTHON := $(HOP_VENV)/bin/python
HOP_PACKAGES := hop-client==0.13.0 six==1.17.0 confluent-kafka==2.16.1
# confluent-kafka's schema-registry extras, for the serde interoperability tests (pinned)
HOP_PACKAGES += fastavro==1.13.1 avro==1.12.2 jsonschema==4.26.0 jsonschema-specifications==2025.9.1 \
	referencing==0.37.0 rpds-py==2026.9.1 protobuf==7.36.2 googleapis-common-protos==1.76.0 \
	httpx2==2.16.2 httpcore2==2.16.2 h11==0.16.0 anyio==4.16.0 truststore==0.10.5 attrs==26.1.0 \
	cachetools==8.0.2 Authlib==1.9.10 joserfc==1.8.0 cryptography==50.0.2 cffi==2.1.1 pycparser==3.12 \
	typing_extensions==4.16.0
# the venv is brought up to date whenever HOP_PACKAGES changes
HOP_STAMP := $(HOP_VENV)/.packages-$(shell echo '$(HOP_PACKAGES)' | sha1sum | cut -c1-12)

.PHONY: test test-go test-faults faults-go lint demo bench kafka-up kafka-down kafka-fetch generate

## test: start a real Kafka broker (unless KAFKA_BOOTSTRAP is set) and the schema registry
## (unless SCHEMA_REGISTRY_URL is set), check formatting, vet, staticcheck, run every test
## with -race, stop what it started (also on failure).
test:
	@if [ -n "$${KAFKA_BOOTSTRAP:-}" ]; then \
		echo "make test: using the broker at KAFKA_BOOTSTRAP=$$KAFKA_BOOTSTRAP"; \
		$(REGISTRY) run $(MAKE) --no-print-directory test-go; exit $$?; \
	fi; \
	if ! $(KAFKA) status; then \
		trap '$(KAFKA) down' EXIT; $(KAFKA) up; \
	else echo "make test: using the broker already started by make kafka-up"; fi; \
	eval "$$($(KAFKA) env)"; \
	$(REGISTRY) run $(MAKE) --no-print-directory test-go

test-go: lint kafka-fetch $(HOP_STAMP)
	KAFKA_LIBS=$${KAFKA_LIBS:-$(CURDIR)/.kafka/libs} HOP_PYTHON=$(HOP_PYTHON) \
		$(GO) test -race -count=1 -timeout $(TEST_TIMEOUT) ./...

## test-faults: the fault suite (internal/faults, build tag `faults`): broker kills,
## stops, client crashes, group churn, auth, ACLs, TLS, bad input, fuzzing, soak. Starts
## the broker like make test (scenarios start their own extra brokers), prints one line
## per scenario and the summary line `faults: N scenarios, ...`. FAULTS_RUN=regexp picks
## scenarios.
FAULTS_TIMEOUT ?= 60m
test-faults:
	@if [ -n "$${KAFKA_BOOTSTRAP:-}" ]; then $(MAKE) --no-print-directory faults-go; exit $$?; fi; \
	if ! $(KAFKA) status; then \
		trap '$(KAFKA) down' EXIT; $(KAFKA) up; \
	else echo "make test-faults: using the broker already started by make kafka-up"; fi; \
	eval "$$($(KAFKA) env)"; \
	$(MAKE) --no-print-directory faults-go

faults-go: kafka-fetch $(STATICCHECK)
	$(GO) vet -tags faults ./internal/faults/
	$(STATICCHECK) -tags faults ./internal/faults/
	$(GO) test -c -race -tags faults -o bin/faults.test ./internal/faults/
	cd internal/faults && KAFKA_LIBS=$${KAFKA_LIBS:-$(CURDIR)/.kafka/libs} \
		../../bin/faults.test -test.count=1 -test.timeout $(FAULTS_TIMEOUT) \
		$${FAULTS_RUN:+-test.run "$$FAULTS_RUN"} 2>&1 | tee $(CURDIR)/.kafka/faults.log; \
	grep -qE '^faults: ([0-9]+) scenarios, \1 passed, 0 failed, messages lost: 0,' $(CURDIR)/.kafka/faults.log

$(HOP_PYTHON):
	python3 -m venv $(HOP_VENV)

$(HOP_STAMP): $(HOP_PYTHON)
	$(HOP_VENV)/bin/pip install -q $(HOP_PACKAGES)
	rm -f $(HOP_VENV)/.packages-* && touch $@

## lint: gofmt, go vet and staticcheck must all be clean.
lint: $(STATICCHECK)
	@unformatted=$$(gofmt -l $(GO_FILES)); \
	if [ -n "$$unformatted" ]; then echo "gofmt would change:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...
	$(STATICCHECK) ./...

$(STATICCHECK):
	GOBIN=$(CURDIR)/bin $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)

## bench: the client benchmarks (bench/, a Go module of its own so peers never enter
## the library's go.mod) on a real broker; BENCH_MESSAGES=N scales the run.
bench: kafka-fetch
	@if [ -z "$${KAFKA_BOOTSTRAP:-}" ] && ! $(KAFKA) status; then trap '$(KAFKA) down' EXIT; $(KAFKA) up; fi; \
	if [ -z "$${KAFKA_BOOTSTRAP:-}" ]; then eval "$$($(KAFKA) env)"; fi; \
	export KAFKA_LIBS=$${KAFKA_LIBS:-$(CURDIR)/.kafka/libs}; \
	bench/run.sh $(BENCH_ARGS); \
	(cd bench && $(GO) run ./cmd/benchchart >/dev/null)

## demo: a produce→consume round trip that checks every byte; on librdkafka's
## in-process mock cluster when KAFKA_BOOTSTRAP is unset, else on that broker.
demo:
	$(GO) run ./cmd/smoke

## kafka-up / kafka-down: a real single-node Kafka for people (see broker/kafka.sh).
## KAFKA_NODES=3 make kafka-up (and KAFKA_NODES=3 make kafka-down): three KRaft nodes
## instead, PLAINTEXT on 39092, 39102 and 39112 (the single node's 39092 must be free).
kafka-up:
	$(KAFKA) up
	@echo 'now: eval "$$($(KAFKA) env)"'

kafka-down:
	$(KAFKA) down

kafka-fetch:
	$(KAFKA) fetch

## generate: rebuild generated code (the error-code table) after a librdkafka update.
generate:
	cd kafkaerror && $(GO) generate
