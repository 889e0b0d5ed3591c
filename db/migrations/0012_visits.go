package migrations

import "github.com/go-gormigrate/gormigrate/v2"

// visits creates the privacy-preserving visitor counts: page views and
// unique visitors per day. A visitor is known only as a salted hash of
// their address and browser, with a salt that lives for one day; after the
// day the hashes and the salt are deleted and only the counts remain.
func visits() *gormigrate.Migration {
	type visitDay struct {
		Day            string `gorm:"primaryKey;size:10"`
		PageViews      int64  `gorm:"not null;default:0"`
		UniqueVisitors *int64 ``
	}
	type visitSalt struct {
		Day  string `gorm:"primaryKey;size:10"`
		Salt string `gorm:"size:64;not null"`
	}
	type visitorHash struct {
		Day  string `gorm:"primaryKey;size:10"`
		Hash string `gorm:"primaryKey;size:64"`
	}
	return createTables("0012_visits",
		table{"visit_days", &visitDay{}},
		table{"visit_salts", &visitSalt{}},
		table{"visitor_hashes", &visitorHash{}},
	)
}
