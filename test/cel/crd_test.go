package celtest

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema/cel"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema/cel/model"
	utiljson "k8s.io/apimachinery/pkg/util/json"
	"k8s.io/apimachinery/pkg/util/version"
	celconfig "k8s.io/apiserver/pkg/apis/cel"
	"k8s.io/apiserver/pkg/cel/environment"
	"sigs.k8s.io/yaml"
)

var parentCRDPath = filepath.Join(repoRoot, "manifests", "crd.yaml")

// The oldest Kubernetes the install guide supports (docs/install.md): every rule must compile
// there, with the libraries that release offers to new expressions.
var oldestKubernetes = version.MajorMinor(1, 29)

// A ceiling per rule far below the API server's per-expression limit (celconfig.PerCallLimit), so
// a rule that grows costly is noticed long before the API server refuses the CRD.
const maxRuleCost = 1_000

func parentSchema(t *testing.T) *servedSchema {
	t.Helper()
	crd, err := loadCRD(parentCRDPath)
	if err != nil {
		t.Fatal(err)
	}
	served, err := newServedSchema(crd, "v2")
	if err != nil {
		t.Fatal(err)
	}
	return served
}

func TestTheAPIServerAcceptsTheParentCRD(t *testing.T) {
	crd, err := loadCRD(parentCRDPath)
	if err != nil {
		t.Fatal(err)
	}
	if errs := validateCRD(crd); len(errs) > 0 {
		t.Fatalf("the API server would refuse manifests/crd.yaml:\n%s", errorText(errs))
	}
}

func TestEveryRuleCompilesOnTheOldestSupportedKubernetesAndStaysCheap(t *testing.T) {
	served := parentSchema(t)
	results, err := cel.Compile(served.structural, model.SchemaDeclType(served.structural, true),
		celconfig.PerCallLimit, environment.MustBaseEnvSet(oldestKubernetes), cel.NewExpressionsEnvLoader())
	if err != nil {
		t.Fatal(err)
	}
	rules := served.structural.XValidations
	if len(results) != len(rules) || len(rules) == 0 {
		t.Fatalf("%d rules on the root, %d compiled", len(rules), len(results))
	}
	for i, result := range results {
		name := rules[i].FieldPath
		if result.Error != nil {
			t.Errorf("%s: the rule does not compile on Kubernetes %s: %v", name, oldestKubernetes, result.Error)
		}
		if result.MessageExpressionError != nil {
			t.Errorf("%s: the message does not compile on Kubernetes %s: %v", name, oldestKubernetes, result.MessageExpressionError)
		}
		if result.MaxCost > maxRuleCost || result.MessageExpressionMaxCost > maxRuleCost {
			t.Errorf("%s: estimated cost %d (message %d) exceeds %d", name, result.MaxCost, result.MessageExpressionMaxCost, maxRuleCost)
		}
		t.Logf("%-32s estimated cost %5d, message %5d", name, result.MaxCost, result.MessageExpressionMaxCost)
	}
}

// transitionCase is one row of transitions.yaml.
type transitionCase struct {
	Name string `json:"name"`
	// Old and New are parent specs; an absent one is a parent without a spec. Without Old the case
	// is a create.
	Old             json.RawMessage `json:"old"`
	New             json.RawMessage `json:"new"`
	Create          bool            `json:"create"`
	Allowed         bool            `json:"allowed"`
	MessageContains string          `json:"messageContains"`
}

func parentWithSpec(t *testing.T, raw json.RawMessage) map[string]any {
	t.Helper()
	object := map[string]any{
		"apiVersion": "apps.wandb.com/v2",
		"kind":       "WeightsAndBiases",
		"metadata":   map[string]any{"name": "wandb", "namespace": "wandb"},
	}
	if len(raw) > 0 && string(raw) != "null" {
		var spec map[string]any
		if err := utiljson.Unmarshal(raw, &spec); err != nil {
			t.Fatal(err)
		}
		object["spec"] = spec
	}
	return object
}

func TestTransitions(t *testing.T) {
	served := parentSchema(t)
	data, err := os.ReadFile("transitions.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var cases []transitionCase
	if err := yaml.UnmarshalStrict(data, &cases); err != nil {
		t.Fatal(err)
	}
	refusedFields := map[string]bool{}
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			object := parentWithSpec(t, c.New)
			var errs []error
			if c.Create {
				for _, err := range served.create(object) {
					errs = append(errs, err)
				}
			} else {
				list, remaining := served.update(object, parentWithSpec(t, c.Old))
				for _, err := range list {
					errs = append(errs, err)
				}
				if remaining < 0 {
					t.Errorf("the update exceeded the runtime cost budget")
				}
			}
			text := make([]string, len(errs))
			for i, err := range errs {
				text[i] = err.Error()
			}
			joined := strings.Join(text, "\n")
			switch {
			case c.Allowed && len(errs) > 0:
				t.Fatalf("refused, want accepted:\n%s", joined)
			case !c.Allowed && len(errs) == 0:
				t.Fatalf("accepted, want refused with %q", c.MessageContains)
			case !c.Allowed && !strings.Contains(joined, c.MessageContains):
				t.Fatalf("refused with\n%s\nwant a message containing %q", joined, c.MessageContains)
			}
			for _, rule := range served.structural.XValidations {
				path := strings.TrimPrefix(rule.FieldPath, ".")
				if !c.Allowed && strings.Contains(joined, path+": Forbidden") {
					refusedFields[path] = true
				}
			}
		})
	}
	for _, rule := range served.structural.XValidations {
		if !refusedFields[strings.TrimPrefix(rule.FieldPath, ".")] {
			t.Errorf("no case in transitions.yaml is refused by the rule on %s", rule.FieldPath)
		}
	}
}

func TestTheExamplesAreAcceptedAsCreatesAndUnchangedUpdates(t *testing.T) {
	served := parentSchema(t)
	files := yamlFiles(t, filepath.Join(repoRoot, "manifests", "examples"))
	if len(files) == 0 {
		t.Fatal("no examples")
	}
	for _, file := range files {
		for _, doc := range readDocuments(t, file) {
			t.Run(doc.String(), func(t *testing.T) {
				if errs := served.create(doc.object); len(errs) > 0 {
					t.Errorf("refused as a create:\n%s", errorText(errs))
				}
				// Every update that leaves the spec alone (a label, a finalizer removed during
				// deletion) must pass, or a parent could never be deleted.
				if errs, _ := served.update(doc.object, doc.object); len(errs) > 0 {
					t.Errorf("refused as an unchanged update:\n%s", errorText(errs))
				}
			})
		}
	}
}
