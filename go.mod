module github.com/rdstreams/rdstreams

go 1.23

require (
	github.com/confluentinc/confluent-kafka-go/v2 v2.11.1
	github.com/stretchr/testify v1.12.1
)

require (
	go.uber.org/goleak v1.3.0 // indirect
	go.yaml.in/yaml/v3 v3.0.5 // indirect
)
