package scenarios

// Kubernetes audit-log import.
//
// ReadAudit turns an API server audit log (audit.k8s.io/v1 Events, one JSON
// object a line, raw or as exported from CloudWatch Logs) into a pod
// create/delete trace. Unlike the CSV and JSONL readers it does not stream:
// audit logs are out of order by a bounded amount (events are written when
// requests complete, not when they arrive), and a delete becomes a trace
// event only after its grace period, so the events of the whole log are
// buffered, sorted and replayed from memory. A day of audit log fits
// comfortably. For replays of 10 M events and more, convert the log once
// (ipamsim trace convert --from k8s-audit -o trace.csv) and replay the CSV,
// which streams in constant memory.

import (
	"bufio"
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ipamsim/ipamsim/sim"
)

// AuditOptions tunes ReadAudit.
type AuditOptions struct {
	// GracePeriod, when non-nil, is the grace period of every pod delete,
	// overriding what the log says. It must be between 0 and MaxTraceTime.
	GracePeriod *time.Duration

	// AssumeRunning keeps the pods that were already running when the log
	// starts: a pod the log never creates nor binds, but whose status update
	// or delete names its node, is a running event (OpRunning) at the log's
	// first timestamp. Without it such pods are left out (and their deletes
	// counted as UnknownDeletes).
	AssumeRunning bool
}

// DefaultAuditOptions returns the options the CLI uses by default: the grace
// period from the log, and pods already running at the log's start assumed.
func DefaultAuditOptions() AuditOptions {
	return AuditOptions{AssumeRunning: true}
}

// ImportSummary counts what ReadAudit made of an audit log. Nothing in the
// log is dropped without being counted here.
type ImportSummary struct {
	Lines  int // lines read, blank ones included
	Events int // audit events decoded (non-blank lines)

	PodsAdded   int // add events in the trace (AlreadyRunning not included)
	PodsDeleted int // del events in the trace

	// AlreadyRunning counts the running events: pods running before the log
	// starts (AssumeRunning), at the log's first timestamp.
	AlreadyRunning int
	// WithSpec counts the add and running events whose pod spec is in the
	// log (in a pod object, which audit policies at the Request and
	// RequestResponse levels record; Metadata level records none), so that
	// their CPU and memory requests are known. The others have none.
	WithSpec int
	// UnknownDeletes counts the pod deletes left out because the log never
	// placed the pod on a node: pods never seen, pods deleted while pending,
	// and (without AssumeRunning) pods running before the log starts.
	UnknownDeletes int
	// FailedRequests counts pod requests that failed (a responseStatus.code
	// outside 2xx, or the Panic stage): they changed nothing.
	FailedRequests int
	// DuplicateBindings counts successful bindings of pods already bound.
	DuplicateBindings int
	// Ignored counts the events that add nothing to the trace and are none
	// of the above: events about other resources, reads, the stages other
	// than ResponseComplete (RequestReceived, ResponseStarted), repeated
	// audit IDs, pod creates (they only record what a later event needs),
	// status updates of pods already placed, the kubelet's final delete of a
	// pod already deleted, and CloudWatch records of other log streams.
	Ignored int
}

// String returns the counts on one line, e.g.
// "k8s-audit: lines=412 events=410 added=52 deleted=40 already_running=1 ...".
// added counts add events and already_running the running events, so
// added+already_running is the number of pods in the trace.
func (s ImportSummary) String() string {
	return fmt.Sprintf("k8s-audit: lines=%d events=%d added=%d deleted=%d already_running=%d unknown_deletes=%d failed_requests=%d duplicate_bindings=%d ignored=%d with_spec=%d",
		s.Lines, s.Events, s.PodsAdded, s.PodsDeleted, s.AlreadyRunning, s.UnknownDeletes,
		s.FailedRequests, s.DuplicateBindings, s.Ignored, s.WithSpec)
}

// DefaultAuditGracePeriod is the grace period of a pod delete when neither the
// request nor the pod says otherwise: the Kubernetes default of
// spec.terminationGracePeriodSeconds.
const DefaultAuditGracePeriod = 30 * time.Second

// AuditMaxLineLen is the longest audit log line ReadAudit accepts, in bytes.
// Audit events that carry whole objects (RequestResponse level) are far
// longer than trace lines.
const AuditMaxLineLen = 32 << 20

