package catalog

import (
	"bufio"
	"bytes"
	"errors"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// eniMaxPodsFile is upstream's misc/eni-max-pods.txt at the version the
// catalogue was extracted from (docs/model.md §5.11), kept verbatim as an
// independent check of the embedded table.
const eniMaxPodsFile = "testdata/eni-max-pods.txt"

type maxPodsEntry struct {
	name string
	pods int
}

// readENIMaxPods parses eni-max-pods.txt: "TYPE PODS" lines, '#' comments,
// blank lines.
func readENIMaxPods(t *testing.T) []maxPodsEntry {
	t.Helper()
	data, err := os.ReadFile(eniMaxPodsFile)
	if err != nil {
		t.Fatal(err)
	}
	var out []maxPodsEntry
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Fields(line)
		if len(f) != 2 {
			t.Fatalf("eni-max-pods.txt line %d: %q", n, line)
		}
		pods, err := strconv.Atoi(f[1])
		if err != nil {
			t.Fatalf("eni-max-pods.txt line %d: %v", n, err)
		}
		out = append(out, maxPodsEntry{f[0], pods})
	}
	return out
}

func TestCatalogSize(t *testing.T) {
	all := All()
	if len(all) != 1391 {
		t.Fatalf("All() has %d instance types, want 1391", len(all))
	}
	hyper := map[string]int{}
	bare := 0
	for i, it := range all {
		if i > 0 && all[i-1].Name >= it.Name {
			t.Fatalf("All() not strictly sorted: %q then %q", all[i-1].Name, it.Name)
		}
		hyper[it.Hypervisor]++
		if it.BareMetal {
			bare++
		}
		if len(it.CardMaxENIs) != it.NetworkCards || it.CardMaxENIs[it.DefaultNetworkCard] != it.MaxENIs {
			t.Errorf("%s: inconsistent cards %+v", it.Name, it)
		}
	}
	// Counts given in docs/model.md §5.8.
	want := map[string]int{"nitro": 1150, "xen": 80, "unknown": 161}
	for h, n := range want {
		if hyper[h] != n {
			t.Errorf("%d %s types, want %d", hyper[h], h, n)
		}
	}
	if len(hyper) != len(want) {
		t.Errorf("hypervisors %v, want only %v", hyper, want)
	}
	if bare != 160 {
		t.Errorf("%d bare-metal types, want 160", bare)
	}
}

func TestMaxPodsMatchesENIMaxPodsFile(t *testing.T) {
	entries := readENIMaxPods(t)
	all := All()
	if len(entries) != len(all) {
		t.Fatalf("eni-max-pods.txt has %d entries, catalogue %d", len(entries), len(all))
	}
	for i, e := range entries {
		if all[i].Name != e.name {
			t.Errorf("entry %d: All() has %q, eni-max-pods.txt %q", i, all[i].Name, e.name)
		}
		it, err := Lookup(e.name)
		if err != nil {
			t.Errorf("Lookup(%q): %v", e.name, err)
			continue
		}
		if got := MaxPods(it, MaxPodsOptions{}); got != e.pods {
			t.Errorf("MaxPods(%s) = %d, eni-max-pods.txt says %d", e.name, got, e.pods)
		}
	}
}

func TestLookup(t *testing.T) {
	got, err := Lookup("m5.large")
	if err != nil {
		t.Fatal(err)
	}
	want := InstanceType{Name: "m5.large", MaxENIs: 3, IPv4PerENI: 10, DefaultNetworkCard: 0,
		NetworkCards: 1, CardMaxENIs: []int{3}, Hypervisor: "nitro", BareMetal: false,
		HasResources: true, VCPUs: 2, MemoryMiB: 8192, Arch: "amd64", PodENIs: 9}
	if !equalType(got, want) {
		t.Errorf("Lookup(m5.large) = %+v, want %+v", got, want)
	}

	got, err = Lookup("c6in.metal")
	if err != nil {
		t.Fatal(err)
	}
	want = InstanceType{Name: "c6in.metal", MaxENIs: 8, IPv4PerENI: 50, DefaultNetworkCard: 0,
		NetworkCards: 2, CardMaxENIs: []int{8, 8}, Hypervisor: "unknown", BareMetal: true,
		HasResources: true, VCPUs: 128, MemoryMiB: 262144, Arch: "amd64", PodENIs: 106}
	if !equalType(got, want) {
		t.Errorf("Lookup(c6in.metal) = %+v, want %+v", got, want)
	}

	// Callers get copies: modifying a result must not change the table.
	got.CardMaxENIs[0] = 99
	again, _ := Lookup("c6in.metal")
	if again.CardMaxENIs[0] != 8 {
		t.Error("Lookup result shares CardMaxENIs with the table")
	}
	all := All()
	all[0].CardMaxENIs[0] = 99
	all[0].Name = "x"
	if a := All()[0]; a.Name == "x" || a.CardMaxENIs[0] == 99 {
		t.Error("All result shares memory with the table")
	}

	// Exact, case-sensitive names.
	for _, name := range []string{"", "M5.large", " m5.large", "m5.large ", "m5"} {
		if _, err := Lookup(name); err == nil {
			t.Errorf("Lookup(%q) succeeded", name)
		}
	}
}

