package frontend

import (
	"testing"
)

func TestNewSmoke(t *testing.T) {
	s := newTestSite(t)
	_ = s
}
