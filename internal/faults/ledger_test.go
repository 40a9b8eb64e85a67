package faults

import (
	"strings"
	"sync"
	"testing"
	"time"
)

func TestLedgerCounts(t *testing.T) {
	l := NewLedger()
	for id := uint64(0); id < 10; id++ {
		l.Acked(id)
	}
	for id := uint64(0); id < 8; id++ { // 8 and 9 lost
		if !l.Seen(id) {
			t.Fatalf("first reception of %d reported as a repeat", id)
		}
	}
	if l.Seen(3) {
		t.Fatal("second reception of 3 reported as the first")
	}
	l.Seen(3)
	l.Seen(42) // never acknowledged
	c := l.Counts()
	want := Counts{Acked: 10, Received: 11, Distinct: 9, Lost: 2, Duplicated: 2, Unacked: 1}
	if c != want {
		t.Fatalf("counts %+v, want %+v", c, want)
	}
	missing := l.Missing(10)
	if len(missing) != 2 || missing[0]+missing[1] != 17 {
		t.Fatalf("missing %v, want 8 and 9", missing)
	}
	if got := l.Missing(1); len(got) != 1 {
		t.Fatalf("Missing(1) returned %d ids", len(got))
	}
}

func TestLedgerConcurrent(t *testing.T) {
	l := NewLedger()
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 1000; i++ {
				id := uint64(g*1000 + i)
				l.Acked(id)
				l.Seen(id)
			}
		}(g)
	}
	wg.Wait()
	if c := l.Counts(); c.Acked != 4000 || c.Distinct != 4000 || c.Lost != 0 || c.Duplicated != 0 {
		t.Fatalf("counts %+v", c)
	}
}

func TestPayloadRoundTrip(t *testing.T) {
	for _, size := range []int{0, 8, 9, 100, 1024} {
		v := Payload(123456789, size)
		if want := max(size, PayloadHeader); len(v) != want {
			t.Fatalf("size %d: len %d, want %d", size, len(v), want)
		}
		id, err := ID(v)
		if err != nil || id != 123456789 {
			t.Fatalf("size %d: ID = %d, %v", size, id, err)
		}
	}
	v := Payload(7, 64)
	v[40] ^= 0xff
	if _, err := ID(v); err == nil || !strings.Contains(err.Error(), "corrupted at byte 40") {
		t.Fatalf("corrupted value: err %v", err)
	}
	if _, err := ID([]byte("short")); err == nil {
		t.Fatal("a 5-byte value gave an identity")
	}
}

func TestReportLines(t *testing.T) {
	ok := Result{Name: "a", Passed: true, Duplicated: 2, Elapsed: 1500 * time.Millisecond, Figures: []string{"x 1", "y 2"}}
	bad := Result{Name: "b", Lost: 3}
	if l := ok.Line(); !strings.HasPrefix(l, "ok  ") || !strings.Contains(l, "dup 2") || !strings.HasSuffix(l, "x 1; y 2") {
		t.Fatalf("line %q", l)
	}
	if l := bad.Line(); !strings.HasPrefix(l, "FAIL") || !strings.Contains(l, "lost 3") {
		t.Fatalf("line %q", l)
	}
	if s := Summary([]Result{ok, bad}); s != "faults: 2 scenarios, 1 passed, 1 failed, messages lost: 3, duplicated: 2" {
		t.Fatalf("summary %q", s)
	}
}
