package fake

import (
	"strconv"
	"strings"

	"github.com/roster-etl/roster/extract/synth"
)

// employeeIDBase is added to a synth person ID to make the employee id; people that
// ChangeDataBetweenPages inserts (synth Extra k) get employeeIDBase-1-k, below every
// population id.
const employeeIDBase = 1_000_000

// UserID returns the employee id (decimal) the Server gives a synth person.
func (s *Server) UserID(personID int) string { return strconv.FormatInt(employeeID(personID), 10) }

// PersonID returns the synth person behind an employee id.
func (s *Server) PersonID(id string) (int, bool) {
	n, err := strconv.ParseInt(id, 10, 64)
	if err != nil || strconv.FormatInt(n, 10) != id {
		return 0, false
	}
	switch {
	case n > employeeIDBase:
		return int(n - employeeIDBase), true
	case n > 0 && n < employeeIDBase:
		return synth.ExtraIDBase + int(employeeIDBase-1-n), true
	}
	return 0, false
}

func employeeID(personID int) int64 {
	if personID >= synth.ExtraIDBase {
		return int64(employeeIDBase - 1 - (personID - synth.ExtraIDBase))
	}
	return int64(personID) + employeeIDBase
}

// dataset is the directory one day serves: the listed, active synth people, by
// ascending employee id. It is immutable once published; changeData replaces it.
type dataset struct {
	day      int
	people   []synth.Person
	extraSeq int
	ownerID  int
}

func newDataset(s *Server, day int) *dataset {
	snap := s.pop.Day(day)
	ds := &dataset{day: day, people: make([]synth.Person, 0, len(snap.People)), ownerID: s.pop.OwnerID()}
	for _, p := range snap.People {
		if p.Active {
			ds.people = append(ds.people, p)
		}
	}
	return ds
}

// changeData applies ChangeDataBetweenPages.
func (s *Server) changeData(f *Fault) {
	n := max(f.N, 1)
	s.mu.Lock()
	defer s.mu.Unlock()
	old := s.data
	ds := &dataset{day: old.day, extraSeq: old.extraSeq, ownerID: old.ownerID}
	if f.Delete {
		ds.people = make([]synth.Person, 0, len(old.people))
		for _, p := range old.people {
			if n > 0 && p.ID != old.ownerID {
				n--
				continue
			}
			ds.people = append(ds.people, p)
		}
	} else {
		ds.people = make([]synth.Person, 0, len(old.people)+n)
		for i := n - 1; i >= 0; i-- {
			ds.people = append(ds.people, s.pop.Extra(old.day, old.extraSeq+i))
		}
		ds.extraSeq += n
		ds.people = append(ds.people, old.people...)
	}
	s.data = ds
}

func (s *Server) dataset() *dataset {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.data
}

// Standard status ids (get.statuses) and the custom ones.
const (
	statusAvailable      = 1
	statusBreak          = 2
	statusDoNotDisturb   = 3
	statusNotAtWorkplace = 4
	statusNotAtWork      = 5
	statusAutoOutCall    = 6
	statusUnknown        = 7
	statusTraining       = 101 // custom "Обучение"
	statusMeeting        = 102 // custom "Совещание"
	statusOldLunch       = 103 // custom, deleted
)

// statusOf maps a synth status to UIS status and status_id; status is nil for the
// custom statuses.
func statusOf(p *synth.Person) (any, int) {
	switch p.Status {
	case "available":
		return "available", statusAvailable
	case "busy":
		return "auto_out_call", statusAutoOutCall
	case "dnd":
		return "do_not_disturb", statusDoNotDisturb
	case "offline":
		return "not_at_work", statusNotAtWork
	case "away":
		switch p.SubStatus {
		case "Meal", "Break":
			return "break", statusBreak
		case "Training":
			return nil, statusTraining
		case "Meeting":
			return nil, statusMeeting
		}
		return "not_at_workplace", statusNotAtWorkplace
	}
	return "unknown", statusUnknown
}

