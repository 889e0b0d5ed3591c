package db

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/haven-mh/haven/db/seal"
)

type sealKeyCheck struct {
	KeyID      string `gorm:"primaryKey"`
	CheckValue string
	CreatedAt  time.Time
}

func (sealKeyCheck) TableName() string { return "seal_key_checks" }

// KeyError is why Haven refuses to start with the encryption keys it was
// given: sealed data needs key ids that are not configured (Missing), or a
// configured key is not the key that once had its id (Changed).
type KeyError struct {
	Missing, Configured, Changed []string
}

func (e *KeyError) Error() string {
	var parts []string
	if len(e.Missing) > 0 {
		parts = append(parts, fmt.Sprintf("sealed data in the database uses encryption key ids %s, which are not configured (configured: %s)",
			strings.Join(e.Missing, ", "), strings.Join(e.Configured, ", ")))
	}
	if len(e.Changed) > 0 {
		parts = append(parts, fmt.Sprintf("encryption keys %s are not the keys that had those ids before (their check values in seal_key_checks do not open)",
			strings.Join(e.Changed, ", ")))
	}
	return "refusing to start: " + strings.Join(parts, "; ") +
		": restore the keys from your backup into HAVEN_ENCRYPTION_KEYS (or $HAVEN_DATA_DIR/encryption.key); a new key cannot open data sealed with the old one"
}

// CheckKeys verifies that keys can open everything sealed in the database:
// every key id in used (the ids the domains' sealed columns name) must be
// configured, and every configured key must still open the check value
// recorded for its id; a key seen for the first time gets its check value
// recorded. Without this a lost or replaced key is silent: Haven starts,
// seals new data under the new key, and fails with 500 on every old answer,
// diary note and export.
func CheckKeys(ctx context.Context, d *DB, keys []seal.Key, used []string) error {
	ke := &KeyError{}
	byID := map[string]seal.Key{}
	for _, k := range keys {
		byID[k.ID] = k
		ke.Configured = append(ke.Configured, k.ID)
	}
	for _, id := range used {
		if _, ok := byID[id]; !ok && !slices.Contains(ke.Missing, id) {
			ke.Missing = append(ke.Missing, id)
		}
	}
	var checks []sealKeyCheck
	if err := d.WithContext(ctx).Find(&checks).Error; err != nil {
		return fmt.Errorf("db: key checks: %w", err)
	}
	have := map[string]string{}
	for _, c := range checks {
		have[c.KeyID] = c.CheckValue
	}
	for _, k := range keys {
		check, ok := have[k.ID]
		if !ok {
			v, err := seal.KeyCheck(k)
			if err != nil {
				return err
			}
			err = d.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).
				Create(&sealKeyCheck{KeyID: k.ID, CheckValue: v, CreatedAt: time.Now().UTC()}).Error
			if err != nil {
				return fmt.Errorf("db: record key check: %w", err)
			}
			continue
		}
		if !seal.VerifyKeyCheck(k, check) {
			ke.Changed = append(ke.Changed, k.ID)
		}
	}
	if len(ke.Missing) > 0 || len(ke.Changed) > 0 {
		slices.Sort(ke.Missing)
		return ke
	}
	return nil
}

// ErrKeys is matched by a *KeyError.
var ErrKeys = errors.New("db: encryption keys do not match the data")

// Is makes errors.Is(err, ErrKeys) true for a *KeyError.
func (e *KeyError) Is(target error) bool { return target == ErrKeys }

// SealedColumn names a column holding sealed values ("kid:…").
type SealedColumn struct{ Table, Column string }

// SealedKeyIDsIn returns the distinct key ids the sealed values in columns
// name, in one query per column: a store lists its columns, the start-up
// check (CheckKeys) then knows every key its data needs.
func SealedKeyIDsIn(ctx context.Context, gdb *gorm.DB, columns ...SealedColumn) ([]string, error) {
	seen := map[string]bool{}
	var out []string
	for _, c := range columns {
		var ids []string
		err := gdb.WithContext(ctx).Table(c.Table).Distinct(seal.KeyIDSQL(gdb.Dialector.Name(), c.Column)).
			Where(c.Column+" IS NOT NULL AND "+c.Column+" LIKE ?", "%:%").Pluck(c.Column, &ids).Error
		if err != nil {
			return nil, fmt.Errorf("sealed key ids in %s.%s: %w", c.Table, c.Column, err)
		}
		for _, id := range ids {
			if !seen[id] {
				seen[id] = true
				out = append(out, id)
			}
		}
	}
	slices.Sort(out)
	return out, nil
}
