package lifecycle

import (
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestGateClosesAfterCallsInProgress(t *testing.T) {
	var g Gate
	assert.True(t, g.Enter())
	assert.True(t, g.Enter(), "nested")
	closed := make(chan bool)
	go func() { closed <- g.Close() }()
	<-g.Closing() // Close has begun …
	assert.False(t, g.Enter(), "no new call once closing")
	assert.True(t, g.Closed())
	select {
	case <-closed:
		t.Fatal("Close returned while calls were in progress")
	default:
	}
	g.Exit()
	g.Exit()
	select {
	case ok := <-closed: // … and finishes once the calls have left.
		assert.True(t, ok)
	case <-time.After(10 * time.Second):
		t.Fatal("Close did not return after the last call exited")
	}
	assert.False(t, g.Close(), "second Close reports it was already closed")
}

func TestGateConcurrentCloseOnlyOneWins(t *testing.T) {
	var g Gate
	var wg sync.WaitGroup
	wins := make(chan bool, 8)
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 100; j++ {
				if g.Enter() {
					g.Exit()
				}
			}
			wins <- g.Close()
		}()
	}
	wg.Wait()
	close(wins)
	n := 0
	for w := range wins {
		if w {
			n++
		}
	}
	assert.Equal(t, 1, n)
}
