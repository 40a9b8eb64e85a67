package serde

import "fmt"

// SubjectNameStrategy names the registry subject a record's schema is registered
// under, from the record's topic and field and the schema's record name (an Avro full
// name, a Protobuf message's full name, a JSON schema's title; "" when it has none).
type SubjectNameStrategy func(topic string, field MessageField, recordName string) (string, error)

// TopicNameStrategy is "<topic>-key" or "<topic>-value": the default, Python's
// topic_subject_name_strategy.
func TopicNameStrategy(topic string, field MessageField, _ string) (string, error) {
	return topic + "-" + field.String(), nil
}

// RecordNameStrategy is the record name alone, so one topic can carry several record
// types and one record type several topics: Python's record_subject_name_strategy.
func RecordNameStrategy(_ string, _ MessageField, recordName string) (string, error) {
	if recordName == "" {
		return "", fmt.Errorf("the record name strategy needs a record name, and the schema has none")
	}
	return recordName, nil
}

// TopicRecordNameStrategy is "<topic>-<record name>": Python's
// topic_record_subject_name_strategy.
func TopicRecordNameStrategy(topic string, _ MessageField, recordName string) (string, error) {
	if recordName == "" {
		return "", fmt.Errorf("the topic-record name strategy needs a record name, and the schema has none")
	}
	return topic + "-" + recordName, nil
}

// strategyByType maps Python's SubjectNameStrategyType names to the strategies.
var strategyByType = map[string]SubjectNameStrategy{
	"TOPIC":        TopicNameStrategy,
	"RECORD":       RecordNameStrategy,
	"TOPIC_RECORD": TopicRecordNameStrategy,
}
