package synth

import (
	"strings"
)

// A phone template is a phone number with placeholders: '#' is a random digit, 'A' a
// random area code of the locale (US only), '%' a random two-digit extension 10-99.

// locale is a country the population draws people from.
type locale struct {
	country   string // ISO 3166-1 alpha-2
	region    string // directory region (Zoom region, ...)
	weight    int
	timezones []string
	male      []string
	female    []string
	last      []string // masculine forms for Russian names
	// middleMale and middleFemale are patronymics (Russian) or middle names.
	middleMale   []string
	middleFemale []string
	middleRate   float64
	russian      bool
	phones       []string // templates
	areas        []string // area codes for 'A'
}

// Phone templates use the fictional-use ranges where a country has them (US 555-01xx,
// UK Ofcom drama numbers, AU 02 5550 / 0491 570); libphonenumber still validates them.
var locales = [...]locale{
	{
		country: "US", region: "North America", weight: 35,
		timezones: []string{"America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles", "America/Phoenix"},
		male: []string{"James", "John", "Robert", "Michael", "William", "David", "Richard", "Joseph", "Thomas",
			"Christopher", "Daniel", "Matthew", "Anthony", "Mark", "Steven", "Andrew", "Joshua", "Kevin", "Brian", "Ryan"},
		female: []string{"Mary", "Patricia", "Jennifer", "Linda", "Elizabeth", "Barbara", "Susan", "Jessica", "Sarah",
			"Karen", "Emily", "Ashley", "Michelle", "Amanda", "Melissa", "Stephanie", "Rebecca", "Laura", "Renée", "Zoë"},
		last: []string{"Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez",
			"Martinez", "Hernández", "López", "Wilson", "Anderson", "Taylor", "Thomas", "Moore", "Jackson", "Martin",
			"Lee", "O'Brien", "Nguyen", "Kim", "Patel", "Van der Berg"},
		middleMale:   []string{"J.", "R.", "Lee", "Michael", "Allen"},
		middleFemale: []string{"Ann", "Marie", "Lynn", "K.", "Rose"},
		middleRate:   0.1,
		phones:       []string{"+1 A-555-01##", "(A) 555-01##", "A.555.01##", "+1A55501##", "A-555-01## x###"},
		areas:        []string{"415", "212", "312", "303", "617", "206", "512", "720", "404"},
	},
	{
		country: "GB", region: "Europe", weight: 15,
		timezones: []string{"Europe/London"},
		male: []string{"Oliver", "George", "Harry", "Jack", "Charlie", "Thomas", "Oscar", "William", "James",
			"Alfie", "Henry", "Leo", "Archie", "Joshua", "Freddie"},
		female: []string{"Olivia", "Amelia", "Isla", "Ava", "Emily", "Sophie", "Grace", "Lily", "Poppy", "Freya",
			"Evie", "Siobhán"},
		last: []string{"Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Robinson",
			"Wright", "Thompson", "Evans", "Walker", "White", "Roberts", "Green", "Hall", "Wood", "O'Connor", "Hughes"},
		phones: []string{"+44 20 7946 0###", "+44 20 7946 0### ext. %", "020 7946 0###", "07700 900###", "+44 7700 900###"},
	},
	{
		country: "DE", region: "Europe", weight: 10,
		timezones: []string{"Europe/Berlin"},
		male:      []string{"Jürgen", "Jörg", "Lukas", "Maximilian", "Felix", "Paul", "Jonas", "Leon", "Stefan", "Matthias", "Uwe", "Björn"},
		female:    []string{"Käthe", "Anna", "Lena", "Sophie", "Marie", "Hannah", "Julia", "Laura", "Sabine", "Ursula", "Jördis", "Gisela"},
		last: []string{"Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Schulz",
			"Hoffmann", "Schäfer", "Koch", "Bauer", "Richter", "Klein", "Wolf", "Schröder", "Neumann", "Krüger", "Groß"},
		phones: []string{"+49 30 ########", "030 #######", "+49 151 ########", "+49 (0)89 ######-##"},
	},
	{
		country: "FR", region: "Europe", weight: 10,
		timezones: []string{"Europe/Paris"},
		male:      []string{"Jean", "Pierre", "Michel", "François", "Jérôme", "Benoît", "Étienne", "Thierry", "Nicolas", "Julien", "Mathéo", "Loïc"},
		female:    []string{"Marie", "Hélène", "Céline", "Zoé", "Amélie", "Anaïs", "Chloé", "Élodie", "Camille", "Léa", "Manon", "Inès"},
		last: []string{"Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy",
			"Moreau", "Lefèvre", "Girard", "Bonnet", "Dupont", "Lambert", "Fontaine", "Rousseau", "Mercier", "Gauthier", "Chevalier"},
		phones: []string{"+33 1 ## ## ## ##", "01 ## ## ## ##", "06 ## ## ## ##", "+33 6########"},
	},
	{
		country: "RU", region: "Russia", weight: 20, russian: true,
		timezones: []string{"Europe/Moscow", "Europe/Moscow", "Europe/Samara", "Asia/Yekaterinburg", "Asia/Novosibirsk"},
		male: []string{"Александр", "Алексей", "Андрей", "Дмитрий", "Сергей", "Иван", "Михаил", "Николай", "Пётр",
			"Фёдор", "Артём", "Семён", "Евгений", "Максим", "Владимир", "Юрий"},
		female: []string{"Анна", "Мария", "Елена", "Ольга", "Татьяна", "Наталья", "Ирина", "Екатерина", "Светлана",
			"Юлия", "Алёна", "Дарья", "Ксения", "Анастасия"},
		last: []string{"Иванов", "Смирнов", "Кузнецов", "Попов", "Васильев", "Петров", "Соколов", "Михайлов",
			"Новиков", "Фёдоров", "Морозов", "Волков", "Алексеев", "Лебедев", "Семёнов", "Егоров", "Павлов", "Козлов",
			"Степанов", "Николаев", "Орлов", "Королёв", "Никитин", "Зайцев", "Соловьёв", "Покровский", "Никольский",
			"Вознесенский", "Ильин", "Медведев"},
		middleMale: []string{"Александрович", "Алексеевич", "Андреевич", "Дмитриевич", "Сергеевич", "Иванович",
			"Михайлович", "Николаевич", "Петрович", "Фёдорович", "Евгеньевич", "Владимирович", "Юрьевич", "Олегович", "Викторович"},
		middleFemale: []string{"Александровна", "Алексеевна", "Андреевна", "Дмитриевна", "Сергеевна", "Ивановна",
			"Михайловна", "Николаевна", "Петровна", "Фёдоровна", "Евгеньевна", "Владимировна", "Юрьевна", "Олеговна", "Викторовна"},
		middleRate: 0.9,
		phones:     []string{"8 (495) ###-##-##", "7495#######", "+7 916 ###-##-##", "+7 (812) ###-##-##", "8926#######"},
	},
	{
		country: "AU", region: "APAC", weight: 10,
		timezones: []string{"Australia/Sydney", "Australia/Melbourne", "Australia/Perth", "Australia/Brisbane"},
		male:      []string{"Jack", "William", "Noah", "Oliver", "Thomas", "Liam", "Lachlan", "Cooper", "Riley", "Ethan"},
		female:    []string{"Charlotte", "Olivia", "Mia", "Ruby", "Matilda", "Isla", "Chloe", "Zoe", "Harper", "Sienna"},
		last: []string{"Smith", "Jones", "Williams", "Brown", "Wilson", "Taylor", "Nguyen", "Johnson", "Martin",
			"White", "Anderson", "Walker", "Thompson", "Ryan", "Kelly"},
		phones: []string{"+61 2 5550 ####", "(02) 5550 ####", "0491 570 ###", "+61 491 570 ###"},
	},
}

