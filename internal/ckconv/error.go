package ckconv

import (
	"errors"
	"fmt"

	ckafka "github.com/confluentinc/confluent-kafka-go/v2/kafka"

	"github.com/rdstreams/rdstreams/kafkaerror"
)

// Error converts an engine error into a *kafkaerror.Error; nil stays nil and errors of
// other kinds are returned unchanged.
func Error(err error) error {
	if err == nil {
		return nil
	}
	var ce ckafka.Error
	if errors.As(err, &ce) {
		return FromCK(ce)
	}
	return err
}

// FromCK converts one engine error value.
func FromCK(ce ckafka.Error) *kafkaerror.Error {
	code := kafkaerror.Code(ce.Code())
	str := ce.String()
	return kafkaerror.New(code, str, kafkaerror.Flags{
		Fatal:            ce.IsFatal(),
		Retriable:        ce.IsRetriable(),
		TxnRequiresAbort: ce.TxnRequiresAbort(),
	})
}

// Prefixed is err converted by Error with context put before its text
// ("watermark offsets of topic "t" partition 0: Local: Unknown partition"), keeping
// its code and flags so errors.Is and the Fatal/Retriable checks answer as before.
// Errors that are not Kafka errors are returned unchanged.
func Prefixed(err error, format string, args ...any) error {
	err = Error(err)
	var kerr *kafkaerror.Error
	if !errors.As(err, &kerr) {
		return err
	}
	return WithText(kerr, fmt.Sprintf(format, args...)+": "+kerr.Str())
}

// WithText is kerr with another text and the same code and flags.
func WithText(kerr *kafkaerror.Error, str string) *kafkaerror.Error {
	return kafkaerror.New(kerr.Code(), str, kafkaerror.Flags{
		Fatal:            kerr.Fatal(),
		Retriable:        kerr.Retriable(),
		TxnRequiresAbort: kerr.TxnRequiresAbort(),
	})
}
