package consumer

import (
	"context"
	"iter"

	"github.com/rdstreams/rdstreams/kafkaerror"
	"github.com/rdstreams/rdstreams/message"
)

// Messages iterates over what Poll returns until ctx is done:
//
//	for m, err := range c.Messages(ctx) {
//		if err != nil { … } // an event or error: m still says where, when known
//		process(m)
//	}
//
// It yields each message with its Err (nil for a proper message). It ends when ctx is
// done, when the loop breaks, or after yielding kafkaerror.ErrClosed once the consumer
// is closed. It starts no goroutine.
func (c *Consumer) Messages(ctx context.Context) iter.Seq2[*message.Message, error] {
	return func(yield func(*message.Message, error) bool) {
		for ctx.Err() == nil {
			m := c.PollContext(ctx)
			if m == nil {
				continue
			}
			err := m.Err()
			if !yield(m, err) || err == kafkaerror.ErrClosed {
				return
			}
		}
	}
}
