package fake

import (
	"crypto/hmac"
	"crypto/md5"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// queryHash is the documented admin hash: md5 of the parameter string exactly as sent
// (everything but the hash segment) followed by the key, in lower-case hex.
func queryHash(signed, key string) string {
	sum := md5.Sum([]byte(signed + key))
	return hex.EncodeToString(sum[:])
}

// legacyHash is the older documented rule: md5(page + action + key), page and action
// being the decoded parameter values (page usually absent).
func legacyHash(page, action, key string) string {
	sum := md5.Sum([]byte(page + action + key))
	return hex.EncodeToString(sum[:])
}

// adminHeaderSignature is the official Python client's signature:
// hex(HMAC-SHA256(key, "<action>:<unix_ts>")).
func adminHeaderSignature(action, ts, key string) string {
	m := hmac.New(sha256.New, []byte(key))
	m.Write([]byte(action + ":" + ts))
	return hex.EncodeToString(m.Sum(nil))
}

// authorized checks a request's signature: with Options.AdminHeaderAuth an
// "Authorization: Admin ..." header decides alone; otherwise exactly one hash segment
// must equal queryHash (or, with Options.LegacyHash, legacyHash). Hex digits must be
// lower case, as PHP's md5 writes them.
func (s *Server) authorized(r *http.Request, c *call) bool {
	key := s.opts.APIKey
	if s.opts.AdminHeaderAuth {
		if cred, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Admin "); ok {
			return s.adminHeaderValid(strings.TrimSpace(cred), c.action)
		}
	}
	if len(c.hashes) != 1 {
		return false
	}
	got := c.hashes[0]
	if equal(got, queryHash(c.signed, key)) {
		return true
	}
	return s.opts.LegacyHash && equal(got, legacyHash(c.params.Get("page"), c.action, key))
}

// adminHeaderValid checks "<unix_ts>_<hex hmac>" against the action and the clock.
func (s *Server) adminHeaderValid(cred, action string) bool {
	ts, sig, ok := strings.Cut(cred, "_")
	if !ok {
		return false
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return false
	}
	skew := s.opts.Now().Sub(time.Unix(sec, 0))
	if skew > AdminHeaderWindow || skew < -AdminHeaderWindow {
		return false
	}
	return equal(sig, adminHeaderSignature(action, ts, s.opts.APIKey))
}

func equal(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }
