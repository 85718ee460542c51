package fake

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/roster-etl/roster/extract/synth"
)

// dateAdded is the layout of date_added: the account's local wall-clock time, to the
// minute, without an offset (the seed's "YYYY-MM-DD HH:MM").
const dateAdded = "2006-01-02 15:04"

// phoneKeys are the four phone fields, in the order of the person's phone kinds.
var phoneKeys = [4]string{"phone", "phone2", "phone3", "phone4"}

// phoneSlot maps a synth phone kind to its field; "other" has none.
var phoneSlot = map[string]int{"main": 0, "office": 1, "mobile": 2, "home": 3}

// writeUsers sends get_users: {"status":"ok","data":[user, ...]}, streamed.
func (s *Server) writeUsers(resp *response, ds *dataset) {
	resp.json(http.StatusOK, func(w *jw) {
		w.open('{')
		w.field("status", "ok")
		w.key("data")
		w.open('[')
		for _, p := range ds.users {
			s.writeUser(w, p)
			w.maybeFlush()
		}
		w.close(']')
		w.close('}')
	})
}

// writeGroups sends get_user_groups: {"status":"ok","data":[{"id":...,"title":...,
// "type":"company","client":0|1}, ...]}.
func (s *Server) writeGroups(resp *response, ds *dataset) {
	resp.json(http.StatusOK, func(w *jw) {
		w.open('{')
		w.field("status", "ok")
		w.key("data")
		w.open('[')
		for _, t := range ds.teams {
			w.open('{')
			w.field("id", t.id)
			w.field("title", t.title)
			w.field("type", "company")
			w.key("client")
			if t.client {
				w.num(1)
			} else {
				w.num(0)
			}
			w.close('}')
		}
		w.close(']')
		w.close('}')
	})
}

// writeUser writes one user in the seed's key order. Everything but the synth fields is
// derived from the seed and the person ID alone, so a person renders identically on
// every day that none of its synth fields changes.
func (s *Server) writeUser(w *jw, p *synth.Person) {
	id := s.ids.user(p.ID)
	empty := s.ids.of(p.ID, saltEmptyStyle)
	phones := phoneFields(p)
	hd := handle(p)
	w.open('{')
	w.field("id", id)
	w.field("first_name", p.FirstName)
	w.field("last_name", p.LastName)
	w.fields("name", p.FirstName, " ", p.LastName)
	w.field("title", p.Title)
	w.fields("url", "https://", s.opts.Host, "/account/user/", id, "/")
	w.key("services")
	s.writeServices(w, p, phones[2], hd)
	s.writeContacts(w, p, hd)
	w.key("date_added")
	w.sep()
	// The layout has nothing to escape.
	w.b = append(w.b, '"')
	w.b = p.CreatedAt.In(s.opts.Location).AppendFormat(w.b, dateAdded)
	w.b = append(w.b, '"')
	if rate, ok := s.rate(p); ok {
		w.key("rate")
		w.decimal(rate)
	}
	s.writeAvatar(w, p, id)
	w.field("group", p.Team)
	w.field("department", p.Department)
	w.field("role", s.role(p))
	w.field("email", p.Email)
	for i, key := range phoneKeys {
		optional(w, key, phones[i], empty&(1<<i) != 0)
	}
	address, address2 := s.addresses(p)
	optional(w, "address", address, empty&(1<<4) != 0)
	optional(w, "address2", address2, empty&(1<<5) != 0)
	w.close('}')
}

// optional writes an "if specified" field: its value, or when unset either "" (asEmpty)
// or nothing at all.
func optional(w *jw, key, value string, asEmpty bool) {
	if value != "" || asEmpty {
		w.field(key, value)
	}
}

// role returns the Worksection role of a person. Managers are "team admin" or
// "department admin", half each, fixed per person.
func (s *Server) role(p *synth.Person) string {
	switch p.Role {
	case "owner":
		return "owner"
	case "admin":
		return "account admin"
	case "manager":
		if s.ids.of(p.ID, saltRole)%2 == 0 {
			return "team admin"
		}
		return "department admin"
	case "member":
		return "user"
	case "guest":
		return "guest"
	case "readonly":
		return "reader"
	}
	return p.Role
}

// phoneFields puts each of a person's phones in the field of its kind: the first phone
// of a kind wins; "other" phones and further phones of a taken kind have no field.
func phoneFields(p *synth.Person) [4]string {
	var out [4]string
	for _, ph := range p.Phones {
		if i, ok := phoneSlot[ph.Kind]; ok && out[i] == "" {
			out[i] = ph.Raw
		}
	}
	return out
}

// rate returns the hourly rate of about 40% of people: 15 to 100, sometimes with .5.
func (s *Server) rate(p *synth.Person) (float64, bool) {
	h := s.ids.of(p.ID, saltRate)
	if h%10 >= 4 {
		return 0, false
	}
	rate := float64(15 + (h>>8)%86)
	if (h>>16)%4 == 0 {
		rate += 0.5
	}
	return rate, true
}