func equalType(a, b InstanceType) bool {
	return a.Name == b.Name && a.MaxENIs == b.MaxENIs && a.IPv4PerENI == b.IPv4PerENI &&
		a.DefaultNetworkCard == b.DefaultNetworkCard && a.NetworkCards == b.NetworkCards &&
		slices.Equal(a.CardMaxENIs, b.CardMaxENIs) && a.Hypervisor == b.Hypervisor && a.BareMetal == b.BareMetal &&
		a.HasResources == b.HasResources && a.VCPUs == b.VCPUs && a.MemoryMiB == b.MemoryMiB &&
		a.Arch == b.Arch && a.PodENIs == b.PodENIs
}

func TestSupportsPrefixDelegation(t *testing.T) {
	for name, want := range map[string]bool{
		"m5.large":   true,  // nitro
		"t3.medium":  true,  // nitro
		"m4.large":   false, // xen
		"t2.micro":   false, // xen
		"c6in.metal": true,  // unknown hypervisor, bare metal
	} {
		it, err := Lookup(name)
		if err != nil {
			t.Fatal(err)
		}
		if got := it.SupportsPrefixDelegation(); got != want {
			t.Errorf("%s (%s, bare metal %v): SupportsPrefixDelegation = %v, want %v",
				name, it.Hypervisor, it.BareMetal, got, want)
		}
	}
	// Types with an unknown hypervisor that are not bare metal do not support PD.
	for _, it := range All() {
		if it.Hypervisor == "unknown" && !it.BareMetal && it.SupportsPrefixDelegation() {
			t.Errorf("%s: unknown non-metal type claims PD support", it.Name)
		}
	}
}

func TestMaxPodsVariants(t *testing.T) {
	// Expected values are computed by hand from the §5 formulas:
	// m5.large: 3 ENIs, L=10. t3.medium: 3 ENIs, L=6. m4.large (xen): 2 ENIs, L=10.
	// c6in.metal (bare metal, unknown hypervisor): 8 ENIs, L=50. t2.micro (xen): 2 ENIs, L=2.
	tests := []struct {
		typ  string
		opts MaxPodsOptions
		want int
	}{
		{"m5.large", MaxPodsOptions{}, 3*9 + 2},                                                   // 29
		{"m5.large", MaxPodsOptions{PrefixDelegation: true}, 3*9*16 + 2},                          // 434
		{"m5.large", MaxPodsOptions{CustomNetworking: true}, 2*9 + 2},                             // 20
		{"m5.large", MaxPodsOptions{MaxENI: 2}, 2*9 + 2},                                          // 20
		{"m5.large", MaxPodsOptions{MaxENI: 1}, 1*9 + 2},                                          // 11
		{"m5.large", MaxPodsOptions{MaxENI: 3}, 29},                                               // equal to limit
		{"m5.large", MaxPodsOptions{MaxENI: 10}, 29},                                              // above limit: no effect
		{"m5.large", MaxPodsOptions{MaxENI: -1}, 29},                                              // negative = unset
		{"m5.large", MaxPodsOptions{MaxENI: 2, CustomNetworking: true}, 1*9 + 2},                  // 11: cap, then minus 1
		{"m5.large", MaxPodsOptions{MaxENI: 1, CustomNetworking: true}, 2},                        // no pod ENI left
		{"m5.large", MaxPodsOptions{PrefixDelegation: true, Cap: 110}, 110},                       // 434 capped
		{"m5.large", MaxPodsOptions{PrefixDelegation: true, Cap: 250}, 250},                       // 434 capped
		{"m5.large", MaxPodsOptions{Cap: 110}, 29},                                                // cap above figure
		{"m5.large", MaxPodsOptions{Cap: 29}, 29},                                                 // cap equal
		{"m5.large", MaxPodsOptions{Cap: -5}, 29},                                                 // negative = none
		{"m5.large", MaxPodsOptions{PrefixDelegation: true, CustomNetworking: true}, 2*9*16 + 2},  // 290
		{"m5.large", MaxPodsOptions{PrefixDelegation: true, MaxENI: 1}, 1*9*16 + 2},               // 146
		{"t3.medium", MaxPodsOptions{}, 3*5 + 2},                                                  // 17
		{"t3.medium", MaxPodsOptions{PrefixDelegation: true}, 3*5*16 + 2},                         // 242
		{"t3.medium", MaxPodsOptions{PrefixDelegation: true, CustomNetworking: true}, 2*5*16 + 2}, // 162
		{"m4.large", MaxPodsOptions{}, 2*9 + 2},                                                   // 20
		{"m4.large", MaxPodsOptions{PrefixDelegation: true}, 2*9 + 2},                             // xen: stays SIP
		{"m4.large", MaxPodsOptions{PrefixDelegation: true, CustomNetworking: true}, 1*9 + 2},     // 11
		{"t2.micro", MaxPodsOptions{}, 2*1 + 2},                                                   // 4
		{"t2.micro", MaxPodsOptions{PrefixDelegation: true}, 4},                                   // xen
		{"c6in.metal", MaxPodsOptions{}, 8*49 + 2},                                                // 394
		{"c6in.metal", MaxPodsOptions{PrefixDelegation: true}, 8*49*16 + 2},                       // 6274, bare metal
	}
	for _, tc := range tests {
		it, err := Lookup(tc.typ)
		if err != nil {
			t.Fatal(err)
		}
		if got := MaxPods(it, tc.opts); got != tc.want {
			t.Errorf("MaxPods(%s, %+v) = %d, want %d", tc.typ, tc.opts, got, tc.want)
		}
	}
}