// ReadAudit reads the Kubernetes audit log in r and returns the pod trace it
// describes, sorted by time, with the node column, and what it made of each
// line. file names the source in errors.
//
// # Input
//
// Each line is one audit.k8s.io/v1 (or v1beta1) Event, either raw or wrapped
// in a CloudWatch Logs record: {"@timestamp": ..., "@message": EVENT} (Logs
// Insights) or {"message": EVENT, "logStreamName": ...} (filter-log-events,
// subscription filters), where EVENT is the event object or a JSON string
// holding it. Records of log streams other than kube-apiserver-audit-* are
// ignored, so a whole EKS cluster log group can be exported at once. Blank
// lines are skipped. Only the fields the import needs are read: verb, stage,
// auditID, objectRef, responseStatus.code, requestReceivedTimestamp,
// stageTimestamp, requestObject and responseObject; the rest may be anything.
//
// Only the ResponseComplete stage (or events with no stage) is considered,
// so that a request logged at RequestReceived and at ResponseComplete counts
// once; pod events are also deduplicated by auditID. The events are replayed
// in time order (stageTimestamp, falling back to requestReceivedTimestamp;
// ties in log order), so the log may be out of order.
//
// # Semantics
//
// A pod's address is asked for when its sandbox is created on the node, not
// when the pod object is created, so:
//
//   - A pod is added when it is bound: the create of pods/binding (or of the
//     legacy bindings resource), at its stageTimestamp, on the node
//     requestObject.target.name. A pod the log creates but never binds (its
//     spec.nodeName set by its creator) is added at the first update or
//     patch of the pod or pods/status whose object names spec.nodeName.
//   - A pod is deleted at its delete's time plus its grace period: the
//     request's gracePeriodSeconds (DeleteOptions, or an Eviction's
//     deleteOptions), else the response's metadata.deletionGracePeriodSeconds
//     (what the API server applied), else the pod's
//     spec.terminationGracePeriodSeconds (from the response, or from an
//     earlier event about the pod), else 30 s; AuditOptions.GracePeriod
//     overrides them all. A negative grace period counts as 1 s, as the API
//     server has it. Evictions (create of pods/eviction) and deletecollection
//     (one delete per item of the response) are deletes too. Later deletes
//     of a pod already deleted (the kubelet's final delete with grace 0) are
//     ignored.
//   - Pods are told apart by namespace/name and, where the log gives it, uid:
//     a pod re-created with the same name (a StatefulSet's) is a new pod. The
//     trace names a pod "namespace/name"; while an earlier pod of that name
//     is still live in the trace (its delete plus grace not yet reached), the
//     new one is "namespace/name#2" (#3, ...), so names are unique among live
//     pods.
//   - A pod whose first event is a status update or a delete, and whose
//     create is not in the log, was running before the log starts: with
//     AuditOptions.AssumeRunning and its node known from that event's object
//     (spec.nodeName) it is a running event at time 0, before every add.
//   - A pod's CPU and memory requests (Event.CPUMilli, MemoryBytes) are
//     what the scheduler counts, from the pod's spec in the first event
//     that carries one (the create's response, after the API server's
//     defaulting and admission, before its request): see podRequests.
//     Without a spec in the log (an audit policy at Metadata level) they
//     are 0.
//
// Times are relative to the log's first timestamp, which is at 0: the
// earliest requestReceivedTimestamp or stageTimestamp of any event in the
// log, whatever its resource or stage. A pod event later than MaxTraceTime
// after it, a grace period longer than MaxTraceTime, and a delete whose
// grace period ends after MaxTraceTime are errors naming the line and field.
//
// # Errors
//
// A line that is not a JSON object, not an audit event, or has a field of
// the wrong type or a bad timestamp is a *ParseError naming file, line and
// field (e.g. Field "requestReceivedTimestamp"); the import stops there. An
// invalid AuditOptions is a plain error.
//
// Event.Pod and Event.Node of the returned Reader's events stay valid after
// the next call to Next (they are not reused), and Event.Line is the line of
// the audit event that caused the trace event.
func ReadAudit(r io.Reader, file string, opts AuditOptions) (Reader, ImportSummary, error) {
	if g := opts.GracePeriod; g != nil && (*g < 0 || sim.Time(*g) > MaxTraceTime) {
		return nil, ImportSummary{}, fmt.Errorf("k8s-audit: grace period %v is out of range: want 0 to %v (100 years)", *g, time.Duration(MaxTraceTime))
	}
	p := auditParser{file: file, seenIDs: make(map[string]struct{})}
	if err := p.readAll(r); err != nil {
		return nil, p.sum, err
	}
	for i := range p.items {
		if it := &p.items[i]; sim.Time(it.at-p.start) > MaxTraceTime {
			return nil, p.sum, p.errorf(it.line, it.atField, "%s is more than 100 years after the log's first timestamp, %s: a trace spans at most %s seconds",
				strconv.Quote(time.Unix(0, it.at).UTC().Format(time.RFC3339Nano)), time.Unix(0, p.start).UTC().Format(time.RFC3339Nano), formatSeconds(MaxTraceTime))
		}
	}
	st := auditState{
		file:  file,
		opts:  opts,
		start: p.start,
		sum:   p.sum,
		pods:  make(map[string]*auditPodInc),
		names: make(map[string][]*auditNameSlot),
		nodes: make(map[string][]byte),
	}
	slices.SortStableFunc(p.items, func(a, b auditItem) int {
		return cmp.Compare(a.at, b.at)
	})
	for i := range p.items {
		if err := st.apply(&p.items[i]); err != nil {
			return nil, st.sum, err
		}
	}
	slices.SortStableFunc(st.out, func(a, b auditOut) int {
		if c := cmp.Compare(a.ev.At, b.ev.At); c != 0 {
			return c
		}
		if ra, rb := a.ev.Op == OpRunning, b.ev.Op == OpRunning; ra != rb {
			if ra { // running events come before any other
				return -1
			}
			return 1
		}
		if c := a.ev.Line - b.ev.Line; c != 0 {
			return c
		}
		return a.seq - b.seq
	})
	evs := make([]Event, len(st.out))
	for i, o := range st.out {
		evs[i] = o.ev
	}
	return &auditReader{evs: evs}, st.sum, nil
}

// auditReader replays the trace built by ReadAudit.
type auditReader struct {
	evs []Event
	i   int
}

// Next returns the next event, or io.EOF after the last one.
func (r *auditReader) Next() (Event, error) {
	if r.i >= len(r.evs) {
		return Event{}, io.EOF
	}
	ev := r.evs[r.i]
	r.i++
	return ev, nil
}

// ---------------------------------------------------------------------------
// Parsing: one line into at most a few auditItems.

