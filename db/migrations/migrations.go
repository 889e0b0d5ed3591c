// Package migrations is Haven's append-only list of schema migrations. Each
// migration lives in its own file with the structs it needs frozen inside
// it, so that a later change to a domain model never rewrites history.
// Always use the tx a migration is handed.
package migrations

import "github.com/go-gormigrate/gormigrate/v2"

// All returns every migration in the order it must run. Append only.
func All() []*gormigrate.Migration {
	return []*gormigrate.Migration{
		selftestSubmissions(),
		auth(),
		auditEntries(),
		selftestClaims(),
		totpSecretSealed(),
		selfhelp(),
		jobRuns(),
	}
}
