package prometheus

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/internal/promql"
	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

var _ metricsource.SubsetActivity = (*Source)(nil)

// ActivityFor is Activity with its per-function queries narrowed to refs'
// series when they are few (metricsource.SubsetActivity): the idler asks
// once per keep-alive window, about that window's functions. A PromQL
// query over every function costs what the series it reads cost, and the
// started query reads each counter's samples over the whole window: at
// 10,000 called functions a 4 h window took 10-13 s whether it was asked
// for ten functions or for all (BenchmarkActivityWindows), and a cycle over a
// fleet whose auto keep-alives use many of the ladder's windows paid a
// whole fleet's read per window. Narrowed, a window costs about what its
// own functions' series cost.
//
// The gateway's coverage, the gateways down and the queues are read whole,
// as Activity reads them: they are not per function, or small. More than
// maxNarrowed functions, or names longer than maxNarrowedBytes in all, are
// asked as Activity asks (the names would be most of the fleet, and the
// query text grows with them), or in chunks once such a read of the window
// has timed out (chunks.go); so are all of them once Prometheus has
// refused a POST (vector.go): the names would go in a URL. A series whose
// function_name has surrounding whitespace is no function's either way
// (functionRef): a narrowed query could not select it.
func (s *Source) ActivityFor(ctx context.Context, window time.Duration, refs []provider.Ref) (metricsource.Activity, error) {
	f := s.narrowing(refs)
	if f.all() && len(refs) > 0 && !s.postRefused.Load() {
		return s.activityForMany(ctx, window, refs) // chunks.go
	}
	return s.activity(ctx, window, f, withGateway)
}

// narrowing is the filter of refs' series (narrowTo), or allFunctions once
// Prometheus has refused a POST.
func (s *Source) narrowing(refs []provider.Ref) fnFilter {
	if s.postRefused.Load() {
		return allFunctions
	}
	return narrowTo(refs, s.cfg.DefaultNamespace)
}

// Bounds of a narrowed query (ActivityFor). Each per-function query names
// its counters several times (the started query eighteen, thirty in all),
// and Prometheus compiles each name list once per selector: 1,000
// functions of the default namespace (2,000 names, 32 KiB) cost about
// 0.3 s more than the same series selected whole, and a POST of about a
// megabyte (BenchmarkActivityWindows, 2,000 functions: at 15 m, 1,000 of
// them narrowed read as long as all 2,000 whole; at 4 h half as long; 100
// of them a tenth as long, or less).
const (
	maxNarrowed      = 1000
	maxNarrowedBytes = 64 << 10
)

// fnFilter selects the functions a per-function query reads (narrowExpr):
// re is a function_name regular expression, "" for every function.
type fnFilter struct {
	re string
	n  int // functions named, for the answer's size
}

// allFunctions reads every function's series.
var allFunctions = fnFilter{}

func (f fnFilter) all() bool { return f.re == "" }

// shown is f as errors and logs name it: the count of functions, not
// their names.
func (f fnFilter) shown() fnFilter {
	if f.all() {
		return f
	}
	return fnFilter{re: fmt.Sprintf("<%d functions' names>", f.n), n: f.n}
}

// narrowTo is the filter of refs' series, or allFunctions when they are
// too many (ActivityFor) or none. A function's series carry its name
// qualified (name.namespace), or bare when it is in the default namespace
// (older gateways, faasd): the reader (provider.ParseRef) takes both for
// the same function, so both are named. Each name is matched whole and
// literally (an alternation of quoted literals, which Prometheus looks up
// in its index as a set rather than matching every function_name).
func narrowTo(refs []provider.Ref, defaultNamespace string) fnFilter {
	if len(refs) == 0 || len(refs) > maxNarrowed {
		return allFunctions
	}
	names := make([]string, 0, len(refs)+len(refs)/2)
	size := 0
	for _, r := range refs {
		q, b := quotedNames(r, defaultNamespace)
		names = append(names, q)
		if b != "" {
			names = append(names, b)
		}
		if size += namesBytes(q, b); size > maxNarrowedBytes {
			return allFunctions
		}
	}
	slices.Sort(names)
	names = slices.Compact(names)
	return fnFilter{re: strings.Join(names, "|"), n: len(refs)}
}

// quotedNames are r's function_name values as regular expressions of
// themselves: qualified, and bare ("" if none) when r is in the default
// namespace. A bare name with a dot parses as name.namespace: only names
// without one are the default namespace's.
func quotedNames(r provider.Ref, defaultNamespace string) (qualified, bare string) {
	qualified = regexp.QuoteMeta(r.Name + "." + r.Namespace)
	if r.Namespace == defaultNamespace && !strings.Contains(r.Name, ".") {
		bare = regexp.QuoteMeta(r.Name)
	}
	return qualified, bare
}

