package api

import (
	"encoding/json"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/haven-mh/haven/selftest/fhir"
)

// myFHIR is the client's own questionnaire results as a FHIR R4 Bundle,
// for download.
func (h *handlers) myFHIR(c *gin.Context) {
	b, err := h.FHIR.Mine(c.Request.Context(), principal(c))
	h.writeFHIR(c, b, err, "haven-questionnaires.fhir.json")
}

// clientFHIR is a clinician's download of the questionnaire results of
// their client (trajectory :id; the domain decides and audits).
func (h *handlers) clientFHIR(c *gin.Context) {
	b, err := h.FHIR.ForClinician(c.Request.Context(), principal(c), c.Param("id"))
	h.writeFHIR(c, b, err, "haven-client-questionnaires.fhir.json")
}

func (h *handlers) writeFHIR(c *gin.Context, b *fhir.Bundle, err error, name string) {
	if err != nil {
		h.respondError(c, err)
		return
	}
	raw, err := json.Marshal(b)
	if err != nil {
		h.respondError(c, err)
		return
	}
	c.Header("Content-Disposition", `attachment; filename="`+name+`"`)
	c.Header("Cache-Control", "no-store")
	c.Data(http.StatusOK, fhir.ContentType, raw)
}
