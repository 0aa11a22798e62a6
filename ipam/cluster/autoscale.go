package cluster

// autoscale launches nodes for the pending pods, as the cluster autoscaler
// does on each scan (docs/model.md §10.7): groups are tried in spec order;
// each packs the pending pods a node of its shape could take, first-fit in
// arrival order, into its nodes on their way (booting, or joined but not yet
// ready) and then into new nodes up to its maximum, launches the new ones,
// and leaves the pods it could not take to the next group. Pods that no
// group's node could ever take are left alone.
func (c *Cluster) autoscale() {
	if c.npend == 0 {
		return
	}
	var pods []Requests
	// A pod deleted while pending and added again is in the list twice.
	seen := make(map[string]bool, c.npend)
	for _, p := range c.pending {
		if r, ok := c.pods[p]; ok && r.member == -1 && !r.never && !seen[p] {
			seen[p] = true
			pods = append(pods, r.req)
		}
	}
	for gi, g := range c.groups {
		a := g.Spec.Autoscale
		if a == nil || len(pods) == 0 {
			continue
		}
		upcoming := g.booting
		for _, m := range g.Members {
			if !m.left && !m.Node.Ready() {
				upcoming++
			}
		}
		room := max(a.Max-len(g.Members)-g.booting, 0)
		var added int
		added, pods = g.shape.pack(pods, upcoming, room, c.resources)
		for range added {
			g.booting++
			c.eng.After(a.BootDelay, c, evScaleJoin|int64(gi)<<8)
		}
	}
}

// pack packs pods first-fit into `have` empty nodes of this shape, then into
// up to `room` new ones, and returns how many new nodes it opened and the
// pods that went into none (in order). Without resources (known false) only
// pod slots count.
func (s Shape) pack(pods []Requests, have, room int, known bool) (opened int, left []Requests) {
	type bin struct {
		used  Requests
		slots int
	}
	var bins []bin
	// Nodes before first can take none of the pods still to come that are
	// as small as the smallest pending one: first-fit starts there.
	var smallest Requests
	for i, r := range pods {
		if i == 0 || r.CPUMilli < smallest.CPUMilli {
			smallest.CPUMilli = r.CPUMilli
		}
		if i == 0 || r.MemoryBytes < smallest.MemoryBytes {
			smallest.MemoryBytes = r.MemoryBytes
		}
	}
	first := 0
	full := func(b *bin) bool {
		return b.slots == 0 || !fits(known, s.Allocatable, b.used, smallest)
	}
	newBin := func() bin { return bin{used: s.DaemonSet, slots: s.PodSlots} }
	for range have {
		bins = append(bins, newBin())
	}
	for _, r := range pods {
		if s.PodSlots == 0 || !fits(known, s.Allocatable, s.DaemonSet, r) {
			left = append(left, r)
			continue
		}
		placed := false
		for i := first; i < len(bins); i++ {
			b := &bins[i]
			if b.slots > 0 && fits(known, s.Allocatable, b.used, r) {
				b.used, b.slots = b.used.add(r), b.slots-1
				placed = true
				break
			}
		}
		if !placed {
			if opened == room {
				left = append(left, r)
				continue
			}
			b := newBin()
			b.used, b.slots = b.used.add(r), b.slots-1
			bins = append(bins, b)
			opened++
		}
		for first < len(bins) && full(&bins[first]) {
			first++
		}
	}
	return opened, left
}
