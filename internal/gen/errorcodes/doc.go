// Command errorcodes writes kafkaerror/codes_gen.go: every librdkafka error code with
// its number, its enum name (RD_KAFKA_RESP_ERR_ stripped) and librdkafka's description.
//
// Names and numbers come from the rdkafka.h that confluent-kafka-go bundles; the
// descriptions from rd_kafka_err2str of the same library. Run it with go generate in
// kafkaerror after changing the confluent-kafka-go version:
//
//	go generate ./kafkaerror      # or: make generate
//	cd kafkaerror && go run ../internal/gen/errorcodes
//
// It writes codes_gen.go in the current directory.
package main