// junkPhones are values people type into phone fields that are not phone numbers.
var junkPhones = []string{"n/a", "12", "-", "TBD", "000", "call me"}

// phoneKinds lists the kinds a Person's phones carry.
var phoneKinds = []string{"main", "office", "mobile", "home", "other"}

// department is a department with its teams and titles (English and Russian).
type department struct {
	name     string
	weight   int
	teams    []string
	titles   []string
	titlesRU []string
	queues   []int // indices into queueNames this department's people may serve
}

var departments = [...]department{
	{name: "Sales", weight: 30, teams: []string{"Sales East", "Sales West", "Enterprise", "SMB"},
		titles: []string{"Account Executive", "Sales Development Representative", "Senior Account Executive",
			"Sales Manager", "Key Account Manager"},
		titlesRU: []string{"Менеджер по продажам", "Специалист по привлечению клиентов", "Старший менеджер по продажам",
			"Руководитель отдела продаж", "Менеджер по работе с ключевыми клиентами"},
		queues: []int{0, 1, 2, 6}},
	{name: "Customer Support", weight: 25, teams: []string{"Support L1", "Support L2", "Support RU", "VIP Care"},
		titles:   []string{"Support Specialist", "Senior Support Specialist", "Support Engineer", "Support Team Lead"},
		titlesRU: []string{"Специалист поддержки", "Старший специалист поддержки", "Инженер поддержки", "Руководитель группы поддержки"},
		queues:   []int{3, 4, 5, 6, 7}},
	{name: "Engineering", weight: 20, teams: []string{"Platform", "Mobile", "Data", "QA"},
		titles:   []string{"Software Engineer", "Senior Software Engineer", "QA Engineer", "Engineering Manager"},
		titlesRU: []string{"Инженер-программист", "Ведущий инженер-программист", "Инженер по тестированию", "Руководитель разработки"}},
	{name: "Marketing", weight: 8, teams: []string{"Growth", "Brand"},
		titles:   []string{"Marketing Manager", "Content Writer", "Head of Marketing"},
		titlesRU: []string{"Маркетолог", "Контент-менеджер", "Директор по маркетингу"}},
	{name: "Finance", weight: 5, teams: []string{"Accounting", "FP&A"},
		titles:   []string{"Accountant", "Financial Analyst", "Controller"},
		titlesRU: []string{"Бухгалтер", "Финансовый аналитик", "Главный бухгалтер"},
		queues:   []int{5}},
	{name: "Operations", weight: 7, teams: []string{"IT", "Facilities"},
		titles:   []string{"Operations Manager", "Office Manager", "IT Administrator"},
		titlesRU: []string{"Операционный менеджер", "Офис-менеджер", "Системный администратор"}},
	{name: "People", weight: 5, teams: []string{"Recruiting", "People Ops"},
		titles:   []string{"Recruiter", "HR Business Partner", "People Operations Specialist"},
		titlesRU: []string{"Рекрутер", "HR бизнес-партнёр", "Специалист по кадрам"}},
}

