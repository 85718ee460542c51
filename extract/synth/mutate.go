package synth

// dayPlan is how many changes of each kind a day applies.
type dayPlan map[ChangeKind]int

// plan sizes the changes of one day from n, the number of people listed the day before.
// Attribute churn is about 1% of n (weights below, in units of n/1400), StatusOnly about
// 4%. Guaranteed kinds happen at least once; the others at least with probability 0.3.
// For small n the optional kinds, then StatusOnly, then Hire are cut so that at least
// half of the next day's directory stays untouched.
func plan(r *rng, n int) dayPlan {
	u := float64(n) / 1400
	// One statement per draw: the order of the draws is part of the population.
	pl := dayPlan{}
	pl[Hire] = max(1, r.round(2*u))
	pl[Depart] = max(1, r.round(3*u))
	pl[Return] = max(1, r.round(u))
	pl[RoleChange] = max(1, r.round(u))
	pl[GroupChange] = max(1, r.round(u))
	pl[EmailChange] = max(1, r.round(u))
	pl[PhoneChange] = max(1, r.round(u))
	pl[StatusOnly] = max(1, r.round(float64(n)/25))
	pl[Deactivate] = r.round(max(u, 0.3))
	pl[Reactivate] = r.round(max(u, 0.3))
	pl[TeamChange] = r.round(max(u, 0.3))
	pl[TitleChange] = r.round(max(u, 0.3))
	if pl[Depart] < pl[Return] {
		pl[Depart] = pl[Return]
	}
	touched := func() (int, int) {
		t := 0
		for k, c := range pl {
			if k != Depart {
				t += c
			}
		}
		return t, n + pl[Hire] + pl[Return] - pl[Depart]
	}
	cuts := []ChangeKind{TitleChange, TeamChange, Reactivate, Deactivate}
	for {
		t, next := touched()
		if 2*t <= next {
			return pl
		}
		switch {
		case len(cuts) > 0:
			if pl[cuts[0]] > 0 {
				pl[cuts[0]]--
			} else {
				cuts = cuts[1:]
			}
		case pl[StatusOnly] > 1:
			pl[StatusOnly]--
		case pl[Hire] > 1:
			pl[Hire]--
		default:
			return pl // too small to keep half untouched; guarantees need Size >= 20
		}
	}
}

// pick returns the index of a random record that changed nothing today and satisfies ok,
// or -1. It samples first and scans only when the eligible pool is sparse.
func (st *state) pick(r *rng, day int32, ok func(*record) bool) int {
	n := len(st.recs)
	for try := 0; try < 64; try++ {
		i := r.intn(n)
		if rc := &st.recs[i]; rc.touched != day && ok(rc) {
			return i
		}
	}
	start := r.intn(n)
	for k := 0; k < n; k++ {
		i := (start + k) % n
		if rc := &st.recs[i]; rc.touched != day && ok(rc) {
			return i
		}
	}
	return -1
}

