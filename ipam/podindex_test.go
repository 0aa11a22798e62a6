package ipam

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// TestPodIndexAgainstMap drives the name index through random inserts and
// removals (growth, probe runs that wrap, backward-shift deletion) and checks
// every lookup against a Go map of the same names.
func TestPodIndexAgainstMap(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	var tab podTable
	ref := map[string]int32{}
	var free []int32
	for step := range 20000 {
		name := fmt.Sprintf("pod-%d", r.IntN(3000))
		if i, ok := ref[name]; ok {
			got, at, found := lookupPod(&tab, name)
			if !found || got != i {
				t.Fatalf("step %d: lookup(%s) = %d, %v; want %d", step, name, got, found, i)
			}
			tab.index.removeAt(at)
			delete(ref, name)
			free = append(free, i)
		} else {
			var i int32
			if k := len(free); k > 0 {
				i, free = free[k-1], free[:k-1]
			} else {
				tab.pods = append(tab.pods, pod{})
				i = int32(len(tab.pods) - 1)
			}
			tab.pods[i].nameBuf = append(tab.pods[i].nameBuf[:0], name...)
			tab.insert(i)
			ref[name] = i
		}
		if tab.index.n != len(ref) {
			t.Fatalf("step %d: index holds %d names, want %d", step, tab.index.n, len(ref))
		}
		if step%97 == 0 {
			for k := range 3000 {
				probe := fmt.Sprintf("pod-%d", k)
				want, wok := ref[probe]
				got, gok := findPod(&tab, []byte(probe))
				if gok != wok || got != want {
					t.Fatalf("step %d: find(%s) = %d, %v; want %d, %v", step, probe, got, gok, want, wok)
				}
			}
		}
	}
}
