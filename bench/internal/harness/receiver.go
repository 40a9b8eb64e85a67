package harness

import (
	"runtime/debug"
	"sync"
	"time"
)

// Receiver is the consuming side of a latency run, safe for concurrent use: values
// with a stamp go into the histogram until want have come (then Done is closed);
// warm-up values (zero stamp) mark their partition as seen, and once every partition
// has been seen Positioned is closed (see WarmUp).
type Receiver struct {
	mu         sync.Mutex
	lat        *Latency
	want       int
	partitions int // 0 until SetPartitions
	seen       map[int32]bool
	positioned chan struct{}
	done       chan struct{}
}

// NewReceiver expects want stamped values.
func NewReceiver(want int) *Receiver {
	return &Receiver{lat: NewLatency(), want: want, seen: map[int32]bool{},
		positioned: make(chan struct{}), done: make(chan struct{})}
}

// SetPartitions says how many partitions must each deliver a warm-up value; values may
// arrive before it is called.
func (r *Receiver) SetPartitions(n int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.partitions = n
	r.checkPositioned()
}

// Receive records a value read from partition at now.
func (r *Receiver) Receive(partition int32, value []byte, now time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.lat.Count >= r.want {
		return
	}
	if r.lat.Record(Stamped(value), now) {
		if r.lat.Count == r.want {
			close(r.done)
		}
		return
	}
	if !r.seen[partition] {
		r.seen[partition] = true
		r.checkPositioned()
	}
}

func (r *Receiver) checkPositioned() {
	if r.partitions > 0 && len(r.seen) == r.partitions {
		close(r.positioned)
	}
}

// Positioned is closed once every partition has delivered a warm-up value.
func (r *Receiver) Positioned() <-chan struct{} { return r.positioned }

// Done is closed once want stamped values have been received.
func (r *Receiver) Done() <-chan struct{} { return r.done }

// Count is the number of stamped values received so far.
func (r *Receiver) Count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.lat.Count
}

// Fill writes the latency percentiles into res.
func (r *Receiver) Fill(res *Result) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.lat.Fill(res)
}

// ModuleVersion is "path version" for the module path this program was built with,
// for a client's settings.
func ModuleVersion(path string) string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, d := range bi.Deps {
			if d.Path == path {
				return d.Path + " " + d.Version
			}
		}
	}
	return path + " (unknown version)"
}
