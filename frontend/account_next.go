package frontend

import (
	"net/url"
	"regexp"
	"strings"
)

// Where to go after signing up or in: the sign-up and sign-in pages take a
// ?next= path (without the language prefix), so that "Start the course"
// leads through the nickname sign-up and back to the course.

var nextPath = regexp.MustCompile(`^/[a-z0-9][a-z0-9/_-]*$`)

// safeNext returns p when it is a plain path on this site, else "". It
// never lets a form send the visitor to another origin.
func safeNext(p string) string {
	if len(p) > 200 || !nextPath.MatchString(p) || strings.Contains(p, "//") {
		return ""
	}
	return p
}

func nextQuery(next string) string {
	if next == "" {
		return ""
	}
	return "?next=" + url.QueryEscape(next)
}

func nextHidden(next string) map[string]string {
	if next == "" {
		return nil
	}
	return map[string]string{"next": next}
}

func or(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
