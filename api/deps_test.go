package api_test

import (
	"context"
	"log/slog"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/gin-gonic/gin"

	"github.com/haven-mh/haven/api"
	"github.com/haven-mh/haven/cmd/haven/wire"
)

// register adds the API to engine on the services, the way cmd/haven does
// (the services come from wiretest.New, which calls wire.New).
func register(t testing.TB, engine *gin.Engine, svcs *wire.Services, log *slog.Logger, ready api.Readiness, maxBody int64) {
	t.Helper()
	if ready == nil {
		ready = svcs.DB
	}
	err := api.Register(engine, api.Deps{
		Log: log, Ready: ready, Idempotency: svcs.Idempotency, Selftest: svcs.Selftest, Auth: svcs.Auth, Audit: svcs.Audit, Selfhelp: svcs.Selfhelp, Coaching: svcs.Coaching, Reports: svcs.Reports, FHIR: svcs.FHIR,
		DefaultLanguage: "nl", MaxBodyBytes: maxBody,
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
}

// loadSpec loads and validates the served OpenAPI document with
// kin-openapi (a test dependency only).
func loadSpec(t testing.TB) *openapi3.T {
	t.Helper()
	raw, err := api.SpecJSON()
	if err != nil {
		t.Fatal(err)
	}
	doc, err := openapi3.NewLoader().LoadFromData(raw)
	if err != nil {
		t.Fatal(err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("openapi.yaml is invalid: %v", err)
	}
	return doc
}
