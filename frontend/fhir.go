package frontend

import (
	"encoding/json"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/haven-mh/haven/selftest/fhir"
)

// The downloads of a client's questionnaire results as a FHIR R4 Bundle
// (selftest/fhir): the client's own from the data page, and their
// clinician's from the client's record. Both are the domain's use cases;
// these only send the file.

func (s *Site) dataFHIR(c *gin.Context) {
	b, err := s.FHIR.Mine(c.Request.Context(), signedIn(c))
	if err != nil {
		s.serverError(c, err)
		return
	}
	s.writeFHIR(c, "haven-questionnaires.fhir.json", b)
}

func (s *Site) caseFHIR(c *gin.Context) {
	v := s.staffView(c, "caseload.title", casePath(c, ""))
	b, err := s.FHIR.ForClinician(c.Request.Context(), signedIn(c), headingOf(c).TrajectoryID)
	if err != nil {
		s.caseError(c, v, err, linkView{Href: v.Href("/caseload"), Text: v.T("caseload.title")})
		return
	}
	s.writeFHIR(c, "haven-client-questionnaires.fhir.json", b)
}

func (s *Site) writeFHIR(c *gin.Context, name string, b *fhir.Bundle) {
	raw, err := json.MarshalIndent(b, "", "  ")
	if err != nil {
		s.InternalError(c)
		return
	}
	c.Header("Content-Disposition", `attachment; filename="`+name+`"`)
	c.Header("Cache-Control", "no-store")
	c.Data(http.StatusOK, fhir.ContentType, raw)
}
