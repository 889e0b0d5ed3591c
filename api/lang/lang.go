// Package lang chooses the language of a response: an explicit choice wins,
// then the browser's Accept-Language, then the deployment's default.
package lang

import (
	"slices"
	"strings"

	"golang.org/x/text/language"
)

// Supported are the languages Haven's own texts exist in.
var Supported = []string{"nl", "en"}

// IsSupported reports whether code is one of Supported.
func IsSupported(code string) bool { return slices.Contains(Supported, code) }

// Negotiate returns explicit when it is supported, otherwise the best match
// for the Accept-Language header, otherwise fallback.
func Negotiate(explicit, acceptLanguage, fallback string) string {
	if explicit = strings.ToLower(strings.TrimSpace(explicit)); IsSupported(explicit) {
		return explicit
	}
	if acceptLanguage != "" {
		prefs, _, err := language.ParseAcceptLanguage(acceptLanguage)
		if err == nil {
			for _, p := range prefs {
				base, conf := p.Base()
				if conf == language.No {
					continue
				}
				if IsSupported(base.String()) {
					return base.String()
				}
			}
		}
	}
	return fallback
}
