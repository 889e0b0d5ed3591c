package main

import (
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
)

// commit and date are set at build time, like version (main.go):
// -ldflags "-X main.commit=… -X main.date=…" (see the Makefile).
var (
	commit = ""
	date   = ""
)

// buildInfo is what `haven version` prints.
type buildInfo struct {
	Version, Commit, Date, Go string
}

// currentBuild reads the stamped values, falling back on the VCS data the
// Go toolchain records (`go build` inside a git checkout) and then on
// "unknown".
func currentBuild() buildInfo {
	b := buildInfo{Version: version, Commit: commit, Date: date, Go: runtime.Version()}
	if info, ok := debug.ReadBuildInfo(); ok {
		b = withVCS(b, info.Settings)
	}
	if b.Commit == "" {
		b.Commit = "unknown"
	}
	if b.Date == "" {
		b.Date = "unknown"
	}
	return b
}

// withVCS fills what the linker flags left empty from the build settings
// vcs.revision, vcs.time and vcs.modified.
func withVCS(b buildInfo, settings []debug.BuildSetting) buildInfo {
	var rev, at string
	modified := false
	for _, s := range settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.time":
			at = s.Value
		case "vcs.modified":
			modified = s.Value == "true"
		}
	}
	if b.Commit == "" && rev != "" {
		b.Commit = rev
		if modified {
			b.Commit += " (modified)"
		}
	}
	if b.Date == "" {
		b.Date = at
	}
	return b
}

func printVersion(w io.Writer, b buildInfo) {
	fmt.Fprintf(w, "haven %s\ncommit %s\nbuilt  %s\ngo     %s %s/%s\n", b.Version, b.Commit, b.Date, b.Go, runtime.GOOS, runtime.GOARCH)
}
