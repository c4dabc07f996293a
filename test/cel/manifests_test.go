package celtest

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"k8s.io/apiextensions-apiserver/pkg/apis/apiextensions"
	apiextensionsinstall "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/install"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/yaml"
)

// The manifests we install (the kustomize tree and its components). examples/ holds parents of our
// own CRD, judged in crd_test.go; kustomize's own files are not Kubernetes objects.
var manifestsDir = filepath.Join(repoRoot, "manifests")

const kustomizeGroup = "kustomize.config.k8s.io"

// Built-in kinds decode into the API's Go types with strict decoding: an unknown or duplicate
// field is an error, as `kubectl apply --validate=strict` makes it on a real API server.
var builtInCodecs = func() serializer.CodecFactory {
	scheme := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(scheme); err != nil {
		panic(err)
	}
	apiextensionsinstall.Install(scheme)
	return serializer.NewCodecFactory(scheme, serializer.EnableStrict)
}()

func sharedDir() string {
	if dir := os.Getenv("WANDB_SHARED_DIR"); dir != "" {
		return dir
	}
	return filepath.Join(repoRoot, "..", "shared")
}

// The folders of ../shared/crds holding the CRDs of the custom kinds our manifests install.
var customCRDDirs = []string{"metacontroller"}

// customKinds serves the CRDs our manifests use, by group/version/kind.
func customKinds(t *testing.T) map[schema.GroupVersionKind]*servedSchema {
	t.Helper()
	kinds := map[schema.GroupVersionKind]*servedSchema{}
	var files []string
	for _, dir := range customCRDDirs {
		files = append(files, yamlFiles(t, filepath.Join(sharedDir(), "crds", dir))...)
	}
	for _, file := range files {
		crd, err := loadCRD(file)
		if err != nil {
			t.Fatal(err)
		}
		for _, version := range crd.Spec.Versions {
			if !version.Served {
				continue
			}
			served, err := newServedSchema(crd, version.Name)
			if err != nil {
				t.Fatal(err)
			}
			kinds[schema.GroupVersionKind{Group: crd.Spec.Group, Version: version.Name, Kind: crd.Spec.Names.Kind}] = served
		}
	}
	if len(kinds) == 0 {
		t.Fatalf("no CRDs in %s/crds/%v", sharedDir(), customCRDDirs)
	}
	return kinds
}

// strictProblems says what the API server would refuse, or silently drop, in one document. A patch
// (under components/) is partial, so only its fields are judged, not what it leaves out.
func strictProblems(doc document, custom map[schema.GroupVersionKind]*servedSchema, patch bool) []string {
	if stringField(doc.object, "apiVersion") == "" || stringField(doc.object, "kind") == "" {
		return []string{"not a Kubernetes object: no apiVersion or kind"}
	}
	gvk := schema.FromAPIVersionAndKind(stringField(doc.object, "apiVersion"), stringField(doc.object, "kind"))
	if gvk.Group == prometheusOperatorGroup {
		return nil
	}
	if served := custom[gvk]; served != nil {
		var problems []string
		if _, err := yaml.YAMLToJSONStrict(doc.raw); err != nil {
			problems = append(problems, err.Error())
		}
		if metadata, err := json.Marshal(doc.object["metadata"]); err != nil {
			problems = append(problems, err.Error())
		} else if err := yaml.UnmarshalStrict(metadata, &metav1.ObjectMeta{}); err != nil {
			problems = append(problems, "metadata: "+err.Error())
		}
		errs := served.unknownFields(doc.object)
		if !patch {
			errs = served.create(doc.object)
		}
		for _, err := range errs {
			problems = append(problems, err.Error())
		}
		return problems
	}
	object, _, err := builtInCodecs.UniversalDeserializer().Decode(doc.raw, nil, nil)
	if runtime.IsNotRegisteredError(err) {
		return []string{"no schema for " + gvk.String() + ": neither a built-in kind nor one of customCRDDirs"}
	}
	if err != nil {
		return []string{err.Error()}
	}
	if crd, ok := object.(*apiextensions.CustomResourceDefinition); ok && !patch {
		var problems []string
		for _, err := range validateCRD(crd) {
			problems = append(problems, err.Error())
		}
		return problems
	}
	return nil
}

func stringField(object map[string]any, name string) string {
	value, _ := object[name].(string)
	return value
}

// The Prometheus Operator's kinds (components/monitoring): their CRDs are not in ../shared/crds, so
// e2e/monitoring.e2e.test.ts decodes them strictly into the operator's own Go types instead.
const prometheusOperatorGroup = "monitoring.coreos.com"

