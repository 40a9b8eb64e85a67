package harness

import (
	"context"
	"fmt"
	"strconv"
	"time"
)

// WarmUp readies a latency run: every 10 ms it sends one value per partition with a
// zero stamp (the payload's filler after it) and keys "0", "1", … so that a key hash
// spreads them over the partitions, until positioned is closed (the consumer has read a
// value from every partition: connected, end offsets resolved, fetching), stopped
// yields the consumer's error, or ctx ends. No measured value can then be missed.
func WarmUp(ctx context.Context, partitions int, payload []byte, send func(value, key []byte) error,
	positioned <-chan struct{}, stopped <-chan error) error {
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for round := 0; ; round++ {
		for j := 0; j < partitions; j++ {
			value := make([]byte, len(payload))
			copy(value[StampSize:], payload[StampSize:])
			if err := send(value, []byte(strconv.Itoa(round*partitions+j))); err != nil {
				return err
			}
		}
		select {
		case <-positioned:
			return nil
		case err := <-stopped:
			return fmt.Errorf("consumer stopped while warming up: %w", err)
		case <-ctx.Done():
			return fmt.Errorf("consumer not positioned: %w", ctx.Err())
		case <-tick.C:
		}
	}
}

// SendStamped sends cfg.Messages copies of payload at cfg.Rate, each with its send time
// stamped in (Stamp), and returns how long sending took.
func SendStamped(cfg Config, payload []byte, send func(value []byte) error) (time.Duration, error) {
	pacer := NewPacer(cfg.Rate)
	start := time.Now()
	for i := 0; i < cfg.Messages; i++ {
		pacer.Wait(i, nil)
		value := make([]byte, cfg.Size)
		copy(value, payload)
		Stamp(value, time.Now())
		if err := send(value); err != nil {
			return time.Since(start), err
		}
	}
	return time.Since(start), nil
}
