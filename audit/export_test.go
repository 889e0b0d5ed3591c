package audit

// ComputeHash lets tests play an attacker who recomputes a row's hash.
var ComputeHash = computeHash
