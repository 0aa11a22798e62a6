//go:build race

package main

// raceEnabled: the race detector multiplies memory and time, and reserves
// address space that an RLIMIT_AS would refuse.
const raceEnabled = true
