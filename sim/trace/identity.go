package trace

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
)

// A function of the Azure 2019 dataset is (HashOwner, HashApp,
// HashFunction): HashFunction is documented as "unique id for the function
// name within the app", so one hash can stand for functions of two apps,
// and a file can hold one function on two rows (Azure/AzurePublicDataset
// issue #40). Files are keyed by the identity columns they have, and joined
// on the columns both files have.

// fnKey identifies a row; a column the file lacks is "".
type fnKey struct{ owner, app, hash string }

// keyCols says which identity columns a file has.
type keyCols struct{ owner, app, hash bool }

func (c keyCols) and(o keyCols) keyCols {
	return keyCols{c.owner && o.owner, c.app && o.app, c.hash && o.hash}
}

// project keeps the parts of k that c names.
func (k fnKey) project(c keyCols) fnKey {
	if !c.owner {
		k.owner = ""
	}
	if !c.app {
		k.app = ""
	}
	if !c.hash {
		k.hash = ""
	}
	return k
}

// colsOf reads which identity columns a header index holds.
func colsOf(idx map[string]int) keyCols {
	_, o := idx["HashOwner"]
	_, a := idx["HashApp"]
	_, h := idx["HashFunction"]
	return keyCols{o, a, h}
}

// Merged is one key found on several rows of a file, and what was made of
// them.
type Merged struct {
	File  string // as in errors: the trace's label and the file's name
	ID    string // the function's ID (for an app's memory row, its HashApp)
	Lines []int  // the rows, first to last
	How   string // "counts summed", "the row with the larger Count kept", …
}

// keyedRows is a stats file's rows with their keys, for joining.
type keyedRows[T any] struct {
	file string
	cols keyCols
	rows []keyedRow[T]
	// weight names what decides between rows of one key ("Count"; "":
	// nothing, the first row is kept).
	weight string
}

type keyedRow[T any] struct {
	key    fnKey
	line   int
	weight float64
	v      T
}

// index returns the rows by the identity columns of on. Rows that agree on
// them are one: the row of the larger weight is kept, on a tie the first.
// Why not an error: the dataset has such rows (issue #40), and one of them
// would stop a whole day. Why the larger weight (the durations' Count, the
// memory's SampleCount): it is the row measured on more executions or
// samples, and the choice does not depend on the row order. Each such key
// is reported in merged, named by id.
func (k *keyedRows[T]) index(on keyCols, id func(fnKey) string) (map[fnKey]T, []Merged) {
	out := make(map[fnKey]T, len(k.rows))
	at := make(map[fnKey]int, len(k.rows))
	var merged []Merged
	seen := map[fnKey]int{} // index in merged
	for i, r := range k.rows {
		key := r.key.project(on)
		j, dup := at[key]
		if !dup {
			at[key], out[key] = i, r.v
			continue
		}
		m, ok := seen[key]
		if !ok {
			m = len(merged)
			seen[key] = m
			how := "the first row kept"
			if k.weight != "" {
				how = fmt.Sprintf("the row with the larger %s kept", k.weight)
			}
			merged = append(merged, Merged{File: k.file, ID: id(key), Lines: []int{k.rows[j].line}, How: how})
		}
		merged[m].Lines = append(merged[m].Lines, r.line)
		if r.weight > k.rows[at[key]].weight {
			at[key], out[key] = i, r.v
		}
	}
	return out, merged
}

