package topicpartition

import "strconv"

// Offset is a position in a partition, or one of the special values below.
type Offset int64

// The special offsets, with librdkafka's numbers.
const (
	// OffsetBeginning starts at the first message still held (the low watermark).
	OffsetBeginning Offset = -2
	// OffsetEnd starts after the last message (the high watermark): only new messages.
	OffsetEnd Offset = -1
	// OffsetStored starts at the group's committed offset.
	OffsetStored Offset = -1000
	// OffsetInvalid means "no offset": nothing committed, nothing consumed yet, unknown.
	OffsetInvalid Offset = -1001

	// offsetTailBase is RD_KAFKA_OFFSET_TAIL_BASE.
	offsetTailBase Offset = -2000
)

// PartitionAny lets the partitioner choose (producing), or means "unknown".
const PartitionAny int32 = -1

// OffsetTail is the offset n messages before the end of a partition (librdkafka's
// RD_KAFKA_OFFSET_TAIL): assign or seek to it to read the last n messages. n < 0 is
// treated as 0.
func OffsetTail(n int64) Offset {
	if n < 0 {
		n = 0
	}
	return offsetTailBase - Offset(n)
}

// IsTail reports whether o is an OffsetTail value, and for how many messages.
func (o Offset) IsTail() (n int64, ok bool) {
	if o <= offsetTailBase {
		return int64(offsetTailBase - o), true
	}
	return 0, false
}

// String spells the special offsets out ("beginning", "end", "stored", "invalid",
// "tail(5)") and prints real offsets as numbers.
func (o Offset) String() string {
	switch o {
	case OffsetBeginning:
		return "beginning"
	case OffsetEnd:
		return "end"
	case OffsetStored:
		return "stored"
	case OffsetInvalid:
		return "invalid"
	}
	if n, ok := o.IsTail(); ok {
		return "tail(" + strconv.FormatInt(n, 10) + ")"
	}
	return strconv.FormatInt(int64(o), 10)
}
