// Command cgobatch is a prototype, not a peer: the same librdkafka (the static library
// confluent-kafka-go v2.11.1 bundles) driven through batched cgo calls — a C-side
// produce loop taking a whole batch of values per call, and rd_kafka_consume_batch_queue
// copying a batch of messages into one Go buffer per call. It answers issue 5's
// question "what would a batched cgo path gain" with a measurement; the driver runs it
// only when asked (-clients cgo-batch). Its produce reports deliveries as counts (no
// per-message report objects), its consume hands Go the key, value, partition and
// offset of each message but not headers or timestamps: what it saves beyond the
// crossings themselves is said in RESULTS.md.
//
// Building it needs librdkafka's header and archive from the module cache; the driver
// sets CGO_CFLAGS and CGO_LDFLAGS (see cmd/benchrun).
package main

/*
#include <stdlib.h>
#include "batch.h"
*/
import "C"

import (
	"context"
	"fmt"
	"strconv"
	"time"
	"unsafe"

	"github.com/rdstreams/rdstreams/bench/internal/harness"
)

// batch is how many messages cross into C (produce) or out of it (consume) per call.
const batch = 1000

func main() {
	harness.Run("cgo-batch", harness.Workloads{Produce: produce, Consume: consume})
}

// handle is a librdkafka client with its delivery counts in C memory.
type handle struct {
	rk     *C.rd_kafka_t
	counts *C.struct_proto_counts
}

func newHandle(typ C.rd_kafka_type_t, conf map[string]string) (*handle, error) {
	kv := make([]*C.char, 0, 2*len(conf))
	for k, v := range conf {
		kv = append(kv, C.CString(k), C.CString(v))
	}
	defer func() {
		for _, s := range kv {
			C.free(unsafe.Pointer(s))
		}
	}()
	counts := (*C.struct_proto_counts)(C.calloc(1, C.size_t(unsafe.Sizeof(C.struct_proto_counts{}))))
	errstr := (*C.char)(C.malloc(512))
	defer C.free(unsafe.Pointer(errstr))
	// kv is Go memory holding C pointers only: allowed to pass for the call's duration.
	rk := C.proto_new(typ, (**C.char)(unsafe.Pointer(&kv[0])), C.int(len(kv)), counts, errstr, 512)
	if rk == nil {
		C.free(unsafe.Pointer(counts))
		return nil, fmt.Errorf("rd_kafka_new: %s", C.GoString(errstr))
	}
	return &handle{rk: rk, counts: counts}, nil
}

func (h *handle) close() {
	C.rd_kafka_destroy(h.rk)
	C.free(unsafe.Pointer(h.counts))
}

func errName(code C.int) string {
	return C.GoString(C.rd_kafka_err2name(C.rd_kafka_resp_err_t(code)))
}

func produce(ctx context.Context, cfg harness.Config) (harness.Result, error) {
	conf := map[string]string{
		"bootstrap.servers":  cfg.Bootstrap,
		"acks":               "all",
		"enable.idempotence": "true",
		"linger.ms":          strconv.Itoa(cfg.LingerMs),
		"batch.size":         strconv.Itoa(cfg.BatchSize),
		"compression.type":   "none",
		"partitioner":        "murmur2_random",
	}
	h, err := newHandle(C.RD_KAFKA_PRODUCER, conf)
	if err != nil {
		return harness.Result{}, err
	}
	defer h.close()
	ctopic := C.CString(cfg.Topic)
	defer C.free(unsafe.Pointer(ctopic))
	rkt := C.rd_kafka_topic_new(h.rk, ctopic, nil)
	defer C.rd_kafka_topic_destroy(rkt)

	// The values of one batch, one after another, as an application would hand them
	// over: copied into a C arena (librdkafka copies again, RD_KAFKA_MSG_F_COPY, as
	// confluent-kafka-go does).
	value := harness.Payload(cfg.Size)
	arena := (*C.char)(C.malloc(C.size_t(max(1, batch*cfg.Size))))
	defer C.free(unsafe.Pointer(arena))
	lens := (*C.int)(C.malloc(C.size_t(batch * C.sizeof_int)))
	defer C.free(unsafe.Pointer(lens))
	arenaGo := unsafe.Slice((*byte)(unsafe.Pointer(arena)), batch*cfg.Size)
	lensGo := unsafe.Slice((*C.int)(lens), batch)

	send := func(n int) error {
		for i := 0; i < n; i++ {
			copy(arenaGo[i*cfg.Size:], value)
			lensGo[i] = C.int(cfg.Size)
		}
		if rc := C.proto_produce_batch(h.rk, rkt, arena, lens, C.int(n)); rc != 0 {
			return fmt.Errorf("produce: %s", errName(rc))
		}
		return nil
	}
	wait := func(n int64) error {
		for int64(h.counts.delivered+h.counts.failed) < n {
			if ctx.Err() != nil {
				return fmt.Errorf("%d of %d delivered: %w", h.counts.delivered, n, ctx.Err())
			}
			C.rd_kafka_poll(h.rk, 10)
		}
		if h.counts.failed > 0 {
			return fmt.Errorf("%d deliveries failed, first: %s", h.counts.failed, errName(h.counts.first_err))
		}
		return nil
	}
	// Warm-up, as every Go client does (harness.WarmUpNote).
	if err := send(1); err != nil {
		return harness.Result{}, err
	}
	if err := wait(1); err != nil {
		return harness.Result{}, err
	}
	start := time.Now()
	for sent := 0; sent < cfg.Messages; {
		n := min(batch, cfg.Messages-sent)
		if err := send(n); err != nil {
			return harness.Result{}, err
		}
		sent += n
	}
	if err := wait(int64(cfg.Messages) + 1); err != nil {
		return harness.Result{}, err
	}
	elapsed := time.Since(start)
	return cfg.Throughput(cfg.Messages, elapsed, map[string]any{
		"library":  "librdkafka 2.11.1 (confluent-kafka-go v2.11.1's static build), batched cgo prototype",
		"producer": conf,
		"api":      fmt.Sprintf("batches of %d values copied into a C arena, one cgo call per batch producing each with rd_kafka_produce(RD_KAFKA_MSG_F_COPY); delivery reports counted in C", batch),
		"warm_up":  harness.WarmUpNote,
	}), nil
}