// writeAvatar writes an uploaded picture for three people in four, else the default
// image.
func (s *Server) writeAvatar(w *jw, p *synth.Person, id string) {
	h := s.ids.of(p.ID, saltAvatar)
	if h%4 == 0 {
		w.fields("avatar", "https://", s.opts.Host, "/images/avatar/default.png")
		return
	}
	var hx [8]byte
	w.fields("avatar", "https://", s.opts.Host, "/download/avatar/", id, "/", hex8(&hx, h>>32), ".jpg")
}

// hex8 writes the low 32 bits of x as eight lower-case hex digits into buf.
func hex8(buf *[8]byte, x uint64) string {
	for i := len(buf) - 1; i >= 0; i-- {
		buf[i] = hexDigits[x&0xf]
		x >>= 4
	}
	return string(buf[:])
}

// handle is a messenger or social-network handle from the email's local part.
func handle(p *synth.Person) string {
	local, _, _ := strings.Cut(strings.ToLower(strings.TrimSpace(p.Email)), "@")
	b := make([]byte, 0, len(local))
	for i := 0; i < len(local); i++ {
		if c := local[i]; c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-' {
			b = append(b, c)
		}
	}
	if len(b) == 0 {
		return "user" + strconv.Itoa(p.ID)
	}
	return string(b)
}

// writeContacts writes the "Other contacts" text of about a fifth of people
// (multi-line for some); the key is absent for the others.
func (s *Server) writeContacts(w *jw, p *synth.Person, hd string) {
	h := s.ids.of(p.ID, saltContacts)
	switch h % 12 {
	case 0:
		w.fields("contacts", "Skype: ", hd)
	case 1:
		if p.Extension != "" {
			w.fields("contacts", "ext. ", p.Extension)
		}
	case 2:
		var room [4]byte
		w.fields("contacts", "Telegram: @", hd, "\nOffice: room ", string(strconv.AppendUint(room[:0], 100+(h>>8)%400, 10)))
	}
}

// Messenger and social-network keys of services, in rendering order.
var (
	chatKeys   = []string{"WhatsApp", "Telegram", "Skype", "Viber"}
	socialKeys = []string{"LinkedIn", "Facebook", "Instagram"}
)

// writeServices writes {"chats":{...},"socials":{...}}. An empty group is PHP's empty
// array, [] (json_encode cannot tell an empty map from an empty list).
func (s *Server) writeServices(w *jw, p *synth.Person, mobile, hd string) {
	h := s.ids.of(p.ID, saltServices)
	bit := func(i uint) bool { return h&(1<<i) != 0 }
	w.open('{')
	w.key("chats")
	serviceGroup(w, chatKeys, [][]string{{mobile}, {"@", hd}, {"live:", hd}, {mobile}},
		[]bool{bit(0) && mobile != "", bit(1), bit(2) && bit(3), bit(4) && bit(5) && mobile != ""})
	w.key("socials")
	serviceGroup(w, socialKeys, [][]string{{"https://www.linkedin.com/in/", hd}, {"https://www.facebook.com/", hd}, {"@", hd}},
		[]bool{bit(6), bit(7) && bit(8), bit(9) && bit(10)})
	w.close('}')
}

// serviceGroup writes the chosen entries (values as parts) as an object, or [] when
// none is chosen.
func serviceGroup(w *jw, keys []string, values [][]string, chosen []bool) {
	n := 0
	for i := range keys {
		if chosen[i] {
			if n == 0 {
				w.open('{')
			}
			w.fields(keys[i], values[i]...)
			n++
		}
	}
	if n == 0 {
		w.open('[')
		w.close(']')
		return
	}
	w.close('}')
}

// address is a country's street addresses ('#' is a house number) and second lines
// ('#' is a number).
type address struct {
	streets []string
	second  string
}

var addressBook = map[string]address{
	"US": {[]string{"# Market St, San Francisco, CA 94103", "# Broadway, New York, NY 10012", "# W Madison St, Chicago, IL 60602"}, "Suite #"},
	"GB": {[]string{"# Baker Street, London NW1 6XE", "# Deansgate, Manchester M3 2BW"}, "Flat #"},
	"DE": {[]string{"Friedrichstraße #, 10117 Berlin", "Königsallee #, 40212 Düsseldorf"}, "Etage #"},
	"FR": {[]string{"# rue de Rivoli, 75001 Paris", "# quai Saint-Antoine, 69002 Lyon"}, "Bâtiment #"},
	"RU": {[]string{"ул. Тверская, д. #, Москва", "Невский пр-т, д. #, Санкт-Петербург"}, "офис #"},
	"AU": {[]string{"# George St, Sydney NSW 2000", "# Collins St, Melbourne VIC 3000"}, "Level #"},
}

// addresses returns the address of about 35% of people, in their country, and a second
// line for a third of those.
func (s *Server) addresses(p *synth.Person) (string, string) {
	h := s.ids.of(p.ID, saltAddress)
	if h%20 >= 7 {
		return "", ""
	}
	book, ok := addressBook[p.Country]
	if !ok {
		book = addressBook["US"]
	}
	street := book.streets[(h>>8)%uint64(len(book.streets))]
	first := strings.Replace(street, "#", strconv.FormatUint(1+(h>>16)%199, 10), 1)
	if (h>>24)%3 != 0 {
		return first, ""
	}
	return first, strings.Replace(book.second, "#", strconv.FormatUint(1+(h>>32)%40, 10), 1)
}
