package main

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

var envRead = regexp.MustCompile(`[gG]etenv\("([A-Z][A-Z0-9_]+)"\)`)

// TestEveryEnvironmentVariableIsDocumented keeps README.md true: every
// variable the code reads must appear in it.
func TestEveryEnvironmentVariableIsDocumented(t *testing.T) {
	root := filepath.Join("..", "..")
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	found := map[string]string{}
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "node_modules" || strings.HasPrefix(d.Name(), ".")) && path != root {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, m := range envRead.FindAllStringSubmatch(string(src), -1) {
			found[m[1]] = path
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(found) < 10 {
		t.Fatalf("only %d variables found; is the scan broken?", len(found))
	}
	for name, path := range found {
		if !strings.Contains(string(readme), "`"+name+"`") {
			t.Errorf("%s (read in %s) is not documented in README.md", name, path)
		}
	}
}