func TestMaxPodsPDUnsupportedKeepsSIP(t *testing.T) {
	n := 0
	for _, it := range All() {
		sip := MaxPods(it, MaxPodsOptions{})
		pd := MaxPods(it, MaxPodsOptions{PrefixDelegation: true})
		if it.SupportsPrefixDelegation() {
			if want := it.MaxENIs*(it.IPv4PerENI-1)*16 + 2; pd != want {
				t.Errorf("%s: PD %d, want %d", it.Name, pd, want)
			}
		} else {
			n++
			if pd != sip {
				t.Errorf("%s (%s): PD %d, want the SIP figure %d", it.Name, it.Hypervisor, pd, sip)
			}
		}
	}
	if n != 80+2 { // the xen types and the two non-metal "unknown" types
		t.Errorf("%d types without PD support, want 82", n)
	}
}

func TestUnknownTypeSuggestions(t *testing.T) {
	_, err := Lookup("m5.lage")
	var ute *UnknownTypeError
	if !errors.As(err, &ute) {
		t.Fatalf("Lookup(m5.lage) error %v (%T), want *UnknownTypeError", err, err)
	}
	// m5.large is one edit away; the names two edits away (c5.large,
	// m1.large, m3.large, m4.large, ..., m5.xlarge, ...) tie and go in name
	// order. Cross-checked against a brute-force ranking below.
	want := []string{"m5.large", "c5.large", "m1.large"}
	if !slices.Equal(ute.Suggestions, want) {
		t.Errorf("suggestions %q, want %q", ute.Suggestions, want)
	}
	const msg = `unknown instance type "m5.lage"; did you mean m5.large, c5.large, m1.large?`
	if err.Error() != msg {
		t.Errorf("message %q, want %q", err.Error(), msg)
	}
	if brute := bruteSuggest("m5.lage"); !slices.Equal(brute, want) {
		t.Errorf("brute-force ranking %q, want %q", brute, want)
	}
	// Deterministic across calls.
	for range 5 {
		_, err2 := Lookup("m5.lage")
		if err2.Error() != msg {
			t.Fatalf("second call gave %q", err2.Error())
		}
	}

	tests := []struct {
		name  string
		first string // "" = no suggestions
	}{
		{"M5.LARGE", "m5.large"},    // case-insensitive matching
		{"m5.largee", "m5.large"},   // insertion
		{"t3.medum", "t3.medium"},   // deletion
		{"c5.xlarge", ""},           // exists: no error at all (checked below)
		{"zzzzzzzzzzzzzzzz", ""},    // nothing close
		{"", ""},                    // nothing close
		{"t3.mdm", "t3.medium"},     // 3 edits, allowed for a 6-rune query
		{"m5lrg", ""},               // 3 edits from m5.large: too far for 5 runes
		{"r5.2xlarg", "r5.2xlarge"}, // deletion at the end
	}
	for _, tc := range tests {
		_, err := Lookup(tc.name)
		if tc.name == "c5.xlarge" {
			if err != nil {
				t.Errorf("Lookup(c5.xlarge): %v", err)
			}
			continue
		}
		if !errors.As(err, &ute) {
			t.Fatalf("Lookup(%q) error %v, want *UnknownTypeError", tc.name, err)
		}
		if len(ute.Suggestions) > 3 {
			t.Errorf("Lookup(%q): %d suggestions", tc.name, len(ute.Suggestions))
		}
		switch {
		case tc.first == "" && len(ute.Suggestions) != 0:
			t.Errorf("Lookup(%q): suggestions %q, want none", tc.name, ute.Suggestions)
		case tc.first != "" && (len(ute.Suggestions) == 0 || ute.Suggestions[0] != tc.first):
			t.Errorf("Lookup(%q): suggestions %q, want %q first", tc.name, ute.Suggestions, tc.first)
		}
		if tc.first == "" && err.Error() != `unknown instance type "`+tc.name+`"` {
			t.Errorf("Lookup(%q): message %q", tc.name, err.Error())
		}
	}
}

