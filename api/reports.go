package api

import (
	"bytes"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/haven-mh/haven/reports"
)

// monthlyReport answers the monthly report for ?from=YYYY-MM&to=YYYY-MM
// (by default the last twelve months; for a researcher, one closed
// calendar quarter, by default the last), as JSON or, with ?format=csv or
// Accept: text/csv, as a CSV download. Aggregates only: exact counts for
// coordinators, every count suppressed for researchers (the domain decides
// from the role); nothing in it is a person's record.
func (h *handlers) monthlyReport(c *gin.Context) {
	aud := reports.AudienceFor(principal(c).Role)
	from, to, err := h.Reports.Range(aud, c.Query("from"), c.Query("to"))
	if err != nil {
		h.respondError(c, err)
		return
	}
	format := c.Query("format")
	switch format {
	case "", "json", "csv":
	default:
		abortWith(c, http.StatusUnprocessableEntity, CodeValidationFailed, "Some fields are missing or not valid.",
			map[string]string{"format": "must be json or csv"})
		return
	}
	r, err := h.Reports.Monthly(c.Request.Context(), from, to, aud)
	if err != nil {
		h.respondError(c, err)
		return
	}
	if format == "csv" || (format == "" && wantsCSV(c.GetHeader("Accept"))) {
		var buf bytes.Buffer
		if err := reports.WriteCSV(&buf, r); err != nil {
			h.respondError(c, err)
			return
		}
		c.Header("Content-Disposition", `attachment; filename="haven-report-`+from.String()+`-`+to.String()+`.csv"`)
		c.Data(http.StatusOK, "text/csv; charset=utf-8", buf.Bytes())
		return
	}
	c.JSON(http.StatusOK, r)
}

// wantsCSV reports whether an Accept header prefers CSV to JSON: it names
// text/csv and not application/json before it.
func wantsCSV(accept string) bool {
	i := strings.Index(accept, "text/csv")
	if i < 0 {
		return false
	}
	j := strings.Index(accept, "application/json")
	return j < 0 || i < j
}
