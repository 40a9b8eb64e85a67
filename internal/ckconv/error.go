package ckconv

import (
	"errors"

	ckafka "github.com/confluentinc/confluent-kafka-go/v2/kafka"

	"github.com/rdstreams/rdstreams/kafkaerror"
)

// Error converts a confluent-kafka-go error into a *kafkaerror.Error; nil stays nil
// and errors of other kinds are returned unchanged.
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

// FromCK converts one confluent-kafka-go error value.
func FromCK(ce ckafka.Error) *kafkaerror.Error {
	code := kafkaerror.Code(ce.Code())
	str := ce.String()
	return kafkaerror.New(code, str, kafkaerror.Flags{
		Fatal:            ce.IsFatal(),
		Retriable:        ce.IsRetriable(),
		TxnRequiresAbort: ce.TxnRequiresAbort(),
	})
}
