package jetstream

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// apiPrefix is JetStream's default API subject prefix (no domain).
const apiPrefix = "$JS.API."

// Source reads functions' backlogs from one JetStream stream.
type Source struct {
	cfg Config
	nc  *nats.Conn
	log *slog.Logger
	// afterPage, when set (tests), is called after each page of the
	// consumer listing with the next page's offset.
	afterPage func(next int)
	// denied is the server's latest permissions violation, until a
	// request succeeds or the connection drops: the server refuses a
	// request the user may not publish (or the reply inbox it may not
	// subscribe to, once per connection) with an -ERR on the side, and the
	// request itself only times out.
	denied atomic.Pointer[error]
	// dialErr is why the latest (re)connect attempt failed, until one
	// succeeds: what a read while reconnecting tells beyond "not connected".
	dialErr atomic.Pointer[error]
}

var _ metricsource.QueueReader = (*Source)(nil)

// New validates cfg and connects. A server that is down is not an error:
// the client keeps reconnecting (forever, every half second) and Queued
// reports ErrUnavailable until it is back.
func New(cfg Config) (*Source, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	log = log.With("source", "jetstream")
	s := &Source{cfg: cfg, log: log}
	nc, err := nats.Connect(cfg.URL,
		nats.Name("faas-autoscaler"),
		nats.RetryOnFailedConnect(true),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(500*time.Millisecond),
		// A read while disconnected fails at once; without this the
		// client would keep its request and send it, stale, on reconnect.
		nats.ReconnectBufSize(-1),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			log.Warn("nats disconnected", "err", err)
			s.denied.Store(nil) // a new connection subscribes and asks again
		}),
		// RedactURL, not ConnectedUrlRedacted: that one shows a token.
		nats.ReconnectHandler(func(c *nats.Conn) {
			s.dialErr.Store(nil)
			log.Info("nats reconnected", "url", RedactURL(c.ConnectedUrl()))
		}),
		nats.ReconnectErrHandler(func(_ *nats.Conn, err error) { s.dialErr.Store(&err) }),
		nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) {
			log.Warn("nats server error", "err", err)
			if errors.Is(err, nats.ErrPermissionViolation) {
				s.denied.Store(&err)
			}
		}),
	)
	if err != nil {
		return nil, fmt.Errorf("nats connect %s: %w", RedactURL(cfg.URL), err)
	}
	s.nc = nc
	return s, nil
}

// requestErr is the error of a failed API request: the server's refusal
// when there is one, since the request then fails only by its timeout.
// While the client is not connected it is ErrUnavailable saying so: the
// request's own error is then nats.go's ErrReconnectBufExceeded ("outbound
// buffer limit exceeded", as ReconnectBufSize(-1) makes every publish while
// reconnecting), which would send an operator after a buffer setting, or a
// timeout for one the connection dropped under.
func (s *Source) requestErr(what string, err error) error {
	if errors.Is(err, nats.ErrReconnectBufExceeded) || s.nc.IsReconnecting() {
		e := &unreachableError{url: RedactURL(s.cfg.URL)}
		if d := s.dialErr.Load(); d != nil {
			e.dial = *d
		}
		return fmt.Errorf("%s: %w", what, e)
	}
	if d := s.denied.Load(); d != nil {
		return fmt.Errorf("%s: %w (the nats user needs permission to publish to $JS.API.CONSUMER.LIST.%s and $JS.API.STREAM.INFO.%s and to subscribe to _INBOX.>)",
			what, *d, s.cfg.Stream, s.cfg.Stream)
	}
	return fmt.Errorf("%s: %w", what, err)
}

// unreachableError is a request made while the client is not connected
// (reconnecting). It is metricsource.ErrUnavailable, without repeating that
// error's words: WithQueue adds them to every failed read.
type unreachableError struct {
	url  string // redacted
	dial error  // the latest attempt's failure, when known
}

func (e *unreachableError) Error() string {
	msg := "nats server " + e.url + " not connected (reconnecting)"
	if e.dial != nil {
		msg += ": " + e.dial.Error()
	}
	return msg
}

func (e *unreachableError) Is(target error) bool { return target == metricsource.ErrUnavailable }

// Close drops the connection.
func (s *Source) Close() { s.nc.Close() }

