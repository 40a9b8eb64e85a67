package kafkaerror

import (
	"slices"
	"strconv"
)

// Code is a librdkafka error code: the numbers of rd_kafka_resp_err_t. Negative codes
// come from the client itself (their names start with '_'), positive ones are Kafka
// protocol errors returned by a broker.
//
// A Code is an error too, so it can be the target of [errors.Is]:
//
//	errors.Is(err, kafkaerror.QueueFull)
type Code int

// Name is the librdkafka enum name without its RD_KAFKA_RESP_ERR_ prefix, e.g.
// "_PARTITION_EOF" or "UNKNOWN_TOPIC_OR_PART"; "ERR_<n>" for a number librdkafka does
// not know.
func (c Code) Name() string {
	if info, ok := codeInfo[c]; ok {
		return info.name
	}
	return "ERR_" + strconv.Itoa(int(c))
}

// Description is librdkafka's human text for the code, e.g. "Local: Queue full".
func (c Code) Description() string {
	if info, ok := codeInfo[c]; ok {
		return info.desc
	}
	return "Err-" + strconv.Itoa(int(c)) + "?"
}

// String is the code's enum name.
func (c Code) String() string { return c.Name() }

// Error makes a Code usable as an error: its description.
func (c Code) Error() string { return c.Description() }

// Codes lists every code librdkafka defines, in numeric order.
func Codes() []Code {
	out := make([]Code, 0, len(codeInfo))
	for c := range codeInfo {
		out = append(out, c)
	}
	slices.Sort(out)
	return out
}

// ParseCode finds a code by its enum name ("_QUEUE_FULL", "UNKNOWN_TOPIC_OR_PART"),
// the inverse of Code.Name.
func ParseCode(name string) (Code, bool) {
	for c, info := range codeInfo {
		if info.name == name {
			return c, true
		}
	}
	return 0, false
}
