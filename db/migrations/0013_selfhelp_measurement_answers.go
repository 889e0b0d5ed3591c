package migrations

import (
	"fmt"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// selfhelpMeasurementAnswers lets the course keep its own questionnaires:
// the instrument, language, crisis flag and the answers sealed like
// exercise answers (a questionnaire inside the course belongs to a person,
// so it is not stored among the anonymous self-tests any more). Rows taken
// before keep their submission id; their instrument, language and crisis
// flag are copied from that submission.
func selfhelpMeasurementAnswers() *gormigrate.Migration {
	type selfhelpMeasurement struct {
		Instrument    string  `gorm:"size:32;not null;default:''"`
		Language      string  `gorm:"size:8;not null;default:''"`
		Crisis        bool    `gorm:"not null;default:false"`
		AnswersSealed *string `gorm:"type:text"`
		KeyID         *string `gorm:"size:32"`
	}
	columns := []string{"Instrument", "Language", "Crisis", "AnswersSealed", "KeyID"}
	const table = "selfhelp_measurements"
	return &gormigrate.Migration{
		ID: "0013_selfhelp_measurement_answers",
		Migrate: func(tx *gorm.DB) error {
			m := tx.Table(table).Migrator()
			for _, c := range columns {
				if err := m.AddColumn(&selfhelpMeasurement{}, c); err != nil {
					return fmt.Errorf("add %s.%s: %w", table, c, err)
				}
			}
			return tx.Exec(`UPDATE selfhelp_measurements SET
				instrument = (SELECT s.instrument_id FROM selftest_submissions s WHERE s.id = selfhelp_measurements.submission_id),
				language = (SELECT s.language FROM selftest_submissions s WHERE s.id = selfhelp_measurements.submission_id),
				crisis = (SELECT s.crisis FROM selftest_submissions s WHERE s.id = selfhelp_measurements.submission_id)
				WHERE EXISTS (SELECT 1 FROM selftest_submissions s WHERE s.id = selfhelp_measurements.submission_id)`).Error
		},
		Rollback: func(tx *gorm.DB) error {
			// Plain SQL on both dialects (SQLite drops columns since 3.35):
			// gorm's SQLite migrator rebuilds the table on another
			// connection, which waits forever on this transaction.
			for _, c := range []string{"key_id", "answers_sealed", "crisis", "language", "instrument"} {
				if err := tx.Exec("ALTER TABLE " + table + " DROP COLUMN " + c).Error; err != nil {
					return fmt.Errorf("drop %s.%s: %w", table, c, err)
				}
			}
			return nil
		},
	}
}
