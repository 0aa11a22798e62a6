package scenarios

import "io"

// merger is the k-way merge behind Merge.
type merger struct {
	rs      []Reader
	heads   []Event // the next event of each reader in the heap
	heap    []int   // reader indices, min-heap by (heads[i].At, i)
	started bool
	last    int // reader whose event was returned last, -1 if none
	err     error
}

// Merge returns a Reader of the events of all readers in non-decreasing time
// order; events at the same time come in reader order (readers[0] first),
// except that running events come before all others (so that the merged
// trace keeps them first, as a trace must), and each reader's own order is
// kept. It holds one event per reader, so it
// streams in constant memory.
//
// Events are passed through unchanged: a reader whose events have no node
// gives events with no node. Pod names must be unique across the readers for
// the result to be a valid trace: give each generator its own prefix.
//
// The returned event aliases the buffer of the reader it came from and is
// valid until the next call to Next. The first error of any reader (other
// than io.EOF) is returned and is sticky, as is the final io.EOF.
func Merge(readers ...Reader) Reader {
	return &merger{
		rs:    readers,
		heads: make([]Event, len(readers)),
		heap:  make([]int, 0, len(readers)),
		last:  -1,
	}
}

func (m *merger) less(a, b int) bool {
	ea, eb := &m.heads[a], &m.heads[b]
	if ea.At != eb.At {
		return ea.At < eb.At
	}
	if ra, rb := ea.Op == OpRunning, eb.Op == OpRunning; ra != rb {
		return ra
	}
	return a < b
}

// fill reads reader i's next event into the heap.
func (m *merger) fill(i int) error {
	ev, err := m.rs[i].Next()
	if err == io.EOF {
		return nil
	}
	if err != nil {
		return err
	}
	m.heads[i] = ev
	m.heap = append(m.heap, i)
	j := len(m.heap) - 1
	for j > 0 {
		p := (j - 1) / 2
		if !m.less(m.heap[j], m.heap[p]) {
			break
		}
		m.heap[j], m.heap[p] = m.heap[p], m.heap[j]
		j = p
	}
	return nil
}

func (m *merger) popMin() int {
	top := m.heap[0]
	n := len(m.heap) - 1
	m.heap[0] = m.heap[n]
	m.heap = m.heap[:n]
	j := 0
	for {
		l := 2*j + 1
		if l >= n {
			break
		}
		c := l
		if r := l + 1; r < n && m.less(m.heap[r], m.heap[l]) {
			c = r
		}
		if !m.less(m.heap[c], m.heap[j]) {
			break
		}
		m.heap[j], m.heap[c] = m.heap[c], m.heap[j]
		j = c
	}
	return top
}

// TraceName returns the name of the trace the event returned last came from
// (NamedReader): its reader's, or "" if that reader does not name it.
func (m *merger) TraceName() string {
	if m.last < 0 {
		return ""
	}
	return TraceName(m.rs[m.last])
}

// Next returns the earliest pending event of all readers, or io.EOF when all
// are exhausted.
func (m *merger) Next() (Event, error) {
	if m.err != nil {
		return Event{}, m.err
	}
	if !m.started {
		m.started = true
		for i := range m.rs {
			if err := m.fill(i); err != nil {
				m.err = err
				return Event{}, err
			}
		}
	} else if m.last >= 0 {
		// Only now advance the reader whose event we returned last: its
		// buffer had to stay valid until this call.
		i := m.last
		m.last = -1
		m.heads[i] = Event{}
		if err := m.fill(i); err != nil {
			m.err = err
			return Event{}, err
		}
	}
	if len(m.heap) == 0 {
		m.err = io.EOF
		return Event{}, io.EOF
	}
	i := m.popMin()
	m.last = i
	return m.heads[i], nil
}
