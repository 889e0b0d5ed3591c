package selftest_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/haven-mh/haven/audit"
	"github.com/haven-mh/haven/db/dbtest"
	"github.com/haven-mh/haven/selftest"
)

// Once a self-test is attached to an account its answers are that person's
// health data: they move, sealed, to the claim; the anonymous row keeps
// score, band and crisis flag for the counts, and no answers.
func TestClaimSealsTheAnswers(t *testing.T) {
	ctx := context.Background()
	d := dbtest.Open(t)
	catalog, err := selftest.LoadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	advice, _ := selftest.LoadAdvice()
	crisis, _ := selftest.LoadCrisisContacts("")
	log := &memoryAudit{}
	svc, err := selftest.NewService(selftest.Options{Catalog: catalog, Advice: advice, Crisis: crisis, Store: selftest.NewStore(d.DB),
		Sealer: testSealer(t), Audit: log, Now: time.Now})
	if err != nil {
		t.Fatal(err)
	}
	out, err := svc.Submit(ctx, selftest.SubmitInput{InstrumentID: "phq9", Language: "nl", Answers: phqAnswers(1, 2, 0, 1, 0, 0, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	const user = "00000000-0000-4000-8000-00000000000a"
	if _, err := svc.Claim(ctx, out.ClaimToken, audit.Actor{UserID: user, Role: "client"}); err != nil {
		t.Fatal(err)
	}
	var answers, sealed string
	d.Raw("SELECT answers FROM selftest_submissions WHERE id = ?", out.ID).Scan(&answers)
	d.Raw("SELECT answers_sealed FROM selftest_claims WHERE submission_id = ?", out.ID).Scan(&sealed)
	if answers != "" {
		t.Errorf("the claimed submission still holds its answers: %q", answers)
	}
	if sealed == "" || strings.Contains(sealed, "phq9_9") {
		t.Errorf("the claim's answers are not sealed: %q", sealed)
	}
	ex, err := svc.ExportUser(ctx, user)
	if err != nil {
		t.Fatal(err)
	}
	subs := ex.([]selftest.ExportedSubmission)
	if len(subs) != 1 || len(subs[0].Answers) != 9 || subs[0].Answers[8].Value != 1 {
		t.Errorf("export: %+v", subs)
	}
	// The score still counts anonymously, and the result still shows.
	if o, err := svc.Outcome(ctx, out.ID); err != nil || o.Score != 5 || !o.Crisis {
		t.Errorf("outcome after claim: %+v, %v", o, err)
	}
	// Erasure drops the claim and with it the answers.
	if err := svc.EraseUser(ctx, user); err != nil {
		t.Fatal(err)
	}
	var left int64
	d.Table("selftest_claims").Where("submission_id = ?", out.ID).Count(&left)
	if left != 0 {
		t.Error("the claim (and its sealed answers) survived erasure")
	}
	if _, err := svc.Claim(ctx, out.ClaimToken, audit.Actor{UserID: user, Role: "client"}); !errors.Is(err, selftest.ErrClaimInvalid) {
		t.Errorf("a spent token claims again: %v", err)
	}
	// Both attempts are in the audit log: the claim, and the refused token.
	if len(log.entries) != 2 || log.entries[0].Action != audit.ActionSelftestClaim || log.entries[0].Outcome != audit.OutcomeSuccess ||
		*log.entries[0].SubjectID != user || log.entries[1].Outcome != audit.OutcomeFailure {
		t.Errorf("audit entries %+v", log.entries)
	}
}

// Self-tests claimed by an earlier version kept their answers readable in
// the anonymous row; at start-up they are sealed into the claim.
func TestSealLegacyClaims(t *testing.T) {
	ctx := context.Background()
	d := dbtest.Open(t)
	catalog, _ := selftest.LoadCatalog()
	svc := build(t, catalog, selftest.NewStore(d.DB), time.Now)
	out, err := svc.Submit(ctx, selftest.SubmitInput{InstrumentID: "phq9", Language: "en", Answers: phqAnswers(3, 3, 3, 3, 3, 3, 3, 3, 0)})
	if err != nil {
		t.Fatal(err)
	}
	const user = "00000000-0000-4000-8000-00000000000b"
	// As the earlier version claimed: the link, and the answers left in place.
	if err := d.Exec("UPDATE selftest_claims SET user_id = ?, claimed_at = ? WHERE submission_id = ?", user, time.Now(), out.ID).Error; err != nil {
		t.Fatal(err)
	}
	n, err := svc.SealLegacyClaims(ctx)
	if err != nil || n != 1 {
		t.Fatalf("SealLegacyClaims = %d, %v", n, err)
	}
	if n, err := svc.SealLegacyClaims(ctx); err != nil || n != 0 {
		t.Errorf("second run = %d, %v (want nothing left to do)", n, err)
	}
	var answers string
	d.Raw("SELECT answers FROM selftest_submissions WHERE id = ?", out.ID).Scan(&answers)
	ex, _ := svc.ExportUser(ctx, user)
	if subs := ex.([]selftest.ExportedSubmission); answers != "" || len(subs) != 1 || len(subs[0].Answers) != 9 {
		t.Errorf("answers left %q, export %+v", answers, ex)
	}
}
