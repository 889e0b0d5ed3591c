package frontend

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
	"sync"

	"github.com/gin-gonic/gin"
)

// asset is one static file, served under a content-hashed name
// (app.1f2e3d4c.css) so it can be cached for a year.
type asset struct {
	name  string // hashed name
	ctype string
	body  []byte
	gz    []byte // nil when gzip does not make it smaller
}

type assets struct {
	byLogical map[string]*asset // "app.css" → asset
	byHashed  map[string]*asset // "app.1f2e3d4c.css" → asset
}

// loadAssets reads every file in static/ and gives it a hashed name.
func loadAssets(fsys fs.FS) (*assets, error) {
	a := &assets{byLogical: map[string]*asset{}, byHashed: map[string]*asset{}}
	err := fs.WalkDir(fsys, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		logical := strings.TrimPrefix(p, "static/")
		ext := path.Ext(logical)
		sum := sha256.Sum256(body)
		hashed := strings.TrimSuffix(logical, ext) + "." + hex.EncodeToString(sum[:])[:10] + ext
		ctype := mime.TypeByExtension(ext)
		if ctype == "" {
			ctype = "application/octet-stream"
		}
		as := &asset{name: hashed, ctype: ctype, body: body}
		if compressible(ctype) {
			if gz := gzipBytes(body); len(gz) < len(body) {
				as.gz = gz
			}
		}
		a.byLogical[logical] = as
		a.byHashed[hashed] = as
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("frontend: static assets: %w", err)
	}
	return a, nil
}

// url returns the hashed URL of a static file; templates call it as
// {{asset "app.css"}}. An unknown name fails template execution, and so the
// start-up render check.
func (a *assets) url(logical string) (string, error) {
	as, ok := a.byLogical[logical]
	if !ok {
		return "", fmt.Errorf("frontend: no static asset %q", logical)
	}
	return "/assets/" + as.name, nil
}

func (a *assets) serve(c *gin.Context) {
	as, ok := a.byHashed[c.Param("name")]
	if !ok {
		c.Header("Cache-Control", "no-store")
		c.String(http.StatusNotFound, "not found")
		return
	}
	c.Header("Cache-Control", "public, max-age=31536000, immutable")
	writeMaybeGzip(c, http.StatusOK, as.ctype, as.body, as.gz)
}

func compressible(ctype string) bool {
	return strings.HasPrefix(ctype, "text/") || strings.Contains(ctype, "javascript") ||
		strings.Contains(ctype, "svg") || strings.Contains(ctype, "json")
}

// Two compression levels: assets and course images are compressed once,
// at start-up, so they get the smallest output (gzipBytes, BestCompression);
// pages are compressed on every request, where BestCompression cost more
// than rendering the page (issue 13: the form page was 1.5× faster without
// gzip), so they get BestSpeed (gzipPage): a little larger, several times
// cheaper (README, Benchmarks).
var (
	gzipBestPool = sync.Pool{New: func() any {
		w, _ := gzip.NewWriterLevel(nil, gzip.BestCompression)
		return w
	}}
	gzipFastPool = sync.Pool{New: func() any {
		w, _ := gzip.NewWriterLevel(nil, gzip.BestSpeed)
		return w
	}}
)

// gzipBytes compresses what is compressed once (assets, images).
func gzipBytes(b []byte) []byte { return gzipWith(&gzipBestPool, b) }

// gzipPage compresses a response rendered for one request.
func gzipPage(b []byte) []byte { return gzipWith(&gzipFastPool, b) }

func gzipWith(pool *sync.Pool, b []byte) []byte {
	var buf bytes.Buffer
	buf.Grow(len(b)/3 + 64)
	w := pool.Get().(*gzip.Writer)
	w.Reset(&buf)
	_, _ = w.Write(b)
	_ = w.Close()
	pool.Put(w)
	return buf.Bytes()
}

// acceptsGzip reports whether the client accepts gzip (and has not refused
// it with q=0).
func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if !strings.EqualFold(strings.TrimSpace(name), "gzip") {
			continue
		}
		q := strings.ReplaceAll(params, " ", "")
		return q != "q=0" && q != "q=0.0" && q != "q=0.00" && q != "q=0.000"
	}
	return false
}

// writeMaybeGzip writes body, or gz when it is given and the client
// accepts gzip. It is Haven's compression: HTML pages are rendered into a
// buffer anyway, and static assets are compressed once at start-up, so no
// streaming middleware is needed.
func writeMaybeGzip(c *gin.Context, status int, ctype string, body, gz []byte) {
	h := c.Writer.Header()
	h.Set("Content-Type", ctype)
	if gz != nil {
		h.Add("Vary", "Accept-Encoding")
		if acceptsGzip(c.Request) {
			h.Set("Content-Encoding", "gzip")
			body = gz
		}
	}
	h.Set("Content-Length", fmt.Sprint(len(body)))
	c.Status(status)
	if c.Request.Method == http.MethodHead {
		return
	}
	_, _ = c.Writer.Write(body)
}
