package machinelock

import (
	"context"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestExcludesWithinAndAcrossLocks: holders of one *Lock and of a second
// Lock on the same file (another session) never overlap.
func TestExcludesWithinAndAcrossLocks(t *testing.T) {
	path := filepath.Join(t.TempDir(), "run", "machine.lock")
	a, b := New(path, 10*time.Second), New(path, 10*time.Second)
	var inside, overlaps atomic.Int64
	var wg sync.WaitGroup
	for i := range 16 {
		l := a
		if i%2 == 1 {
			l = b
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := l.Do(context.Background(), func() error {
				if inside.Add(1) > 1 {
					overlaps.Add(1)
				}
				time.Sleep(2 * time.Millisecond)
				inside.Add(-1)
				return nil
			})
			if err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if n := overlaps.Load(); n > 0 {
		t.Errorf("%d holders overlapped", n)
	}
}

func TestTimesOutWhileAnotherSessionHoldsIt(t *testing.T) {
	path := filepath.Join(t.TempDir(), "machine.lock")
	other := New(path, time.Second)
	unlock, err := other.Acquire(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	start := time.Now()
	if _, err := New(path, 150*time.Millisecond).Acquire(context.Background()); err == nil {
		t.Fatal("took a lock another session holds")
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("gave up after %s, want about 150ms", d)
	}
}