// auditRecord is the part of an audit event (or of a CloudWatch record
// wrapping one) that the import reads.
type auditRecord struct {
	Kind                     string          `json:"kind"`
	APIVersion               string          `json:"apiVersion"`
	AuditID                  string          `json:"auditID"`
	Stage                    string          `json:"stage"`
	Verb                     string          `json:"verb"`
	ObjectRef                *auditObjectRef `json:"objectRef"`
	ResponseStatus           *auditStatus    `json:"responseStatus"`
	RequestReceivedTimestamp string          `json:"requestReceivedTimestamp"`
	StageTimestamp           string          `json:"stageTimestamp"`
	RequestObject            json.RawMessage `json:"requestObject"`
	ResponseObject           json.RawMessage `json:"responseObject"`

	// CloudWatch Logs record fields.
	AtMessage     json.RawMessage `json:"@message"`
	Message       json.RawMessage `json:"message"`
	AtLogStream   string          `json:"@logStream"`
	LogStreamName string          `json:"logStreamName"`
}

type auditObjectRef struct {
	Resource    string `json:"resource"`
	Subresource string `json:"subresource"`
	APIGroup    string `json:"apiGroup"`
	Namespace   string `json:"namespace"`
	Name        string `json:"name"`
	UID         string `json:"uid"`
}

type auditStatus struct {
	Code int `json:"code"`
}

// auditQuantity is a resource quantity as the API server writes it: a JSON
// string ("500m"), or a number.
type auditQuantity = json.RawMessage

// auditResources is a container's (or the pod's) resources.
type auditResources struct {
	Requests map[string]auditQuantity `json:"requests"`
	Limits   map[string]auditQuantity `json:"limits"`
}

// auditContainer is the part of a container the import reads.
type auditContainer struct {
	Resources     auditResources `json:"resources"`
	RestartPolicy string         `json:"restartPolicy"` // "Always" for a sidecar (an init container)
}

type auditMeta struct {
	Name                       string `json:"name"`
	Namespace                  string `json:"namespace"`
	UID                        string `json:"uid"`
	DeletionGracePeriodSeconds *int64 `json:"deletionGracePeriodSeconds"`
}

// auditPod is the part of a Pod the import reads.
type auditPod struct {
	Kind     string    `json:"kind"`
	Metadata auditMeta `json:"metadata"`
	Spec     struct {
		NodeName                      string                   `json:"nodeName"`
		TerminationGracePeriodSeconds *int64                   `json:"terminationGracePeriodSeconds"`
		Containers                    []auditContainer         `json:"containers"`
		InitContainers                []auditContainer         `json:"initContainers"`
		Overhead                      map[string]auditQuantity `json:"overhead"`
		Resources                     *auditResources          `json:"resources"`
	} `json:"spec"`
}

type auditBinding struct {
	Metadata auditMeta `json:"metadata"`
	Target   struct {
		Name string `json:"name"`
	} `json:"target"`
}

type auditDeleteOptions struct {
	GracePeriodSeconds *int64 `json:"gracePeriodSeconds"`
	Preconditions      *struct {
		UID *string `json:"uid"`
	} `json:"preconditions"`
}

type auditEviction struct {
	Metadata      auditMeta           `json:"metadata"`
	DeleteOptions *auditDeleteOptions `json:"deleteOptions"`
}

type auditPodList struct {
	Kind  string     `json:"kind"`
	Items []auditPod `json:"items"`
}

// auditAction is what a pod event does.
type auditAction uint8

const (
	auditActCreate auditAction = iota + 1 // pod created (state only)
	auditActBind                          // pod bound to a node
	auditActUpdate                        // pod or pods/status updated or patched
	auditActDelete                        // pod deleted (delete, eviction, deletecollection item)
)

// auditItem is one pod event, kept in memory until the whole log is read.
type auditItem struct {
	at   int64 // Unix ns
	line int
	act  auditAction
	key  string // "namespace/name"
	uid  string
	node string // binding target, or the object's spec.nodeName

	atField string // the timestamp at is from

	reqGrace  int64 // seconds, from the request; -1 if absent
	delGrace  int64 // response metadata.deletionGracePeriodSeconds; -1 if absent
	specGrace int64 // the object's spec.terminationGracePeriodSeconds; -1 if absent
	// The fields the grace periods are from, for errors.
	reqGraceField, delGraceField, specGraceField string

	hasRes bool  // the event carries a pod spec: cpu and mem are its requests
	cpu    int64 // millicores
	mem    int64 // bytes
}

type auditParser struct {
	file     string
	sum      ImportSummary
	start    int64 // earliest event time, Unix ns
	hasStart bool
	items    []auditItem
	seenIDs  map[string]struct{} // audit IDs of considered pod events
}

func (p *auditParser) errorf(line int, field, format string, args ...any) *ParseError {
	return &ParseError{File: p.file, Line: line, Field: field, Msg: fmt.Sprintf(format, args...)}
}

// readAll reads every line of r.
func (p *auditParser) readAll(r io.Reader) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), AuditMaxLineLen)
	for sc.Scan() {
		p.sum.Lines++
		line := sc.Bytes()
		if p.sum.Lines == 1 {
			line = bytes.TrimPrefix(line, utf8BOM)
		}
		line = bytes.TrimSpace(line)
		if len(line) == 0 {
			continue
		}
		p.sum.Events++
		if err := p.parseLine(line, p.sum.Lines); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		ln := p.sum.Lines + 1
		if errors.Is(err, bufio.ErrTooLong) {
			return p.errorf(ln, "", "line is longer than %d bytes", AuditMaxLineLen)
		}
		return p.errorf(ln, "", "read error: %v", err)
	}
	return nil
}

