package cluster

// This file is the scheduler (docs/model.md §10.5, §10.6): which ready node
// a pod goes to, and the pending pods placed when room appears.

// noteRequests records the requests of a pod being added, for the fast path
// of pick (uniform).
func (c *Cluster) noteRequests(r Requests) {
	switch {
	case !c.haveReq:
		c.firstReq, c.haveReq = r, true
	case r != c.firstReq:
		c.mixedReq = true
	}
}

// uniform reports whether every pod placed so far asked for r and every
// group's nodes have one shape (or the cluster schedules by max pods alone):
// then a node's score falls (least-allocated) or rises (most-allocated) with
// the pods placed on it, and so does whether r fits, so the room queue's
// order gives the scheduler's choice without scoring each node.
func (c *Cluster) uniform(r Requests) bool {
	return !c.resources || c.sameShape && (!c.haveReq || !c.mixedReq && r == c.firstReq)
}

// fitsMember is NodeResourcesFit's filter for a ready member with a free
// pod slot (§10.5).
func (c *Cluster) fitsMember(m *Member, r Requests) bool {
	s := &c.groups[m.Group].shape
	return fits(c.resources, s.Allocatable, m.requested, r)
}

// scoreMember is the member's score for a pod requesting r (§10.6).
func (c *Cluster) scoreMember(m *Member, r Requests) int64 {
	return score(c.spec.Placement, c.groups[m.Group].shape.Allocatable, m.nonZero, r.nonZero())
}

// fitsSomeGroup reports whether a new node of some group could take a pod
// requesting r (§10.7).
func (c *Cluster) fitsSomeGroup(r Requests) bool {
	if !c.resources {
		return true
	}
	for _, g := range c.groups {
		if g.shape.fitsEmpty(r) {
			return true
		}
	}
	return false
}

// daemonSetNonZero is the group's daemonset pods' requests as the scoring
// counts them (§10.4): each resource the daemonsets request none of counts
// its default once per daemonset pod.
func daemonSetNonZero(g *Group) Requests {
	r, n := g.shape.DaemonSet, int64(max(g.Spec.DaemonSetPods, 0))
	if r.CPUMilli == 0 {
		r.CPUMilli = NonZeroCPUMilli * n
	}
	if r.MemoryBytes == 0 {
		r.MemoryBytes = NonZeroMemoryBytes * n
	}
	return r
}

// pick chooses the ready node with a free pod slot that a pod requesting r
// goes to, or nil (§10.6): the one the placement scores highest among those
// it fits on; of equal scores the one with fewest pods (least-allocated) or
// most pods (most-allocated), then the room queue's order. Round robin takes
// the next node in join order that it fits on.
func (c *Cluster) pick(r Requests) *Member {
	switch c.spec.Placement {
	case RoundRobin:
		n := len(c.members)
		for k := 0; k < n; k++ {
			m := c.members[(c.rr+k)%n]
			if m.inTree && c.fitsMember(m, r) {
				c.rr = (c.rr + k + 1) % n
				return m
			}
		}
		return nil
	case MostAllocated:
		if c.uniform(r) {
			// The fullest node that r still fits on.
			var pick *Member
			c.room.each(false, true, func(i int32) bool {
				if m := c.members[i]; c.fitsMember(m, r) {
					pick = m
					return false
				}
				return true
			})
			return pick
		}
	default:
		if c.uniform(r) {
			// The emptiest node; if r does not fit there it fits nowhere.
			if i, ok := c.room.min(); ok && c.fitsMember(c.members[i], r) {
				return c.members[i]
			}
			return nil
		}
	}
	return c.bestScore(r)
}

// bestScore scores every ready node with a free slot that r fits on and
// returns the best (pick's order of preference), or nil.
func (c *Cluster) bestScore(r Requests) *Member {
	var best *Member
	bestScore := int64(-1)
	c.room.each(c.spec.Placement != MostAllocated, false, func(i int32) bool {
		m := c.members[i]
		if !c.fitsMember(m, r) {
			return true
		}
		if s := c.scoreMember(m, r); s > bestScore {
			best, bestScore = m, s
		}
		return true
	})
	return best
}