// Schedules, positions and sites the account has (invented).
var (
	schedules = []struct {
		id   int
		name string
	}{{1, "Пн-Пт 9:00-18:00"}, {2, "Сменный 2/2"}, {3, "Круглосуточно"}}
	positions = []struct {
		id   int
		name string
	}{{1, "Оператор"}, {2, "Старший оператор"}, {3, "Супервайзер"}}
)

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func fullName(p *synth.Person) string {
	parts := make([]string, 0, 3)
	for _, x := range []string{p.LastName, p.FirstName, p.MiddleName} {
		if x != "" {
			parts = append(parts, x)
		}
	}
	return strings.Join(parts, " ")
}

// groupID is the id of a synth group (by its index in synth.GroupNames).
func groupID(i int) int { return 501 + i }

var groupIndex = func() map[string]int {
	m := map[string]int{}
	for i, g := range synth.GroupNames() {
		m[g] = i
	}
	return m
}()

// employee renders one person as get.employees does.
func (s *Server) employee(p *synth.Person, ownerName string, ownerID int) object {
	h := func(salt uint64) uint64 { return mix(s.seed, uint64(p.ID), salt) }
	eid := employeeID(p.ID)
	status, statusID := statusOf(p)
	directions := []string{"in", "out"}

	recording := "all"
	switch r := h(saltRecording) % 10; {
	case r == 0:
		recording = "in"
	case r == 1:
		recording = "out"
	case r < 4:
		recording = "off"
	}
	var schedID, schedName any
	if r := h(saltSchedule) % 10; r < 9 {
		sc := schedules[min(int(r)/4, 2)]
		schedID, schedName = sc.id, sc.name
	}
	coach := object{}
	if p.ID != ownerID && h(saltCoach)%100 < 15 {
		coach = object{{"coach_id", employeeID(ownerID)}, {"coach_full_name", ownerName},
			{"coach_always_enabled", h(saltCoach)%2 == 0}}
	}
	groups := make([]object, 0, len(p.Groups))
	for _, g := range p.Groups {
		groups = append(groups, object{{"group_id", groupID(groupIndex[g])}, {"group_name", g}})
	}
	phones := s.phones(p)
	extension := object{}
	if p.Extension != "" {
		e := h(saltExtension)
		extension = object{{"extension_phone_number", p.Extension},
			{"extension_voice_mail_enabled", e%3 == 0}, {"extension_queue_enabled", e%5 < 2}}
	}
	operator := object{}
	if o := h(saltOperator); o%100 < 30 {
		pos := positions[o/100%uint64(len(positions))]
		operator = object{
			{"operator_login", "op" + strconv.Itoa(p.ID)},
			{"operator_display_name", strings.TrimSpace(p.FirstName)},
			{"operator_position_id", pos.id},
			{"operator_position_name", pos.name},
			{"operator_offline_message_enabled", o/7%2 == 0},
			{"operator_invite_to_chat_enabled", o/11%2 == 0},
			{"operator_chat_enabled", true},
			{"operator_chats_available", o/13%4 != 0},
			{"operator_sites", []object{{{"site_id", 7001}, {"site_domain_name", s.pop.Domain()}}}},
		}
	}
	return object{
		{"id", eid},
		{"login", "employee" + strconv.Itoa(p.ID)},
		{"first_name", nullable(p.FirstName)},
		{"last_name", nullable(p.LastName)},
		{"patronymic", nullable(p.MiddleName)},
		{"full_name", nullable(fullName(p))},
		{"status", status},
		{"status_id", statusID},
		{"calls_available", true},
		{"allowed_in_call_types", []string{"internal", "external"}},
		{"allowed_out_call_types", []string{"internal", "external"}},
		{"in_external_allowed_call_directions", directions},
		{"in_internal_allowed_call_directions", directions},
		{"out_external_allowed_call_directions", directions},
		{"out_internal_allowed_call_directions", directions},
		{"email", nullable(p.Email)},
		{"call_recording", recording},
		{"schedule_id", schedID},
		{"schedule_name", schedName},
		{"coach", coach},
		{"groups", groups},
		{"phone_numbers", phones},
		{"extension", extension},
		{"operator", operator},
	}
}