// namesBytes is what quotedNames' two names take of a filter's text.
func namesBytes(qualified, bare string) int {
	n := len(qualified) + 1
	if bare != "" {
		n += len(bare) + 1
	}
	return n
}

// fnQueries holds Activity's queries that read series of
// each function.
type fnQueries struct {
	started, inflight, vanished, woken, counters string
}

// perFunctionQueries are Activity's per-function queries, and the woken
// query's range (wokenQuery). defaultNamespace qualifies a bare
// function_name where the started and counters queries match a function's
// counters per gateway instance (promql.StartedPerGateway).
func perFunctionQueries(window, scrape time.Duration, sel, defaultNamespace string) (fnQueries, time.Duration, error) {
	var q fnQueries
	var err error
	if q.started, err = startedQuery(window, sel, defaultNamespace); err != nil {
		return q, 0, err
	}
	if q.vanished, err = vanishedQuery(metricsource.VanishLookback(window), sel, defaultNamespace); err != nil {
		return q, 0, err
	}
	var step time.Duration
	if q.woken, step, err = wokenQuery(window, scrape); err != nil {
		return q, 0, err
	}
	q.inflight, q.counters = inflightQuery(), countersQuery(defaultNamespace)
	return q, step, nil
}

// narrowed is q with each query narrowed to f (narrowExpr).
func (q fnQueries) narrowed(f fnFilter) fnQueries {
	return fnQueries{started: narrowExpr(q.started, f), inflight: narrowExpr(q.inflight, f),
		vanished: narrowExpr(q.vanished, f), woken: narrowExpr(q.woken, f), counters: narrowExpr(q.counters, f)}
}

// perFunctionMetrics are the series with a function_name label that the
// activity and load queries read (queries.go, internal/promql):
// narrowExpr selects them by name. The gateway target's up and process start time are not
// per function and stay whole.
var perFunctionMetrics = map[string]bool{
	metricTotal: true, metricStarted: true, metricInflight: true, metricCPU: true,
	metricQueue: true, metricQueueRun: true, metricReplicas: true,
	promql.MetricSecondsSum: true, promql.MetricSecondsCount: true,
	metricsource.CustomLoadMetric: true,
}

// narrowExpr is expr with every selector of a per-function metric narrowed
// to f: `m` becomes `m{function_name=~"…"}` and `m{l="v"}` becomes
// `m{function_name=~"…",l="v"}`. It reads expr as PromQL tokens: a name is
// a whole identifier (the metric names are neither functions, label names
// nor prefixes of another), and nothing inside a string literal is
// touched. The load queries are built by several builders (internal/promql,
// shared with the generated rules), so they are narrowed as text rather
// than given a filter each, and Activity's the same way.
func narrowExpr(expr string, f fnFilter) string {
	if f.all() {
		return expr
	}
	matcher := fmt.Sprintf("function_name=~%q", f.re)
	var b strings.Builder
	b.Grow(len(expr) + 8*len(matcher))
	for i := 0; i < len(expr); {
		c := expr[i]
		switch {
		case c == '"' || c == '\'' || c == '`':
			j := i + 1
			for j < len(expr) && expr[j] != c {
				if expr[j] == '\\' && c != '`' {
					j++
				}
				j++
			}
			j = min(j+1, len(expr))
			b.WriteString(expr[i:j])
			i = j
		case isIdentStart(c):
			j := i + 1
			for j < len(expr) && isIdentPart(expr[j]) {
				j++
			}
			name := expr[i:j]
			b.WriteString(name)
			i = j
			if !perFunctionMetrics[name] {
				continue
			}
			k := j
			for k < len(expr) && expr[k] == ' ' {
				k++
			}
			if k < len(expr) && expr[k] == '{' {
				b.WriteString(expr[j : k+1])
				b.WriteString(matcher)
				i = k + 1
				if rest := strings.TrimLeft(expr[i:], " "); !strings.HasPrefix(rest, "}") {
					b.WriteByte(',')
				}
				continue
			}
			b.WriteByte('{')
			b.WriteString(matcher)
			b.WriteByte('}')
		default:
			b.WriteByte(c)
			i++
		}
	}
	return b.String()
}

func isIdentStart(c byte) bool {
	return c == '_' || c == ':' || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z')
}

func isIdentPart(c byte) bool { return isIdentStart(c) || ('0' <= c && c <= '9') }
