package auth_test

import (
	"strings"
	"testing"

	"github.com/haven-mh/haven/auth"
)

func TestHashPasswordUsesOWASPArgon2id(t *testing.T) {
	h, err := auth.HashPassword("correct horse battery staple", auth.OWASPParams)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("hash %q does not carry OWASP's argon2id parameters", h)
	}
	h2, _ := auth.HashPassword("correct horse battery staple", auth.OWASPParams)
	if h == h2 {
		t.Error("two hashes of one password are equal: no salt?")
	}
	ok, rehash, err := auth.CheckPassword(h, "correct horse battery staple", auth.OWASPParams)
	if !ok || rehash || err != nil {
		t.Errorf("CheckPassword(right) = %v, %v, %v", ok, rehash, err)
	}
	ok, _, err = auth.CheckPassword(h, "correct horse battery stapl", auth.OWASPParams)
	if ok || err != nil {
		t.Errorf("CheckPassword(wrong) = %v, %v", ok, err)
	}
	weak, _ := auth.HashPassword("x", auth.Argon2Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32})
	if _, rehash, _ := auth.CheckPassword(weak, "x", auth.OWASPParams); !rehash {
		t.Error("a hash with weaker parameters is not flagged for rehashing")
	}
	for _, bad := range []string{"", "$argon2i$v=19$m=1,t=1,p=1$AA$AA", "$argon2id$v=19$m=x$AA$AA", "plain"} {
		if ok, _, err := auth.CheckPassword(bad, "x", auth.OWASPParams); ok || err == nil {
			t.Errorf("CheckPassword(%q) = %v, %v; want an error", bad, ok, err)
		}
	}
}

func TestPasswordPolicy(t *testing.T) {
	p := auth.NewPasswordPolicy()
	tests := []struct {
		password, nickname string
		ok                 bool
	}{
		{"a long passphrase", "anna", true},
		{"Tr0ub4dor&3xyz", "anna", true},
		{"kort", "anna", false},                       // too short
		{"123456789", "anna", false},                  // too short and common
		{"wachtwoord123", "anna", false},              // common (Dutch)
		{"PASSWORD1234", "anna", false},               // common, any case
		{"qwertyuiop", "anna", false},                 // common
		{"aaaaaaaaaaaa", "anna", false},               // one character repeated
		{"abcabcabcabc", "anna", false},               // a block repeated
		{"0123456789", "anna", false},                 // a run
		{"anna-is-my-name", "anna", false},            // contains the nickname
		{"zonder hoofdletters of cijfers", "x", true}, // no composition rules
		{strings.Repeat("lang ", 26), "x", false},     // 130 characters: too long
		{"ééééééééé", "x", false},                     // 9 characters (not bytes)
	}
	for _, tt := range tests {
		err := p.Check("password", tt.password, tt.nickname)
		if (err == nil) != tt.ok {
			t.Errorf("Check(%q, %q) = %v, want ok=%v", tt.password, tt.nickname, err, tt.ok)
		}
	}
}
