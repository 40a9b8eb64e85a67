package engine

/*
#include <stdlib.h>
#include "helpers.h"
*/
import "C"

import (
	"context"
	"fmt"
	"sort"
	"unsafe"

	"github.com/rdstreams/rdstreams/oauthbearer"
)

// Option adds to a client's set-up.
type Option func(*options)

type options struct {
	tokens oauthbearer.TokenFunc
}

// WithTokens has the client get its OAUTHBEARER tokens from fn (Python's oauth_cb):
// librdkafka's token refresh requests wait on the client's SASL queue, and a goroutine
// of the client answers them by calling fn, at once when the client starts and again
// before each token expires, whether or not the application polls.
func WithTokens(fn oauthbearer.TokenFunc) Option {
	return func(o *options) { o.tokens = fn }
}

func optionsOf(opts []Option) options {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	return o
}

// events is the event mask with what the options add.
func (o options) events(mask C.int) C.int {
	if o.tokens != nil {
		mask |= C.RDS_EVENT_OAUTHBEARER_TOKEN_REFRESH
	}
	return mask
}

// setup adds the options to a configuration, after more (nil: nothing more).
func (o options) setup(more func(*C.rd_kafka_conf_t)) func(*C.rd_kafka_conf_t) {
	return func(conf *C.rd_kafka_conf_t) {
		if o.tokens != nil {
			C.rd_kafka_conf_enable_sasl_queue(conf, 1)
		}
		if more != nil {
			more(conf)
		}
	}
}

// tokenServer answers a client's token refresh requests (see WithTokens).
type tokenServer struct {
	q      *watchedQueue
	cancel context.CancelFunc
	done   chan struct{}
}

// serveTokens starts answering c's token refresh requests with fn.
func (c *client) serveTokens(fn oauthbearer.TokenFunc) error {
	q, err := c.newQueue(C.rd_kafka_queue_get_sasl(c.rk), nil)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(context.Background())
	ts := &tokenServer{q: q, cancel: cancel, done: make(chan struct{})}
	c.tokens = ts
	go func() {
		defer close(ts.done)
		for {
			select {
			case <-q.wake:
			case <-ctx.Done():
				return
			}
			for {
				ev := C.rd_kafka_queue_poll(q.q, 0)
				if ev == nil {
					break
				}
				if C.rd_kafka_event_type(ev) == C.RDS_EVENT_OAUTHBEARER_TOKEN_REFRESH {
					c.refreshToken(ctx, fn, C.GoString(C.rd_kafka_event_config_string(ev)))
				}
				C.rd_kafka_event_destroy(ev)
			}
		}
	}()
	return nil
}

// stopTokens stops answering token requests (before the client is destroyed).
func (c *client) stopTokens() {
	if c.tokens == nil {
		return
	}
	c.tokens.cancel()
	<-c.tokens.done
	c.tokens.q.close()
	c.tokens = nil
}

// refreshToken asks fn for a token and hands it to librdkafka, or tells librdkafka why
// there is none (it then reports an authentication error and asks again later).
func (c *client) refreshToken(ctx context.Context, fn oauthbearer.TokenFunc, config string) {
	tok, err := callTokenFunc(ctx, fn, config)
	if err == nil {
		err = c.setToken(tok)
	}
	if err != nil {
		text := C.CString("OAUTHBEARER token function: " + err.Error())
		defer C.free(unsafe.Pointer(text))
		C.rd_kafka_oauthbearer_set_token_failure(c.rk, text)
	}
}

// callTokenFunc calls fn, turning a panic into an error: it runs on a goroutine of the
// client, where a panic would end the program.
func callTokenFunc(ctx context.Context, fn oauthbearer.TokenFunc, config string) (tok oauthbearer.Token, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panicked: %v", p)
		}
	}()
	return fn(ctx, config)
}

// setToken is rd_kafka_oauthbearer_set_token for tok.
func (c *client) setToken(tok oauthbearer.Token) error {
	value := C.CString(tok.Value)
	defer C.free(unsafe.Pointer(value))
	principal := C.CString(tok.Principal)
	defer C.free(unsafe.Pointer(principal))
	keys := make([]string, 0, len(tok.Extensions))
	for k := range tok.Extensions {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var ext **C.char
	if len(keys) > 0 {
		arr := unsafe.Slice((**C.char)(C.malloc(C.size_t(2*len(keys))*C.size_t(unsafe.Sizeof((*C.char)(nil))))), 2*len(keys))
		for i, k := range keys {
			arr[2*i], arr[2*i+1] = C.CString(k), C.CString(tok.Extensions[k])
		}
		defer func() {
			for _, p := range arr {
				C.free(unsafe.Pointer(p))
			}
			C.free(unsafe.Pointer(&arr[0]))
		}()
		ext = &arr[0]
	}
	errbuf := (*C.char)(C.malloc(errBufSize))
	defer C.free(unsafe.Pointer(errbuf))
	code := C.rd_kafka_oauthbearer_set_token(c.rk, value, C.int64_t(tok.Expiry.UnixMilli()), principal,
		ext, C.size_t(2*len(keys)), errbuf, errBufSize)
	if code != C.RDS_ERR_NO_ERROR {
		return fmt.Errorf("librdkafka refused the token: %s", C.GoString(errbuf))
	}
	return nil
}
