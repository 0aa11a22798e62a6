package scenarios

import (
	"bytes"
	"encoding/json"
	"io"
	"unicode/utf8"

	"github.com/ipamsim/ipamsim/sim"
)

// JSONLReader streams a JSON Lines trace: one JSON object per line with the
// keys "at" (seconds from the start of the trace, a JSON number or a string
// holding one), "op" ("add", "del" or "running"), "pod", and optionally
// "node", "cpu" and "memory":
//
//	{"at": 0, "op": "running", "pod": "db-0", "cpu": "2", "memory": "4Gi"}
//	{"at": 12.5, "op": "add", "pod": "web-1", "node": "n1", "cpu": "500m", "memory": "256Mi"}
//
// Blank lines and lines starting with '#' are ignored, a UTF-8 byte order mark
// at the start is skipped. The rules are those of CSVReader, except that "at"
// may use exponent notation (1e-05, as JSON encoders write small numbers) as
// long as the value is a whole number of nanoseconds, and that "cpu" and
// "memory" are a Kubernetes quantity in a JSON string ("500m", "1Gi", as
// Kubernetes writes them) or a JSON number (0.5, 1073741824); null, like a
// missing key, gives none. Any other key is an error, as is a key given
// twice. In a *ParseError, Field is the JSON key.
//
// Pod and Node alias the reader's buffers until the next call to Next. The
// first error (or io.EOF) is sticky.
type JSONLReader struct {
	lr    lineReader
	pod   []byte
	node  []byte
	order traceOrder
	err   error
}

var _ Reader = (*JSONLReader)(nil)

// NewJSONLReader returns a reader of the JSON Lines trace in r. file names the
// source in errors.
func NewJSONLReader(r io.Reader, file string) *JSONLReader {
	j := &JSONLReader{}
	j.lr.init(r, file)
	return j
}

// Reset makes j read a new trace from r, reusing its buffers.
func (j *JSONLReader) Reset(r io.Reader, file string) {
	lr, pod, node := j.lr, j.pod[:0], j.node[:0]
	lr.reset(r, file)
	*j = JSONLReader{lr: lr, pod: pod, node: node}
}

// Next returns the next event, io.EOF after the last one, or a *ParseError.
func (j *JSONLReader) Next() (Event, error) {
	if j.err != nil {
		return Event{}, j.err
	}
	for {
		line, err := j.lr.next()
		if err != nil {
			j.err = err
			return Event{}, err
		}
		if skipLine(line) {
			continue
		}
		ev, err := j.parseLine(line)
		if err != nil {
			j.err = err
			return Event{}, err
		}
		return ev, nil
	}
}

var jsonKeys = []string{"at", "op", "pod", "node", "cpu", "memory"}

