package manifests

import (
	"bufio"
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/yaml"
)

// Files holds every manifest, including examples that are not resources.
//
//go:embed *.yaml
var Files embed.FS

// kustomization is the part of kustomization.yaml this package reads.
type kustomization struct {
	Resources []string `json:"resources"`
}

// Resources returns the file names kustomization.yaml lists.
func Resources() ([]string, error) {
	b, err := Files.ReadFile("kustomization.yaml")
	if err != nil {
		return nil, err
	}
	var k kustomization
	if err := yaml.Unmarshal(b, &k); err != nil {
		return nil, fmt.Errorf("kustomization.yaml: %w", err)
	}
	if len(k.Resources) == 0 {
		return nil, errors.New("kustomization.yaml lists no resources")
	}
	return k.Resources, nil
}

// Object is one decoded YAML document and where it came from.
type Object struct {
	File   string
	Index  int // document number within File, from 0
	Object runtime.Object
}

// strictDecoder is client-go's universal deserializer in strict mode: a kind,
// a field or a duplicate key client-go does not accept is an error, where the
// default decoder would drop it silently (and kubectl apply might not).
var strictDecoder = serializer.NewCodecFactory(scheme.Scheme, serializer.EnableStrict).UniversalDeserializer()

// Objects decodes every resource kustomization.yaml lists, strictly.
func Objects() ([]Object, error) {
	files, err := Resources()
	if err != nil {
		return nil, err
	}
	var out []Object
	for _, f := range files {
		objs, err := DecodeFile(f)
		if err != nil {
			return nil, err
		}
		out = append(out, objs...)
	}
	return out, nil
}

// DecodeFile decodes every document of one embedded file.
func DecodeFile(name string) ([]Object, error) {
	b, err := Files.ReadFile(name)
	if err != nil {
		return nil, err
	}
	r := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(b)))
	var out []Object
	for i := 0; ; i++ {
		doc, err := r.Read()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%s: document %d: %w", name, i, err)
		}
		if len(bytes.TrimSpace(stripComments(doc))) == 0 {
			continue
		}
		obj, _, err := strictDecoder.Decode(doc, nil, nil)
		if err != nil {
			return nil, fmt.Errorf("%s: document %d: %w", name, i, err)
		}
		out = append(out, Object{File: name, Index: i, Object: obj})
	}
}

// stripComments drops whole-line comments, so a document of only comments
// counts as empty.
func stripComments(doc []byte) []byte {
	var keep [][]byte
	for _, line := range bytes.Split(doc, []byte("\n")) {
		if t := bytes.TrimSpace(line); len(t) > 0 && t[0] == '#' {
			continue
		}
		keep = append(keep, line)
	}
	return bytes.Join(keep, []byte("\n"))
}
