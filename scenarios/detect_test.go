package scenarios

import (
	"strings"
	"testing"
)

func TestDetectFormat(t *testing.T) {
	const auditEvent = `{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"5c1a","stage":"ResponseComplete","verb":"create"}`
	tests := []struct {
		name string
		head string
		want Format
		err  string // part of the error, if one is expected
	}{
		{"CSV", "at,op,pod\n0,add,a\n", FormatCSV, ""},
		{"CSV with node", "at,op,pod,node\n", FormatCSV, ""},
		{"CSV after comments and BOM", "\xef\xbb\xbf# trace\n\n  \r\n# more\nat,op,pod\r\n", FormatCSV, ""},
		{"CSV spaced header", "at , op , pod\n", FormatCSV, ""},
		{"CSV header only, no newline", "at,op,pod", FormatCSV, ""},
		{"JSONL", `{"at":0,"op":"add","pod":"a"}` + "\n", FormatJSONL, ""},
		{"JSONL spaced", `  { "at": 0, "op": "add", "pod": "web-1", "node": "n1" }`, FormatJSONL, ""},
		{"JSONL pod named like a marker", `{"at":0,"op":"add","pod":"auditID"}`, FormatJSONL, ""},
		{"JSONL pod named Event", `{"at":0,"op":"add","pod":"Event"}`, FormatJSONL, ""},
		{"audit", auditEvent + "\n" + auditEvent, FormatK8sAudit, ""},
		{"audit kind only", `{"kind": "Event", "verb": "delete"}`, FormatK8sAudit, ""},
		{"audit auditID only", `{"level":"Request","auditID" : "x"}`, FormatK8sAudit, ""},
		{"audit apiVersion only", `{"apiVersion":"audit.k8s.io/v1beta1"}`, FormatK8sAudit, ""},
		{"audit EventList", `{"kind":"EventList","apiVersion":"audit.k8s.io/v1","items":[]}`, FormatK8sAudit, ""},
		{"audit truncated head", auditEvent[:60], FormatK8sAudit, ""},
		{"CloudWatch @message", `{"@timestamp":"2024-05-01 10:00:00.000","@message":"{\"kind\":\"Event\",\"apiVersion\":\"audit.k8s.io/v1\",\"auditID\":\"1\"}"}`, FormatK8sAudit, ""},
		{"CloudWatch message", `{"timestamp":1714557600000,"message":"{\"auditID\":\"ab\",\"verb\":\"create\"}","logStream":"kube-apiserver-audit-1"}`, FormatK8sAudit, ""},
		{"CloudWatch message not audit", `{"timestamp":1,"message":"{\"level\":\"info\"}"}`, FormatJSONL, ""},
		{"core Event is not audit kind", `{"kind":"Events"}`, FormatJSONL, ""},
		{"empty", "", 0, "no line"},
		{"only comments", "# a\n\n#b\n", 0, "no line"},
		{"no header", "0,add,a\n", 0, `"0,add,a" is neither`},
		{"atom header", "atom,op,pod\n", 0, "neither a CSV header"},
		{"JSON array", `[{"at":0}]`, 0, "neither"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DetectFormat([]byte(tt.head))
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("DetectFormat = %v, %v; want an error containing %q", got, err, tt.err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("DetectFormat = %v, %v; want %v", got, err, tt.want)
			}
		})
	}
}

func TestFormatNames(t *testing.T) {
	for _, f := range []Format{FormatCSV, FormatJSONL, FormatK8sAudit} {
		got, err := ParseFormat(f.String())
		if err != nil || got != f {
			t.Errorf("ParseFormat(%q) = %v, %v", f.String(), got, err)
		}
	}
	if got := []string{FormatCSV.String(), FormatJSONL.String(), FormatK8sAudit.String()}; strings.Join(got, " ") != "csv jsonl k8s-audit" {
		t.Errorf("names %v", got)
	}
	if got, err := ParseFormat(" JSONL "); err != nil || got != FormatJSONL {
		t.Errorf("ParseFormat(JSONL) = %v, %v", got, err)
	}
	if got := Format(0).String(); got != "Format(0)" {
		t.Errorf("Format(0) = %q", got)
	}
	for _, bad := range []string{"", "json", "audit", "yaml"} {
		if _, err := ParseFormat(bad); err == nil || !strings.Contains(err.Error(), "want csv, jsonl or k8s-audit") {
			t.Errorf("ParseFormat(%q) error = %v", bad, err)
		}
	}
}
