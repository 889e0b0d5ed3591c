package api_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	// The generated client's runtime, required here so that go.mod keeps
	// the version the generated code builds against (go.mod also pins the
	// generator itself with a tool directive).
	_ "github.com/oapi-codegen/runtime"
	_ "github.com/oapi-codegen/runtime/types"
)

// TestGeneratedGoClient is the contract test for API consumers: it
// generates a Go client with oapi-codegen (the version pinned by go.mod's
// tool directive) from the document the running API serves, builds it as a
// program inside this module, and through it reads the PHQ-9 and submits a
// self-test to the API, checking the score and band that come back and
// what was stored (the age band from the document's enum included). It needs the Go toolchain and the module
// cache (`go mod download`); it is skipped with -short, never in CI.
func TestGeneratedGoClient(t *testing.T) {
	if testing.Short() && os.Getenv("CI") == "" {
		t.Skip("generates and builds a client (-short)")
	}
	a := newAPI(t)
	srv := httptest.NewServer(a.handler)
	t.Cleanup(srv.Close)
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()

	// The document exactly as served.
	res, err := http.Get(srv.URL + "/api/v1/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	spec, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("GET /api/v1/openapi.json: %d %v", res.StatusCode, err)
	}
	specFile := filepath.Join(t.TempDir(), "openapi.json")
	if err := os.WriteFile(specFile, spec, 0o600); err != nil {
		t.Fatal(err)
	}

	// A package of this module, so it builds with go.mod's versions. The
	// leading underscore keeps it out of ./... should another go command
	// run meanwhile.
	dir, err := os.MkdirTemp(".", "_generatedclient")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	goCmd(ctx, t, "generate the client", "tool", "oapi-codegen", "-generate", "types,client", "-package", "main",
		"-o", filepath.Join(dir, "client.gen.go"), specFile)
	if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte(generatedClientMain), 0o600); err != nil {
		t.Fatal(err)
	}
	before := countSubmissions(t, a)
	out := goCmd(ctx, t, "build and run the program using the client", "run", "./"+filepath.Base(dir), srv.URL)

	var got struct {
		Status     int    `json:"status"`
		Items      int    `json:"items"`
		Score      int    `json:"score"`
		MaxScore   int    `json:"max_score"`
		Band       string `json:"band"`
		Crisis     bool   `json:"crisis"`
		ID         string `json:"id"`
		ClaimToken bool   `json:"claim_token"`
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("program output is not the expected JSON: %v\n%s", err, out)
	}
	want := got
	want.Status, want.Items, want.Score, want.MaxScore, want.Band, want.Crisis, want.ClaimToken = 201, 10, 8, 27, "mild", false, true
	if got != want || got.ID == "" {
		t.Errorf("through the generated client: %+v, want %+v with an id", got, want)
	}
	if after := countSubmissions(t, a); after != before+1 {
		t.Errorf("submissions stored: %d → %d, want one more", before, after)
	}
	stored, err := a.store.Submission(context.Background(), got.ID)
	if err != nil {
		t.Fatalf("the submission %s is not stored: %v", got.ID, err)
	}
	if stored.Score != 8 || stored.Band != "mild" || stored.AgeBand == nil || *stored.AgeBand != "18_24" {
		t.Errorf("stored submission: score %d, band %q, age band %v; want 8, mild, 18_24", stored.Score, stored.Band, stored.AgeBand)
	}
}

// goCmd runs the go command in this package's directory without reaching
// the network (the module cache must hold every module) and returns its
// standard output.
func goCmd(ctx context.Context, t *testing.T, what string, args ...string) []byte {
	t.Helper()
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=readonly", "GOPROXY=off", "GOWORK=off")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		hint := ""
		if strings.Contains(stderr.String(), "GOPROXY=off") {
			hint = "\n(a module is missing from the cache: run `go mod download`)"
		}
		var exit *exec.ExitError
		if !errors.As(err, &exit) {
			hint += fmt.Sprintf("\n(%v)", err)
		}
		t.Fatalf("%s: go %s: %v\n%s%s", what, strings.Join(args, " "), err, stderr.String(), hint)
	}
	return out
}

// generatedClientMain uses only what oapi-codegen generates from the
// document: it reads the PHQ-9 in English, answers the second option
// ("several days", 1 point) to the eight scored items other than item 9
// (thoughts of self-harm) and the first option to item 9 and the unscored
// item, adds an age band from the profile enum, submits, and prints what
// came back.
const generatedClientMain = `package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"slices"
)

func main() {
	if err := run(os.Args[1]); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func run(server string) error {
	ctx := context.Background()
	c, err := NewClientWithResponses(server)
	if err != nil {
		return err
	}
	lang := Lang("en")
	inst, err := c.GetInstrumentWithResponse(ctx, "phq9", &GetInstrumentParams{Lang: &lang})
	if err != nil {
		return err
	}
	if inst.JSON200 == nil {
		return fmt.Errorf("get instrument: %d %s", inst.StatusCode(), inst.Body)
	}
	items := inst.JSON200.Items

	var body SubmitSelftestJSONRequestBody
	language := "en"
	body.Language = &language
	body.Answers = slices.Grow(body.Answers, len(items))[:len(items)]
	for i, item := range items {
		body.Answers[i].Item = item.Id
		body.Answers[i].Value = item.Options[0].Value
		if item.Scored && item.Id != "phq9_9" {
			body.Answers[i].Value = item.Options[1].Value
		}
	}
	if err := json.Unmarshal([]byte("{}"), &body.Profile); err != nil {
		return err
	}
	band := SubmitRequestProfileAgeBand("18_24")
	if !band.Valid() {
		return fmt.Errorf("the generated age-band enum does not know %q", band)
	}
	body.Profile.AgeBand = &band

	key := IdempotencyKey("generated-client-retry")
	params := &SubmitSelftestParams{IdempotencyKey: &key}
	res, err := c.SubmitSelftestWithResponse(ctx, "phq9", params, body)
	if err != nil {
		return err
	}
	if res.JSON201 == nil {
		return fmt.Errorf("submit: %d %s", res.StatusCode(), res.Body)
	}
	r := res.JSON201
	// A retry with the same key is the same submission, not a second one.
	again, err := c.SubmitSelftestWithResponse(ctx, "phq9", params, body)
	if err != nil {
		return err
	}
	if again.JSON201 == nil || again.JSON201.Id != r.Id || again.HTTPResponse.Header.Get("Idempotent-Replayed") != "true" {
		return fmt.Errorf("retry with the same Idempotency-Key: %d %s", again.StatusCode(), again.Body)
	}
	return json.NewEncoder(os.Stdout).Encode(map[string]any{
		"status": res.StatusCode(), "items": len(items), "score": r.Score, "max_score": r.MaxScore,
		"band": r.Band.Id, "crisis": r.Crisis, "id": r.Id.String(), "claim_token": r.ClaimToken != nil && *r.ClaimToken != "",
	})
}
`