// ownerTitle is the owner's fixed title (title index ownerTitleIndex).
const (
	ownerTitle      = "Founder & CEO"
	ownerTitleRU    = "Генеральный директор"
	ownerTitleIndex = 255
)

// groupNames lists the generic groups people belong to, in their canonical order.
var groupNames = [...]string{"Leadership", "Managers", "On-Call", "Remote", "Night Shift",
	"Onboarding Buddies", "Champions", "Trainers", "Hiring Committee", "Early Adopters"}

// queueNames lists the contact-center queues.
var queueNames = [...]string{"Inbound Sales", "Outbound Sales", "Renewals", "Support L1", "Support L2",
	"Billing", "VIP", "Russian Line"}

// Canonical role levels, by index.
var roleNames = [...]string{"owner", "admin", "manager", "member", "guest", "readonly"}

const (
	roleOwner uint8 = iota
	roleAdmin
	roleManager
	roleMember
	roleGuest
	roleReadonly
)

// customRoleNames are custom roles (index+1 stored in record.custom).
var customRoleNames = [...]string{"Account Manager", "Sales Lead", "Support Agent (Limited)", "Billing Specialist"}

// Statuses, by index.
var statusNames = [...]string{"available", "busy", "away", "dnd", "offline"}

const (
	statusAvailable uint8 = iota
	statusBusy
	statusAway
	statusDND
	statusOffline
)

