package harness

import (
	"context"
	"flag"
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"sync/atomic"
	"time"
)

// Workload runs one workload of a client and returns its result.
type Workload func(ctx context.Context, cfg Config) (Result, error)

// Workloads are a client's implementations; a nil one is unsupported.
type Workloads struct {
	Produce, Consume, Latency Workload
}

// Run is every client program's main: it parses the common flags (plus -timeout),
// runs the workload asked for within the timeout, and prints its result line, or
// fails with one error line (exit 1), or reports an unsupported workload (exit 3).
func Run(client string, w Workloads) {
	timeout := flag.Duration("timeout", 10*time.Minute, "give up after this long")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of the workload to this file")
	memProfile := flag.String("memprofile", "", "write an allocation profile of the workload to this file")
	cfg := ParseFlags(client)
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			Fatalf("cpuprofile: %v", err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			Fatalf("cpuprofile: %v", err)
		}
		defer func() { pprof.StopCPUProfile(); f.Close() }()
	}
	if *memProfile != "" {
		defer func() {
			f, err := os.Create(*memProfile)
			if err != nil {
				Fatalf("memprofile: %v", err)
			}
			defer f.Close()
			if err := pprof.Lookup("allocs").WriteTo(f, 0); err != nil {
				Fatalf("memprofile: %v", err)
			}
		}()
	}
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	run := map[string]Workload{"produce": w.Produce, "consume": w.Consume, "latency": w.Latency}[cfg.Workload]
	if run == nil {
		cfg.Unsupported()
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	res, err := run(ctx, cfg)
	if err != nil {
		Fatalf("%s %s: %v", client, cfg.Workload, err)
	}
	runtime.ReadMemStats(&after)
	if res.Messages > 0 {
		allocs := float64(after.Mallocs-before.Mallocs) / float64(res.Messages)
		bytes := float64(after.TotalAlloc-before.TotalAlloc) / float64(res.Messages)
		res.GoAllocsPerMsg, res.GoAllocBytesPerMsg = &allocs, &bytes
	}
	Emit(res)
}

// ConsumeTally counts what a consume workload receives, from any number of
// goroutines, and times the first message to the N-th.
type ConsumeTally struct {
	cfg        Config
	count      atomic.Int64
	first, end atomic.Int64 // unix nanoseconds
	badSize    atomic.Bool
	done       chan struct{}
}

// NewConsumeTally expects cfg.Messages messages of cfg.Size bytes.
func NewConsumeTally(cfg Config) *ConsumeTally {
	return &ConsumeTally{cfg: cfg, done: make(chan struct{})}
}

// Record counts one received message whose value is valueLen bytes long.
func (t *ConsumeTally) Record(valueLen int) {
	now := time.Now().UnixNano()
	if t.first.Load() == 0 {
		t.first.CompareAndSwap(0, now)
	}
	if valueLen != t.cfg.Size {
		t.badSize.Store(true)
	}
	if t.count.Add(1) == int64(t.cfg.Messages) {
		t.end.Store(now)
		close(t.done)
	}
}

// Wait waits for the N-th message, a reader error or the end of ctx, and returns the
// throughput result.
func (t *ConsumeTally) Wait(ctx context.Context, errs <-chan error, settings map[string]any) (Result, error) {
	select {
	case <-t.done:
	case err := <-errs:
		return Result{}, err
	case <-ctx.Done():
		return Result{}, fmt.Errorf("%d of %d messages: %w", t.count.Load(), t.cfg.Messages, ctx.Err())
	}
	if t.badSize.Load() {
		return Result{}, fmt.Errorf("a value is not %d bytes long (-size does not match the topic)", t.cfg.Size)
	}
	return t.cfg.Throughput(t.cfg.Messages, time.Duration(t.end.Load()-t.first.Load()), settings), nil
}
