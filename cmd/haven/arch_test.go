package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestArchitecture keeps the layers as README's architecture section draws
// them, from the packages' own imports and sources (`go list`):
//
//   - api/ and frontend/ are transports: no gorm, no database/sql, no SQL;
//   - the domain packages (auth, audit, selftest, modules, coaching,
//     reports, and community and chat when they exist) import neither gin, net/http, nor
//     a transport or cmd;
//   - api/ and frontend/ do not import each other: the web may use only the
//     HTTP plumbing both transports share (api/authz, api/middleware,
//     api/lang), which itself imports neither;
//   - db/ imports no domain and no transport.
//
// `make lint` runs it too.
func TestArchitecture(t *testing.T) {
	const mod = "github.com/haven-mh/haven/"
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("go", "list", "-json", "./...")
	cmd.Dir = root
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("go list: %v\n%s", err, stderr.String())
	}
	type pkg struct {
		ImportPath string
		Dir        string
		GoFiles    []string
		Imports    []string
	}
	var pkgs []pkg
	dec := json.NewDecoder(&out)
	for {
		var p pkg
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		pkgs = append(pkgs, p)
	}
	if len(pkgs) < 15 {
		t.Fatalf("only %d packages listed; is the scan broken?", len(pkgs))
	}
	under := func(p, dir string) bool {
		rel := strings.TrimPrefix(p, mod)
		return rel == dir || strings.HasPrefix(rel, dir+"/")
	}
	domains := []string{"auth", "audit", "selftest", "modules", "coaching", "reports", "community", "chat"}
	isDomain := func(p string) bool {
		for _, d := range domains {
			if under(p, d) {
				return true
			}
		}
		return false
	}
	shared := func(p string) bool {
		return under(p, "api/authz") || under(p, "api/middleware") || under(p, "api/lang")
	}
	sql := regexp.MustCompile(`(?i)"[^"\n]*\b(SELECT\s.+\sFROM|INSERT\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM)\b`)
	for _, p := range pkgs {
		transport := under(p.ImportPath, "api") || under(p.ImportPath, "frontend")
		for _, imp := range p.Imports {
			switch {
			case transport && (strings.HasPrefix(imp, "gorm.io/") || imp == "database/sql"):
				t.Errorf("%s is a transport but imports %s: storage belongs to a domain's store", p.ImportPath, imp)
			case isDomain(p.ImportPath) && (strings.HasPrefix(imp, "github.com/gin-gonic/") || imp == "net/http"):
				t.Errorf("domain package %s imports %s: domains know no HTTP", p.ImportPath, imp)
			case isDomain(p.ImportPath) && (under(imp, "api") || under(imp, "frontend") || under(imp, "cmd")):
				t.Errorf("domain package %s imports %s: dependencies point down", p.ImportPath, imp)
			case under(p.ImportPath, "api") && under(imp, "frontend"):
				t.Errorf("%s imports %s: the API and the web do not import each other", p.ImportPath, imp)
			case under(p.ImportPath, "frontend") && under(imp, "api") && !shared(imp):
				t.Errorf("%s imports %s: the web may use only the shared HTTP plumbing of api/", p.ImportPath, imp)
			case shared(p.ImportPath) && under(imp, "api") && !shared(imp):
				t.Errorf("shared plumbing %s imports %s", p.ImportPath, imp)
			case under(p.ImportPath, "db") && (isDomain(imp) || under(imp, "api") || under(imp, "frontend") || under(imp, "cmd")):
				t.Errorf("%s imports %s: db/ is the bottom layer", p.ImportPath, imp)
			}
		}
		if !transport {
			continue
		}
		for _, f := range p.GoFiles {
			src, err := os.ReadFile(filepath.Join(p.Dir, f))
			if err != nil {
				t.Fatal(err)
			}
			if m := sql.Find(src); m != nil {
				t.Errorf("%s/%s holds SQL (%s): queries belong to a domain's store", p.ImportPath, f, m)
			}
		}
	}
}
