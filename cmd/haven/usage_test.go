package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"os"
	"strings"
	"testing"
)

// `haven admin create -h` (and without -nickname) prints the command's
// usage before anything is configured, opened, migrated or logged.
func TestAdminCreateUsageBeforeAnything(t *testing.T) {
	for _, tt := range []struct {
		name string
		args []string
		err  error
	}{
		{"-h", []string{"admin", "create", "-h"}, flag.ErrHelp},
		{"no nickname", []string{"admin", "create"}, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			getenv := func(k string) string {
				if k == "HAVEN_DATA_DIR" {
					return dir
				}
				return ""
			}
			var out, errOut bytes.Buffer
			err := run(context.Background(), tt.args, getenv, &out, &errOut)
			if err == nil || (tt.err != nil && !errors.Is(err, tt.err)) {
				t.Fatalf("err = %v, want %v", err, tt.err)
			}
			if !strings.HasPrefix(errOut.String(), "Usage: haven admin create -nickname NAME") || !strings.Contains(errOut.String(), "-password-file") {
				t.Errorf("stderr does not start with the usage:\n%s", errOut.String())
			}
			if strings.Contains(errOut.String(), "level=") || out.Len() > 0 {
				t.Errorf("something was logged before the usage:\n%s", errOut.String())
			}
			if entries, _ := os.ReadDir(dir); len(entries) > 0 {
				t.Errorf("the data directory was touched: %v", entries)
			}
		})
	}
}
