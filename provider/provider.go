package provider

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// Ref names one function. Its String form is the OpenFaaS `function_name`
// label value: "name.namespace".
type Ref struct {
	Name      string
	Namespace string
}

// String returns "name.namespace", or the bare name when the namespace is empty.
func (r Ref) String() string {
	if r.Namespace == "" {
		return r.Name
	}
	return r.Name + "." + r.Namespace
}

// ParseRef splits an OpenFaaS function_name at its last dot, as the gateway
// does (middleware.GetNamespace). A name without a dot is in defaultNamespace.
func ParseRef(functionName, defaultNamespace string) (Ref, error) {
	s := strings.TrimSpace(functionName)
	if s == "" {
		return Ref{}, errors.New("function name is empty")
	}
	if !utf8.ValidString(s) {
		// No provider names a function so (Kubernetes: DNS labels;
		// OpenFaaS' JSON replaces such bytes), and as a label value it
		// panicked the simulated gateway's metrics and broke /metrics: a
		// --functions-file saved as Latin-1.
		return Ref{}, fmt.Errorf("function name %q: not valid UTF-8", functionName)
	}
	i := strings.LastIndexByte(s, '.')
	if i < 0 {
		return Ref{Name: s, Namespace: defaultNamespace}, nil
	}
	name, ns := s[:i], s[i+1:]
	if name == "" || ns == "" {
		return Ref{}, fmt.Errorf("function name %q: want name.namespace", functionName)
	}
	return Ref{Name: name, Namespace: ns}, nil
}

// Function is what a provider knows about one function.
type Function struct {
	Ref
	Labels      map[string]string
	Annotations map[string]string
	// Replicas is the desired replica count (OpenFaaS `replicas`, Kubernetes spec.replicas).
	Replicas uint64
	// AvailableReplicas is the count ready to serve (Kubernetes status.availableReplicas).
	AvailableReplicas uint64
	// CreatedAt is when the function was deployed; zero when the provider does not say.
	CreatedAt time.Time
}

// Provider holds replicas. Implementations must be safe for concurrent use.
type Provider interface {
	// Namespaces lists the namespaces that hold functions.
	Namespaces(ctx context.Context) ([]string, error)
	// Functions lists the functions of one namespace.
	Functions(ctx context.Context, namespace string) ([]Function, error)
	// Function reads one function; ErrNotFound when it does not exist.
	Function(ctx context.Context, ref Ref) (Function, error)
	// Scale sets the desired replica count. A provider that will not take the
	// count returns a *RefusedError.
	Scale(ctx context.Context, ref Ref, replicas uint64) error
}

// ErrNotFound: the function does not exist.
var ErrNotFound = errors.New("function not found")

// ErrUnauthorized: the provider rejected our credentials.
var ErrUnauthorized = errors.New("provider rejected the credentials")

// RefusedError is a provider saying no to a replica count it understood, such as
// OpenFaaS CE refusing zero replicas. Retrying the same count cannot help.
type RefusedError struct {
	Ref      Ref
	Replicas uint64
	Status   int    // HTTP status, 0 when not from HTTP
	Message  string // what the provider said
	// Landed is the count the provider set instead (HasLanded), when it
	// took part of the request: OpenFaaS CE's gateway caps a scale at 5
	// replicas and answers success. Asked again from below Landed, the
	// same count lands Landed again; from Landed or above it changes
	// nothing.
	Landed    uint64
	HasLanded bool
}

func (e *RefusedError) Error() string {
	return fmt.Sprintf("provider refused %d replicas for %s: %s", e.Replicas, e.Ref, e.Message)
}

// IsZeroRefused reports whether err is a provider refusing to scale to zero.
func IsZeroRefused(err error) bool {
	var r *RefusedError
	return errors.As(err, &r) && r.Replicas == 0
}

// Lister is the listing half of a Provider, all that List needs.
type Lister interface {
	Namespaces(ctx context.Context) ([]string, error)
	Functions(ctx context.Context, namespace string) ([]Function, error)
}

// List lists the functions of namespaces, or of every namespace p lists when
// namespaces is empty. An error names the namespace it came from.
func List(ctx context.Context, p Lister, namespaces []string) ([]Function, error) {
	nss := namespaces
	if len(nss) == 0 {
		var err error
		if nss, err = p.Namespaces(ctx); err != nil {
			return nil, fmt.Errorf("list namespaces: %w", err)
		}
	}
	var out []Function
	for _, ns := range nss {
		fns, err := p.Functions(ctx, ns)
		if err != nil {
			return nil, fmt.Errorf("list functions in %s: %w", ns, err)
		}
		if out == nil {
			out = fns // the first (often the only) namespace's list, not a copy of it
			continue
		}
		out = append(out, fns...)
	}
	return out, nil
}

// All lists every function in every namespace of p.
func All(ctx context.Context, p Lister) ([]Function, error) { return List(ctx, p, nil) }
