package extract

import "iter"

// Memberships maps users to the groups they belong to: each user's groups in the order
// they were added, each group once. A provider that lists groups with their members
// (rather than users with their groups) keeps one for the whole listing, so it is made to
// be small: every distinct group is held once, and a user costs a map entry and a few
// integers, none of them pointers the collector has to follow (a map of group slices
// took about 200 bytes a user, 60 MB for 300,000 users). The zero value is empty and
// ready to use; a Memberships is not safe for concurrent use.
type Memberships struct {
	groups []Group
	text   []string // group -> what appendGroup appends for it, made once
	ids    map[Group]int32
	first  map[string]int32 // user -> its first link
	group  []int32          // link -> index in groups
	next   []int32          // link -> the user's next link; -1 ends the chain
}

// Add adds g to user's groups, unless user already has it.
func (m *Memberships) Add(user string, g Group) {
	gi, ok := m.ids[g]
	if !ok {
		if m.ids == nil {
			m.ids = make(map[Group]int32)
			m.first = make(map[string]int32)
		}
		gi = int32(len(m.groups))
		m.groups = append(m.groups, g)
		m.text = append(m.text, string(appendGroup(nil, g)))
		m.ids[g] = gi
	}
	link := int32(len(m.group))
	if l, ok := m.first[user]; !ok {
		m.first[user] = link
	} else {
		for {
			if m.group[l] == gi {
				return
			}
			if m.next[l] < 0 {
				break
			}
			l = m.next[l]
		}
		m.next[l] = link
	}
	m.group = append(m.group, gi)
	m.next = append(m.next, -1)
}

// Users is the number of users with at least one group.
func (m *Memberships) Users() int { return len(m.first) }

// AppendTo appends user's groups to dst, in the order they were added.
func (m *Memberships) AppendTo(dst []Group, user string) []Group {
	for g := range m.All(user) {
		dst = append(dst, g)
	}
	return dst
}

// Of returns user's groups in a new slice, nil when it has none.
func (m *Memberships) Of(user string) []Group { return m.AppendTo(nil, user) }

// AppendText appends what AppendGroups appends for user's groups, without making the
// slice of them nor quoting a group again: each group's text is made when it is first
// added (quoting every user's groups anew was 0.9 s of CPU a night at 1,000,000 users).
func (m *Memberships) AppendText(b []byte, user string) []byte {
	for gi := range m.indexes(user) {
		b = append(b, m.text[gi]...)
	}
	return b
}

// All yields user's groups in the order they were added.
func (m *Memberships) All(user string) iter.Seq[Group] {
	return func(yield func(Group) bool) {
		for gi := range m.indexes(user) {
			if !yield(m.groups[gi]) {
				return
			}
		}
	}
}

// indexes yields the indexes in groups of user's groups, in the order they were added.
func (m *Memberships) indexes(user string) iter.Seq[int32] {
	return func(yield func(int32) bool) {
		l, ok := m.first[user]
		if !ok {
			return
		}
		for ; l >= 0; l = m.next[l] {
			if !yield(m.group[l]) {
				return
			}
		}
	}
}
