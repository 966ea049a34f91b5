package keepalive

// idleSeconds, weights and order are h's idle times and weights by place,
// and its places by rank, as tests read them.
func (h *history) idleSeconds() []float32 {
	out := make([]float32, len(h.e))
	for j, e := range h.e {
		out[j] = e.it
	}
	return out
}

func (h *history) weights() []float32 {
	out := make([]float32, len(h.e))
	for j, e := range h.e {
		out[j] = float32(e.w)
	}
	return out
}

func (h *history) order() []uint16 {
	out := make([]uint16, len(h.e))
	for k, e := range h.e {
		out[k] = e.rank
	}
	return out
}