// phones renders a person's synth phones in priority (synth) order as UIS stores them.
func (s *Server) phones(p *synth.Person) []object {
	out := make([]object, 0, len(p.Phones))
	for i, ph := range p.Phones {
		num := uisNumber(ph.Raw, ph.Region)
		if num == "" {
			continue
		}
		if ph.Kind == "office" && p.Extension != "" && !strings.Contains(num, "...") {
			num += "..." + p.Extension
		}
		h := mix(s.seed, uint64(p.ID), uint64(i), saltPhone)
		dial := 60
		if h%4 == 0 {
			dial = 30
		}
		status := "active"
		if ph.Kind == "home" && h%3 == 0 {
			status = "inactive"
		}
		out = append(out, object{
			{"phone_id", employeeID(p.ID)*10 + int64(i)},
			{"phone_number", num},
			{"channels_count", 1 + int(h/16%2)},
			{"dial_time", dial},
			{"status", status},
		})
		if len(out) == 10 {
			break
		}
	}
	return out
}

var countryCodes = map[string]string{"US": "1", "CA": "1", "GB": "44", "DE": "49", "FR": "33", "RU": "7", "AU": "61"}

// uisNumber turns a phone as typed into UIS's digits-only form with the country code
// and no "+": "8 (495) 123-45-67" -> "74951234567", "+1 415-555-0132" -> "14155550132";
// an extension suffix ("x123", "ext. 12") becomes "...123". Values without digits are
// dropped (""); short digit strings ("12") are kept as they are.
func uisNumber(raw, region string) string {
	main, ext := raw, ""
	low := strings.ToLower(raw)
	for _, marker := range []string{"ext.", "ext", " x"} {
		if i := strings.LastIndex(low, marker); i >= 0 {
			if e := digits(raw[i+len(marker):]); e != "" && strings.TrimSpace(raw[i+len(marker):]) == e {
				main, ext = raw[:i], e
				break
			}
		}
	}
	main = strings.ReplaceAll(main, "(0)", "")
	d := digits(main)
	if d == "" {
		return ""
	}
	intl := strings.HasPrefix(strings.TrimSpace(main), "+")
	cc := countryCodes[region]
	if !intl && len(d) >= 7 && cc != "" {
		switch {
		case region == "RU" && len(d) == 11 && d[0] == '8':
			d = "7" + d[1:]
		case region == "RU" && len(d) == 11 && d[0] == '7':
		case cc == "1" && len(d) == 11 && d[0] == '1':
		case d[0] == '0':
			d = cc + d[1:]
		default:
			d = cc + d
		}
	}
	if ext != "" {
		d += "..." + ext
	}
	return d
}

func digits(s string) string {
	var b strings.Builder
	for _, c := range s {
		if c >= '0' && c <= '9' {
			b.WriteRune(c)
		}
	}
	return b.String()
}

// groupRows renders get.group_employees: every synth group, members by ascending
// employee id.
func (s *Server) groupRows(ds *dataset) []object {
	names := synth.GroupNames()
	members := make([][]object, len(names))
	phones := make([][]object, len(names))
	for i := range ds.people {
		p := &ds.people[i]
		fn := nullable(fullName(p))
		ph := s.phones(p)
		for _, g := range p.Groups {
			gi := groupIndex[g]
			members[gi] = append(members[gi], object{{"employee_id", employeeID(p.ID)}, {"employee_full_name", fn}})
			if len(ph) > 0 {
				st, _ := ph[0].get("status")
				num, _ := ph[0].get("phone_number")
				id, _ := ph[0].get("phone_id")
				phones[gi] = append(phones[gi], object{{"employee_phone_number", num}, {"employee_phone_number_id", id},
					{"employee_full_name", fn}, {"employee_id", employeeID(p.ID)}, {"available", st == "active"}})
			}
		}
	}
	rows := make([]object, len(names))
	for i, n := range names {
		m, ph := members[i], phones[i]
		if m == nil {
			m = []object{}
		}
		if ph == nil {
			ph = []object{}
		}
		rows[i] = object{
			{"id", groupID(i)},
			{"name", n},
			{"members", m},
			{"phone_numbers", ph},
			{"group_phone_number", strconv.Itoa(700 + i)},
			{"queue_enabled", i%3 != 2},
			{"channels_count", 1 + i%5},
		}
	}
	return rows
}

