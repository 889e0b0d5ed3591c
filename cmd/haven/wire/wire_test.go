package wire_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/haven-mh/haven/auth"
	"github.com/haven-mh/haven/cmd/haven/wire"
	"github.com/haven-mh/haven/cmd/haven/wire/wiretest"
	"github.com/haven-mh/haven/coaching"
	"github.com/haven-mh/haven/db"
	"github.com/haven-mh/haven/db/dbtest"
	"github.com/haven-mh/haven/db/seal"
	"github.com/haven-mh/haven/modules"
	"github.com/haven-mh/haven/selftest"
)

func newOn(t *testing.T, d *db.DB, cfg wire.Config) (*wire.Services, error) {
	t.Helper()
	return wire.New(context.Background(), cfg, d, slog.New(slog.DiscardHandler))
}

// sealSomething writes a diary note, sealed with the current key, and
// returns a check that reads it back.
func sealSomething(t *testing.T, svcs *wire.Services) (check func(*wire.Services) error) {
	t.Helper()
	ctx := context.Background()
	res, err := svcs.Auth.Sessions.SignUp(ctx, auth.Meta{Source: "test"}, "keyholder"+time.Now().Format("150405.000000"), "lange zin als wachtwoord")
	if err != nil {
		t.Fatal(err)
	}
	day := svcs.Selfhelp.Today().Format(time.DateOnly)
	if _, err := svcs.Selfhelp.SaveDiary(ctx, res.User.ID, modules.DiaryEntry{Day: day, Mood: 6, Note: "a sealed note"}); err != nil {
		t.Fatal(err)
	}
	return func(s *wire.Services) error {
		today := s.Selfhelp.Today()
		entries, err := s.Selfhelp.Diary(ctx, res.User.ID, today.AddDate(0, 0, -1), today.AddDate(0, 0, 1))
		if err != nil {
			return err
		}
		if len(entries) != 1 || entries[0].Note != "a sealed note" {
			return errors.New("the sealed note did not read back")
		}
		return nil
	}
}

// TestLostKeyFileRefusesToStart: with the zero-setup SQLite key file, a
// key is generated only while nothing is sealed; once data is sealed, a
// missing key file stops the start-up naming the key id, and no new key
// is written (it used to generate one silently, and every old answer then
// failed with 500).
func TestLostKeyFileRefusesToStart(t *testing.T) {
	d := dbtest.Migrated(t, dbtest.OpenSQLite(t))
	cfg := wiretest.Config(t)
	cfg.EncryptionKeys = nil
	svcs, err := newOn(t, d, cfg)
	if err != nil {
		t.Fatal(err)
	}
	keyFile := filepath.Join(cfg.DataDir, "encryption.key")
	fi, err := os.Stat(keyFile)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("generated key file: %v %v", fi, err)
	}
	check := sealSomething(t, svcs)
	kid := svcs.Sealer.CurrentKeyID()

	// A restart with the key file in place reads the data.
	again, err := newOn(t, d, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := check(again); err != nil {
		t.Fatal(err)
	}

	if err := os.Remove(keyFile); err != nil {
		t.Fatal(err)
	}
	_, err = newOn(t, d, cfg)
	if err == nil || !strings.Contains(err.Error(), kid) || !strings.Contains(err.Error(), "restore") {
		t.Fatalf("start without the key file: %v, want a refusal naming %s", err, kid)
	}
	if _, err := os.Stat(keyFile); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a new key file was generated beside sealed data: %v", err)
	}
}

// TestChangedKeysRefuseToStart: keys that cannot open the sealed data stop
// the start-up — a key id that is no longer configured (named), or a key
// replaced under the same id — while a rotation that keeps the old key
// starts and reads the old data.
func TestChangedKeysRefuseToStart(t *testing.T) {
	d := dbtest.Open(t)
	k1 := seal.Key{ID: "k1", Secret: bytes.Repeat([]byte{1}, 32)}
	cfg := wiretest.Config(t)
	cfg.EncryptionKeys = []seal.Key{k1}
	svcs, err := newOn(t, d, cfg)
	if err != nil {
		t.Fatal(err)
	}
	check := sealSomething(t, svcs)

	k2 := seal.Key{ID: "k2", Secret: bytes.Repeat([]byte{2}, 32)}
	tests := []struct {
		name string
		keys []seal.Key
		want string
	}{
		{"another key id", []seal.Key{k2}, "k1, which are not configured"},
		{"the same id, another key", []seal.Key{{ID: "k1", Secret: bytes.Repeat([]byte{9}, 32)}}, "not the keys that had those ids"},
	}
	for _, tt := range tests {
		cfg.EncryptionKeys = tt.keys
		_, err := newOn(t, d, cfg)
		if !errors.Is(err, db.ErrKeys) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: %v, want a refusal containing %q", tt.name, err, tt.want)
		}
	}
	cfg.EncryptionKeys = []seal.Key{k2, k1} // rotation: k2 seals, k1 still opens
	rotated, err := newOn(t, d, cfg)
	if err != nil {
		t.Fatalf("rotation: %v", err)
	}
	if err := check(rotated); err != nil {
		t.Fatal(err)
	}
}

