package migrations

import (
	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// selftestClaimAnswers lets a claim keep its self-test's answers, sealed:
// once a result is attached to an account it is that person's health data,
// so its answers move from the anonymous submission to the claim (Haven
// seals the answers of earlier claims at start-up).
func selftestClaimAnswers() *gormigrate.Migration {
	type selftestClaim struct {
		AnswersSealed *string `gorm:"type:text"`
	}
	const table = "selftest_claims"
	return &gormigrate.Migration{
		ID: "0014_selftest_claim_answers",
		Migrate: func(tx *gorm.DB) error {
			return tx.Table(table).Migrator().AddColumn(&selftestClaim{}, "AnswersSealed")
		},
		Rollback: func(tx *gorm.DB) error {
			return tx.Exec("ALTER TABLE " + table + " DROP COLUMN answers_sealed").Error
		},
	}
}
