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

// reportCmd writes the monthly report for from..to (`haven report`): the
// same figures as GET /api/v1/reports/monthly, under the same deadline as
// a request (HAVEN_REQUEST_TIMEOUT).
func reportCmd(ctx context.Context, cfg config, database *db.DB, log *slog.Logger, from, to, format string, stdout io.Writer) error {
	if !slices.Contains(reportFormats, format) {
		return fmt.Errorf("report: -format must be one of %s", strings.Join(reportFormats, ", "))
	}
	svcs, err := wire.New(ctx, cfg.Wire, database, log)
	if err != nil {
		return err
	}
	f, t, err := svcs.Reports.Range(from, to)
	if err != nil {
		return fmt.Errorf("report: %s", fieldMessage(err))
	}
	if cfg.Faults.RequestTimeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, cfg.Faults.RequestTimeout)
		defer cancel()
	}
	r, err := svcs.Reports.Monthly(ctx, f, t, reports.AudienceCoordinator)
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
