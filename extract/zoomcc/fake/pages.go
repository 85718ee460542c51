package fake

import (
	"strconv"
	"strings"
	"time"
)

// pageLimits are an endpoint's page_size default and maximum (the minimum is 1).
type pageLimits struct{ def, max int }

// The page_size ranges. Only users (30/300), roles/{id}/users (30/300) and
// regions/{id}/users (10/100) are documented; the others are invented (see the package
// doc), chosen so that a generic paginator meets two different caps.
var (
	memberPages  = pageLimits{def: 30, max: 300}
	catalogPages = pageLimits{def: 10, max: 100}
	regionPages  = pageLimits{def: 10, max: 100}
)

// groupMemberPages are the page_size limits of the team and queue member lists.
func (s *Server) groupMemberPages() pageLimits {
	if s.opts.MemberPageMax > 0 {
		return pageLimits{def: min(memberPages.def, s.opts.MemberPageMax), max: s.opts.MemberPageMax}
	}
	return memberPages
}

// page is the slice of a list a request asks for.
type page struct {
	size, start, end, total int
	// next is the next_page_token ("" on the last page).
	next string
}

// readPage validates page_size and next_page_token against a list of total items
// bound to binding (the endpoint and its filters). On error it has answered the request.
func (s *Server) readPage(req *request, resp *response, lim pageLimits, binding string, total int) (page, bool) {
	q := req.r.URL.Query()
	size := lim.def
	if raw := q.Get("page_size"); raw != "" {
		n, err := strconv.Atoi(raw)
		switch {
		case err != nil:
			resp.validation("page_size", "Invalid field.")
			return page{}, false
		case n < 1 || n > lim.max:
			if !s.opts.ClampPageSize {
				resp.validation("page_size", "The page_size must be between 1 and "+itoa(lim.max)+".")
				return page{}, false
			}
			n = min(max(n, 1), lim.max)
		}
		size = n
	}
	bind := hashString(req.route.path + "\x00" + binding)
	start := 0
	if tok := q.Get("next_page_token"); tok != "" {
		off, ok := s.readPageToken(tok, bind)
		if !ok {
			resp.zoomError(400, codeValidation, msgBadPageToken)
			return page{}, false
		}
		start = min(off, total)
	}
	p := page{size: size, start: start, end: min(start+size, total), total: total}
	if p.end < total {
		p.next = s.pageToken(p.end, bind)
	}
	return p, true
}

// writePage sends {"next_page_token":...,"page_size":n,"total_records":n,key:[...]},
// calling item for each index of the page.
func (resp *response) writePage(p page, key string, item func(w *jw, i int)) {
	resp.json(200, func(w *jw) {
		w.open('{')
		w.field("next_page_token", p.next)
		w.numField("page_size", int64(p.size))
		w.numField("total_records", int64(p.total))
		w.key(key)
		w.open('[')
		for i := p.start; i < p.end; i++ {
			item(w, i)
			w.maybeFlush()
		}
		w.close(']')
		w.close('}')
	})
}

// A next_page_token is four 64-bit words in base62 (11 characters each, 44 in all,
// letters and digits only like Zoom's): the offset, the issue time in Unix milliseconds
// and the binding hash, each masked with a keystream, then a keyed check value over them
// and the Server's page-token epoch. ExpirePageTokens moves the epoch, which voids every
// earlier token; the issue time gives the TTL on the Options.Now clock.
const pageTokenLen = 44

func (s *Server) pageToken(offset int, bind uint64) string {
	s.mu.Lock()
	epoch := s.pageEpoch
	s.mu.Unlock()
	issued := uint64(s.opts.Now().UnixMilli())
	check := mix(s.pageKey, epoch, uint64(offset), issued, bind)
	words := [4]uint64{uint64(offset), issued, bind, check}
	ks := check ^ s.pageKey
	for i := range 3 {
		words[i] ^= splitmix(&ks)
	}
	b := make([]byte, 0, pageTokenLen)
	for _, x := range words {
		var d [11]byte
		for i := len(d) - 1; i >= 0; i-- {
			d[i] = base62Digits[x%62]
			x /= 62
		}
		b = append(b, d[:]...)
	}
	return string(b)
}

// readPageToken returns the offset of a token issued for bind, unexpired and of the
// current epoch.
func (s *Server) readPageToken(tok string, bind uint64) (int, bool) {
	if len(tok) != pageTokenLen {
		return 0, false
	}
	var words [4]uint64
	for i := range words {
		var x uint64
		for _, c := range []byte(tok[i*11 : i*11+11]) {
			d := strings.IndexByte(base62Digits, c)
			if d < 0 {
				return 0, false
			}
			hi := x * 62
			if hi/62 != x || hi+uint64(d) < hi {
				return 0, false
			}
			x = hi + uint64(d)
		}
		words[i] = x
	}
	check := words[3]
	ks := check ^ s.pageKey
	for i := range 3 {
		words[i] ^= splitmix(&ks)
	}
	offset, issued, gotBind := words[0], words[1], words[2]
	s.mu.Lock()
	epoch := s.pageEpoch
	s.mu.Unlock()
	if check != mix(s.pageKey, epoch, offset, issued, gotBind) || gotBind != bind || offset > 1<<50 {
		return 0, false
	}
	age := s.opts.Now().Sub(time.UnixMilli(int64(issued)))
	if age >= s.opts.PageTokenTTL {
		return 0, false
	}
	return int(offset), true
}

// ExpirePageTokens makes every next_page_token issued so far invalid: continuing a
// listing with one gets 400 code 300, as after 15 minutes.
func (s *Server) ExpirePageTokens() {
	s.mu.Lock()
	s.pageEpoch++
	s.mu.Unlock()
}

// filterKey joins filter values into a binding; the separator cannot occur in a value
// read from a URL query without being noticed (it is a NUL).
func filterKey(vals ...string) string {
	var b strings.Builder
	for _, v := range vals {
		b.WriteString(v)
		b.WriteByte(0)
	}
	return b.String()
}
