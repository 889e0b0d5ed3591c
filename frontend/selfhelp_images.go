package frontend

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"path"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/haven-mh/haven/modules"
)

// Course images: a text step may have an illustration (image: in the
// lesson file), which modules loads into Programme.Images by its src
// ("images/<name>"). They are served at /selfhelp-images/<programme>/<src>,
// the path the JSON API gives, for SVG, PNG, JPEG and WebP only; anything
// else is a 404.
//
// The pages link to ?v=<content hash>: with the right hash an image is
// cached for a year (immutable); without it for a day, with an ETag, so a
// client of the API that links without ?v= still sees a changed image.

// imageTypes are the image types served, by file extension.
var imageTypes = map[string]string{
	".svg":  "image/svg+xml",
	".png":  "image/png",
	".jpg":  "image/jpeg",
	".jpeg": "image/jpeg",
	".webp": "image/webp",
}

// imageCSP keeps an SVG opened on its own from running script or loading
// anything.
const imageCSP = "default-src 'none'; style-src 'unsafe-inline'; sandbox"

type courseImage struct {
	ctype string
	hash  string // first 10 hex digits of the SHA-256
	body  []byte
	gz    []byte
}

// courseImages are the course images by "<programme>/<src>".
type courseImages map[string]*courseImage

func loadCourseImages(lib *modules.Library) courseImages {
	out := courseImages{}
	for _, p := range lib.Programmes() {
		for src, b := range p.Images {
			ctype, ok := imageTypes[strings.ToLower(path.Ext(src))]
			if !ok {
				continue
			}
			sum := sha256.Sum256(b)
			im := &courseImage{ctype: ctype, hash: hex.EncodeToString(sum[:])[:10], body: b}
			if ctype == "image/svg+xml" {
				if gz := gzipBytes(b); len(gz) < len(b) {
					im.gz = gz
				}
			}
			out[p.ID+"/"+src] = im
		}
	}
	return out
}

// url is the image's path for a page, or "" when it is not served.
func (ci courseImages) url(programme, src string) string {
	im, ok := ci[programme+"/"+src]
	if !ok {
		return ""
	}
	return "/selfhelp-images/" + programme + "/" + src + "?v=" + im.hash
}

// serveCourseImage answers GET /selfhelp-images/:programme/*src.
func (s *Site) serveCourseImage(c *gin.Context) {
	im, ok := s.images[c.Param("programme")+"/"+strings.TrimPrefix(c.Param("src"), "/")]
	if !ok {
		c.Header("Cache-Control", "no-store")
		c.String(http.StatusNotFound, "not found")
		return
	}
	etag := `"` + im.hash + `"`
	c.Header("ETag", etag)
	c.Header("Content-Security-Policy", imageCSP)
	if c.Query("v") == im.hash {
		c.Header("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		c.Header("Cache-Control", "public, max-age=86400")
	}
	if c.GetHeader("If-None-Match") == etag {
		c.Status(http.StatusNotModified)
		return
	}
	writeMaybeGzip(c, http.StatusOK, im.ctype, im.body, im.gz)
}