// decodeJSON decodes raw into v, naming field (a prefix of the JSON path,
// "" for the whole line) in the *ParseError it returns.
func (p *auditParser) decodeJSON(line int, field string, raw []byte, v any) error {
	err := json.Unmarshal(raw, v)
	if err == nil {
		return nil
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		f := auditJoinField(field, te.Field)
		if f == field && field == "" {
			return p.errorf(line, "", "a JSON %s where an audit event (a JSON object) belongs", te.Value)
		}
		return p.errorf(line, f, "a JSON %s where %s belongs", te.Value, auditJSONKind(te.Type))
	}
	if field == "" {
		return p.errorf(line, "", "invalid JSON: %v", err)
	}
	return p.errorf(line, field, "invalid JSON: %v", err)
}

// auditJSONKind names what a Go type holds in JSON terms.
func auditJSONKind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Struct, reflect.Map:
		return "an object"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.String:
		return "a string"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return "an integer"
	case reflect.Pointer:
		return auditJSONKind(t.Elem())
	}
	return t.String()
}

func auditJoinField(prefix, f string) string {
	switch {
	case prefix == "":
		return f
	case f == "":
		return prefix
	}
	return prefix + "." + f
}

// auditIsNull reports whether raw is absent or JSON null.
func auditIsNull(raw json.RawMessage) bool {
	return len(raw) == 0 || string(raw) == "null"
}

// parseLine decodes one non-blank line.
func (p *auditParser) parseLine(b []byte, line int) error {
	if b[0] != '{' {
		return p.errorf(line, "", "not a JSON object: want one audit event a line, got %s", quote(b))
	}
	var rec auditRecord
	if err := p.decodeJSON(line, "", b, &rec); err != nil {
		return err
	}
	if rec.Verb == "" && rec.Kind == "" && rec.APIVersion == "" && (!auditIsNull(rec.AtMessage) || !auditIsNull(rec.Message)) {
		// A CloudWatch Logs record.
		field, raw := "@message", rec.AtMessage
		if auditIsNull(raw) {
			field, raw = "message", rec.Message
		}
		stream := rec.AtLogStream
		if stream == "" {
			stream = rec.LogStreamName
		}
		if stream != "" && !strings.HasPrefix(stream, "kube-apiserver-audit") {
			p.sum.Ignored++ // another log stream of the cluster's log group
			return nil
		}
		inner := []byte(raw)
		if raw[0] == '"' {
			var s string
			if err := json.Unmarshal(raw, &s); err != nil {
				return p.errorf(line, field, "invalid JSON string: %v", err)
			}
			inner = bytes.TrimSpace([]byte(s))
		}
		if len(inner) == 0 || inner[0] != '{' {
			return p.errorf(line, field, "not an audit event (a JSON object): %s", quote(inner))
		}
		rec = auditRecord{}
		if err := p.decodeJSON(line, "", inner, &rec); err != nil {
			return err
		}
	}
	return p.parseEvent(&rec, line)
}

// auditTimeMin and auditTimeMax bound the timestamps accepted, so that times
// and their differences fit in a sim.Time.
var (
	auditTimeMin = time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC)
	auditTimeMax = time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC)
)

func (p *auditParser) parseTime(line int, field, s string) (int64, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return 0, p.errorf(line, field, "%s is not an RFC 3339 timestamp such as 2024-05-14T09:00:00.123456Z", strconv.Quote(s))
	}
	if t.Before(auditTimeMin) || !t.Before(auditTimeMax) {
		return 0, p.errorf(line, field, "%s is out of range: want a time from 1970 to 2199", strconv.Quote(s))
	}
	return t.UnixNano(), nil
}

// parseEvent turns a decoded audit event into pod items and counts.
func (p *auditParser) parseEvent(rec *auditRecord, line int) error {
	if rec.Kind != "" && rec.Kind != "Event" {
		return p.errorf(line, "kind", "%s: want \"Event\" (an audit.k8s.io/v1 Event)", strconv.Quote(rec.Kind))
	}
	switch rec.APIVersion {
	case "", "audit.k8s.io/v1", "audit.k8s.io/v1beta1":
	default:
		return p.errorf(line, "apiVersion", "%s: want \"audit.k8s.io/v1\"", strconv.Quote(rec.APIVersion))
	}
	if rec.Verb == "" {
		return p.errorf(line, "verb", "missing: not an audit.k8s.io/v1 Event")
	}
	if rec.StageTimestamp == "" && rec.RequestReceivedTimestamp == "" {
		return p.errorf(line, "requestReceivedTimestamp", "missing, and so is stageTimestamp: an event needs a time")
	}
	// The event's time is when it completed (stageTimestamp, falling back to
	// requestReceivedTimestamp); the log starts at its earliest timestamp of
	// either kind.
	var (
		at      int64
		atField string
	)
	first := true
	for _, f := range [...]struct{ name, value string }{
		{"stageTimestamp", rec.StageTimestamp},
		{"requestReceivedTimestamp", rec.RequestReceivedTimestamp},
	} {
		if f.value == "" {
			continue
		}
		t, err := p.parseTime(line, f.name, f.value)
		if err != nil {
			return err
		}
		if first {
			at, atField, first = t, f.name, false
		}
		if !p.hasStart || t < p.start {
			p.start, p.hasStart = t, true
		}
	}
	var considered, panicked bool
	switch rec.Stage {
	case "", "ResponseComplete":
		considered = true
	case "RequestReceived", "ResponseStarted":
	case "Panic":
		panicked = true
	default:
		return p.errorf(line, "stage", "%s is not an audit stage: want RequestReceived, ResponseStarted, ResponseComplete or Panic", strconv.Quote(rec.Stage))
	}

	ref := rec.ObjectRef
	if ref == nil || ref.APIGroup != "" || (ref.Resource != "pods" && ref.Resource != "bindings") {
		p.sum.Ignored++ // not about pods (metrics.k8s.io has "pods" too)
		return nil
	}
	if panicked {
		p.sum.FailedRequests++
		return nil
	}
	if !considered {
		p.sum.Ignored++
		return nil
	}
	if rec.AuditID != "" {
		if _, dup := p.seenIDs[rec.AuditID]; dup {
			p.sum.Ignored++
			return nil
		}
		p.seenIDs[rec.AuditID] = struct{}{}
	}
	if rs := rec.ResponseStatus; rs != nil && rs.Code != 0 && (rs.Code < 200 || rs.Code > 299) {
		p.sum.FailedRequests++
		return nil
	}

	it := auditItem{at: at, atField: atField, line: line, uid: ref.UID, reqGrace: -1, delGrace: -1, specGrace: -1}
	switch {
	case ref.Resource == "bindings" && rec.Verb == "create",
		ref.Resource == "pods" && ref.Subresource == "binding" && rec.Verb == "create":
		return p.binding(rec, &it)
	case ref.Resource != "pods":
	case ref.Subresource == "eviction" && rec.Verb == "create":
		return p.eviction(rec, &it)
	case ref.Subresource == "status" && (rec.Verb == "update" || rec.Verb == "patch"),
		ref.Subresource == "" && (rec.Verb == "update" || rec.Verb == "patch"):
		return p.update(rec, &it)
	case ref.Subresource == "" && rec.Verb == "create":
		return p.create(rec, &it)
	case ref.Subresource == "" && rec.Verb == "delete":
		return p.delete(rec, &it)
	case ref.Subresource == "" && rec.Verb == "deletecollection":
		return p.deleteCollection(rec, &it)
	}
	p.sum.Ignored++ // reads, and other subresources (log, exec, ...)
	return nil
}

