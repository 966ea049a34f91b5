package provider_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
	"github.com/google/go-cmp/cmp"
)

// stubProvider answers from fields and records nothing: enough to test the
// helpers and the decorator without depending on a real implementation.
type stubProvider struct {
	namespaces    []string
	namespacesErr error
	functions     map[string][]provider.Function
	functionsErr  map[string]error
	err           error         // returned by Function and Scale
	delay         time.Duration // each call sleeps this long first
}

func (s *stubProvider) wait(ctx context.Context) error {
	if s.delay > 0 {
		select {
		case <-time.After(s.delay):
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

func (s *stubProvider) Namespaces(ctx context.Context) ([]string, error) {
	if err := s.wait(ctx); err != nil {
		return nil, err
	}
	return s.namespaces, s.namespacesErr
}

func (s *stubProvider) Functions(ctx context.Context, ns string) ([]provider.Function, error) {
	if err := s.wait(ctx); err != nil {
		return nil, err
	}
	return s.functions[ns], s.functionsErr[ns]
}

func (s *stubProvider) Function(ctx context.Context, ref provider.Ref) (provider.Function, error) {
	if err := s.wait(ctx); err != nil {
		return provider.Function{}, err
	}
	return provider.Function{Ref: ref}, s.err
}

func (s *stubProvider) Scale(ctx context.Context, ref provider.Ref, replicas uint64) error {
	if err := s.wait(ctx); err != nil {
		return err
	}
	return s.err
}

func TestParseRef(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		def     string
		want    provider.Ref
		wantErr string
	}{
		{name: "name and namespace", in: "figlet.openfaas-fn", def: "x", want: provider.Ref{Name: "figlet", Namespace: "openfaas-fn"}},
		{name: "no dot takes the default namespace", in: "figlet", def: "openfaas-fn", want: provider.Ref{Name: "figlet", Namespace: "openfaas-fn"}},
		{name: "split at the last dot", in: "my.fn.dev", def: "x", want: provider.Ref{Name: "my.fn", Namespace: "dev"}},
		{name: "surrounding spaces trimmed", in: " figlet.dev\n", def: "x", want: provider.Ref{Name: "figlet", Namespace: "dev"}},
		{name: "empty", in: "  ", def: "x", wantErr: "function name is empty"},
		{name: "trailing dot", in: "figlet.", def: "x", wantErr: `function name "figlet.": want name.namespace`},
		{name: "leading dot", in: ".dev", def: "x", wantErr: `function name ".dev": want name.namespace`},
		// Seen failing before the fix: accepted (a Latin-1 --functions-file
		// then panicked the simulated gateway).
		{name: "not UTF-8", in: "caf\xe9.dev", def: "x", wantErr: `function name "caf\xe9.dev": not valid UTF-8`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := provider.ParseRef(tc.in, tc.def)
			if tc.wantErr != "" {
				if err == nil || err.Error() != tc.wantErr {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("ParseRef = %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestRefStringRoundTrips(t *testing.T) {
	for _, ref := range []provider.Ref{{Name: "figlet", Namespace: "openfaas-fn"}, {Name: "a.b", Namespace: "c"}} {
		got, err := provider.ParseRef(ref.String(), "other")
		if err != nil || got != ref {
			t.Errorf("ParseRef(%q) = %+v, %v; want %+v", ref.String(), got, err, ref)
		}
	}
	if got := (provider.Ref{Name: "bare"}).String(); got != "bare" {
		t.Errorf("String() without namespace = %q", got)
	}
}

func TestAll(t *testing.T) {
	fn := func(name, ns string) provider.Function {
		return provider.Function{Ref: provider.Ref{Name: name, Namespace: ns}}
	}
	boom := errors.New("boom")
	tests := []struct {
		name    string
		p       *stubProvider
		want    []provider.Function
		wantErr string
	}{
		{
			name: "every namespace in order",
			p: &stubProvider{namespaces: []string{"a", "b", "empty"}, functions: map[string][]provider.Function{
				"a": {fn("f1", "a"), fn("f2", "a")}, "b": {fn("g", "b")},
			}},
			want: []provider.Function{fn("f1", "a"), fn("f2", "a"), fn("g", "b")},
		},
		{name: "namespaces fail", p: &stubProvider{namespacesErr: boom}, wantErr: "list namespaces: boom"},
		{
			name:    "one namespace fails: no partial list",
			p:       &stubProvider{namespaces: []string{"a", "b"}, functions: map[string][]provider.Function{"a": {fn("f", "a")}}, functionsErr: map[string]error{"b": boom}},
			wantErr: "list functions in b: boom",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := provider.All(t.Context(), tc.p)
			if tc.wantErr != "" {
				if err == nil || err.Error() != tc.wantErr || !errors.Is(err, boom) || got != nil {
					t.Fatalf("All = %v, %v; want nil, %q wrapping the cause", got, err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Errorf("All (-want +got):\n%s", d)
			}
		})
	}
}

func TestIsZeroRefused(t *testing.T) {
	ref := provider.Ref{Name: "f", Namespace: "ns"}
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{name: "zero refused", err: &provider.RefusedError{Ref: ref, Replicas: 0, Message: "no"}, want: true},
		{name: "wrapped", err: errors.Join(errors.New("ctx"), &provider.RefusedError{Ref: ref}), want: true},
		{name: "other count refused", err: &provider.RefusedError{Ref: ref, Replicas: 3}},
		{name: "other error", err: errors.New("boom")},
		{name: "nil", err: nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := provider.IsZeroRefused(tc.err); got != tc.want {
				t.Errorf("IsZeroRefused = %v, want %v", got, tc.want)
			}
		})
	}
}
