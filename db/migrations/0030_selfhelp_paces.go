package migrations

import (
	"time"

	"github.com/go-gormigrate/gormigrate/v2"
)

// selfhelpPaces keeps the rhythm a coordinator set for a programme: a
// lesson opens this many days after the one before was finished. A
// programme without a row follows its default (HAVEN_SELFHELP_LESSON_DAYS,
// else the programme's content).
func selfhelpPaces() *gormigrate.Migration {
	type selfhelpPace struct {
		ProgrammeID string    `gorm:"primaryKey;size:64"`
		LessonDays  int       `gorm:"not null"`
		SetBy       string    `gorm:"size:36;not null"`
		SetAt       time.Time `gorm:"not null"`
	}
	return createTables("0030_selfhelp_paces", table{"selfhelp_paces", &selfhelpPace{}})
}