// assignIDs names each function: its bare HashFunction when no other
// function has that hash (every trace without repeats loads exactly as
// before keys had apps), else the hash and the first 8 characters of its
// HashApp ("hash-a1b2c3d4"), then of its HashOwner too, then a number in
// file order, until the name is unique. The names are only labels (the
// replay names its functions by index); they are deterministic, so two
// loads of one file agree. It returns the functions renamed.
func assignIDs(fns []Function) []string {
	perHash := map[string]int{}
	for i := range fns {
		perHash[fns[i].Hash]++
	}
	taken := map[string]bool{}
	var group []int
	for i := range fns {
		if perHash[fns[i].Hash] == 1 {
			fns[i].ID = fns[i].Hash
			taken[fns[i].ID] = true
		} else {
			group = append(group, i)
		}
	}
	if len(group) == 0 {
		return nil
	}
	short := func(s string) string { return strings.TrimSpace(s[:min(8, len(s))]) }
	candidates := []func(f *Function) string{
		func(f *Function) string { return join(f.Hash, short(f.App)) },
		func(f *Function) string { return join(f.Hash, short(f.App), short(f.Owner)) },
	}
	left := group
	for _, cand := range candidates {
		count := map[string]int{}
		for _, i := range left {
			count[cand(&fns[i])]++
		}
		var next []int
		for _, i := range left {
			if c := cand(&fns[i]); count[c] == 1 && !taken[c] {
				fns[i].ID, taken[c] = c, true
			} else {
				next = append(next, i)
			}
		}
		left = next
	}
	for _, i := range left {
		base := candidates[len(candidates)-1](&fns[i])
		id := base
		for n := 2; taken[id]; n++ {
			id = fmt.Sprintf("%s-%d", base, n)
		}
		fns[i].ID, taken[id] = id, true
	}
	ids := make([]string, len(group))
	for k, i := range group {
		ids[k] = fns[i].ID
	}
	return ids
}

// join is parts joined by "-", leaving out empty ones.
func join(parts ...string) string {
	var keep []string
	for _, p := range parts {
		if p != "" {
			keep = append(keep, p)
		}
	}
	return strings.Join(keep, "-")
}

// MergeNote is one line saying what the load merged and renamed ("" when
// nothing): sim and sim-eval print it on stderr, so a trace that is not one
// row per function says so once, without stopping.
func (t *Trace) MergeNote() string {
	var parts []string
	if len(t.Merged) > 0 {
		var files []string
		byFile := map[string][]Merged{}
		for _, m := range t.Merged {
			if _, ok := byFile[m.File]; !ok {
				files = append(files, m.File)
			}
			byFile[m.File] = append(byFile[m.File], m)
		}
		var each []string
		for _, f := range files {
			ms := byFile[f]
			var ids []string
			for k, m := range ms {
				if k == 3 {
					ids = append(ids, fmt.Sprintf("%d more", len(ms)-3))
					break
				}
				ids = append(ids, shortID(m.ID))
			}
			var hows []string // each way of merging once: a capped sum says so
			for _, m := range ms {
				if !slices.Contains(hows, m.How) {
					hows = append(hows, m.How)
				}
			}
			each = append(each, fmt.Sprintf("%s: %s, %s", filepath.Base(f), strings.Join(ids, ", "), strings.Join(hows, "; ")))
		}
		parts = append(parts, fmt.Sprintf("%s on two or more rows merged (%s)", functions(len(t.Merged)), strings.Join(each, "; ")))
	}
	if n := len(t.Renamed); n > 0 {
		ids, more := t.Renamed, ""
		if n > 3 {
			ids, more = ids[:3], fmt.Sprintf(", %d more", n-3)
		}
		parts = append(parts, fmt.Sprintf("%s share their HashFunction with another app's, named HASH-APP (%s%s)",
			functions(n), strings.Join(ids, ", "), more))
	}
	if len(parts) == 0 {
		return ""
	}
	return fmt.Sprintf("trace %s: %s", t.Dir, strings.Join(parts, "; "))
}

// functions is "1 function", "2 functions".
func functions(n int) string {
	if n == 1 {
		return "1 function"
	}
	return fmt.Sprintf("%d functions", n)
}

// shortID cuts a 64-character hash to its first 12, as errors do.
func shortID(id string) string {
	if len(id) > 16 {
		return id[:12] + "…"
	}
	return id
}
