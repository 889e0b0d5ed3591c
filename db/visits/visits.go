// Package visits counts page views and unique visitors per day without
// cookies and without storing who anyone is: a visitor is a keyed hash of
// their address and browser with a salt that changes every day (the
// approach of privacy-first analytics such as Plausible).
//
// The day's salt is derived from a secret that is not in the database (an
// HKDF of the encryption key, given to NewCounter), so the database or a
// backup alone cannot confirm that an address visited: whoever has it
// lacks the salt. The raw address is never stored, and a day's hashes are
// deleted once the day is counted, after which even the key links nothing
// to anyone. What remains possible, and only for the current day: someone
// holding both a backup taken that day and the key could test whether a
// given address and browser visited that day.
package visits

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

type day struct {
	Day            string `gorm:"primaryKey"`
	PageViews      int64
	UniqueVisitors *int64
}

func (day) TableName() string { return "visit_days" }

type visitorHash struct {
	Day  string `gorm:"primaryKey"`
	Hash string `gorm:"primaryKey"`
}

func (visitorHash) TableName() string { return "visitor_hashes" }

// Counter buffers page views in memory and writes them in batches, so a
// page view costs no database write.
type Counter struct {
	db  *gorm.DB
	now func() time.Time
	key []byte
	loc *time.Location

	mu     sync.Mutex
	views  map[string]int64           // day → page views not yet written
	hashes map[string]map[string]bool // day → visitor hashes not yet written
}

// NewCounter returns a counter on db. key (at least 32 bytes, the same on
// every replica) derives each day's salt; days are days in loc.
func NewCounter(db *gorm.DB, now func() time.Time, key []byte, loc *time.Location) (*Counter, error) {
	if len(key) < 32 {
		return nil, errors.New("visits: the salt key must have at least 32 bytes")
	}
	if loc == nil {
		loc = time.UTC
	}
	return &Counter{db: db, now: now, key: key, loc: loc, views: map[string]int64{}, hashes: map[string]map[string]bool{}}, nil
}

// Record counts one page view by the visitor identified by source (their
// address) and userAgent. Neither is kept: only a salted hash, in memory
// until the next Flush.
func (c *Counter) Record(_ context.Context, source, userAgent string) error {
	d := c.now().In(c.loc).Format(time.DateOnly)
	mac := hmac.New(sha256.New, c.salt(d))
	mac.Write([]byte(source))
	mac.Write([]byte{0})
	mac.Write([]byte(userAgent))
	h := hex.EncodeToString(mac.Sum(nil))
	c.mu.Lock()
	defer c.mu.Unlock()
	c.views[d]++
	if c.hashes[d] == nil {
		c.hashes[d] = map[string]bool{}
	}
	c.hashes[d][h] = true
	return nil
}

// salt is the day's salt: the same on every replica, never stored.
func (c *Counter) salt(d string) []byte {
	mac := hmac.New(sha256.New, c.key)
	mac.Write([]byte("haven visits salt v1\x00" + d))
	return mac.Sum(nil)
}

// Flush writes the buffered counts. It is a job (every minute) and runs at
// shutdown.
func (c *Counter) Flush(ctx context.Context) error {
	c.mu.Lock()
	views, hashes := c.views, c.hashes
	c.views, c.hashes = map[string]int64{}, map[string]map[string]bool{}
	c.mu.Unlock()
	var errs []error
	for d, n := range views {
		err := c.db.WithContext(ctx).Clauses(clause.OnConflict{
			Columns:   []clause.Column{{Name: "day"}},
			DoUpdates: clause.Assignments(map[string]any{"page_views": gorm.Expr("visit_days.page_views + ?", n)}),
		}).Create(&day{Day: d, PageViews: n}).Error
		if err != nil {
			errs = append(errs, fmt.Errorf("visits: write views of %s: %w", d, err))
		}
	}
	for d, set := range hashes {
		rows := make([]visitorHash, 0, len(set))
		for h := range set {
			rows = append(rows, visitorHash{Day: d, Hash: h})
		}
		err := c.db.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).CreateInBatches(rows, 200).Error
		if err != nil {
			errs = append(errs, fmt.Errorf("visits: write visitors of %s: %w", d, err))
		}
	}
	return errors.Join(errs...)
}

// CloseDays is the daily job: for every day before today it stores the
// number of unique visitors, then deletes that day's hashes, so the counts
// can no longer be linked to anyone. It is idempotent.
func (c *Counter) CloseDays(ctx context.Context, now time.Time) error {
	today := now.In(c.loc).Format(time.DateOnly)
	var days []string
	if err := c.db.WithContext(ctx).Model(&visitorHash{}).Distinct("day").Where("day < ?", today).Pluck("day", &days).Error; err != nil {
		return fmt.Errorf("visits: list days: %w", err)
	}
	for _, d := range days {
		err := c.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			var n int64
			if err := tx.Model(&visitorHash{}).Where("day = ?", d).Count(&n).Error; err != nil {
				return err
			}
			if err := tx.Clauses(clause.OnConflict{
				Columns:   []clause.Column{{Name: "day"}},
				DoUpdates: clause.Assignments(map[string]any{"unique_visitors": n}),
			}).Create(&day{Day: d, UniqueVisitors: &n}).Error; err != nil {
				return err
			}
			return tx.Where("day = ?", d).Delete(&visitorHash{}).Error
		})
		if err != nil {
			return fmt.Errorf("visits: close %s: %w", d, err)
		}
	}
	return nil
}

// Month is the traffic of one calendar month.
type Month struct {
	PageViews int64
	// UniqueVisitors adds up the daily unique visitors (a person who comes
	// on three days counts three times: without cookies no visitor can be
	// followed across days, by design). Days not yet closed are not in it.
	UniqueVisitors int64
}

// MonthTotals sums the closed days of a month (month is any time in it).
func (c *Counter) MonthTotals(ctx context.Context, month time.Time) (Month, error) {
	first := time.Date(month.Year(), month.Month(), 1, 0, 0, 0, 0, time.UTC)
	from, to := first.Format(time.DateOnly), first.AddDate(0, 1, 0).Format(time.DateOnly)
	var rows []day
	if err := c.db.WithContext(ctx).Where("day >= ? AND day < ?", from, to).Find(&rows).Error; err != nil {
		return Month{}, fmt.Errorf("visits: month: %w", err)
	}
	var m Month
	for _, r := range rows {
		m.PageViews += r.PageViews
		if r.UniqueVisitors != nil {
			m.UniqueVisitors += *r.UniqueVisitors
		}
	}
	return m, nil
}