// auditBadName returns what is wrong with a namespace, pod or node name as trace
// files spell them, or "". Kubernetes names are DNS labels and subdomains;
// this only refuses what would break a trace line or a "namespace/name#n".
func auditBadName(s string) string {
	for i := 0; i < len(s); i++ {
		switch ch := s[i]; {
		case ch <= ' ' || ch == 0x7f:
			return "contains a space or control character"
		case ch == ',' || ch == '/' || ch == '#' || ch == '"':
			return fmt.Sprintf("contains %q", ch)
		}
	}
	return ""
}

// setKey sets it.key from a namespace and name, checking them. The fields
// name where they came from, for errors.
func (p *auditParser) setKey(it *auditItem, ns, nsField, name, nameField string) error {
	if msg := auditBadName(ns); msg != "" {
		return p.errorf(it.line, nsField, "%s %s", strconv.Quote(ns), msg)
	}
	if msg := auditBadName(name); msg != "" {
		return p.errorf(it.line, nameField, "%s %s", strconv.Quote(name), msg)
	}
	if ns == "" {
		it.key = name
	} else {
		it.key = ns + "/" + name
	}
	return nil
}

func (p *auditParser) setNode(it *auditItem, node, field string) error {
	if msg := auditBadName(node); msg != "" {
		return p.errorf(it.line, field, "%s %s", strconv.Quote(node), msg)
	}
	it.node = node
	return nil
}

// auditPick returns the first non-empty string and the field it came from.
func auditPick(pairs ...string) (string, string) {
	for i := 0; i+1 < len(pairs); i += 2 {
		if pairs[i] != "" {
			return pairs[i], pairs[i+1]
		}
	}
	return "", pairs[1]
}

// addPod records what a Pod object in the event says about the pod.
func (p *auditParser) addPod(it *auditItem, pod *auditPod, field string) error {
	if pod.Kind != "" && pod.Kind != "Pod" {
		return nil // a Status, say
	}
	if it.uid == "" {
		it.uid = pod.Metadata.UID
	}
	if it.node == "" && pod.Spec.NodeName != "" {
		if err := p.setNode(it, pod.Spec.NodeName, field+".spec.nodeName"); err != nil {
			return err
		}
	}
	if it.specGrace < 0 && pod.Spec.TerminationGracePeriodSeconds != nil {
		f := field + ".spec.terminationGracePeriodSeconds"
		g, err := p.grace(it.line, f, *pod.Spec.TerminationGracePeriodSeconds)
		if err != nil {
			return err
		}
		it.specGrace, it.specGraceField = g, f
	}
	if it.delGrace < 0 && pod.Metadata.DeletionGracePeriodSeconds != nil {
		f := field + ".metadata.deletionGracePeriodSeconds"
		g, err := p.grace(it.line, f, *pod.Metadata.DeletionGracePeriodSeconds)
		if err != nil {
			return err
		}
		it.delGrace, it.delGraceField = g, f
	}
	if !it.hasRes && len(pod.Spec.Containers) > 0 {
		cpu, mem, err := p.podRequests(it.line, field+".spec", pod)
		if err != nil {
			return err
		}
		it.hasRes, it.cpu, it.mem = true, cpu, mem
	}
	return nil
}

// auditMaxGrace is the longest grace period accepted, in seconds.
const auditMaxGrace = int64(MaxTraceTime / sim.Second)

// grace returns a grace period in seconds as the API server applies it (a
// negative one is 1 s), or an error naming field if it is longer than
// MaxTraceTime.
func (p *auditParser) grace(line int, field string, s int64) (int64, error) {
	switch {
	case s < 0:
		return 1, nil
	case s > auditMaxGrace:
		return 0, p.errorf(line, field, "%d seconds is more than 100 years: a grace period is at most %d", s, auditMaxGrace)
	}
	return s, nil
}

