package catalog

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
)

const testHeader = "instance_type,max_enis,ipv4_per_eni,default_network_card_index,num_network_cards,network_card_max_enis,hypervisor,is_bare_metal\n"

func TestParseCatalogValid(t *testing.T) {
	in := testHeader +
		"m5.large,3,10,0,1,0:3,nitro,false\r\n" + // CRLF is accepted
		"\n" + // blank lines are skipped
		"c1.medium,2,6,0,1,0:2,xen,false\n" +
		"x.metal,4,30,1,2,1:4;0:2,unknown,true" // no final newline; cards in any order
	got, err := parseCatalog(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	want := []InstanceType{ // sorted by name
		{Name: "c1.medium", MaxENIs: 2, IPv4PerENI: 6, NetworkCards: 1, CardMaxENIs: []int{2}, Hypervisor: "xen"},
		{Name: "m5.large", MaxENIs: 3, IPv4PerENI: 10, NetworkCards: 1, CardMaxENIs: []int{3}, Hypervisor: "nitro"},
		{Name: "x.metal", MaxENIs: 4, IPv4PerENI: 30, DefaultNetworkCard: 1, NetworkCards: 2, CardMaxENIs: []int{2, 4}, Hypervisor: "unknown", BareMetal: true},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d types, want %d: %+v", len(got), len(want), got)
	}
	for i := range want {
		if !equalType(got[i], want[i]) {
			t.Errorf("type %d = %+v, want %+v", i, got[i], want[i])
		}
	}
}

func TestParseCatalogErrors(t *testing.T) {
	const ok = "m5.large,3,10,0,1,0:3,nitro,false\n"
	tests := []struct {
		name  string
		in    string
		line  int
		field string // "" = record-level
		msg   string // substring of the message
	}{
		{"empty file", "", 1, "", "empty file"},
		{"header only", testHeader, 1, "", "no instance types"},
		{"wrong header", strings.Replace(testHeader, "max_enis", "enis", 1) + ok, 1, "", "header is"},
		{"reordered header", "max_enis,instance_type,ipv4_per_eni,default_network_card_index,num_network_cards,network_card_max_enis,hypervisor,is_bare_metal\n", 1, "", "want"},
		{"too few fields", testHeader + ok + "m5.xlarge,4,15,0,1,0:4,nitro\n", 3, "", "7 fields, want 8"},
		{"too many fields", testHeader + "m5.xlarge,4,15,0,1,0:4,nitro,false,x\n" + ok, 2, "", "9 fields, want 8"},
		{"bare quote", testHeader + ok + "m5\"x,4,15,0,1,0:4,nitro,false\n", 3, "", "column"},
		{"empty name", testHeader + ",4,15,0,1,0:4,nitro,false\n", 2, "instance_type", "empty"},
		{"space in name", testHeader + "m5 large,4,15,0,1,0:4,nitro,false\n", 2, "instance_type", "spaces"},
		{"tab in name", testHeader + "m5\tlarge,4,15,0,1,0:4,nitro,false\n", 2, "instance_type", "spaces"},
		{"duplicate", testHeader + ok + "c1.medium,2,6,0,1,0:2,xen,false\n" + ok, 4, "instance_type", "first on line 2"},
		{"non-numeric enis", testHeader + ok + "m5.xlarge,four,15,0,1,0:4,nitro,false\n", 3, "max_enis", `"four"`},
		{"negative enis", testHeader + "m5.xlarge,-4,15,0,1,0:4,nitro,false\n", 2, "max_enis", `"-4"`},
		{"signed enis", testHeader + "m5.xlarge,+4,15,0,1,0:4,nitro,false\n", 2, "max_enis", `"+4"`},
		{"spaced enis", testHeader + "m5.xlarge, 4,15,0,1,0:4,nitro,false\n", 2, "max_enis", `" 4"`},
		{"zero enis", testHeader + "m5.xlarge,0,15,0,1,0:0,nitro,false\n", 2, "max_enis", "out of range"},
		{"huge enis", testHeader + "m5.xlarge,99999999999,15,0,1,0:4,nitro,false\n", 2, "max_enis", "not a non-negative integer"},
		{"empty ipv4", testHeader + "m5.xlarge,4,,0,1,0:4,nitro,false\n", 2, "ipv4_per_eni", "empty value"},
		{"one ipv4", testHeader + "m5.xlarge,4,1,0,1,0:4,nitro,false\n", 2, "ipv4_per_eni", "out of range [2,"},
		{"zero cards", testHeader + "m5.xlarge,4,15,0,0,0:4,nitro,false\n", 2, "num_network_cards", "out of range"},
		{"default card out of range", testHeader + "m5.xlarge,4,15,1,1,0:4,nitro,false\n", 2, "default_network_card_index", "1 network cards"},
		{"card list short", testHeader + "m5.xlarge,4,15,0,2,0:4,nitro,false\n", 2, "network_card_max_enis", "lists 1 network cards, want 2"},
		{"card entry syntax", testHeader + "m5.xlarge,4,15,0,1,4,nitro,false\n", 2, "network_card_max_enis", "not card:max_enis"},
		{"card index range", testHeader + "m5.xlarge,4,15,0,2,0:4;2:4,nitro,false\n", 2, "network_card_max_enis", "card index"},
		{"card twice", testHeader + "m5.xlarge,4,15,0,2,0:4;0:4,nitro,false\n", 2, "network_card_max_enis", "listed twice"},
		{"card max bad", testHeader + "m5.xlarge,4,15,0,2,0:4;1:x,nitro,false\n", 2, "network_card_max_enis", "max ENIs"},
		{"default card mismatch", testHeader + "m5.xlarge,4,15,0,1,0:5,nitro,false\n", 2, "network_card_max_enis", "max_enis is 4"},
		{"empty card list", testHeader + "m5.xlarge,4,15,0,1,,nitro,false\n", 2, "network_card_max_enis", "not card:max_enis"},
		{"hypervisor", testHeader + ok + "m5.xlarge,4,15,0,1,0:4,kvm,false\n", 3, "hypervisor", `"kvm"`},
		{"hypervisor case", testHeader + "m5.xlarge,4,15,0,1,0:4,Nitro,false\n", 2, "hypervisor", `"Nitro"`},
		{"bare metal", testHeader + "m5.xlarge,4,15,0,1,0:4,nitro,yes\n", 2, "is_bare_metal", `"yes"`},
		{"bare metal empty", testHeader + "m5.xlarge,4,15,0,1,0:4,nitro,\n", 2, "is_bare_metal", `""`},
		{"multi-line quoted field", testHeader + ok + "\"m5\nx\",4,15,0,1,0:4,nitro,false\n", 3, "instance_type", "spaces"},
		{"quoted fields", testHeader + "\"a.b\",4,15,0,1,\"0:4\",nitro,false\n\n\nc.d,4,15,0,1,0:4,xen,maybe\n", 5, "is_bare_metal", `"maybe"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseCatalog(strings.NewReader(tc.in))
			if err == nil {
				t.Fatalf("parsed without error: %+v", got)
			}
			var pe *parseError
			if !errors.As(err, &pe) {
				t.Fatalf("error %v (%T), want *parseError", err, err)
			}
			if pe.Line != tc.line || pe.Field != tc.field {
				t.Errorf("error at line %d field %q, want line %d field %q: %v", pe.Line, pe.Field, tc.line, tc.field, err)
			}
			msg := err.Error()
			prefix := fmt.Sprintf("instance-limits.csv: line %d", tc.line)
			if tc.field != "" {
				prefix += ", field " + tc.field + ": "
			}
			if !strings.HasPrefix(msg, prefix) {
				t.Errorf("message %q, want prefix %q", msg, prefix)
			}
			if !strings.Contains(msg, tc.msg) {
				t.Errorf("message %q, want it to contain %q", msg, tc.msg)
			}
		})
	}
}

// formatCatalog writes types in the CSV format parseCatalog reads.
func formatCatalog(types []InstanceType) []byte {
	var b bytes.Buffer
	b.WriteString(testHeader)
	for _, t := range types {
		cards := make([]string, len(t.CardMaxENIs))
		for i, n := range t.CardMaxENIs {
			cards[i] = strconv.Itoa(i) + ":" + strconv.Itoa(n)
		}
		fmt.Fprintf(&b, "%s,%d,%d,%d,%d,%s,%s,%t\n", csvQuote(t.Name), t.MaxENIs, t.IPv4PerENI,
			t.DefaultNetworkCard, t.NetworkCards, strings.Join(cards, ";"), t.Hypervisor, t.BareMetal)
	}
	return b.Bytes()
}

func csvQuote(s string) string {
	if !strings.ContainsAny(s, `",`+"\r\n") {
		return s
	}
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}

func TestFormatRoundTripEmbedded(t *testing.T) {
	all := All()
	again, err := parseCatalog(bytes.NewReader(formatCatalog(all)))
	if err != nil {
		t.Fatal(err)
	}
	if err := attachResources(again, embeddedResources()); err != nil {
		t.Fatal(err)
	}
	if !slices.EqualFunc(all, again, equalType) {
		t.Fatal("format/parse round trip changed the table")
	}
	if !bytes.Equal(formatCatalog(all), embeddedCSV) {
		t.Fatal("formatting the table does not reproduce the embedded file")
	}
}

func FuzzParseCatalog(f *testing.F) {
	f.Add(embeddedCSV)
	f.Add([]byte(testHeader + "m5.large,3,10,0,1,0:3,nitro,false\n"))
	f.Add([]byte(testHeader + "x.metal,4,30,1,2,1:4;0:2,unknown,true\nb,2,2,0,1,0:2,xen,false\n"))
	f.Add([]byte(testHeader + "\"a,b\",2,2,0,1,0:2,xen,false\n"))
	f.Add([]byte(testHeader + "m5.large,3,10,0,1,0:3,nitro\n"))
	f.Add([]byte(testHeader + "m5\"x,3,10,0,1,0:3,nitro,false\n"))
	f.Add([]byte(""))
	f.Fuzz(func(t *testing.T, data []byte) {
		types, err := parseCatalog(bytes.NewReader(data))
		if err != nil {
			var pe *parseError
			if !errors.As(err, &pe) {
				t.Fatalf("error %v (%T) is not a *parseError", err, err)
			}
			if pe.Line < 1 {
				t.Fatalf("error without a line: %v", err)
			}
			if types != nil {
				t.Fatal("types returned with an error")
			}
			return
		}
		if len(types) == 0 {
			t.Fatal("no types and no error")
		}
		for i, it := range types {
			if i > 0 && types[i-1].Name >= it.Name {
				t.Fatalf("not strictly sorted: %q, %q", types[i-1].Name, it.Name)
			}
			if checkName(it.Name) != nil || it.MaxENIs < 1 || it.IPv4PerENI < 2 || it.NetworkCards < 1 ||
				it.DefaultNetworkCard < 0 || it.DefaultNetworkCard >= it.NetworkCards ||
				len(it.CardMaxENIs) != it.NetworkCards || it.CardMaxENIs[it.DefaultNetworkCard] != it.MaxENIs {
				t.Fatalf("invalid type accepted: %+v", it)
			}
			if MaxPods(it, MaxPodsOptions{PrefixDelegation: true}) < 2 {
				t.Fatalf("max pods below 2 for %+v", it)
			}
		}
		again, err := parseCatalog(bytes.NewReader(formatCatalog(types)))
		if err != nil {
			t.Fatalf("re-parsing the formatted table: %v", err)
		}
		if !slices.EqualFunc(types, again, equalType) {
			t.Fatal("format/parse round trip changed the table")
		}
	})
}