// advance applies the mutations of day st.day+1.
func (p *Population) advance(st *state) {
	d := st.day + 1
	day := int32(d)
	r := newRNG(mix(p.seed, uint64(d), saltDay))
	base := p.startUS + int64(d-1)*dayMicros
	at := func() int64 { return base + 1 + r.int63n(dayMicros-1) }
	pl := plan(r, st.listed)
	total := 0
	for _, c := range pl {
		total += c
	}
	changes := make([]Change, 0, total)
	owner := int64(p.ownerID)

	listed := func(rc *record) bool { return rc.flags&flagListed != 0 }
	notOwner := func(rc *record) bool { return listed(rc) && rc.id != owner }
	eligible := map[ChangeKind]func(*record) bool{
		Return:      func(rc *record) bool { return !listed(rc) },
		Reactivate:  func(rc *record) bool { return listed(rc) && rc.flags&flagActive == 0 },
		Depart:      notOwner,
		Deactivate:  func(rc *record) bool { return notOwner(rc) && rc.flags&flagActive != 0 },
		RoleChange:  notOwner,
		GroupChange: listed,
		TeamChange:  listed,
		EmailChange: listed,
		PhoneChange: listed,
		TitleChange: notOwner,
		StatusOnly:  func(rc *record) bool { return listed(rc) && rc.flags&flagActive != 0 },
	}

	for _, kind := range Kinds() {
		for c := 0; c < pl[kind]; c++ {
			if kind == Hire {
				rc := p.generate(st.nextID, base+1, base+dayMicros, mix(p.seed, uint64(st.nextID), saltPerson))
				st.nextID++
				rc.flags |= flagListed | flagActive
				rc.touched = day
				st.recs = append(st.recs, rc)
				st.listed++
				changes = append(changes, Change{Kind: Hire, PersonID: int(rc.id)})
				continue
			}
			i := st.pick(r, day, eligible[kind])
			if i < 0 {
				break
			}
			rc := &st.recs[i]
			rc.touched = day
			ch := Change{Kind: kind, PersonID: int(rc.id)}
			switch kind {
			case Return:
				rc.flags |= flagListed | flagActive
				rc.status, rc.sub = statusOffline, 0
				st.listed++
			case Depart:
				rc.flags &^= flagListed
				st.listed--
			case Deactivate:
				rc.flags &^= flagActive
				rc.status, rc.sub = statusOffline, 0
				ch.Field, ch.Old, ch.New = "active", "true", "false"
			case Reactivate:
				rc.flags |= flagActive
				ch.Field, ch.Old, ch.New = "active", "false", "true"
			case RoleChange:
				p.changeRole(r, rc, &ch)
			case GroupChange:
				ch.Field, ch.Old = "groups", groupsText(p, rc.groups)
				rc.groups = toggleGroup(r, rc.groups)
				ch.New = groupsText(p, rc.groups)
			case TeamChange:
				teams := departments[rc.dept].teams
				ch.Field, ch.Old = "team", teams[rc.team]
				rc.team = uint8((int(rc.team) + 1 + r.intn(len(teams)-1)) % len(teams))
				ch.New = teams[rc.team]
			case EmailChange:
				ch.Field, ch.Old = "email", p.email(rc)
				if rc.emailVar == emailShared || rc.emailVar == emailInvalid {
					rc.emailVar = emailClean
				}
				for ch.New = ch.Old; ch.New == ch.Old; ch.New = p.email(rc) {
					rc.emailGen++
				}
			case PhoneChange:
				ch.Field, ch.Old = "phones", phonesText(p.phones(rc))
				for ch.New = ch.Old; ch.New == ch.Old; ch.New = phonesText(p.phones(rc)) {
					rc.phoneGen++
				}
			case TitleChange:
				n := len(departments[rc.dept].titles)
				ch.Field, ch.Old = "title", p.title(rc)
				rc.title = uint8((int(rc.title) + 1 + r.intn(n-1)) % n)
				ch.New = p.title(rc)
			case StatusOnly:
				ch.Field, ch.Old = "status", statusText(rc.status, rc.sub)
				old := rc.status
				for rc.status == old {
					rc.status = uint8(r.weighted(statusWeights))
				}
				rc.sub = 0
				if rc.status == statusAway {
					rc.sub = uint8(1 + r.intn(len(subStatusNames)))
				}
				ch.New = statusText(rc.status, rc.sub)
			}
			if kind != StatusOnly && kind != Depart {
				rc.updated = at()
			}
			changes = append(changes, ch)
		}
	}
	st.day = d
	st.changes = changes
}

// changeRole changes a person's role so that a provider with four role classes and
// custom roles (Close: admin, superuser, user, restricteduser, role_...) sees a change.
func (p *Population) changeRole(r *rng, rc *record, ch *Change) {
	switch {
	case rc.custom != 0:
		ch.Field, ch.Old, ch.New = "custom_role", p.customRole(rc), ""
		rc.custom = 0
		return
	case (rc.role == roleMember || rc.role == roleManager) && r.chance(0.15):
		rc.custom = uint8(1 + r.intn(len(customRoleNames)))
		ch.Field, ch.Old, ch.New = "custom_role", "", p.customRole(rc)
		return
	}
	ch.Field, ch.Old = "role", roleNames[rc.role]
	var next []uint8
	switch rc.role {
	case roleAdmin:
		next = []uint8{roleManager}
	case roleManager:
		next = []uint8{roleMember, roleAdmin}
	case roleMember:
		next = []uint8{roleManager, roleManager, roleGuest, roleAdmin} // a promotion straight to admin too
	default: // guest, readonly
		next = []uint8{roleMember}
	}
	rc.role = next[r.intn(len(next))]
	ch.New = roleNames[rc.role]
}

// toggleGroup adds or removes one group.
func toggleGroup(r *rng, mask uint16) uint16 {
	n := popcount16(mask)
	add := n == 0 || (n < 3 && r.chance(0.5))
	for {
		bit := uint16(1) << r.intn(len(groupNames))
		if add && mask&bit == 0 || !add && mask&bit != 0 {
			return mask ^ bit
		}
	}
}
