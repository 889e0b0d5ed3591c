// Package fhirtest validates FHIR JSON against the official HL7 FHIR R4
// JSON schema (fhir.schema.json, json-schema/4.0), for tests only. The
// schema comes from an npm package pinned in
// selftest/fhir/testdata/package-lock.json (`npm ci --prefix
// selftest/fhir/testdata`, which .ci/run does). Without it a test skips
// with the command to run — or fails when $CI is set, so CI never passes
// without validating.
package fhirtest

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// SchemaPath is where `npm ci --prefix selftest/fhir/testdata` puts the
// schema.
func SchemaPath() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "testdata", "node_modules", "@asymmetrik", "fhir-json-schema-validator", "fhir.schema.json")
}

var compiled = sync.OnceValues(func() (*jsonschema.Schema, error) {
	path := SchemaPath()
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("fhirtest: parse %s: %w", path, err)
	}
	c := jsonschema.NewCompiler()
	// The file declares draft-06; say so in case a copy lacks $schema.
	c.DefaultDraft(jsonschema.Draft6)
	const url = "http://hl7.org/fhir/json-schema/4.0/fhir.schema.json"
	if err := c.AddResource(url, doc); err != nil {
		return nil, fmt.Errorf("fhirtest: %w", err)
	}
	s, err := c.Compile(url)
	if err != nil {
		return nil, fmt.Errorf("fhirtest: compile %s: %w", path, err)
	}
	return s, nil
})

// Schema returns the compiled FHIR R4 schema, skipping t when the npm
// package is not installed (failing it in CI).
func Schema(t testing.TB) *jsonschema.Schema {
	t.Helper()
	s, err := compiled()
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			msg := fmt.Sprintf("the FHIR R4 JSON schema is not installed (%s): run `npm ci --prefix selftest/fhir/testdata`", SchemaPath())
			if os.Getenv("CI") != "" {
				t.Fatal(msg + " — CI must validate, so this fails")
			}
			t.Skip(msg)
		}
		t.Fatal(err)
	}
	return s
}

// Validate returns why raw (one FHIR resource as JSON) breaks the FHIR R4
// schema, or nil.
func Validate(t testing.TB, raw []byte) error {
	t.Helper()
	s := Schema(t)
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		return fmt.Errorf("not JSON: %w", err)
	}
	return s.Validate(inst)
}
