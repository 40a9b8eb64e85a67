package engine

/*
#include <stdlib.h>
#include "helpers.h"
*/
import "C"

import (
	"os"
	"sync"
	"time"
	"unsafe"

	"github.com/rdstreams/rdstreams/kafkaerror"
)

// LogFunc receives a librdkafka log line: its syslog level (0 emergency … 7 debug),
// the client's name, the facility and the text. It runs on a goroutine of the engine,
// never on a librdkafka thread.
type LogFunc func(level int, client, facility, text string)

// client is what a producer and (later) a consumer share: the librdkafka instance, its
// main queue with a wake-up pipe, and its log queue drained into a LogFunc.
type client struct {
	rk    *C.rd_kafka_t
	mainq *C.rd_kafka_queue_t
	wakeR *os.File // written to by librdkafka when the main queue gets an event
	wakeW *os.File
	wake  chan struct{} // a token when the main queue may have events

	logq  *C.rd_kafka_queue_t
	logR  *os.File
	logW  *os.File
	name  string
	logf  LogFunc
	tasks sync.WaitGroup // the wake-up and log goroutines

	destroyFlags C.int        // rd_kafka_destroy_flags' flags
	tokens       *tokenServer // answers OAUTHBEARER token requests (WithTokens)
}

// newClient creates a librdkafka instance of kind (RDS_PRODUCER …) from props, with
// events for the given event types on its main queue;
// setup, when not nil, adds to the configuration (callbacks of C helpers).
func newClient(kind C.uint, props map[string]string, events C.int, logf LogFunc, setup func(*C.rd_kafka_conf_t)) (*client, error) {
	all := make(map[string]string, len(props)+1)
	for k, v := range props {
		all[k] = v
	}
	all["log.queue"] = "true" // log lines wait on the log queue, no thread calls back
	conf, err := newConf(all)
	if err != nil {
		return nil, err
	}
	C.rd_kafka_conf_set_events(conf, events)
	if setup != nil {
		setup(conf)
	}
	errbuf := (*C.char)(C.malloc(errBufSize))
	defer C.free(unsafe.Pointer(errbuf))
	rk := C.rd_kafka_new(kind, conf, errbuf, errBufSize)
	if rk == nil {
		C.rd_kafka_conf_destroy(conf)
		return nil, kafkaerror.New(kafkaerror.InvalidArg, C.GoString(errbuf), kafkaerror.Flags{})
	}
	c := &client{rk: rk, logf: logf, wake: make(chan struct{}, 1), name: C.GoString(C.rd_kafka_name(rk))}
	if err := c.start(); err != nil {
		C.rd_kafka_destroy(rk)
		return nil, err
	}
	return c, nil
}

// start sets up the queues, their pipes and goroutines.
func (c *client) start() error {
	var err error
	if c.wakeR, c.wakeW, err = os.Pipe(); err != nil {
		return kafkaerror.Newf(kafkaerror.Fail, "engine: wake-up pipe: %v", err)
	}
	if c.logR, c.logW, err = os.Pipe(); err != nil {
		c.wakeR.Close()
		c.wakeW.Close()
		return kafkaerror.Newf(kafkaerror.Fail, "engine: log pipe: %v", err)
	}
	c.mainq = C.rd_kafka_queue_get_main(c.rk)
	c.logq = C.rd_kafka_queue_new(c.rk)
	C.rd_kafka_set_log_queue(c.rk, c.logq)
	c.tasks.Add(2)
	if ioEvents {
		one := C.CString("1")
		defer C.free(unsafe.Pointer(one))
		for _, q := range []struct {
			q *C.rd_kafka_queue_t
			w *os.File
		}{{c.mainq, c.wakeW}, {c.logq, c.logW}} {
			fd := q.w.Fd()
			nonBlocking(fd)
			C.rd_kafka_queue_io_event_enable(q.q, C.int(fd), unsafe.Pointer(one), 1)
		}
		go c.forwardWakeUps()
	} else {
		go c.tickWakeUps()
	}
	go c.forwardLogs()
	// An event queued before the pipe was attached wrote no byte: look once.
	c.signal()
	return nil
}

// forwardWakeUps turns the bytes librdkafka writes to the wake-up pipe into tokens on
// c.wake, until the pipe is closed.
func (c *client) forwardWakeUps() {
	defer c.tasks.Done()
	buf := make([]byte, 64)
	for {
		if _, err := c.wakeR.Read(buf); err != nil {
			return
		}
		c.signal()
	}
}

// tickWakeUps stands in for forwardWakeUps where librdkafka cannot write to the pipes
// (ioEvents false): every millisecond a token for the main queue and a byte for the
// log pipe, until the pipes close.
func (c *client) tickWakeUps() {
	defer c.tasks.Done()
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	for range tick.C {
		if _, err := c.logW.Write([]byte{1}); err != nil {
			return
		}
		c.signal()
	}
}

func (c *client) signal() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// Wake has a token whenever the main queue may have gained events since the last
// token was taken. Take the token, then poll until the queue is empty: an event that
// comes after the last empty poll leaves a new token.
func (c *client) Wake() <-chan struct{} { return c.wake }

