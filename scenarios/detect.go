package scenarios

import (
	"bytes"
	"fmt"
	"strings"
)

// Format is a trace file format.
type Format int

const (
	// FormatCSV is the CSV trace: header "at,op,pod[,node]", one event a line.
	FormatCSV Format = iota + 1
	// FormatJSONL is the JSON Lines trace: {"at":…,"op":…,"pod":…[,"node":…]}.
	FormatJSONL
	// FormatK8sAudit is a Kubernetes audit log (JSON Lines of audit.k8s.io
	// Events), raw or as exported from CloudWatch Logs.
	FormatK8sAudit
)

// String returns the format's name as the --format flag spells it.
func (f Format) String() string {
	switch f {
	case FormatCSV:
		return "csv"
	case FormatJSONL:
		return "jsonl"
	case FormatK8sAudit:
		return "k8s-audit"
	}
	return fmt.Sprintf("Format(%d)", int(f))
}

// ParseFormat parses a format name as String returns it (case-insensitive).
func ParseFormat(s string) (Format, error) {
	for _, f := range [...]Format{FormatCSV, FormatJSONL, FormatK8sAudit} {
		if strings.EqualFold(strings.TrimSpace(s), f.String()) {
			return f, nil
		}
	}
	return 0, fmt.Errorf("unknown trace format %q: want csv, jsonl or k8s-audit", s)
}

// DetectFormat guesses the format of a trace from its first bytes (a few KiB
// are plenty). It looks at the first line that is neither blank nor a '#'
// comment: a CSV header starts with "at,"; a JSON object is a Kubernetes audit
// event if it has "kind":"Event", an "auditID" key or an "apiVersion" of
// audit.k8s.io, or is a CloudWatch Logs record whose "@message" or "message"
// holds such an event as an escaped string; any other JSON object is a JSONL
// trace.
func DetectFormat(head []byte) (Format, error) {
	head = bytes.TrimPrefix(head, utf8BOM)
	var line []byte
	for len(head) > 0 {
		var l []byte
		if i := bytes.IndexByte(head, '\n'); i >= 0 {
			l, head = head[:i], head[i+1:]
		} else {
			l, head = head, nil
		}
		l = bytes.TrimSpace(l)
		if len(l) > 0 && l[0] != '#' {
			line = l
			break
		}
	}
	switch {
	case line == nil:
		return 0, fmt.Errorf("cannot tell the trace format: no line that is not blank or a comment")
	case line[0] == '{':
		if isAuditEvent(line) {
			return FormatK8sAudit, nil
		}
		return FormatJSONL, nil
	case bytes.HasPrefix(line, []byte("at")) && bytes.HasPrefix(bytes.TrimLeft(line[2:], " \t"), []byte(",")):
		return FormatCSV, nil
	}
	return 0, fmt.Errorf("cannot tell the trace format: the first line %s is neither a CSV header (%q) nor a JSON object",
		quote(line), csvHeader3)
}

// isAuditEvent reports whether the JSON object on line looks like a Kubernetes
// audit event, or a log record that carries one as an escaped string.
func isAuditEvent(line []byte) bool {
	if hasAuditMarker(line, `"`) {
		return true
	}
	// CloudWatch Logs exports wrap the event as a string in "@message" (Logs
	// Insights) or "message" (subscription filters, S3 exports).
	if hasKey(line, `"`, "@message") || hasKey(line, `"`, "message") {
		return hasAuditMarker(line, `\"`)
	}
	return false
}

// hasAuditMarker looks for the keys of an audit event, with q as the
// quotation mark (`"`, or `\"` inside a JSON string).
func hasAuditMarker(line []byte, q string) bool {
	return hasKeyValue(line, q, "kind", q+"Event"+q) ||
		hasKey(line, q, "auditID") ||
		hasKeyValue(line, q, "apiVersion", q+"audit.k8s.io")
}

// hasKey reports whether line has q key q followed by a colon.
func hasKey(line []byte, q, key string) bool {
	return hasKeyValue(line, q, key, "")
}

// hasKeyValue reports whether line has q key q, a colon, then a value that
// starts with valuePrefix, with optional spaces around the colon.
func hasKeyValue(line []byte, q, key, valuePrefix string) bool {
	pat := []byte(q + key + q)
	for rest := line; ; {
		i := bytes.Index(rest, pat)
		if i < 0 {
			return false
		}
		rest = rest[i+len(pat):]
		after := bytes.TrimLeft(rest, " \t")
		if len(after) == 0 || after[0] != ':' {
			continue
		}
		after = bytes.TrimLeft(after[1:], " \t")
		if bytes.HasPrefix(after, []byte(valuePrefix)) {
			return true
		}
	}
}
