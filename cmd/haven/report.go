package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"slices"
	"strings"

	"github.com/haven-mh/haven/cmd/haven/wire"
	"github.com/haven-mh/haven/db"
	"github.com/haven-mh/haven/reports"
)

// reportFormats are what `haven report -format` writes.
var reportFormats = []string{"json", "csv", "md"}

// reportArgs are `haven report`'s flags.
type reportArgs struct{ from, to, format, audience string }

// reportCmd writes the monthly report for from..to (`haven report`): the
// same figures as GET /api/v1/reports/monthly, under the same deadline as
// a request (HAVEN_REQUEST_TIMEOUT); with -for researcher, the report a
// researcher gets (one closed quarter, every count suppressed), to hand
// over outside Haven.
func reportCmd(ctx context.Context, cfg config, database *db.DB, log *slog.Logger, a reportArgs, stdout io.Writer) error {
	format := a.format
	if !slices.Contains(reportFormats, format) {
		return fmt.Errorf("report: -format must be one of %s", strings.Join(reportFormats, ", "))
	}
	aud := reports.Audience(a.audience)
	if aud != reports.AudienceCoordinator && aud != reports.AudienceResearcher {
		return fmt.Errorf("report: -for must be coordinator or researcher")
	}
	svcs, err := wire.New(ctx, cfg.Wire, database, log)
	if err != nil {
		return err
	}
	f, t, err := svcs.Reports.Range(aud, a.from, a.to)
	if err != nil {
		return fmt.Errorf("report: %s", fieldMessage(err))
	}
	if cfg.Faults.RequestTimeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, cfg.Faults.RequestTimeout)
		defer cancel()
	}
	r, err := svcs.Reports.Monthly(ctx, f, t, aud)
	if err != nil {
		return err
	}
	switch format {
	case "csv":
		return reports.WriteCSV(stdout, r)
	case "md":
		return reports.WriteMarkdown(stdout, r)
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// fieldMessage writes a field error as "-from must be …; -to …".
func fieldMessage(err error) string {
	var fe interface{ FieldErrors() map[string]string }
	if !errors.As(err, &fe) {
		return err.Error()
	}
	fields := fe.FieldErrors()
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(fields)) {
		parts = append(parts, "-"+k+" "+fields[k])
	}
	return strings.Join(parts, "; ")
}
