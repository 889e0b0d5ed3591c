package api

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"

	"go.yaml.in/yaml/v3"
)

// openapiYAML is the OpenAPI 3 description of every route in this package.
// Tests fail when a registered route is missing from it or a documented
// route is not registered, validate the document with kin-openapi and a
// standard linter, and validate responses against it; the binary only
// converts it to JSON once, at start-up.
//
//go:embed openapi.yaml
var openapiYAML []byte

// SpecYAML returns the OpenAPI document as written.
func SpecYAML() []byte { return bytes.Clone(openapiYAML) }

// SpecJSON returns the OpenAPI document as JSON, as served at
// /api/v1/openapi.json.
func SpecJSON() ([]byte, error) {
	var doc any
	if err := yaml.Unmarshal(openapiYAML, &doc); err != nil {
		return nil, fmt.Errorf("api: openapi.yaml: %w", err)
	}
	b, err := json.Marshal(jsonable(doc))
	if err != nil {
		return nil, fmt.Errorf("api: encode openapi: %w", err)
	}
	return b, nil
}

// jsonable turns what YAML decodes (maps with non-string keys, such as a
// response code written 200) into what JSON encodes.
func jsonable(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = jsonable(e)
		}
		return x
	case map[any]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[fmt.Sprint(k)] = jsonable(e)
		}
		return m
	case []any:
		for i, e := range x {
			x[i] = jsonable(e)
		}
		return x
	}
	return v
}