// SubjectFor is the subject a function's asynchronous requests are published
// on: <subject>.<name>.<namespace>.
func SubjectFor(subject string, ref provider.Ref) string {
	return subject + "." + ref.Name + "." + ref.Namespace
}

// consumerPage is the part of a $JS.API.CONSUMER.LIST response we read.
type consumerPage struct {
	Error     *apiError  `json:"error,omitempty"`
	Total     int        `json:"total"`
	Offset    int        `json:"offset"`
	Consumers []consumer `json:"consumers"`
	// Missing names the consumers the server has no reading of: on a
	// cluster, those whose servers are all down (listed in Consumers too,
	// with zero counters) or whose leader did not answer in time; on any
	// server, those it could not load (also in Offline).
	Missing []string `json:"missing,omitempty"`
}

// apiError is the error of a JetStream API response.
type apiError struct {
	Code        int    `json:"code"`
	ErrCode     int    `json:"err_code"`
	Description string `json:"description"`
}

type consumer struct {
	Name   string `json:"name"`
	Config struct {
		FilterSubject  string   `json:"filter_subject"`
		FilterSubjects []string `json:"filter_subjects"`
	} `json:"config"`
	NumPending    uint64 `json:"num_pending"`
	NumAckPending uint64 `json:"num_ack_pending"`
}

// BoundsItsCalls says that each read is bounded here, by Config.Timeout
// (metricsource.Bounded).
func (s *Source) BoundsItsCalls() bool { return true }

// Queued returns every function's unacknowledged messages (waiting plus
// running) from its consumer. One request per page of 256 consumers (255
// new after the first). Any failure — server down, stream missing, a page
// that does not decode — fails the whole read: a partial answer would make
// functions look empty.
// The server acknowledges a publish before it tells the consumers, so a read
// can lag the newest messages by a few milliseconds (more on a loaded
// server); the next read counts them.
func (s *Source) Queued(ctx context.Context) (metricsource.Values, error) {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	// The largest backlog per filter subject: consumers filtering the same
	// subject each see all its messages. Summed per function below, over
	// its filters: <subject>.<name> and <subject>.<name>.<namespace> (the
	// default one) are the same function's, and each literal filter holds
	// only the messages published to it.
	perFilter := map[string]float64{}
	subj := apiPrefix + "CONSUMER.LIST." + s.cfg.Stream
	// The server lists the consumers sorted by name, each page from an
	// offset: one added or deleted between two pages shifts the rest, so an
	// offset alone reads a consumer at a page's edge twice or not at all
	// (its function absent, which reads as no queue). The names place a
	// page instead: each page after the first is asked from one before the
	// offset the last page ended at, and is used when it starts at or before
	// the last name read (or at the list's start), so no consumer between
	// the two can fall in a gap; only names after the last one read are
	// taken (one read twice would do no harm: add keeps a filter's
	// largest). A page that starts after it (consumers deleted before it
	// moved the list left) is asked again from further back. Under churn (a
	// deploy wave) the read goes on where a restarted listing would change
	// again; a read that cannot settle fails. The page that ends the read
	// reaches the list's end: a name read before and after its last one was
	// deleted since (the read stepped back to that page), and is dropped.
	pos, back, requests := 0, 1, 0
	last := ""          // the greatest name read so far
	var read []consumer // the consumers read, by name
	// total is the largest count of consumers a page gave, for the bound
	// on the requests below: a cluster answers a page asked from at or
	// past the end (consumers deleted since the last page) with none and
	// total 0 (nats-server's jsClusteredConsumerListRequest returns before
	// it sets it), which would make the bound 11 pages mid-read.
	total := 0
	for {
		from := max(pos-back, 0)
		requests++
		req := fmt.Appendf(nil, `{"offset":%d}`, from)
		msg, err := s.nc.RequestWithContext(ctx, subj, req)
		if err != nil {
			return nil, s.requestErr("list consumers of stream "+s.cfg.Stream, err)
		}
		s.denied.Store(nil) // answered: what was refused before is allowed now
		var page consumerPage
		if err := json.Unmarshal(msg.Data, &page); err != nil {
			return nil, fmt.Errorf("list consumers of stream %s: decode: %w", s.cfg.Stream, err)
		}
		if page.Error != nil {
			return nil, fmt.Errorf("list consumers of stream %s: %s (code %d, err_code %d)",
				s.cfg.Stream, page.Error.Description, page.Error.Code, page.Error.ErrCode)
		}
		if len(page.Missing) > 0 {
			// Their backlog is unknown, not 0 or absent.
			return nil, fmt.Errorf("list consumers of stream %s: no reading of consumer(s) %s (their servers down or not answering)",
				s.cfg.Stream, strings.Join(page.Missing, ", "))
		}
		if from == 0 && len(page.Consumers) == 0 {
			// A cluster lists no consumers, without an error, for a
			// stream that does not exist (or was deleted during the
			// read): ask for the stream.
			if err := s.streamExists(ctx); err != nil {
				return nil, err
			}
		}
		cs := page.Consumers
		total = max(total, page.Total)
		if limit := 3*(total/pageSize+1) + 8; requests > limit {
			return nil, fmt.Errorf("list consumers of stream %s: the consumers kept changing during the read (%d pages asked for %d consumers)",
				s.cfg.Stream, requests, total)
		}
		if from > 0 && (len(cs) == 0 || cs[0].Name > last) {
			back = min(2*back, pos) // consumers before it were deleted: further back
			continue
		}
		back = 1
		fresh := cs
		for len(fresh) > 0 && fresh[0].Name <= last {
			fresh = fresh[1:]
		}
		read = append(read, fresh...)
		if len(fresh) > 0 {
			last = fresh[len(fresh)-1].Name
		}
		pos = from + len(cs)
		if s.afterPage != nil {
			s.afterPage(pos)
		}
		// A page with consumers carries the list's current total (not the
		// largest seen: the end moves left with deletions).
		if len(cs) == 0 || pos >= page.Total {
			end := "" // the greatest name now; none when the list is empty
			if len(cs) > 0 {
				end = cs[len(cs)-1].Name
			}
			n := len(read)
			for n > 0 && read[n-1].Name > end {
				n-- // deleted since it was read
			}
			for _, c := range read[:n] {
				s.add(perFilter, c)
			}
			out := metricsource.Values{}
			for filter, v := range perFilter {
				ref, _ := s.refOf(filter) // add kept only filters refOf maps
				out[ref] += v
			}
			return out, nil
		}
	}
}

