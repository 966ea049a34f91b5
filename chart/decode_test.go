package chart

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/yaml"
)

// doc is one rendered document: the template it came from, its text, and the
// object decoded from it (typed for client-go kinds, unstructured for the
// prometheus-operator's).
type doc struct {
	Source string // templates/<file>.yaml
	Text   []byte
	Object runtime.Object
}

// strict is client-go's deserializer in strict mode: an unknown field or a
// duplicate key is an error, where the default decoder drops it silently.
var strict = serializer.NewCodecFactory(scheme.Scheme, serializer.EnableStrict).UniversalDeserializer()

// decode splits helm's output into documents and decodes each strictly.
func decode(t testing.TB, out []byte) []doc {
	t.Helper()
	var docs []doc
	r := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(out)))
	for {
		text, err := r.Read()
		if errors.Is(err, io.EOF) {
			return docs
		}
		if err != nil {
			t.Fatal(err)
		}
		src := sourceOf(text)
		if len(bytes.TrimSpace(withoutComments(text))) == 0 {
			continue
		}
		var obj runtime.Object
		if bytes.Contains(text, []byte("apiVersion: monitoring.coreos.com/")) {
			u := &unstructured.Unstructured{}
			if err := yaml.UnmarshalStrict(text, &u.Object); err != nil {
				t.Fatalf("%s: %v\n%s", src, err, text)
			}
			obj = u
		} else {
			obj, _, err = strict.Decode(text, nil, nil)
			if err != nil {
				t.Fatalf("%s: %v\n%s", src, err, text)
			}
		}
		docs = append(docs, doc{Source: src, Text: text, Object: obj})
	}
}

// sourceOf reads helm's "# Source: <chart>/templates/x.yaml" line.
func sourceOf(text []byte) string {
	for line := range strings.SplitSeq(string(text), "\n") {
		if s, ok := strings.CutPrefix(line, "# Source: "); ok {
			_, file, _ := strings.Cut(s, "/")
			return file
		}
	}
	return ""
}

func withoutComments(text []byte) []byte {
	var keep []string
	for line := range strings.SplitSeq(string(text), "\n") {
		if t := strings.TrimSpace(line); t != "" && !strings.HasPrefix(t, "#") {
			keep = append(keep, line)
		}
	}
	return []byte(strings.Join(keep, "\n"))
}

// objects returns the decoded objects of type T.
func objects[T runtime.Object](docs []doc) []T {
	var out []T
	for _, d := range docs {
		if v, ok := d.Object.(T); ok {
			out = append(out, v)
		}
	}
	return out
}

// kindsOf lists "Kind namespace/name" of every document, in order.
func kindsOf(t testing.TB, docs []doc) []string {
	t.Helper()
	var out []string
	for _, d := range docs {
		u, err := runtime.DefaultUnstructuredConverter.ToUnstructured(d.Object)
		if err != nil {
			t.Fatal(err)
		}
		o := unstructured.Unstructured{Object: u}
		kind := d.Object.GetObjectKind().GroupVersionKind().Kind
		out = append(out, kind+" "+o.GetNamespace()+"/"+o.GetName())
	}
	return out
}
