package sim

// runHeap is a min-heap of running requests by completion time, typed so
// that a push or pop copies the struct in place: container/heap's Push and
// Pop take and return any, which boxed every request twice (two
// allocations per request, ~10 % of the fixed-10m baseline's replay).
//
// push and pop are container/heap's Push and Pop (its up and down) step for
// step, with Less as end < end: requests ending at one instant are ordered
// only by the heap's layout, which decides the slot and drain mark each
// completion hands on and drain's ties, so any other sift order would
// change results that golden files pin (running_heap_test.go checks the
// layout against container/heap's).
type runHeap []running

// push adds x (container/heap.Push: append, then sift up).
func (h *runHeap) push(x running) {
	*h = append(*h, x)
	s := *h
	j := len(s) - 1
	for {
		i := (j - 1) / 2 // parent
		if i == j || !(s[j].end < s[i].end) {
			break
		}
		s[i], s[j] = s[j], s[i]
		j = i
	}
}

// pop removes and returns the request ending first (container/heap.Pop:
// swap the root with the last, sift down over the rest, drop the last).
func (h *runHeap) pop() running {
	s := *h
	n := len(s) - 1
	s[0], s[n] = s[n], s[0]
	i := 0
	for {
		j1 := 2*i + 1
		if j1 >= n || j1 < 0 { // j1 < 0 after int overflow
			break
		}
		j := j1 // left child
		if j2 := j1 + 1; j2 < n && s[j2].end < s[j1].end {
			j = j2 // right child
		}
		if !(s[j].end < s[i].end) {
			break
		}
		s[i], s[j] = s[j], s[i]
		i = j
	}
	x := s[n]
	*h = s[:n]
	return x
}
