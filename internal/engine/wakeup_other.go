//go:build !unix

package engine

// ioEvents is false where librdkafka's queue wake-ups cannot reach a Go pipe (Windows:
// librdkafka writes to a C runtime descriptor, Go's pipe is a handle). There the
// engine looks at its queues every millisecond instead (see tickWakeUps).
const ioEvents = false

func nonBlocking(uintptr) {}