// parseLine parses one JSON object. The line is validated with json.Valid
// first; the walk over its keys and values can then be a simple scan, which
// does not allocate unless a string holds escapes or invalid UTF-8.
func (j *JSONLReader) parseLine(line []byte) (Event, error) {
	ln := j.lr.line
	if !json.Valid(line) {
		var v json.RawMessage
		err := json.Unmarshal(line, &v)
		return Event{}, j.lr.errorf(ln, "", "invalid JSON (%v): %s", err, quote(line))
	}
	i := skipJSONSpace(line, 0)
	if line[i] != '{' {
		return Event{}, j.lr.errorf(ln, "", "want a JSON object, got %s", quote(bytes.TrimSpace(line)))
	}
	var (
		ev     = Event{Line: ln}
		seen   [6]bool
		atRaw  []byte
		resRaw [2][]byte // cpu, memory: the quantities' text
	)
	i = skipJSONSpace(line, i+1)
	for line[i] != '}' {
		end := jsonValueEnd(line, i) // the key, a string
		key := jsonStringContent(line[i:end])
		i = skipJSONSpace(line, end)
		i = skipJSONSpace(line, i+1) // ':'
		end = jsonValueEnd(line, i)
		raw := line[i:end]
		k := -1
		for n, name := range jsonKeys {
			if string(key) == name {
				k = n
			}
		}
		if k < 0 {
			return Event{}, j.lr.errorf(ln, string(key), "unknown key %q: want at, op, pod and optionally node, cpu and memory", key)
		}
		field := jsonKeys[k]
		if seen[k] {
			return Event{}, j.lr.errorf(ln, field, "key %q given twice", field)
		}
		seen[k] = true
		switch field {
		case "at":
			t, err := j.parseAt(raw)
			if err != nil {
				return Event{}, err
			}
			ev.At, atRaw = t, raw
		case "op":
			if raw[0] != '"' {
				return Event{}, j.lr.errorf(ln, field, "%s is not an op: want \"add\", \"del\" or \"running\"", quote(raw))
			}
			s := jsonStringContent(raw)
			op, ok := parseOp(s)
			if !ok {
				return Event{}, j.lr.errorf(ln, field, "%s is not an op: want add, del or running", quote(s))
			}
			ev.Op = op
		case "pod":
			if raw[0] != '"' {
				return Event{}, j.lr.errorf(ln, field, "%s is not a pod name: want a JSON string", quote(raw))
			}
			j.pod = append(j.pod[:0], jsonStringContent(raw)...)
			if msg := checkName(j.pod, true); msg != "" {
				return Event{}, j.lr.errorf(ln, field, "%s %s", quote(j.pod), msg)
			}
			ev.Pod = j.pod[:len(j.pod):len(j.pod)]
		case "node":
			if string(raw) == "null" {
				break
			}
			if raw[0] != '"' {
				return Event{}, j.lr.errorf(ln, field, "%s is not a node name: want a JSON string", quote(raw))
			}
			j.node = append(j.node[:0], jsonStringContent(raw)...)
			if msg := checkName(j.node, false); msg != "" {
				return Event{}, j.lr.errorf(ln, field, "%s %s", quote(j.node), msg)
			}
			if len(j.node) > 0 {
				ev.Node = j.node[:len(j.node):len(j.node)]
			}
		case "cpu", "memory":
			q, ok := jsonQuantity(raw)
			if !ok {
				return Event{}, j.lr.errorf(ln, field, "%s is not a %s quantity: want a JSON string such as %s or a number", quote(raw), field, jsonQuantityExample[field])
			}
			if q != nil {
				resRaw[k-4] = q
			}
		}
		i = skipJSONSpace(line, end)
		if line[i] == ',' {
			i = skipJSONSpace(line, i+1)
		}
	}
	for n, name := range jsonKeys[:3] {
		if !seen[n] {
			return Event{}, j.lr.errorf(ln, name, "missing: every line needs at, op and pod")
		}
	}
	for i, field := range jsonKeys[4:] {
		if resRaw[i] != nil {
			if err := parseEventResource(&j.lr, ln, &ev, field, resRaw[i]); err != nil {
				return Event{}, err
			}
		}
	}
	if err := j.order.check(&j.lr, ln, ev.At, atRaw, ev.Op); err != nil {
		return Event{}, err
	}
	return ev, nil
}

var jsonQuantityExample = map[string]string{"cpu": `"500m"`, "memory": `"256Mi"`}

// jsonQuantity returns the text of a quantity given as a JSON string or
// number, nil for null, and false for anything else.
func jsonQuantity(raw []byte) ([]byte, bool) {
	switch {
	case string(raw) == "null":
		return nil, true
	case raw[0] == '"':
		return jsonStringContent(raw), true
	case raw[0] == '-' || isDigit(raw[0]):
		return raw, true
	}
	return nil, false
}

// parseAt parses the value of "at": a JSON number, or a string holding one.
func (j *JSONLReader) parseAt(raw []byte) (sim.Time, error) {
	num := raw
	if raw[0] == '"' {
		num = jsonStringContent(raw)
	} else if !isDigit(raw[0]) && raw[0] != '-' {
		return 0, j.lr.errorf(j.lr.line, "at", "%s is not a number of seconds", quote(raw))
	}
	t, terr := parseSeconds(num, true)
	if terr != timeOK {
		return 0, j.lr.errorf(j.lr.line, "at", "%s", terr.message(num))
	}
	return t, nil
}

// The scanning helpers below work on input that json.Valid accepted.

func skipJSONSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\r' || b[i] == '\n') {
		i++
	}
	return i
}

// jsonValueEnd returns the index just after the JSON value that starts at i.
func jsonValueEnd(b []byte, i int) int {
	switch b[i] {
	case '"':
		for i++; ; i++ {
			switch b[i] {
			case '\\':
				i++
			case '"':
				return i + 1
			}
		}
	case '{', '[':
		depth := 0
		for ; ; i++ {
			switch b[i] {
			case '"':
				i = jsonValueEnd(b, i) - 1
			case '{', '[':
				depth++
			case '}', ']':
				if depth--; depth == 0 {
					return i + 1
				}
			}
		}
	}
	for i < len(b) {
		switch b[i] {
		case ',', '}', ']', ' ', '\t', '\r', '\n':
			return i
		}
		i++
	}
	return i
}

// jsonStringContent returns the text of the JSON string raw (quotes
// included), decoded as encoding/json decodes it. Without escapes and with
// valid UTF-8 that is raw itself, less the quotes, and nothing is allocated.
func jsonStringContent(raw []byte) []byte {
	content := raw[1 : len(raw)-1]
	if bytes.IndexByte(content, '\\') < 0 && utf8.Valid(content) {
		return content
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return content // cannot happen for a valid JSON string
	}
	return []byte(s)
}