func (p *auditParser) binding(rec *auditRecord, it *auditItem) error {
	var b auditBinding
	if !auditIsNull(rec.RequestObject) {
		if err := p.decodeJSON(it.line, "requestObject", rec.RequestObject, &b); err != nil {
			return err
		}
	}
	ref := rec.ObjectRef
	name, nameField := auditPick(ref.Name, "objectRef.name", b.Metadata.Name, "requestObject.metadata.name")
	ns, nsField := auditPick(ref.Namespace, "objectRef.namespace", b.Metadata.Namespace, "requestObject.metadata.namespace")
	if name == "" {
		p.sum.Ignored++ // a binding of no pod we can name
		return nil
	}
	if err := p.setKey(it, ns, nsField, name, nameField); err != nil {
		return err
	}
	if it.uid == "" {
		it.uid = b.Metadata.UID
	}
	if err := p.setNode(it, b.Target.Name, "requestObject.target.name"); err != nil {
		return err
	}
	it.act = auditActBind
	p.items = append(p.items, *it)
	return nil
}

func (p *auditParser) create(rec *auditRecord, it *auditItem) error {
	var req, resp auditPod
	if err := p.decodePodObjects(rec, it, &req, &resp); err != nil {
		return err
	}
	ref := rec.ObjectRef
	// Pods made from a generateName (a ReplicaSet's) have no name in the
	// objectRef: the API server names them, and only the response says how.
	name, nameField := auditPick(ref.Name, "objectRef.name", resp.Metadata.Name, "responseObject.metadata.name",
		req.Metadata.Name, "requestObject.metadata.name")
	ns, nsField := auditPick(ref.Namespace, "objectRef.namespace", resp.Metadata.Namespace, "responseObject.metadata.namespace",
		req.Metadata.Namespace, "requestObject.metadata.namespace")
	if name == "" {
		p.sum.Ignored++
		return nil
	}
	if err := p.setKey(it, ns, nsField, name, nameField); err != nil {
		return err
	}
	it.act = auditActCreate
	p.items = append(p.items, *it)
	return nil
}

// decodePodObjects decodes the request and response objects of a pod create
// or update and records what they say, the response first. The request of a
// patch is a patch document (maybe a JSON Patch array) and is not read.
func (p *auditParser) decodePodObjects(rec *auditRecord, it *auditItem, req, resp *auditPod) error {
	if !auditIsNull(rec.ResponseObject) {
		if err := p.decodeJSON(it.line, "responseObject", rec.ResponseObject, resp); err != nil {
			return err
		}
		if err := p.addPod(it, resp, "responseObject"); err != nil {
			return err
		}
	}
	if rec.Verb != "patch" && !auditIsNull(rec.RequestObject) {
		if err := p.decodeJSON(it.line, "requestObject", rec.RequestObject, req); err != nil {
			return err
		}
		if err := p.addPod(it, req, "requestObject"); err != nil {
			return err
		}
	}
	return nil
}

func (p *auditParser) update(rec *auditRecord, it *auditItem) error {
	var req, resp auditPod
	if err := p.decodePodObjects(rec, it, &req, &resp); err != nil {
		return err
	}
	ref := rec.ObjectRef
	if ref.Name == "" {
		p.sum.Ignored++
		return nil
	}
	if err := p.setKey(it, ref.Namespace, "objectRef.namespace", ref.Name, "objectRef.name"); err != nil {
		return err
	}
	it.delGrace = -1 // only a delete's response says what the delete applied
	it.act = auditActUpdate
	p.items = append(p.items, *it)
	return nil
}

// setReqGrace records the grace period and uid precondition of
// DeleteOptions, read from field.
func (p *auditParser) setReqGrace(it *auditItem, o *auditDeleteOptions, field string) error {
	if o == nil {
		return nil
	}
	if o.GracePeriodSeconds != nil {
		f := field + ".gracePeriodSeconds"
		g, err := p.grace(it.line, f, *o.GracePeriodSeconds)
		if err != nil {
			return err
		}
		it.reqGrace, it.reqGraceField = g, f
	}
	if it.uid == "" && o.Preconditions != nil && o.Preconditions.UID != nil {
		it.uid = *o.Preconditions.UID
	}
	return nil
}

func (p *auditParser) delete(rec *auditRecord, it *auditItem) error {
	ref := rec.ObjectRef
	if ref.Name == "" {
		p.sum.Ignored++
		return nil
	}
	if err := p.setKey(it, ref.Namespace, "objectRef.namespace", ref.Name, "objectRef.name"); err != nil {
		return err
	}
	if !auditIsNull(rec.RequestObject) {
		var o auditDeleteOptions
		if err := p.decodeJSON(it.line, "requestObject", rec.RequestObject, &o); err != nil {
			return err
		}
		if err := p.setReqGrace(it, &o, "requestObject"); err != nil {
			return err
		}
	}
	if !auditIsNull(rec.ResponseObject) {
		var resp auditPod
		if err := p.decodeJSON(it.line, "responseObject", rec.ResponseObject, &resp); err != nil {
			return err
		}
		if err := p.addPod(it, &resp, "responseObject"); err != nil {
			return err
		}
	}
	it.act = auditActDelete
	p.items = append(p.items, *it)
	return nil
}

func (p *auditParser) eviction(rec *auditRecord, it *auditItem) error {
	var ev auditEviction
	if !auditIsNull(rec.RequestObject) {
		if err := p.decodeJSON(it.line, "requestObject", rec.RequestObject, &ev); err != nil {
			return err
		}
	}
	ref := rec.ObjectRef
	name, nameField := auditPick(ref.Name, "objectRef.name", ev.Metadata.Name, "requestObject.metadata.name")
	ns, nsField := auditPick(ref.Namespace, "objectRef.namespace", ev.Metadata.Namespace, "requestObject.metadata.namespace")
	if name == "" {
		p.sum.Ignored++
		return nil
	}
	if err := p.setKey(it, ns, nsField, name, nameField); err != nil {
		return err
	}
	if err := p.setReqGrace(it, ev.DeleteOptions, "requestObject.deleteOptions"); err != nil {
		return err
	}
	// The response of an eviction is a Status, not the pod.
	it.act = auditActDelete
	p.items = append(p.items, *it)
	return nil
}

