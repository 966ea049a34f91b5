package explain

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"path"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// Routes served by Handler.
const (
	PathFunctions = "/api/v1/functions"
	PathFunction  = "/api/v1/functions/{namespace}/{name}"
)

// Handler serves GET /api/v1/functions (a summary of every function, sorted
// by namespace then name; ?namespace=NS: that namespace's only) and GET /api/v1/functions/{namespace}/{name} (the
// full explanation; 404 with a JSON error when unknown, as for any other
// path it is handed). Other methods get 405 with an Allow header.
func Handler(fns Lister, sections ...Section) http.Handler {
	h := &handler{fns: fns, sections: sections}
	mux := http.NewServeMux()
	for _, rt := range routes {
		mux.HandleFunc(rt.pattern, func(w http.ResponseWriter, r *http.Request) {
			if !allowGet(w, r) {
				return
			}
			// The route's check of the request's own text runs before
			// anything of the listing is read, here and in Serves alike: a
			// request it refuses is answered 400 by every replica in every
			// term, and a follower must not answer it 503.
			if bad := rt.check(r); bad != "" {
				writeJSON(w, http.StatusBadRequest, errorBody{Error: bad})
				return
			}
			rt.serve(h, w, r)
		})
	}
	notFound := func(w http.ResponseWriter, r *http.Request) {
		// The path as sent: decoded, openfaas-fn%2Fa read as the route
		// openfaas-fn/a, which exists.
		writeJSON(w, http.StatusNotFound, errorBody{Error: noEndpoint(r.URL.EscapedPath())})
	}
	// Every path the mux has no route for, not only those under /api/v1/
	// as sent: controller.Mux hands this handler every path whose decoded
	// form is under /api/v1/, and the mux matches the escaped one, so
	// /api%2Fv1/functions got net/http's plain-text "404 page not found".
	mux.HandleFunc("/", notFound)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The mux answers a path with an empty or dot segment with a 301
		// to its cleaned form, an HTML body: /api/v1/functions//a (a
		// script's "$NS/$NAME" with NS unset) was sent on to another
		// function's route, and curl without -L printed "Moved
		// Permanently". Such a path names no route here.
		if !clean(r.URL.Path) {
			notFound(w, r)
			return
		}
		mux.ServeHTTP(w, r)
	})
}

// routes are the API's routes: Handler serves them, and Serves says which
// requests they serve, from this one list (controller.followerRefuses kept
// a second mux of them, and its own clean-path rule). check words why the
// route refuses a request from its text alone (its query), "" when it
// does not: Handler answers that 400 before serve runs, and Serves says no
// to it, so a follower answers it 400 too rather than 503 + Retry-After,
// which sent a retrying client round for ever on a request no replica
// serves.
var routes = [...]struct {
	pattern string
	check   func(*http.Request) string
	serve   func(*handler, http.ResponseWriter, *http.Request)
}{
	{PathFunctions, listQuery, (*handler).list},
	{PathFunction, noQuery, (*handler).one},
}

// checkOf is each route's check by its pattern, for Serves: routesMux
// reports the pattern it matched, not the route.
var checkOf = func() map[string]func(*http.Request) string {
	m := make(map[string]func(*http.Request) string, len(routes))
	for _, rt := range routes {
		m[rt.pattern] = rt.check
	}
	return m
}()

// routesMux matches a request to routes, for Serves (its handlers are
// never run).
var routesMux = func() *http.ServeMux {
	m := http.NewServeMux()
	for _, rt := range routes {
		m.HandleFunc(rt.pattern, func(http.ResponseWriter, *http.Request) {})
	}
	return m
}()

// Serves reports whether Handler answers r from one of its routes: a GET
// or HEAD of a clean path a route matches, with a query the route takes.
// Handler answers any other request 404, 405 or 400 from the path, method
// and query alone, the same on every replica and in every term; a follower
// refuses only what Serves accepts (controller.followerRefuses).
// TestServesAgreesWithTheHandler holds the two together.
func Serves(r *http.Request) bool {
	if !readMethod(r.Method) || !clean(r.URL.Path) {
		return false
	}
	// A clean path is matched as Handler's mux matches it (escaped
	// segments, no redirect); no pattern is no route.
	_, pattern := routesMux.Handler(r)
	check, ok := checkOf[pattern]
	return ok && check(r) == ""
}

// clean reports whether p is its own cleaned form (a trailing slash
// allowed): no empty, "." or ".." segment.
func clean(p string) bool {
	c := path.Clean(p)
	if strings.HasSuffix(p, "/") && c != "/" {
		c += "/"
	}
	return c == p
}

// noEndpoint words the 404 of a path no route serves. Under
// PathFunctions it shows the route of one function, and for the
// function_name label's "name.namespace" form (what an operator copies from
// an alert or a metric) the path that works: the bare "no such endpoint"
// left them guessing. The list asked for with a trailing slash is told the
// list's route.
func noEndpoint(path string) string {
	msg := "no such endpoint " + path
	rest, ok := strings.CutPrefix(path, PathFunctions+"/")
	if !ok {
		return msg
	}
	if rest == "" { // the list asked for with a trailing slash
		msg += ": the list is " + PathFunctions + ","
	} else {
		msg += ":"
	}
	msg += " a function is " + PathFunction
	// Split at the last dot, as function_name is read everywhere.
	if i := strings.LastIndexByte(rest, '.'); i > 0 && i < len(rest)-1 && !strings.Contains(rest, "/") {
		msg += ", here " + PathFunctions + "/" + rest[i+1:] + "/" + rest[:i]
	}
	return msg
}

type handler struct {
	fns      Lister
	sections []Section
}

