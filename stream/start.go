package stream

import (
	"time"

	"github.com/rdstreams/rdstreams/topicpartition"
)

// StartPosition says where a reader starts in partitions its group has no committed
// offset for (and everywhere, with ResetOnStart).
type StartPosition struct {
	kind   startKind
	offset int64
	at     time.Time
}

type startKind uint8

const (
	startLatest startKind = iota
	startEarliest
	startOffset
	startTime
)

// The start positions. Latest is the default, as in hop-client.
var (
	// Earliest starts at the oldest message still held.
	Earliest = StartPosition{kind: startEarliest}
	// Latest starts after the newest message: only new messages are read.
	Latest = StartPosition{kind: startLatest}
)

// AtOffset starts every partition at offset n (or its end, if shorter).
func AtOffset(n int64) StartPosition { return StartPosition{kind: startOffset, offset: n} }

// AtTime starts every partition at its first message stored at or after t.
func AtTime(t time.Time) StartPosition { return StartPosition{kind: startTime, at: t} }

// String is "earliest", "latest", "offset 42" or "time 2006-01-02T15:04:05Z".
func (s StartPosition) String() string {
	switch s.kind {
	case startEarliest:
		return "earliest"
	case startOffset:
		return "offset " + topicpartition.Offset(s.offset).String()
	case startTime:
		return "time " + s.at.UTC().Format(time.RFC3339Nano)
	}
	return "latest"
}

// resetPolicy is the auto.offset.reset value for the position.
func (s StartPosition) resetPolicy() string {
	if s.kind == startEarliest {
		return "earliest"
	}
	return "latest"
}

// explicit reports whether the position must be assigned explicitly (not left to
// auto.offset.reset and committed offsets).
func (s StartPosition) explicit() bool { return s.kind == startOffset || s.kind == startTime }