func consume(ctx context.Context, cfg harness.Config) (harness.Result, error) {
	// librdkafka's assign needs a group.id, which is never joined (as in the ckgo client).
	conf := map[string]string{"bootstrap.servers": cfg.Bootstrap, "enable.auto.commit": "false",
		"group.id": fmt.Sprintf("bench-cgobatch-%d", time.Now().UnixNano())}
	for k, v := range harness.LibrdkafkaPrefetch {
		conf[k] = fmt.Sprint(v)
	}
	h, err := newHandle(C.RD_KAFKA_CONSUMER, conf)
	if err != nil {
		return harness.Result{}, err
	}
	defer h.close()
	defer C.rd_kafka_consumer_close(h.rk)
	partitions, err := partitionCount(h.rk, cfg.Topic)
	if err != nil {
		return harness.Result{}, err
	}
	ctopic := C.CString(cfg.Topic)
	defer C.free(unsafe.Pointer(ctopic))
	if rc := C.proto_assign_all(h.rk, ctopic, C.int(partitions), C.RD_KAFKA_OFFSET_BEGINNING); rc != 0 {
		return harness.Result{}, fmt.Errorf("assign: %s", errName(rc))
	}
	q := C.rd_kafka_queue_get_consumer(h.rk)
	defer C.rd_kafka_queue_destroy(q)

	arenaLen := batch * (cfg.Size + 64)
	arena := make([]byte, arenaLen)
	meta := make([]C.struct_proto_meta, batch)
	tally := harness.NewConsumeTally(cfg)
	done := make(chan struct{})
	errs := make(chan error, 1)
	go func() {
		defer close(done)
		for got := 0; got < cfg.Messages && ctx.Err() == nil; {
			var cerr C.int
			// arena and meta are Go memory without Go pointers: C may write them for the
			// duration of the call.
			n := int(C.proto_consume_batch(q, 100, (*C.char)(unsafe.Pointer(&arena[0])), C.size_t(arenaLen),
				&meta[0], C.int(batch), &cerr))
			if cerr != 0 {
				errs <- fmt.Errorf("consume: %s", errName(cerr))
				return
			}
			used := 0
			for i := 0; i < n; i++ {
				k, v := int(meta[i].key_len), int(meta[i].value_len)
				_ = arena[used : used+k]                    // the key, as an application would see it
				tally.Record(len(arena[used+k : used+k+v])) // the value
				used += k + v
			}
			got += n
		}
	}()
	res, err := tally.Wait(ctx, errs, map[string]any{
		"library":  "librdkafka 2.11.1 (confluent-kafka-go v2.11.1's static build), batched cgo prototype",
		"consumer": conf,
		"api":      fmt.Sprintf("rd_kafka_assign(all partitions, beginning); rd_kafka_consume_batch_queue of up to %d messages per cgo call, keys and values copied into one Go buffer", batch),
	})
	<-done
	return res, err
}

// partitionCount asks the broker how many partitions topic has.
func partitionCount(rk *C.rd_kafka_t, topic string) (int, error) {
	ctopic := C.CString(topic)
	defer C.free(unsafe.Pointer(ctopic))
	rkt := C.rd_kafka_topic_new(rk, ctopic, nil)
	defer C.rd_kafka_topic_destroy(rkt)
	var md *C.struct_rd_kafka_metadata
	if rc := C.rd_kafka_metadata(rk, 0, rkt, &md, 30_000); rc != 0 {
		return 0, fmt.Errorf("metadata of %s: %s", topic, errName(C.int(rc)))
	}
	defer C.rd_kafka_metadata_destroy(md)
	if md.topic_cnt != 1 || md.topics.err != 0 {
		return 0, fmt.Errorf("metadata of %s: topic not found", topic)
	}
	return int(md.topics.partition_cnt), nil
}
