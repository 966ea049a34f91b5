package gatewaysim

import (
	"sync"
	"testing"
	"time"
)

// TestSetRPSWhileSetWorkload (run with -race): PUT /sim/load/{name} serves
// each request on its own goroutine, and SetWorkload (another caller, or
// the embedded default's own setup) writes the same workload. SetRPS must
// read and write the workload under one hold of the lock: reading it after
// releasing the lock is a data race and loses a concurrent update of the
// workload's Duration/Concurrency.
func TestSetRPSWhileSetWorkload(t *testing.T) {
	g, _ := coldGateway(t, 1, 0, Config{})
	g.SetWorkload(ref, Workload{Duration: time.Second})
	var wg sync.WaitGroup
	start := make(chan struct{})
	wg.Go(func() {
		<-start
		for i := range 300000 {
			g.SetRPS(ref, float64(i%100))
		}
	})
	wg.Go(func() {
		<-start
		for i := range 300000 {
			g.SetWorkload(ref, Workload{Duration: time.Duration(i%100) * time.Millisecond, Concurrency: i % 10})
		}
	})
	close(start)
	wg.Wait()
}