// drainPending places pending pods, in arrival order, on ready nodes they
// fit on. A pod that fits nowhere stays pending and the next is tried (the
// scheduler has no head-of-line blocking), unless every pod asks for the
// same (uniform): then none of the rest fits either.
func (c *Cluster) drainPending() {
	if c.npend == 0 || c.room.n == 0 {
		return
	}
	if c.uniform(c.firstReq) {
		for c.npend > 0 {
			// Skip entries deleted while pending.
			for len(c.pending) > 0 {
				if r, ok := c.pods[c.pending[0]]; ok && r.member == -1 {
					break
				}
				c.pending = c.pending[1:]
			}
			if len(c.pending) == 0 {
				return
			}
			p := c.pending[0]
			r := c.pods[p]
			m := c.pick(r.req)
			if m == nil {
				return
			}
			c.pending = c.pending[1:]
			c.placePending(p, m, r.req)
		}
		return
	}
	// Mixed requests: try every pending pod; one that cannot fit the
	// roomiest free CPU and memory of any node is skipped without scoring.
	freeCPU, freeMem := c.roomiest()
	kept := c.pending[:0]
	i := 0
	for ; i < len(c.pending) && c.room.n > 0; i++ {
		p := c.pending[i]
		r, ok := c.pods[p]
		if !ok || r.member != -1 {
			continue // deleted while pending, or a stale duplicate
		}
		var m *Member
		if r.req.IsZero() || r.req.CPUMilli <= freeCPU && r.req.MemoryBytes <= freeMem {
			m = c.pick(r.req)
		}
		if m == nil {
			kept = append(kept, p)
			continue
		}
		c.placePending(p, m, r.req)
	}
	c.pending = append(kept, c.pending[i:]...)
}

// roomiest returns the most CPU and memory left on any ready node with a
// free pod slot (not necessarily the same node).
func (c *Cluster) roomiest() (cpu, mem int64) {
	cpu, mem = -1, -1
	c.room.each(true, false, func(i int32) bool {
		m := c.members[i]
		a := c.groups[m.Group].shape.Allocatable
		cpu = max(cpu, a.CPUMilli-m.requested.CPUMilli)
		mem = max(mem, a.MemoryBytes-m.requested.MemoryBytes)
		return true
	})
	return cpu, mem
}

func (c *Cluster) placePending(p string, m *Member, req Requests) {
	c.npend--
	c.PlacementWait.Add(c.eng.Now() - c.pendingSince[p])
	delete(c.pendingSince, p)
	c.restoring = c.pods[p].running
	delete(c.pods, p)
	err := c.place(p, m, req)
	c.restoring = false
	if err != nil {
		panic(err) // p was not live on any node
	}
}

// bucketQueue holds members keyed by a small integer (pods placed), with O(1)
// add and remove and cheap min/max: one bucket per key, a member's position
// in its bucket remembered for swap-removal.
type bucketQueue struct {
	buckets [][]int32
	where   [][2]int32 // member index → (key, position in its bucket)
	lo, hi  int        // no non-empty bucket below lo or above hi
	n       int
}

func (q *bucketQueue) add(m int32, key int) {
	for int(m) >= len(q.where) {
		q.where = append(q.where, [2]int32{})
	}
	for len(q.buckets) <= key {
		q.buckets = append(q.buckets, nil)
	}
	q.where[m] = [2]int32{int32(key), int32(len(q.buckets[key]))}
	q.buckets[key] = append(q.buckets[key], m)
	if q.n == 0 || key < q.lo {
		q.lo = key
	}
	if q.n == 0 || key > q.hi {
		q.hi = key
	}
	q.n++
}

func (q *bucketQueue) remove(m int32) {
	w := q.where[m]
	b := q.buckets[w[0]]
	last := b[len(b)-1]
	b[w[1]] = last
	q.where[last] = [2]int32{w[0], w[1]}
	q.buckets[w[0]] = b[:len(b)-1]
	q.n--
}

// min returns a member with the lowest key: the earliest-added of its bucket's
// survivors (deterministic for a given sequence of operations).
func (q *bucketQueue) min() (int32, bool) {
	if q.n == 0 {
		return 0, false
	}
	for len(q.buckets[q.lo]) == 0 {
		q.lo++
	}
	return q.buckets[q.lo][0], true
}

// each calls f on the members in key order (ascending or descending), each
// bucket's in its order (min's first), until f returns false; with
// firstOnly, on each non-empty bucket's first member only.
func (q *bucketQueue) each(ascending, firstOnly bool, f func(int32) bool) {
	if q.n == 0 {
		return
	}
	for k := range q.hi - q.lo + 1 {
		key := q.lo + k
		if !ascending {
			key = q.hi - k
		}
		b := q.buckets[key]
		if firstOnly && len(b) > 0 {
			b = b[:1]
		}
		for _, m := range b {
			if !f(m) {
				return
			}
		}
	}
}
