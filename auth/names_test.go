package auth_test

import (
	"testing"

	"github.com/haven-mh/haven/auth"
)

// A client is told who their clinician is by the display name the
// clinician gave, never by the nickname the clinician signs in with;
// clients (who have no display name) go by their nickname.
func TestNamesPreferAStaffMembersDisplayName(t *testing.T) {
	f := newFixture(t)
	coord, _ := f.coordinator("coordinator")
	link, err := f.svc.Staff.Invite(ctx, coord, auth.RoleClinician, 3)
	if err != nil {
		t.Fatal(err)
	}
	clinician, err := f.svc.Staff.AcceptInvitation(ctx, meta("x"), link.Token, "dr-login-name", goodPassword,
		auth.StaffProfile{DisplayName: "Dr. An Jansen", Profession: "psychologist"})
	if err != nil {
		t.Fatal(err)
	}
	client := f.signUp("quiet-fox")
	store := auth.NewStore(f.db.DB)
	names, err := store.Names(ctx, []string{clinician.ID, client.User.ID, "no-such-user"})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{clinician.ID: "Dr. An Jansen", client.User.ID: "quiet-fox"}
	if len(names) != len(want) || names[clinician.ID] != want[clinician.ID] || names[client.User.ID] != want[client.User.ID] {
		t.Errorf("Names = %v, want %v", names, want)
	}
	// The audit log's directory keeps the nicknames (staff see who did it).
	if nicks, err := store.DisplayNames(ctx, []string{clinician.ID}); err != nil || nicks[clinician.ID] != "dr-login-name" {
		t.Errorf("DisplayNames = %v, %v", nicks, err)
	}
}