// statusRows renders get.statuses: the seven standard statuses and the custom ones
// (one of them deleted).
func statusRows(withDeleted bool) []object {
	both := []string{"in", "out"}
	none := []string{}
	protocols := []string{"PSTN", "SIP", "SIP_TRUNK", "FMC"}
	type st struct {
		id                             int
		name, mnemonic, desc, color    string
		calls                          bool
		deleted, selectable, work, aoc bool
	}
	list := []st{
		{statusAvailable, "Доступен", "available", "Принимает звонки", "#48b814", true, false, true, true, true},
		{statusBreak, "Перерыв", "break", "На перерыве", "#f5a623", false, false, true, true, false},
		{statusDoNotDisturb, "Не беспокоить", "do_not_disturb", "Только исходящие", "#d0021b", false, false, true, true, false},
		{statusNotAtWorkplace, "Нет на месте", "not_at_workplace", "Отошёл", "#9b9b9b", false, false, true, true, false},
		{statusNotAtWork, "Нет на работе", "not_at_work", "Вне рабочего времени", "#4a4a4a", false, false, true, false, false},
		{statusAutoOutCall, "Автообзвон", "auto_out_call", "Исходящий автообзвон", "#4a90e2", false, false, false, true, true},
		{statusUnknown, "Неизвестно", "unknown", "", "#cccccc", false, false, false, false, false},
		{statusTraining, "Обучение", "", "Обучение и тренинги", "#7ed321", false, false, true, true, false},
		{statusMeeting, "Совещание", "", "", "#bd10e0", false, false, true, true, false},
		{statusOldLunch, "Обед (старый)", "", "", "#f8e71c", false, true, true, false, false},
	}
	rows := make([]object, 0, len(list))
	for _, x := range list {
		if x.deleted && !withDeleted {
			continue
		}
		in, out := none, both
		if x.calls {
			in = both
		}
		rows = append(rows, object{
			{"id", x.id},
			{"name", x.name},
			{"mnemonic", nullable(x.mnemonic)},
			{"description", nullable(x.desc)},
			{"color", x.color},
			{"is_deleted", x.deleted},
			{"in_external_allowed_call_directions", in},
			{"in_internal_allowed_call_directions", in},
			{"out_external_allowed_call_directions", out},
			{"out_internal_allowed_call_directions", out},
			{"allowed_phone_protocols", protocols},
			{"is_select_allowed", x.selectable},
			{"is_worktime", x.work},
			{"is_auto_out_calls_ready", x.aoc},
		})
	}
	return rows
}

// mix is splitmix64 over several values: stable, well-distributed attributes.
func mix(vals ...uint64) uint64 {
	var h uint64 = 0x9e3779b97f4a7c15
	for _, v := range vals {
		h ^= v + 0x9e3779b97f4a7c15 + (h << 6) + (h >> 2)
		h += 0x9e3779b97f4a7c15
		h = (h ^ (h >> 30)) * 0xbf58476d1ce4e5b9
		h = (h ^ (h >> 27)) * 0x94d049bb133111eb
		h ^= h >> 31
	}
	return h
}

// Salts of mix, one per derived attribute.
const (
	saltApp uint64 = iota + 0x7100
	saltSession
	saltRecording
	saltSchedule
	saltCoach
	saltExtension
	saltOperator
	saltPhone
)
