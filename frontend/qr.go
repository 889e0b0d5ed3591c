package frontend

import (
	"fmt"
	"html/template"
	"net/url"
	"strings"

	qrcode "github.com/skip2/go-qrcode"
)

// qrSVG draws text as a QR code in inline SVG (no image request, no third
// party, nothing for the CSP to allow): one path of dark modules on a white
// square with the quiet zone, labelled for screen readers. The SVG is built
// from the code's modules only, never from text, so it is safe as HTML.
func qrSVG(text, label string) (template.HTML, error) {
	q, err := qrcode.New(text, qrcode.Medium)
	if err != nil {
		return "", fmt.Errorf("frontend: qr code: %w", err)
	}
	bits := q.Bitmap() // with a 4-module quiet zone
	n := len(bits)
	var d strings.Builder
	for y, row := range bits {
		for x, dark := range row {
			if dark {
				fmt.Fprintf(&d, "M%d %dh1v1h-1z", x, y)
			}
		}
	}
	return template.HTML(fmt.Sprintf( //nolint:gosec // numbers and an escaped label only
		`<svg class="qr" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" width="%d" height="%d" role="img" aria-label="%s" shape-rendering="crispEdges"><rect width="%d" height="%d" fill="#fff"/><path fill="#000" d="%s"/></svg>`,
		n, n, n*5, n*5, template.HTMLEscapeString(label), n, n, d.String())), nil
}

// otpauthURL is an authenticator's enrolment URL as auth makes it, checked
// when the enrolment form sends it back: a TOTP URL for this secret.
func otpauthURL(raw, secret string) (string, bool) {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "otpauth" || u.Host != "totp" || secret == "" || u.Query().Get("secret") != secret || len(raw) > 512 {
		return "", false
	}
	return raw, true
}
