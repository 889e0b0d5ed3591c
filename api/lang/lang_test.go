package lang

import "testing"

func TestNegotiate(t *testing.T) {
	tests := []struct {
		name, explicit, accept, fallback, want string
	}{
		{"explicit wins", "en", "nl-BE,nl;q=0.9", "nl", "en"},
		{"explicit is case-insensitive", " NL ", "en", "en", "nl"},
		{"unsupported explicit falls through", "fr", "en-GB", "nl", "en"},
		{"regional accept matches base", "", "nl-BE", "en", "nl"},
		{"quality order respected", "", "fr;q=1, en;q=0.8, nl;q=0.5", "nl", "en"},
		{"nothing supported gives fallback", "", "fr-BE,de", "nl", "nl"},
		{"garbage header gives fallback", "", ";;;===", "en", "en"},
		{"empty gives fallback", "", "", "nl", "nl"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Negotiate(tt.explicit, tt.accept, tt.fallback); got != tt.want {
				t.Errorf("Negotiate(%q, %q, %q) = %q, want %q", tt.explicit, tt.accept, tt.fallback, got, tt.want)
			}
		})
	}
}
