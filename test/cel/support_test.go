package celtest

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	utiljson "k8s.io/apimachinery/pkg/util/json"
	"k8s.io/apimachinery/pkg/util/validation/field"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"
)

// document is one YAML document of a manifest, as raw YAML and as the API server's JSON value
// (whole numbers are int64, as the CEL validator expects).
type document struct {
	file   string
	raw    []byte
	object map[string]any
}

func (d document) String() string {
	kind, _ := d.object["kind"].(string)
	metadata, _ := d.object["metadata"].(map[string]any)
	name, _ := metadata["name"].(string)
	return d.file + " " + kind + "/" + name
}

// jsonObject turns YAML into the JSON object the API server would hold.
func jsonObject(data []byte) (map[string]any, error) {
	converted, err := yaml.YAMLToJSON(data)
	if err != nil {
		return nil, err
	}
	var object map[string]any
	if err := utiljson.Unmarshal(converted, &object); err != nil {
		return nil, err
	}
	return object, nil
}

// readDocuments splits a YAML file into its non-empty documents.
func readDocuments(t *testing.T, path string) []document {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	reader := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(data)))
	rel, _ := filepath.Rel(repoRoot, path)
	var docs []document
	for {
		raw, err := reader.Read()
		if errors.Is(err, io.EOF) {
			return docs
		}
		if err != nil {
			t.Fatalf("%s: %v", rel, err)
		}
		object, err := jsonObject(raw)
		if err != nil {
			t.Fatalf("%s: %v", rel, err)
		}
		if len(object) > 0 {
			docs = append(docs, document{file: rel, raw: raw, object: object})
		}
	}
}

// yamlFiles lists the .yaml files under dir, recursively, skipping the directories named.
func yamlFiles(t *testing.T, dir string, skip ...string) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir(dir, func(path string, entry os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if entry.IsDir() {
			for _, s := range skip {
				if path == filepath.Join(dir, s) {
					return filepath.SkipDir
				}
			}
			return nil
		}
		if strings.HasSuffix(path, ".yaml") || strings.HasSuffix(path, ".yml") {
			files = append(files, path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func errorText(errs field.ErrorList) string {
	lines := make([]string, len(errs))
	for i, err := range errs {
		lines[i] = err.Error()
	}
	return strings.Join(lines, "\n")
}
