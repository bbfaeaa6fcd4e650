package haproxy

import (
	"testing"
	"time"
)

// TestGatherStopsAtPeak: with a quiet gap far longer than the test, only
// the learnt parallelism can close the batch: gather waits while the
// queue is smaller than the largest batch so far and returns once it is
// as large.
func TestGatherStopsAtPeak(t *testing.T) {
	m := &Manager{opts: Options{BatchWindow: time.Hour}}
	m.peak = 3
	m.queue = []*change{{}, {}}
	done := make(chan struct{})
	go func() { m.gather(); close(done) }()
	select {
	case <-done:
		t.Fatal("gather returned with 2 changes queued and a peak of 3")
	case <-time.After(50 * time.Millisecond):
	}
	enqueueAndWait(t, m, done, "with the queue at the peak")
}

// enqueueAndWait queues one more change and waits for gather to return.
func enqueueAndWait(t *testing.T, m *Manager, done <-chan struct{}, what string) {
	t.Helper()
	m.qmu.Lock()
	m.queue = append(m.queue, &change{})
	m.qmu.Unlock()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("gather still waiting " + what)
	}
}

// TestGatherGrowsPastPeak: at the peak, gather waits for a short settle,
// so a change arriving right after the peak's joins and the batch (and
// with it the learnt peak) grows.
func TestGatherGrowsPastPeak(t *testing.T) {
	m := &Manager{opts: Options{BatchWindow: time.Hour}}
	m.peak = 2
	m.queue = []*change{{}, {}}
	done := make(chan struct{})
	var atReturn int // the batch gather closed: the queue when it returned
	go func() { m.gather(); atReturn = m.queued(); close(done) }()
	time.Sleep(peakSettle / 5)
	enqueueAndWait(t, m, done, "after the settle at the peak")
	if atReturn != 3 {
		t.Fatalf("gather returned with %d changes queued, want 3", atReturn)
	}
}

// TestGatherQuietGap: with no peak yet, a queue that stops growing closes
// the batch after the quiet gap.
func TestGatherQuietGap(t *testing.T) {
	m := &Manager{opts: Options{BatchWindow: 10 * time.Millisecond}}
	m.queue = []*change{{}}
	done := make(chan struct{})
	go func() { m.gather(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("gather did not end after the quiet gap")
	}
}