func (p *auditParser) deleteCollection(rec *auditRecord, it *auditItem) error {
	if auditIsNull(rec.ResponseObject) {
		p.sum.Ignored++ // which pods went is not in the log
		return nil
	}
	var list auditPodList
	if err := p.decodeJSON(it.line, "responseObject", rec.ResponseObject, &list); err != nil {
		return err
	}
	if len(list.Items) == 0 {
		p.sum.Ignored++
		return nil
	}
	var opts auditDeleteOptions
	if !auditIsNull(rec.RequestObject) {
		if err := p.decodeJSON(it.line, "requestObject", rec.RequestObject, &opts); err != nil {
			return err
		}
	}
	ref := rec.ObjectRef
	for i := range list.Items {
		pod := &list.Items[i]
		field := fmt.Sprintf("responseObject.items[%d]", i)
		item := auditItem{at: it.at, atField: it.atField, line: it.line, reqGrace: -1, delGrace: -1, specGrace: -1, act: auditActDelete}
		ns, nsField := auditPick(pod.Metadata.Namespace, field+".metadata.namespace", ref.Namespace, "objectRef.namespace")
		if pod.Metadata.Name == "" {
			p.sum.Ignored++
			continue
		}
		if err := p.setKey(&item, ns, nsField, pod.Metadata.Name, field+".metadata.name"); err != nil {
			return err
		}
		if err := p.setReqGrace(&item, &auditDeleteOptions{GracePeriodSeconds: opts.GracePeriodSeconds}, "requestObject"); err != nil {
			return err
		}
		pod.Kind = "" // items of a PodList have no kind of their own
		if err := p.addPod(&item, pod, field); err != nil {
			return err
		}
		p.items = append(p.items, item)
	}
	return nil
}

// ---------------------------------------------------------------------------
// Replay: pod items in time order into trace events.

// auditPodInc is one incarnation of a pod: a pod object, from its create (or
// first sight) to its delete.
type auditPodInc struct {
	uid       string
	created   bool // its create is in the log
	node      string
	specGrace int64 // seconds, -1 if unknown
	// specGraceField and specGraceLine say where specGrace is from.
	specGraceField string
	specGraceLine  int
	hasRes         bool  // cpu and mem are known
	cpu, mem       int64 // requests: millicores, bytes
	state          auditPodState
	name           []byte // trace name, once added
	slot           *auditNameSlot
}

type auditPodState uint8

const (
	auditPodPending auditPodState = iota // not (yet) on a node in the trace
	auditPodLive                         // added to the trace
	auditPodGone                         // deleted
)

// auditNameSlot tracks the pods that held one trace name ("ns/name" or
// "ns/name#k"), to tell whether a new pod may take it: it may if its life in
// the trace cannot overlap any of theirs.
type auditNameSlot struct {
	name     []byte
	first    sim.Time // earliest add of a holder
	open     int      // holders not yet deleted
	lastEnd  sim.Time // latest delete of a holder
	hasEnded bool
}

// auditOut is a trace event with its emission order, the last tie-breaker.
type auditOut struct {
	ev  Event
	seq int
}

type auditState struct {
	file  string
	opts  AuditOptions
	start int64 // the log's first timestamp, Unix ns
	sum   ImportSummary
	pods  map[string]*auditPodInc     // current incarnation by "ns/name"
	names map[string][]*auditNameSlot // by "ns/name": slot k-1 is suffix #k
	nodes map[string][]byte           // interned node names
	out   []auditOut
}

const auditForever = sim.Time(math.MaxInt64)

// rel converts a Unix ns time to trace time.
func (s *auditState) rel(at int64) sim.Time { return sim.Time(at - s.start) }

// current returns the incarnation an event with uid (maybe "") is about, or
// nil if it is about a pod not seen before.
func (s *auditState) current(key, uid string) *auditPodInc {
	inc := s.pods[key]
	if inc == nil {
		return nil
	}
	if uid != "" && inc.uid != "" && uid != inc.uid {
		return nil
	}
	if uid != "" && inc.uid == "" && inc.state != auditPodGone {
		inc.uid = uid
	}
	return inc
}

func (s *auditState) newInc(key string, it *auditItem, created bool) *auditPodInc {
	inc := &auditPodInc{uid: it.uid, created: created, specGrace: -1}
	s.pods[key] = inc
	return inc
}

// learn records what an event's object says about the pod.
func (inc *auditPodInc) learn(it *auditItem) {
	if it.node != "" && inc.state == auditPodPending {
		inc.node = it.node
	}
	if it.specGrace >= 0 {
		inc.specGrace, inc.specGraceField, inc.specGraceLine = it.specGrace, it.specGraceField, it.line
	}
	if it.hasRes && !inc.hasRes {
		inc.hasRes, inc.cpu, inc.mem = true, it.cpu, it.mem
	}
}