// componentRole says how a component's kustomization uses one of its files: "resources" (whole
// objects), "patches" (partial ones), or "" for the input of a generator (a ConfigMap's file, no
// Kubernetes object).
func componentRole(t *testing.T, file string) string {
	t.Helper()
	dir := filepath.Dir(filepath.Join(repoRoot, file))
	data, err := os.ReadFile(filepath.Join(dir, "kustomization.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var kustomization struct {
		Resources []string `json:"resources"`
		Patches   []struct {
			Path string `json:"path"`
		} `json:"patches"`
	}
	if err := yaml.Unmarshal(data, &kustomization); err != nil {
		t.Fatalf("%s: %v", filepath.Join(dir, "kustomization.yaml"), err)
	}
	name := filepath.Base(file)
	for _, resource := range kustomization.Resources {
		if resource == name {
			return "resources"
		}
	}
	for _, patch := range kustomization.Patches {
		if patch.Path == name {
			return "patches"
		}
	}
	return ""
}

// installedDocuments are the Kubernetes objects under manifests/ and its components' resources, and
// the patches of its components.
func installedDocuments(t *testing.T) (objects, patches []document) {
	t.Helper()
	components := filepath.Join("manifests", "components") + string(filepath.Separator)
	for _, file := range yamlFiles(t, manifestsDir, "examples") {
		for _, doc := range readDocuments(t, file) {
			switch {
			case strings.HasPrefix(stringField(doc.object, "apiVersion"), kustomizeGroup+"/"):
			case strings.HasPrefix(doc.file, components):
				switch componentRole(t, doc.file) {
				case "resources":
					objects = append(objects, doc)
				case "patches":
					patches = append(patches, doc)
				}
			default:
				objects = append(objects, doc)
			}
		}
	}
	return objects, patches
}

func TestEveryManifestDecodesStrictly(t *testing.T) {
	custom := customKinds(t)
	objects, patches := installedDocuments(t)
	if len(objects) < 9 || len(patches) < 6 {
		t.Fatalf("found %d objects and %d patches under manifests/", len(objects), len(patches))
	}
	check := func(doc document, patch bool) {
		t.Run(doc.String(), func(t *testing.T) {
			if problems := strictProblems(doc, custom, patch); len(problems) > 0 {
				t.Errorf("%s:\n%s", doc, strings.Join(problems, "\n"))
			}
		})
	}
	for _, doc := range objects {
		check(doc, false)
	}
	for _, doc := range patches {
		check(doc, true)
	}
}

// withMisspelling returns the document with one more field, written as YAML again.
func withMisspelling(t *testing.T, doc document, edit func(object map[string]any)) document {
	t.Helper()
	object := runtime.DeepCopyJSON(doc.object)
	edit(object)
	raw, err := yaml.Marshal(object)
	if err != nil {
		t.Fatal(err)
	}
	edited, err := jsonObject(raw)
	if err != nil {
		t.Fatal(err)
	}
	return document{file: doc.file, raw: raw, object: edited}
}

func find(t *testing.T, docs []document, kind string) document {
	t.Helper()
	for _, doc := range docs {
		if stringField(doc.object, "kind") == kind {
			return doc
		}
	}
	t.Fatalf("no %s under manifests/", kind)
	return document{}
}

func TestStrictDecodingCatchesMisspellings(t *testing.T) {
	custom := customKinds(t)
	objects, _ := installedDocuments(t)
	at := func(object map[string]any, path ...any) map[string]any {
		var node any = object
		for _, step := range path {
			switch s := step.(type) {
			case string:
				node = node.(map[string]any)[s]
			case int:
				node = node.([]any)[s]
			}
		}
		return node.(map[string]any)
	}
	cases := []struct {
		name string
		doc  document
		want string
	}{
		{
			name: "imagePullPolicyy in the hook container",
			doc: withMisspelling(t, find(t, objects, "Deployment"), func(o map[string]any) {
				at(o, "spec", "template", "spec", "containers", 0)["imagePullPolicyy"] = "IfNotPresent"
			}),
			want: `unknown field "spec.template.spec.containers[0].imagePullPolicyy"`,
		},
		{
			name: "a misspelled Service port field",
			doc: withMisspelling(t, find(t, objects, "Service"), func(o map[string]any) {
				at(o, "spec", "ports", 0)["targetport"] = "http"
			}),
			want: `unknown field "spec.ports[0].targetport"`,
		},
		{
			name: "resyncPeriodSecond in the CompositeController",
			doc: withMisspelling(t, find(t, objects, "CompositeController"), func(o map[string]any) {
				at(o, "spec")["resyncPeriodSecond"] = int64(60)
			}),
			want: "spec.resyncPeriodSecond",
		},
		{
			name: "a misspelled metadata field of the DecoratorController",
			doc: withMisspelling(t, find(t, objects, "DecoratorController"), func(o map[string]any) {
				at(o, "metadata")["label"] = map[string]any{"a": "b"}
			}),
			want: `unknown field "label"`,
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			problems := strings.Join(strictProblems(c.doc, custom, false), "\n")
			if !strings.Contains(problems, c.want) {
				t.Errorf("problems:\n%s\nwant one containing %q", problems, c.want)
			}
		})
	}
	t.Run("a duplicate field", func(t *testing.T) {
		for _, kind := range []string{"Deployment", "CompositeController"} {
			doc := find(t, objects, kind)
			raw := append([]byte("kind: "+kind+"\n"), doc.raw...)
			problems := strings.Join(strictProblems(document{file: doc.file, raw: raw, object: doc.object}, custom, false), "\n")
			if !strings.Contains(problems, `"kind"`) || !strings.Contains(problems, "already set") && !strings.Contains(problems, "duplicate") {
				t.Errorf("%s with kind twice: problems:\n%s\nwant a duplicate field", kind, problems)
			}
		}
	})
}
