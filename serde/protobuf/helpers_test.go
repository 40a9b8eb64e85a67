package protobuf_test

import "time"

// testTime is a fixed instant with nanoseconds, for the well-known Timestamp.
var testTime = time.Date(2026, 11, 30, 12, 0, 0, 123456789, time.UTC)
