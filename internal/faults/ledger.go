package faults

import (
	"encoding/binary"
	"fmt"
	"sync"
)

// Ledger accounts for messages by a numeric identity the scenario gives each one
// (see Payload). It is safe for concurrent use.
//
// A message is lost when the broker acknowledged it (Acked) and no consumer ever
// received it (Seen); it is duplicated once for every reception after the first.
type Ledger struct {
	mu    sync.Mutex
	acked map[uint64]struct{}
	seen  map[uint64]uint32
	recv  int
}

// NewLedger returns an empty ledger.
func NewLedger() *Ledger {
	return &Ledger{acked: make(map[uint64]struct{}), seen: make(map[uint64]uint32)}
}

// Acked records that the broker acknowledged message id (a successful delivery
// report, or a committed transaction holding it).
func (l *Ledger) Acked(id uint64) {
	l.mu.Lock()
	l.acked[id] = struct{}{}
	l.mu.Unlock()
}

// Seen records that a consumer received message id, and reports whether this is the
// first time.
func (l *Ledger) Seen(id uint64) (first bool) {
	l.mu.Lock()
	n := l.seen[id]
	l.seen[id] = n + 1
	l.recv++
	l.mu.Unlock()
	return n == 0
}

// Counts is a snapshot of a Ledger.
type Counts struct {
	Acked      int // distinct messages the broker acknowledged
	Received   int // receptions, duplicates included
	Distinct   int // distinct messages received
	Lost       int // acknowledged, never received
	Duplicated int // receptions beyond the first of each message
	Unacked    int // received although never acknowledged (a report lost, or the sender killed before it came)
}

// Counts returns the ledger's figures now.
func (l *Ledger) Counts() Counts {
	l.mu.Lock()
	defer l.mu.Unlock()
	c := Counts{Acked: len(l.acked), Received: l.recv, Distinct: len(l.seen)}
	for id := range l.acked {
		if _, ok := l.seen[id]; !ok {
			c.Lost++
		}
	}
	for id, n := range l.seen {
		c.Duplicated += int(n) - 1
		if _, ok := l.acked[id]; !ok {
			c.Unacked++
		}
	}
	return c
}

// Missing returns up to max acknowledged identities never received, for a failure
// message.
func (l *Ledger) Missing(max int) []uint64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []uint64
	for id := range l.acked {
		if _, ok := l.seen[id]; !ok {
			out = append(out, id)
			if len(out) == max {
				break
			}
		}
	}
	return out
}

// String is a one-line account: "acked 10, received 11 (10 distinct), lost 0, duplicated 1".
func (c Counts) String() string {
	s := fmt.Sprintf("acked %d, received %d (%d distinct), lost %d, duplicated %d",
		c.Acked, c.Received, c.Distinct, c.Lost, c.Duplicated)
	if c.Unacked > 0 {
		s += fmt.Sprintf(", received unacked %d", c.Unacked)
	}
	return s
}

// PayloadHeader is the number of bytes Payload uses for the identity.
const PayloadHeader = 8

// Payload returns a message value of size bytes (at least PayloadHeader) that
// carries id in its first 8 bytes, big-endian; the rest is a pattern derived from id,
// which ID checks, so a corrupted value is told apart from a foreign one.
func Payload(id uint64, size int) []byte {
	if size < PayloadHeader {
		size = PayloadHeader
	}
	b := make([]byte, size)
	binary.BigEndian.PutUint64(b, id)
	for i := PayloadHeader; i < size; i++ {
		b[i] = byte(id) + byte(i)
	}
	return b
}

// ID returns the identity Payload put in value, or an error when value is not one of
// Payload's (too short, or its filler does not match the identity).
func ID(value []byte) (uint64, error) {
	if len(value) < PayloadHeader {
		return 0, fmt.Errorf("faults: value of %d bytes carries no identity", len(value))
	}
	id := binary.BigEndian.Uint64(value)
	for i := PayloadHeader; i < len(value); i++ {
		if value[i] != byte(id)+byte(i) {
			return id, fmt.Errorf("faults: value of message %d corrupted at byte %d", id, i)
		}
	}
	return id, nil
}
