//go:build unix

package engine

import "syscall"

// ioEvents says whether librdkafka can write a queue's wake-ups to a pipe this process
// reads: on Unix, file descriptors are what both sides use.
const ioEvents = true

// nonBlocking makes fd (the pipe's write end, put into blocking mode by File.Fd) not
// block: librdkafka's thread writes wake-ups to it and must never wait for a full pipe
// (a wake-up already waiting is as good as a second).
func nonBlocking(fd uintptr) { _ = syscall.SetNonblock(int(fd), true) }
