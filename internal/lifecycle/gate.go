package lifecycle

import (
	"sync"
	"sync/atomic"
)

const closedBit = int64(1) << 62

// Gate counts the calls in progress on a client and records whether it is closing.
// The zero Gate is open. Entering may nest (a callback may call back into the client):
// the count is just incremented again, so the gate itself has no lock to deadlock on.
// Close waits for every call in progress, so it must not be called from inside one.
type Gate struct {
	state   atomic.Int64 // calls in progress, plus closedBit once closing
	once    sync.Once
	closing chan struct{} // closed when Close begins
	idle    chan struct{} // closed when closing and no call is in progress
	mu      sync.Mutex    // creates the channels once
}

func (g *Gate) chans() (closing, idle chan struct{}) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closing == nil {
		g.closing = make(chan struct{})
		g.idle = make(chan struct{})
	}
	return g.closing, g.idle
}

// Enter starts a call; false means the client is closed and the call must return
// ErrClosed without touching it. Every true Enter must be paired with Exit.
func (g *Gate) Enter() bool {
	if g.state.Add(1)&closedBit != 0 {
		g.Exit()
		return false
	}
	return true
}

// Exit ends a call started by Enter.
func (g *Gate) Exit() {
	if g.state.Add(-1) == closedBit {
		_, idle := g.chans()
		g.once.Do(func() { close(idle) })
	}
}

// Closed reports whether Close has begun.
func (g *Gate) Closed() bool { return g.state.Load()&closedBit != 0 }

// Closing is closed when Close begins: blocking calls select on it to return early.
func (g *Gate) Closing() <-chan struct{} {
	closing, _ := g.chans()
	return closing
}

// Begin marks the gate closed and wakes blocked calls, without waiting for the calls in
// progress (see Idle). It reports false if the gate was already closed (by an earlier
// or concurrent Begin or Close).
func (g *Gate) Begin() bool {
	for {
		s := g.state.Load()
		if s&closedBit != 0 {
			return false
		}
		if g.state.CompareAndSwap(s, s|closedBit) {
			break
		}
	}
	closing, idle := g.chans()
	close(closing)
	if g.state.Load() == closedBit {
		g.once.Do(func() { close(idle) })
	}
	return true
}

// Idle is closed once the gate is closed and no call is in progress.
func (g *Gate) Idle() <-chan struct{} {
	_, idle := g.chans()
	return idle
}

// Close is Begin, then waiting until no call is in progress. It reports false, without
// waiting, if the gate was already closed.
func (g *Gate) Close() bool {
	if !g.Begin() {
		return false
	}
	<-g.Idle()
	return true
}
