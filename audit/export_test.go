package audit

// ComputeHash and ComputeMAC let tests play an attacker who recomputes a
// row's legacy hash or (knowing or guessing a key) its MAC.
var (
	ComputeHash = computeHash
	ComputeMAC  = computeMAC
)