// pageSize is how many consumers the server lists a page (JetStream's
// JSApiListLimit): it only bounds how many pages a read may ask for.
const pageSize = 256

// streamExists asks for the stream's info: an error when it cannot be read
// or does not exist.
func (s *Source) streamExists(ctx context.Context) error {
	msg, err := s.nc.RequestWithContext(ctx, apiPrefix+"STREAM.INFO."+s.cfg.Stream, nil)
	if err != nil {
		return s.requestErr("stream "+s.cfg.Stream+" info", err)
	}
	var resp struct {
		Error *apiError `json:"error,omitempty"`
	}
	if err := json.Unmarshal(msg.Data, &resp); err != nil {
		return fmt.Errorf("stream %s info: decode: %w", s.cfg.Stream, err)
	}
	if resp.Error != nil {
		return fmt.Errorf("stream %s: %s (code %d, err_code %d)", s.cfg.Stream, resp.Error.Description, resp.Error.Code, resp.Error.ErrCode)
	}
	return nil
}

// add records one consumer's backlog under its filter subject. Several
// consumers filtering the same subject each see all its messages, so the
// largest backlog counts, not the sum.
func (s *Source) add(perFilter map[string]float64, c consumer) {
	filter := c.Config.FilterSubject
	if filter == "" && len(c.Config.FilterSubjects) == 1 {
		filter = c.Config.FilterSubjects[0]
	}
	if _, ok := s.refOf(filter); !ok {
		s.log.Debug("consumer is not a single function's; ignored", "consumer", c.Name, "filter", filter)
		return
	}
	v := float64(c.NumPending + c.NumAckPending)
	if old, seen := perFilter[filter]; !seen || v > old {
		perFilter[filter] = v
	}
}

// refOf maps <subject>.<name>.<namespace> (or <subject>.<name>) to a function.
func (s *Source) refOf(filter string) (provider.Ref, bool) {
	rest, ok := strings.CutPrefix(filter, s.cfg.Subject+".")
	if !ok || rest == "" || strings.ContainsAny(rest, "*>") {
		return provider.Ref{}, false
	}
	ref, err := provider.ParseRef(rest, s.cfg.DefaultNamespace)
	if err != nil || strings.Contains(ref.Name, ".") {
		return provider.Ref{}, false
	}
	return ref, true
}
