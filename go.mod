module github.com/rdstreams/rdstreams

go 1.23

require github.com/confluentinc/confluent-kafka-go/v2 v2.11.1

require github.com/stretchr/testify v1.12.1 // indirect
