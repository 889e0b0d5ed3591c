package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"
)

// decodeJSON reads exactly one JSON object from the body into dst, strictly:
// the content type must be given and be JSON (application/json or a +json
// type; a missing one is a 415 too, before the body is read), unknown
// fields and trailing data are rejected, and the body limit applies. It
// writes the 4xx error itself and returns false when the body is not
// acceptable.
func decodeJSON(c *gin.Context, dst any) bool {
	if !isJSONContentType(c.GetHeader("Content-Type")) {
		abortWith(c, http.StatusUnsupportedMediaType, CodeUnsupportedMediaType, "Send the body as application/json, and say so in the Content-Type header.", nil)
		return false
	}
	dec := json.NewDecoder(c.Request.Body)
	dec.DisallowUnknownFields()
	err := dec.Decode(dst)
	if err == nil {
		if _, extra := dec.Token(); extra != io.EOF {
			err = errors.New("trailing data after the JSON object")
		}
	}
	if err == nil {
		return true
	}
	var (
		maxErr    *http.MaxBytesError
		syntaxErr *json.SyntaxError
		typeErr   *json.UnmarshalTypeError
	)
	switch {
	case errors.As(err, &maxErr):
		abortWith(c, http.StatusRequestEntityTooLarge, CodeBodyTooLarge, fmt.Sprintf("The body is larger than %d bytes.", maxErr.Limit), nil)
	case errors.Is(err, io.EOF):
		abortWith(c, http.StatusBadRequest, CodeInvalidBody, "The body is empty; send a JSON object.", nil)
	case errors.As(err, &syntaxErr), errors.Is(err, io.ErrUnexpectedEOF):
		abortWith(c, http.StatusBadRequest, CodeInvalidBody, "The body is not valid JSON.", nil)
	case errors.As(err, &typeErr):
		field := typeErr.Field
		if field == "" {
			field = "body"
		}
		abortWith(c, http.StatusBadRequest, CodeInvalidBody, "A field has the wrong type.",
			map[string]string{field: fmt.Sprintf("must be of type %s", jsonType(typeErr.Type.Kind().String()))})
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		abortWith(c, http.StatusBadRequest, CodeInvalidBody, "The body has a field this endpoint does not know.",
			map[string]string{name: "unknown field"})
	default:
		abortWith(c, http.StatusBadRequest, CodeInvalidBody, "The body could not be read as the expected JSON object.", nil)
	}
	return false
}

// isJSONContentType reports whether a Content-Type header names JSON:
// application/json or a +json type (application/problem+json), with or
// without parameters.
func isJSONContentType(ct string) bool {
	if ct == "" {
		return false
	}
	mt, _, err := mime.ParseMediaType(ct)
	return err == nil && (mt == "application/json" || strings.HasSuffix(mt, "+json"))
}

// jsonType names a Go kind the way a JSON client thinks of it.
func jsonType(kind string) string {
	switch kind {
	case "int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64", "float32", "float64":
		return "number"
	case "string":
		return "string"
	case "bool":
		return "boolean"
	case "slice", "array":
		return "array"
	case "map", "struct", "ptr":
		return "object"
	}
	return kind
}
