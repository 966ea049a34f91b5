package scaler

import (
	"bufio"
	"bytes"
	"go/ast"
	"go/parser"
	"go/token"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unsafe"

	"github.com/faas-autoscaler/faas-autoscaler/internal/exposition"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// TestDecisionCountIsEightBytes: every called function keeps one count
// per reason code it has had, and every scrape copies them all; as a
// (ReasonCode, uint64) pair a count was 24 bytes, 10 MB held at 100,000
// functions (BenchmarkDecisionCounts100k).
func TestDecisionCountIsEightBytes(t *testing.T) {
	if got := unsafe.Sizeof(codeCount{}); got != 8 {
		t.Errorf("codeCount is %d bytes, want 8 (a code index and a uint32 count)", got)
	}
}

// TestEveryDeclaredCodeHasAnIndex walks the package's source for every
// constant of type ReasonCode, wherever it is declared, and round-trips
// it through the index: a code declared but left out of ReasonCodes fails
// here, not in production. Codes are made only by these constants: a
// conversion to ReasonCode in the package's code fails too.
func TestEveryDeclaredCodeHasAnIndex(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	var declared []ReasonCode
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		f, err := parser.ParseFile(fset, name, src, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.GenDecl:
				if n.Tok == token.CONST {
					declared = append(declared, reasonConsts(t, fset, n)...)
				}
			case *ast.CallExpr:
				if id, ok := n.Fun.(*ast.Ident); ok && id.Name == "ReasonCode" {
					t.Errorf("%s: a ReasonCode made by conversion: declare it as a constant and list it in ReasonCodes", fset.Position(n.Pos()))
				}
			}
			return true
		})
	}
	if len(declared) < 19 {
		t.Fatalf("found %d ReasonCode constants, want at least the 19 of decision.go: the walk is broken", len(declared))
	}
	for _, c := range declared {
		if !slices.Contains(ReasonCodes, c) {
			t.Errorf("ReasonCode %q is declared but not in ReasonCodes", c)
		}
		i := indexOf(c)
		names := codeNames() // after indexOf: it has i
		if int(i) >= len(ReasonCodes) || names[i] != c {
			t.Errorf("code %q: index %d names %q, want an index among ReasonCodes' naming it", c, i, names[i])
		}
	}
	if names := codeNames(); !slices.Equal(names[:len(ReasonCodes)], ReasonCodes) {
		t.Errorf("the table starts %q, want ReasonCodes %q in order, once each", names[:len(ReasonCodes)], ReasonCodes)
	}
}

// reasonConsts is the values of decl's constants of type ReasonCode,
// including those that repeat the previous spec's type and value.
func reasonConsts(t *testing.T, fset *token.FileSet, decl *ast.GenDecl) []ReasonCode {
	var out []ReasonCode
	var typ ast.Expr
	var values []ast.Expr
	for _, s := range decl.Specs {
		vs := s.(*ast.ValueSpec)
		if len(vs.Values) > 0 {
			typ, values = vs.Type, vs.Values
		}
		if id, ok := typ.(*ast.Ident); !ok || id.Name != "ReasonCode" {
			continue
		}
		for _, v := range values {
			lit, ok := v.(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				t.Errorf("%s: a ReasonCode constant that is not a string literal: teach this test to read it", fset.Position(v.Pos()))
				continue
			}
			s, err := strconv.Unquote(lit.Value)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, ReasonCode(s))
		}
	}
	return out
}

// TestUndeclaredCodeIsCountedUnderItsName: a code no constant declares
// (a bug TestEveryDeclaredCodeHasAnIndex should catch first) is neither a
// panic nor lost nor counted as another code: it is exported with its own
// reason, as the counts did when they held the code itself.
func TestUndeclaredCodeIsCountedUnderItsName(t *testing.T) {
	const odd ReasonCode = "undeclared_for_test"
	before := indexOf(CodeSteady)
	var counts []codeCount
	for _, c := range []ReasonCode{odd, CodeSteady, odd} {
		counts = countDecision(counts, c)
	}
	if after := indexOf(CodeSteady); after != before {
		t.Errorf("adding a code moved steady's index from %d to %d", before, after)
	}
	ref := provider.Ref{Name: "odd", Namespace: "openfaas-fn"}
	l := &Loop{fns: map[provider.Ref]*fnState{ref: {ref: ref, decided: true, counts: counts}}}
	var out bytes.Buffer
	bw := bufio.NewWriter(&out)
	if err := (fnSeries{l: l}).WriteText(exposition.NewWriter(bw)); err != nil || bw.Flush() != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		MetricDecisions + `{function_name="odd.openfaas-fn",reason="steady"} 1` + "\n",
		MetricDecisions + `{function_name="odd.openfaas-fn",reason="undeclared_for_test"} 2` + "\n",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("exposition lacks %q:\n%s", want, out.String())
		}
	}
}

// TestSettleCountsAcrossAWrap: the repeats settleCounts counts are seq's
// difference from the counts' sum, at 32 bits: a function whose seq
// wrapped past zero while a count neared its top still gets the repeats
// under its last record's code, and no other code moves.
func TestSettleCountsAcrossAWrap(t *testing.T) {
	fs := &fnState{history: []Record{{Code: CodeSteady}}}
	fs.counts = countDecisions(fs.counts, CodeAtZeroIdle, 7)
	fs.counts = countDecisions(fs.counts, CodeSteady, 1<<32-10)
	fs.seq = 5 // 7 + (2^32 - 10) + 8 repeats, wrapped
	fs.settleCounts()
	got := map[ReasonCode]uint32{}
	for _, c := range fs.counts {
		got[codeNames()[c.code]] = c.n
	}
	if want := map[ReasonCode]uint32{CodeAtZeroIdle: 7, CodeSteady: 1<<32 - 2}; !maps.Equal(got, want) {
		t.Errorf("settled counts %v, want %v", got, want)
	}
	fs.settleCounts()
	if len(fs.counts) != 2 || fs.counts[1].n != 1<<32-2 {
		t.Errorf("a second settle moved the counts: %v", fs.counts)
	}
}