type errorBody struct {
	Error string `json:"error"`
}

// list serves PathFunctions (a GET or HEAD whose query listQuery took:
// routes' handlers ask).
func (h *handler) list(w http.ResponseWriter, r *http.Request) {
	ns, filtered, _ := namespaceParam(r) // a bad query was answered 400 before serve
	if h.notListed(w) {
		return
	}
	refs := h.fns.Refs()
	if filtered {
		refs = slices.DeleteFunc(refs, func(ref provider.Ref) bool { return ref.Namespace != ns })
	}
	sort.Slice(refs, func(i, j int) bool {
		if refs[i].Namespace != refs[j].Namespace {
			return refs[i].Namespace < refs[j].Namespace
		}
		return refs[i].Name < refs[j].Name
	})
	out := make([]Summary, 0, len(refs))
	// The ready counts the summaries point to, in one allocation: pointing
	// into each loop's Function moved every one of them to the heap.
	avail := make([]uint64, 0, len(refs))
	for _, ref := range refs {
		f, ok := h.fns.Explain(ref)
		if !ok {
			continue // gone between Refs and Explain
		}
		s := Summary{Ref: f.Ref, Name: f.Name, Namespace: f.Namespace, Replicas: f.Replicas,
			DesiredReplicas: f.DesiredReplicas, Invalid: f.SpecError != nil}
		if !f.AvailableUnknown {
			avail = append(avail, f.AvailableReplicas)
			s.AvailableReplicas = &avail[len(avail)-1]
		}
		if len(f.Decisions) > 0 {
			s.Last = &f.Decisions[0]
		}
		out = append(out, s)
	}
	writeJSON(w, http.StatusOK, struct {
		Functions []Summary `json:"functions"`
	}{out})
}

// namespaceParam reads the list's one query parameter, namespace (as
// OpenFaaS's GET /system/functions?namespace= takes it): the list then holds
// that namespace's functions only. Any other parameter, or namespace empty
// or given twice, is the 400 bad words: ignored, ?namespace=dev answered
// every namespace's functions with 200, read as a filter that worked.
func namespaceParam(r *http.Request) (ns string, filtered bool, bad string) {
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return "", false, "bad query " + strconv.Quote(r.URL.RawQuery) + ": " + err.Error()
	}
	for k := range q {
		if k != "namespace" {
			return "", false, "unknown query parameter " + strconv.Quote(k) + ": the list takes namespace only"
		}
	}
	vs, ok := q["namespace"]
	if !ok {
		return "", false, ""
	}
	if len(vs) != 1 || vs[0] == "" {
		return "", false, "namespace must be given once, not empty"
	}
	return vs[0], true, ""
}

// listQuery is PathFunctions' check (routes): namespaceParam's bad words.
func listQuery(r *http.Request) string {
	_, _, bad := namespaceParam(r)
	return bad
}

// noQuery is PathFunction's check (routes): the route takes no parameter.
// Ignored, ?namespace=dev answered the path's namespace with 200, as the
// list's did before it refused them.
func noQuery(r *http.Request) string {
	if r.URL.RawQuery == "" {
		return ""
	}
	return "unknown query " + strconv.Quote(r.URL.RawQuery) +
		": a function's route takes no parameter (its namespace and name are the path's)"
}

// one serves PathFunction (a GET or HEAD without a query, noQuery:
// routes' handlers ask).
func (h *handler) one(w http.ResponseWriter, r *http.Request) {
	if h.notListed(w) {
		return
	}
	ref := provider.Ref{Name: r.PathValue("name"), Namespace: r.PathValue("namespace")}
	f, ok := h.fns.Explain(ref)
	if !ok {
		writeJSON(w, http.StatusNotFound, errorBody{Error: "unknown function " + ref.String()})
		return
	}
	if f.Decisions == nil {
		f.Decisions = []Decision{} // an array, never null: a lister with no decisions (the idler's) leaves it nil
	}
	for _, s := range h.sections {
		if v, ok := s.Explain(ref); ok {
			if f.Sections == nil {
				f.Sections = make(map[string]any, len(h.sections))
			}
			f.Sections[s.Name()] = v
		}
	}
	writeJSON(w, http.StatusOK, f)
}

// readMethod reports whether the API's routes serve method (Serves,
// allowGet: one rule).
func readMethod(method string) bool {
	return method == http.MethodGet || method == http.MethodHead
}

func allowGet(w http.ResponseWriter, r *http.Request) bool {
	if readMethod(r.Method) {
		return true
	}
	w.Header().Set("Allow", "GET, HEAD")
	writeJSON(w, http.StatusMethodNotAllowed, errorBody{Error: "method " + r.Method + " not allowed"})
	return false
}

// writeJSON encodes v before the status goes out: a value JSON cannot carry
// (a NaN or an infinity in some component's section) made a 200 with an
// empty body, read as a function with nothing to explain. It answers 500
// naming the cause instead.
func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		status = http.StatusInternalServerError
		body, _ = json.MarshalIndent(errorBody{Error: "the explanation cannot be encoded as JSON: " + err.Error()}, "", "  ")
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(append(body, '\n')) // the client went away; nothing to tell it
}

// notListed answers 503 with Retry-After, and reports true, while the
// lister has no listing (Unlisted).
func (h *handler) notListed(w http.ResponseWriter) bool {
	u, ok := h.fns.(Unlisted)
	if !ok {
		return false
	}
	err := u.NotListed()
	if err == nil {
		return false
	}
	if !errors.As(err, new(ErrNeverListed)) {
		w.Header().Set("Retry-After", "5")
	}
	writeJSON(w, http.StatusServiceUnavailable, errorBody{Error: err.Error()})
	return true
}
