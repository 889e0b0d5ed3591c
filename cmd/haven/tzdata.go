package main

// The binary carries the time-zone database, so it runs in a container
// image that has no /usr/share/zoneinfo (FROM scratch).
import _ "time/tzdata"
