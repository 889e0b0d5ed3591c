package frontend

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/haven-mh/haven/db/idempotency"
	"github.com/haven-mh/haven/selftest"
)

// idempotencyField is the self-test form's hidden field: a key made when
// the form is shown, so that the form's post is stored once however often
// it is sent (a double click, a retry after the 503 page, a reload of the
// post).
const idempotencyField = "idempotency_key"

// formIdempotencyKey keeps the key of a form shown again (after an error
// in the answers) and makes one for a new form.
func formIdempotencyKey(given map[string]string) string {
	if k := given[idempotencyField]; validFormKey(k) {
		return k
	}
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func validFormKey(k string) bool {
	if len(k) == 0 || len(k) > idempotency.MaxKeyLength {
		return false
	}
	for i := 0; i < len(k); i++ {
		if k[i] < 0x21 || k[i] > 0x7e {
			return false
		}
	}
	return true
}

// submitOnce stores a self-test once per form key and returns where its
// result is shown: a form sent again with its key leads to the first
// result (the submission and the recorded answer commit together,
// db/idempotency). The same form sent with other answers — the visitor
// went back and changed one — is a new self-test.
func (s *Site) submitOnce(c *gin.Context, v *view, in selftest.SubmitInput, key string) (string, error) {
	ctx := c.Request.Context()
	if s.Idempotency == nil || !validFormKey(key) {
		out, err := s.Selftest.Submit(ctx, in)
		if err != nil {
			return "", err
		}
		return resultHref(v, out), nil
	}
	raw, err := json.Marshal(in)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(raw)
	var submitErr error
	resp, _, err := s.Idempotency.Do(ctx, idempotency.Request{Route: "POST /:lang/selftest/:instrument", Key: key, Fingerprint: sum[:]},
		func(uctx context.Context) idempotency.Response {
			out, err := s.Selftest.Submit(uctx, in)
			var fe fieldErrors
			switch {
			case errors.As(err, &fe):
				submitErr = err
				return idempotency.Response{Status: http.StatusUnprocessableEntity}
			case err != nil:
				submitErr = err
				return idempotency.Response{Status: http.StatusInternalServerError}
			}
			return idempotency.Response{Status: http.StatusSeeOther, Header: map[string]string{"Location": resultHref(v, out)}}
		})
	switch {
	case submitErr != nil:
		return "", submitErr
	case errors.Is(err, idempotency.ErrKeyReused):
		out, err := s.Selftest.Submit(ctx, in)
		if err != nil {
			return "", err
		}
		return resultHref(v, out), nil
	case err != nil:
		return "", err
	}
	return resp.Header["Location"], nil
}