// bruteSuggest ranks every catalogue name by a plain full-matrix Levenshtein
// distance to the lower-cased query, sorting by (distance, name).
func bruteSuggest(query string) []string {
	q := []rune(strings.ToLower(query))
	lev := func(a, b []rune) int {
		d := make([][]int, len(a)+1)
		for i := range d {
			d[i] = make([]int, len(b)+1)
			d[i][0] = i
		}
		for j := range d[0] {
			d[0][j] = j
		}
		for i := 1; i <= len(a); i++ {
			for j := 1; j <= len(b); j++ {
				c := 1
				if a[i-1] == b[j-1] {
					c = 0
				}
				d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+c)
			}
		}
		return d[len(a)][len(b)]
	}
	type cand struct {
		name string
		d    int
	}
	var cs []cand
	for _, it := range All() {
		if d := lev(q, []rune(it.Name)); d <= max(2, len(q)/2) {
			cs = append(cs, cand{it.Name, d})
		}
	}
	slices.SortFunc(cs, func(a, b cand) int {
		if a.d != b.d {
			return a.d - b.d
		}
		return strings.Compare(a.name, b.name)
	})
	var out []string
	for i := 0; i < len(cs) && i < 3; i++ {
		out = append(out, cs[i].name)
	}
	return out
}

func TestSuggestionsMatchBruteForce(t *testing.T) {
	for _, q := range []string{"m5.lage", "M5.LARGE", "t3.medum", "p5.48xl", "c7g.metall", "x", "inf2", "r6i.2xlarge.", "m5.lage"} {
		_, err := Lookup(q)
		var ute *UnknownTypeError
		if !errors.As(err, &ute) {
			t.Fatalf("Lookup(%q): %v", q, err)
		}
		if want := bruteSuggest(q); !slices.Equal(ute.Suggestions, want) {
			t.Errorf("Lookup(%q) suggestions %q, brute force %q", q, ute.Suggestions, want)
		}
	}
}

func TestCustom(t *testing.T) {
	it, err := Custom("my.node", 3, 10)
	if err != nil {
		t.Fatal(err)
	}
	want := InstanceType{Name: "my.node", MaxENIs: 3, IPv4PerENI: 10, DefaultNetworkCard: 0,
		NetworkCards: 1, CardMaxENIs: []int{3}, Hypervisor: "nitro", BareMetal: false}
	if !equalType(it, want) {
		t.Errorf("Custom = %+v, want %+v", it, want)
	}
	if !it.SupportsPrefixDelegation() {
		t.Error("custom node should support prefix delegation")
	}
	// Same figures as m5.large, which has the same limits.
	if got := MaxPods(it, MaxPodsOptions{}); got != 29 {
		t.Errorf("SIP %d, want 29", got)
	}
	if got := MaxPods(it, MaxPodsOptions{PrefixDelegation: true}); got != 434 {
		t.Errorf("PD %d, want 434", got)
	}
	if it, err := Custom("tiny", 1, 2); err != nil || MaxPods(it, MaxPodsOptions{}) != 3 {
		t.Errorf("Custom(tiny, 1, 2) = %+v, %v; want 1*1+2=3 pods", it, err)
	}

	for _, tc := range []struct {
		name       string
		enis, ipv4 int
	}{
		{"x", 0, 10},
		{"x", -1, 10},
		{"x", 3, 1},
		{"x", 3, 0},
		{"x", 3, -4},
		{"x", 4097, 10},
		{"x", 3, 4097},
		{"", 3, 10},
		{"a b", 3, 10},
	} {
		if _, err := Custom(tc.name, tc.enis, tc.ipv4); err == nil {
			t.Errorf("Custom(%q, %d, %d) succeeded", tc.name, tc.enis, tc.ipv4)
		}
	}
}
