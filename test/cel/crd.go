// Package celtest judges our manifests with Kubernetes' own code instead of a re-implementation:
// the parent CRD is checked as the API server checks it on create (structural schema, CEL
// compilation, cost budget), its transition rules run in the API server's CEL validator with the
// real quantity library, and every other manifest is decoded strictly (unknown and duplicate
// fields rejected). Run with `npm run test:cel`.
package celtest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"k8s.io/apiextensions-apiserver/pkg/apis/apiextensions"
	"k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/install"
	apiextensionsvalidation "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/validation"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema/cel"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema/pruning"
	apiservervalidation "k8s.io/apiextensions-apiserver/pkg/apiserver/validation"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	"k8s.io/apimachinery/pkg/util/validation/field"
	celconfig "k8s.io/apiserver/pkg/apis/cel"
)

// repoRoot is where `go test` runs this package from: test/cel.
var repoRoot = filepath.Join("..", "..")

var crdCodecs = func() serializer.CodecFactory {
	scheme := runtime.NewScheme()
	install.Install(scheme)
	return serializer.NewCodecFactory(scheme, serializer.EnableStrict)
}()

// loadCRD decodes a CRD file strictly into the API server's internal type, with the defaults the
// API server applies, and records its storage version as the API server does on create.
func loadCRD(path string) (*apiextensions.CustomResourceDefinition, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	object, _, err := crdCodecs.UniversalDecoder().Decode(data, nil, nil)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	crd, ok := object.(*apiextensions.CustomResourceDefinition)
	if !ok {
		return nil, fmt.Errorf("%s: a %T, not a CustomResourceDefinition", path, object)
	}
	for _, version := range crd.Spec.Versions {
		if version.Storage {
			crd.Status.StoredVersions = []string{version.Name}
		}
	}
	return crd, nil
}

// validateCRD is the API server's check of a new CRD: it compiles every CEL rule and refuses a
// schema whose rules exceed the cost budget.
func validateCRD(crd *apiextensions.CustomResourceDefinition) field.ErrorList {
	return apiextensionsvalidation.ValidateCustomResourceDefinition(context.Background(), crd)
}

// servedSchema is what the API server validates one served version's objects with.
type servedSchema struct {
	structural *schema.Structural
	schema     apiservervalidation.SchemaValidator
	rules      *cel.Validator
}

func newServedSchema(crd *apiextensions.CustomResourceDefinition, version string) (*servedSchema, error) {
	// The internal type holds a schema shared by every version once, in spec.validation.
	validation, err := apiextensions.GetSchemaForVersion(crd, version)
	if err != nil {
		return nil, err
	}
	if validation == nil || validation.OpenAPIV3Schema == nil {
		return nil, fmt.Errorf("%s has no schema for version %q", crd.Name, version)
	}
	props := validation.OpenAPIV3Schema
	structural, err := schema.NewStructural(props)
	if err != nil {
		return nil, err
	}
	validator, _, err := apiservervalidation.NewSchemaValidator(props)
	if err != nil {
		return nil, err
	}
	return &servedSchema{
		structural: structural,
		schema:     validator,
		rules:      cel.NewValidator(structural, true, celconfig.PerCallLimit),
	}, nil
}

// create is what the API server checks when an object is created: unknown fields (which it would
// prune, or refuse under --validate=strict), the OpenAPI schema, and the CEL rules without oldSelf.
func (s *servedSchema) create(object map[string]any) field.ErrorList {
	errs := s.unknownFields(object)
	errs = append(errs, apiservervalidation.ValidateCustomResource(nil, object, s.schema)...)
	celErrs, _ := s.rules.Validate(context.Background(), nil, s.structural, object, nil, celconfig.RuntimeCELCostBudget)
	return append(errs, celErrs...)
}

// update is what the API server checks when an object is replaced: the schema on the new object
// and every CEL rule, transition rules included, within the runtime cost budget.
func (s *servedSchema) update(object, old map[string]any) (field.ErrorList, int64) {
	errs := apiservervalidation.ValidateCustomResourceUpdate(nil, object, old, s.schema)
	celErrs, remaining := s.rules.Validate(context.Background(), nil, s.structural, object, old, celconfig.RuntimeCELCostBudget)
	return append(errs, celErrs...), remaining
}

// unknownFields lists the fields the API server would prune from the object, as errors.
func (s *servedSchema) unknownFields(object map[string]any) field.ErrorList {
	copied := runtime.DeepCopyJSON(object)
	pruned := pruning.PruneWithOptions(copied, s.structural, true, schema.UnknownFieldPathOptions{TrackUnknownFieldPaths: true})
	var errs field.ErrorList
	for _, path := range pruned {
		errs = append(errs, field.Forbidden(field.NewPath(path), "unknown field (the API server drops it, or refuses it under --validate=strict)"))
	}
	return errs
}
