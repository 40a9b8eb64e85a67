// Package kafkaerror holds the errors of rdstreams: librdkafka's numeric error codes
// ([Code], with the same numbers and enum names as librdkafka and the Python client's
// KafkaError) and the [Error] every rdstreams call returns when Kafka or librdkafka fails.
//
// Compare errors with [errors.Is], against a code or a sentinel, however the error was
// wrapped:
//
//	if errors.Is(err, kafkaerror.MsgSizeTooLarge) { … }
//	if errors.Is(err, kafkaerror.ErrBufferFull) { p.Poll(100 * time.Millisecond) } // Python's BufferError
//	if errors.Is(err, kafkaerror.ErrClosed) { … }
//
// Use [errors.As] to reach the details:
//
//	var kerr *kafkaerror.Error
//	if errors.As(err, &kerr) && kerr.Retriable() { … }
//
// Python → Go: KafkaError.code() is [Error.Code], name() is [Error.Name], str() is
// [Error.Str], fatal() / retriable() / txn_requires_abort() are [Error.Fatal],
// [Error.Retriable] and [Error.TxnRequiresAbort]; KafkaError._PARTITION_EOF is
// [PartitionEOF], KafkaError.UNKNOWN_TOPIC_OR_PART is [UnknownTopicOrPart], and so on for
// every code (codes_gen.go lists them all).
package kafkaerror

//go:generate go run ../internal/gen/errorcodes
