package api

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"

	"github.com/getkin/kin-openapi/openapi3"
)

// openapiYAML is the OpenAPI 3 description of every route in this package.
// Tests fail when a registered route is missing from it or a documented
// route is not registered, and they validate responses against it.
//
//go:embed openapi.yaml
var openapiYAML []byte

// Spec loads and validates the OpenAPI document.
func Spec() (*openapi3.T, error) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(openapiYAML)
	if err != nil {
		return nil, fmt.Errorf("api: openapi.yaml: %w", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		return nil, fmt.Errorf("api: openapi.yaml is invalid: %w", err)
	}
	return doc, nil
}

// SpecJSON returns the OpenAPI document as JSON, as served at
// /api/v1/openapi.json.
func SpecJSON() ([]byte, error) {
	doc, err := Spec()
	if err != nil {
		return nil, err
	}
	b, err := json.Marshal(doc)
	if err != nil {
		return nil, fmt.Errorf("api: encode openapi: %w", err)
	}
	return b, nil
}