// forwardLogs serves the log queue whenever librdkafka writes to the log pipe, until
// the pipe is closed; then it serves what is left.
func (c *client) forwardLogs() {
	defer c.tasks.Done()
	buf := make([]byte, 64)
	for {
		_, err := c.logR.Read(buf)
		c.serveLogs()
		if err != nil {
			return
		}
	}
}

// serveLogs hands every log line waiting to logf.
func (c *client) serveLogs() {
	for {
		ev := C.rd_kafka_queue_poll(c.logq, 0)
		if ev == nil {
			return
		}
		var fac, str *C.char
		var level C.int
		if C.rd_kafka_event_type(ev) == C.RDS_EVENT_LOG && C.rd_kafka_event_log(ev, &fac, &str, &level) == 0 && c.logf != nil {
			c.logf(int(level), c.name, C.GoString(fac), C.GoString(str))
		}
		C.rd_kafka_event_destroy(ev)
	}
}

// outqLen is rd_kafka_outq_len: messages queued or in flight, plus delivery reports and
// other events not yet served.
func (c *client) outqLen() int { return int(C.rd_kafka_outq_len(c.rk)) }

// destroy releases the instance; nothing may use c afterwards. Log lines queued until
// then still reach logf; what librdkafka logs while it shuts down does not.
func (c *client) destroy() {
	c.stopTokens()
	C.rd_kafka_queue_io_event_enable(c.mainq, -1, nil, 0)
	C.rd_kafka_queue_io_event_enable(c.logq, -1, nil, 0)
	C.rd_kafka_set_log_queue(c.rk, nil)
	c.wakeW.Close()
	c.logW.Close()
	c.tasks.Wait() // the log goroutine has served the last lines
	C.rd_kafka_queue_destroy(c.mainq)
	C.rd_kafka_queue_destroy(c.logq)
	C.rd_kafka_destroy_flags(c.rk, c.destroyFlags)
	c.wakeR.Close()
	c.logR.Close()
}

// watchedQueue is a queue of the client's own whose wake-ups reach Go, as the main
// queue's do: a token on wake whenever it may have gained events.
type watchedQueue struct {
	q    *C.rd_kafka_queue_t
	r, w *os.File
	wake chan struct{}
	stop chan struct{} // closed by close: ends the ticker where ioEvents is false
	done sync.WaitGroup
}

// newQueue watches q (nil: a new queue of the client's), signalling wake (nil: a
// channel of its own); close it before the client is destroyed.
func (c *client) newQueue(q *C.rd_kafka_queue_t, wake chan struct{}) (*watchedQueue, error) {
	if wake == nil {
		wake = make(chan struct{}, 1)
	}
	wq := &watchedQueue{wake: wake, stop: make(chan struct{})}
	var err error
	if wq.r, wq.w, err = os.Pipe(); err != nil {
		return nil, kafkaerror.Newf(kafkaerror.Fail, "engine: wake-up pipe: %v", err)
	}
	if q == nil {
		q = C.rd_kafka_queue_new(c.rk)
	}
	wq.q = q
	wq.done.Add(1)
	if ioEvents {
		one := C.CString("1")
		defer C.free(unsafe.Pointer(one))
		fd := wq.w.Fd()
		nonBlocking(fd)
		C.rd_kafka_queue_io_event_enable(wq.q, C.int(fd), unsafe.Pointer(one), 1)
		go func() {
			defer wq.done.Done()
			buf := make([]byte, 64)
			for {
				if _, err := wq.r.Read(buf); err != nil {
					return
				}
				wq.signal()
			}
		}()
	} else {
		go func() {
			defer wq.done.Done()
			tick := time.NewTicker(time.Millisecond)
			defer tick.Stop()
			for {
				select {
				case <-tick.C:
					wq.signal()
				case <-wq.stop:
					return
				}
			}
		}()
	}
	wq.signal() // an event queued before the pipe was attached wrote no byte
	return wq, nil
}

func (wq *watchedQueue) signal() {
	select {
	case wq.wake <- struct{}{}:
	default:
	}
}

// close stops the wake-ups and destroys the queue.
func (wq *watchedQueue) close() {
	C.rd_kafka_queue_io_event_enable(wq.q, -1, nil, 0)
	close(wq.stop)
	wq.w.Close()
	wq.done.Wait()
	C.rd_kafka_queue_destroy(wq.q)
	wq.r.Close()
}

// codeError is librdkafka's error for a code, in its words.
func codeError(code C.int) *kafkaerror.Error {
	return kafkaerror.New(kafkaerror.Code(code), C.GoString(C.rd_kafka_err2str(code)), kafkaerror.Flags{})
}

// objectError converts and destroys an rd_kafka_error_t; nil for nil.
func objectError(e *C.rd_kafka_error_t) error {
	if e == nil {
		return nil
	}
	defer C.rd_kafka_error_destroy(e)
	return kafkaerror.New(kafkaerror.Code(C.rd_kafka_error_code(e)), C.GoString(C.rd_kafka_error_string(e)),
		kafkaerror.Flags{
			Fatal:            C.rd_kafka_error_is_fatal(e) != 0,
			Retriable:        C.rd_kafka_error_is_retriable(e) != 0,
			TxnRequiresAbort: C.rd_kafka_error_txn_requires_abort(e) != 0,
		})
}