func (s *auditState) apply(it *auditItem) error {
	if it.act == auditActCreate {
		// A create succeeds only when no pod of that name exists: this is a
		// new pod, whatever the log said about the name before.
		s.sum.Ignored++
		s.newInc(it.key, it, true).learn(it)
		return nil
	}
	inc := s.current(it.key, it.uid)
	switch it.act {

	case auditActBind:
		if inc == nil || inc.state == auditPodGone {
			inc = s.newInc(it.key, it, false)
		}
		if inc.state == auditPodLive {
			s.sum.DuplicateBindings++
			return nil
		}
		node := it.node
		if node == "" {
			node = inc.node // a binding logged without its request body
		}
		s.add(it.key, inc, OpAdd, s.rel(it.at), node, it.line, auditForever)

	case auditActUpdate:
		if inc != nil && inc.state == auditPodGone {
			s.sum.Ignored++ // status of a terminating pod
			return nil
		}
		if inc == nil {
			inc = s.newInc(it.key, it, false)
		}
		inc.learn(it)
		switch {
		case inc.state == auditPodLive || inc.node == "":
			s.sum.Ignored++
		case inc.created:
			s.add(it.key, inc, OpAdd, s.rel(it.at), inc.node, it.line, auditForever)
		case s.opts.AssumeRunning:
			s.add(it.key, inc, OpRunning, 0, inc.node, it.line, auditForever)
		default:
			s.sum.Ignored++
		}

	case auditActDelete:
		if inc != nil && inc.state == auditPodGone {
			s.sum.Ignored++ // the kubelet's final delete, or a repeat
			return nil
		}
		if inc == nil {
			inc = s.newInc(it.key, it, false)
		}
		inc.learn(it)
		at := s.rel(it.at)
		grace, field, line := s.grace(it, inc)
		end := at + grace // both at most MaxTraceTime: no overflow
		switch {
		case inc.state == auditPodLive:
		case !inc.created && s.opts.AssumeRunning && inc.node != "":
			s.add(it.key, inc, OpRunning, 0, inc.node, it.line, end)
		default:
			s.sum.UnknownDeletes++
			inc.state = auditPodGone
			return nil
		}
		if end > MaxTraceTime {
			from := ""
			if line != it.line {
				from = fmt.Sprintf(" (from line %d)", line)
			}
			return &ParseError{File: s.file, Line: it.line, Field: field, Msg: fmt.Sprintf(
				"the pod deleted at %s s with a grace period of %s s%s would go at %s s, after the latest trace time, %s s (100 years)",
				formatSeconds(at), formatSeconds(grace), from, formatSeconds(end), formatSeconds(MaxTraceTime))}
		}
		s.del(inc, end, it.line)
	}
	return nil
}

// grace returns the grace period of a delete, and the field and line it
// comes from ("" and the delete's line for a default or an override).
func (s *auditState) grace(it *auditItem, inc *auditPodInc) (sim.Time, string, int) {
	if g := s.opts.GracePeriod; g != nil {
		return sim.Time(*g), "", it.line
	}
	for _, g := range [...]struct {
		sec   int64
		field string
		line  int
	}{
		{it.reqGrace, it.reqGraceField, it.line},
		{it.delGrace, it.delGraceField, it.line},
		{it.specGrace, it.specGraceField, it.line},
		{inc.specGrace, inc.specGraceField, inc.specGraceLine},
	} {
		if g.sec >= 0 {
			return sim.Time(g.sec) * sim.Second, g.field, g.line // at most auditMaxGrace: no overflow
		}
	}
	return sim.Time(DefaultAuditGracePeriod), "", it.line
}

func (s *auditState) internNode(node string) []byte {
	if node == "" {
		return nil
	}
	b, ok := s.nodes[node]
	if !ok {
		b = []byte(node)
		s.nodes[node] = b
	}
	return b
}

func (s *auditState) emit(at sim.Time, op Op, pod, node []byte, line int) {
	s.out = append(s.out, auditOut{ev: Event{At: at, Op: op, Pod: pod, Node: node, Line: line}, seq: len(s.out)})
}

// add puts inc on node at trace time at with op (OpAdd, or OpRunning for
// a pod running before the log starts). end is when it is known to go
// (auditForever if not yet known), for choosing its name.
func (s *auditState) add(key string, inc *auditPodInc, op Op, at sim.Time, node string, line int, end sim.Time) {
	inc.node = node
	inc.state = auditPodLive
	inc.slot = s.allocName(key, at, end)
	inc.name = inc.slot.name
	if op == OpRunning {
		s.sum.AlreadyRunning++
	} else {
		s.sum.PodsAdded++
	}
	if inc.hasRes {
		s.sum.WithSpec++
	}
	s.out = append(s.out, auditOut{ev: Event{At: at, Op: op, Pod: inc.name, Node: s.internNode(node), Line: line,
		CPUMilli: inc.cpu, MemoryBytes: inc.mem}, seq: len(s.out)})
}

// del deletes the live pod inc at trace time at.
func (s *auditState) del(inc *auditPodInc, at sim.Time, line int) {
	inc.state = auditPodGone
	sl := inc.slot
	sl.open--
	if !sl.hasEnded || at > sl.lastEnd {
		sl.lastEnd, sl.hasEnded = at, true
	}
	s.sum.PodsDeleted++
	s.emit(at, OpDel, inc.name, s.internNode(inc.node), line)
}

// allocName returns the first name slot for key free for a pod live from at
// to end (both included: a pod deleted at the very time another is added
// keeps the name from being shared), and marks it taken from at.
func (s *auditState) allocName(key string, at, end sim.Time) *auditNameSlot {
	slots := s.names[key]
	var sl *auditNameSlot
	for _, c := range slots {
		if (c.open == 0 && (!c.hasEnded || at > c.lastEnd)) || end < c.first {
			sl = c
			break
		}
	}
	if sl == nil {
		name := key
		if len(slots) > 0 {
			name = key + "#" + strconv.Itoa(len(slots)+1)
		}
		sl = &auditNameSlot{name: []byte(name), first: at}
		s.names[key] = append(slots, sl)
	}
	if at < sl.first {
		sl.first = at
	}
	sl.open++
	return sl
}