var statusWeights = []int{30, 10, 15, 5, 40}

// subStatusNames are the reasons for being away (index+1 stored in record.sub).
var subStatusNames = [...]string{"Meal", "Training", "Break", "Meeting", "Coaching"}

// companies are organization names; the seed picks one.
var companies = [...]string{"Northwind Traders", "Contoso", "Initech", "Globex", "Umbrella Logistics",
	"Hooli", "Acme", "Vandelay Industries", "Wonka Foods", "Cyberdyne Systems"}

// nfd maps precomposed letters to their canonical decomposition (Unicode NFD).
var nfd = map[rune]string{
	'é': "e\u0301", 'è': "e\u0300", 'ê': "e\u0302", 'ë': "e\u0308", 'à': "a\u0300", 'â': "a\u0302",
	'ä': "a\u0308", 'ç': "c\u0327", 'î': "i\u0302", 'ï': "i\u0308", 'ô': "o\u0302", 'ö': "o\u0308",
	'ü': "u\u0308", 'û': "u\u0302", 'ñ': "n\u0303", 'á': "a\u0301", 'í': "i\u0301", 'ó': "o\u0301",
	'ú': "u\u0301", 'É': "E\u0301", 'Ö': "O\u0308", 'Ü': "U\u0308", 'Ä': "A\u0308",
	'ё': "е\u0308", 'Ё': "Е\u0308", 'й': "и\u0306", 'Й': "И\u0306",
}

// toNFD decomposes the letters of nfd; other runes are kept.
func toNFD(s string) string {
	var b strings.Builder
	for _, c := range s {
		if d, ok := nfd[c]; ok {
			b.WriteString(d)
		} else {
			b.WriteRune(c)
		}
	}
	return b.String()
}

func hasNFD(s string) bool { return toNFD(s) != s }

// translit maps letters to ASCII for email local parts.
var translit = map[rune]string{
	'а': "a", 'б': "b", 'в': "v", 'г': "g", 'д': "d", 'е': "e", 'ё': "e", 'ж': "zh", 'з': "z", 'и': "i",
	'й': "i", 'к': "k", 'л': "l", 'м': "m", 'н': "n", 'о': "o", 'п': "p", 'р': "r", 'с': "s", 'т': "t",
	'у': "u", 'ф': "f", 'х': "kh", 'ц': "ts", 'ч': "ch", 'ш': "sh", 'щ': "shch", 'ъ': "ie", 'ы': "y",
	'ь': "", 'э': "e", 'ю': "iu", 'я': "ia",
	'é': "e", 'è': "e", 'ê': "e", 'ë': "e", 'à': "a", 'â': "a", 'ä': "a", 'ç': "c", 'î': "i", 'ï': "i",
	'ô': "o", 'ö': "o", 'ü': "u", 'û': "u", 'ñ': "n", 'á': "a", 'í': "i", 'ó': "o", 'ú': "u", 'ß': "ss",
}

// asciiSlug lower-cases s and keeps only ASCII letters and digits, transliterating the rest.
func asciiSlug(s string) string {
	var b strings.Builder
	for _, c := range strings.ToLower(s) {
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
			b.WriteRune(c)
		default:
			b.WriteString(translit[c])
		}
	}
	return b.String()
}

// feminine returns the feminine form of a Russian surname.
func feminine(last string) string {
	if strings.HasSuffix(last, "ий") {
		return strings.TrimSuffix(last, "ий") + "ая"
	}
	return last + "а"
}
