package keepalive

import "slices"

// index finds values by their key at the cost of a pointer each: the values
// in a slice sorted by key, searched by halves, where a map of 100,000
// series or functions held through the whole rebuild was tens of bytes a
// value more (a map's slot holds the key too, and a quarter of its slots
// are empty). What is added is kept in a map until settle merges it in: a
// rebuild's first part adds every series, and a later one few if any.
type index[K comparable, V any] struct {
	key     func(V) K
	compare func(K, K) int
	sorted  []V
	added   map[K]V
}

func newIndex[K comparable, V any](key func(V) K, compare func(K, K) int) *index[K, V] {
	return &index[K, V]{key: key, compare: compare}
}

// find is the value of k, if there is one.
func (x *index[K, V]) find(k K) (V, bool) {
	if v, ok := x.added[k]; ok {
		return v, true
	}
	i, ok := slices.BinarySearchFunc(x.sorted, k, func(v V, k K) int { return x.compare(x.key(v), k) })
	if !ok {
		var zero V
		return zero, false
	}
	return x.sorted[i], true
}

// add adds v, whose key is not there yet.
func (x *index[K, V]) add(v V) {
	if x.added == nil {
		x.added = map[K]V{}
	}
	x.added[x.key(v)] = v
}

// settle merges what was added since the last settle into the sorted
// values, from the back, in one pass over them.
func (x *index[K, V]) settle() {
	if len(x.added) == 0 {
		return
	}
	byKey := func(a, b V) int { return x.compare(x.key(a), x.key(b)) }
	added := make([]V, 0, len(x.added))
	for _, v := range x.added {
		added = append(added, v)
	}
	slices.SortFunc(added, byKey)
	x.added = nil
	old := len(x.sorted)
	x.sorted = slices.Grow(x.sorted, len(added))[:old+len(added)]
	i, j := old-1, len(added)-1
	for k := len(x.sorted) - 1; j >= 0; k-- {
		if i >= 0 && byKey(x.sorted[i], added[j]) > 0 {
			x.sorted[k], i = x.sorted[i], i-1
		} else {
			x.sorted[k], j = added[j], j-1
		}
	}
}

// all is every value, in no particular order.
func (x *index[K, V]) all() []V {
	out := slices.Clone(x.sorted)
	for _, v := range x.added {
		out = append(out, v)
	}
	return out
}
