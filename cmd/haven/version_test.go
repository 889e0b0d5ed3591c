package main

import (
	"bytes"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
)

func TestWithVCS(t *testing.T) {
	vcs := []debug.BuildSetting{
		{Key: "vcs", Value: "git"},
		{Key: "vcs.revision", Value: "0123abcd"},
		{Key: "vcs.time", Value: "2026-01-02T03:04:05Z"},
		{Key: "vcs.modified", Value: "false"},
	}
	tests := []struct {
		name     string
		stamped  buildInfo
		settings []debug.BuildSetting
		want     buildInfo
	}{
		{"linker flags win", buildInfo{Commit: "ffff", Date: "2025-12-31T00:00:00Z"}, vcs, buildInfo{Commit: "ffff", Date: "2025-12-31T00:00:00Z"}},
		{"VCS fills the gaps", buildInfo{}, vcs, buildInfo{Commit: "0123abcd", Date: "2026-01-02T03:04:05Z"}},
		{"a modified tree says so", buildInfo{}, []debug.BuildSetting{{Key: "vcs.revision", Value: "0123abcd"}, {Key: "vcs.modified", Value: "true"}},
			buildInfo{Commit: "0123abcd (modified)"}},
		{"nothing known", buildInfo{}, nil, buildInfo{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := withVCS(tt.stamped, tt.settings); got != tt.want {
				t.Errorf("withVCS = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestPrintVersion(t *testing.T) {
	var out bytes.Buffer
	printVersion(&out, buildInfo{Version: "v1.2.3", Commit: "0123456789abcdef", Date: "2026-01-02T03:04:05Z", Go: runtime.Version()})
	for _, want := range []string{"haven v1.2.3\n", "commit 0123456789abcdef\n", "built  2026-01-02T03:04:05Z\n", runtime.Version()} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("version output %q lacks %q", out.String(), want)
		}
	}
}
