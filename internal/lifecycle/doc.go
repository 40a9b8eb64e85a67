// Package lifecycle tracks a client's calls in progress so that Close can wait for them
// and every call after Close fails with kafkaerror.ErrClosed.
//
// The producer, consumer and cluster clients each hold a Gate: every public call
// Enters it (returning ErrClosed when Enter reports false) and Exits when done, blocking
// calls also select on Closing, and Close begins the gate and waits until it is Idle.
package lifecycle