// TestEverySealedColumnNamesItsKey seals a value of each kind — a step
// answer, a diary note, a questionnaire, a reminder address and a TOTP
// secret — under k1, rotates to k2 and seals them again: the stores list
// both key ids, so a start-up without either is refused.
func TestEverySealedColumnNamesItsKey(t *testing.T) {
	ctx := context.Background()
	d := dbtest.Open(t)
	k1 := seal.Key{ID: "k1", Secret: bytes.Repeat([]byte{1}, 32)}
	k2 := seal.Key{ID: "k2", Secret: bytes.Repeat([]byte{2}, 32)}
	const pw = "lange zin als wachtwoord"
	sealAll := func(keys []seal.Key, suffix string) {
		cfg := wiretest.Config(t)
		cfg.EncryptionKeys = keys
		wiretest.SetMail(&cfg) // a reminder address is taken only with mail
		svcs, err := newOn(t, d, cfg)
		if err != nil {
			t.Fatal(err)
		}
		res, err := svcs.Auth.Sessions.SignUp(ctx, auth.Meta{Source: "t"}, "client"+suffix, pw)
		if err != nil {
			t.Fatal(err)
		}
		uid := res.User.ID
		if _, err := svcs.Selfhelp.Start(ctx, uid, "depression"); err != nil {
			t.Fatal(err)
		}
		answers := make([]selftest.Answer, 9)
		for i := range answers {
			answers[i] = selftest.Answer{Item: fmt.Sprintf("phq9_%d", i+1), Value: 1}
		}
		if _, err := svcs.Selfhelp.TakeMeasurement(ctx, uid, "depression", "start", "nl", answers); err != nil {
			t.Fatal(err)
		}
		if _, err := svcs.Selfhelp.OpenLesson(ctx, uid, "depression", "understanding"); err != nil {
			t.Fatal(err)
		}
		if _, err := svcs.Selfhelp.SaveStep(ctx, uid, "depression", "understanding", "welcome", modules.Values{}, false); err != nil {
			t.Fatal(err)
		}
		if err := svcs.Selfhelp.SetNudgeEmail(ctx, uid, "depression", "iemand@example.be", "nl"); err != nil {
			t.Fatal(err)
		}
		// A self-test claimed with its answers, and an application for
		// guided care with an address for notifications and a message.
		out, err := svcs.Selftest.Submit(ctx, selftest.SubmitInput{InstrumentID: "phq9", Language: "nl", Answers: answers})
		if err != nil {
			t.Fatal(err)
		}
		client := auth.Principal{UserID: uid, Role: auth.RoleClient}
		if _, err := svcs.Selftest.Claim(ctx, out.ClaimToken, client.Actor()); err != nil {
			t.Fatal(err)
		}
		if _, _, err := svcs.Coaching.Apply(ctx, client, coaching.Application{Language: "nl", PHQ9: answers,
			Hopes: "weer slapen", Reachable: "avonds", Email: "iemand@example.be"}); err != nil {
			t.Fatal(err)
		}
		if _, err := svcs.Auth.Staff.CreateAdmin(ctx, "coordinator"+suffix, pw); err != nil {
			t.Fatal(err)
		}
		login, err := svcs.Auth.Sessions.Login(ctx, auth.Meta{Source: "t"}, "coordinator"+suffix, pw)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svcs.Auth.Sessions.StartEnrolment(ctx, login.Challenge); err != nil {
			t.Fatal(err)
		}
	}
	sealAll([]seal.Key{k1}, "1")
	for name, store := range map[string]interface {
		SealedKeyIDs(context.Context) ([]string, error)
	}{"modules": modules.NewStore(d.DB), "auth": auth.NewStore(d.DB), "selftest": selftest.NewStore(d.DB), "coaching": coaching.NewStore(d.DB)} {
		ids, err := store.SealedKeyIDs(ctx)
		if err != nil || strings.Join(ids, ",") != "k1" {
			t.Errorf("%s: key ids %v (%v), want [k1]", name, ids, err)
		}
	}
	sealAll([]seal.Key{k2, k1}, "2")
	var want = map[string]bool{"k1": true, "k2": true}
	for name, store := range map[string]interface {
		SealedKeyIDs(context.Context) ([]string, error)
	}{"modules": modules.NewStore(d.DB), "auth": auth.NewStore(d.DB), "selftest": selftest.NewStore(d.DB), "coaching": coaching.NewStore(d.DB)} {
		ids, err := store.SealedKeyIDs(ctx)
		if err != nil || len(ids) != 2 || !want[ids[0]] || !want[ids[1]] {
			t.Errorf("%s after rotation: key ids %v (%v), want k1 and k2", name, ids, err)
		}
	}
	for _, table := range []string{"selfhelp_answers", "selfhelp_measurements"} {
		var n int64
		if err := d.Table(table).Where("key_id = 'k2'").Count(&n).Error; err != nil || n != 1 {
			t.Errorf("%s: %d rows sealed with k2 (%v); the test sealed nothing there", table, n, err)
		}
	}
}
