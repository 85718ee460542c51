package fake

import (
	"crypto/subtle"
	"encoding/base64"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// maxTokenBodyBytes bounds the form body the token endpoint reads.
const maxTokenBodyBytes = 64 << 10

// accessToken is an issued Server-to-Server OAuth token.
type accessToken struct {
	seq     int
	issued  time.Time
	expires time.Time
	scopes  map[string]bool
}

// serveToken answers POST /oauth/token (Server-to-Server OAuth, grant account_credentials).
// Checks, in order: method, query string, client credentials, grant type, account id.
func (s *Server) serveToken(resp *response, r *http.Request) {
	if r.Method != http.MethodPost {
		resp.w.Header().Set("Allow", http.MethodPost)
		resp.oauthError(http.StatusMethodNotAllowed, "Method Not Allowed", "invalid_request")
		return
	}
	if r.URL.RawQuery != "" {
		resp.oauthError(http.StatusBadRequest, "Bad Request: parameters must be sent in the request body", "invalid_request")
		return
	}
	id, secret, ok := r.BasicAuth()
	if !ok || !equal(id, s.opts.ClientID) || !equal(secret, s.opts.ClientSecret) {
		resp.oauthError(http.StatusUnauthorized, "Invalid client_id or client_secret", "invalid_client")
		return
	}
	form := url.Values{}
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err == nil && mt == "application/x-www-form-urlencoded" {
		body, _ := io.ReadAll(io.LimitReader(r.Body, maxTokenBodyBytes))
		form, _ = url.ParseQuery(string(body))
	}
	if form.Get("grant_type") != "account_credentials" {
		resp.oauthError(http.StatusBadRequest, "Unsupported grant type", "unsupported_grant_type")
		return
	}
	switch acct := form.Get("account_id"); {
	case acct == "":
		resp.oauthError(http.StatusBadRequest, "Missing account_id", "invalid_request")
		return
	case acct != s.opts.AccountID:
		resp.oauthError(http.StatusBadRequest, "Invalid account_id", "invalid_request")
		return
	}
	token := s.IssueToken()
	apiURL := s.opts.APIURL
	if apiURL == "" {
		scheme := "http://"
		if r.TLS != nil {
			scheme = "https://"
		}
		apiURL = scheme + r.Host
	}
	resp.json(http.StatusOK, func(w *jw) {
		w.open('{')
		w.field("access_token", token)
		w.field("token_type", "bearer")
		w.numField("expires_in", ceilSeconds(s.opts.TokenTTL))
		w.field("scope", strings.Join(s.opts.Scopes, " "))
		w.field("api_url", apiURL)
		w.close('}')
	})
}

func equal(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }

// oauthError sends the token endpoint's error body {"reason":reason,"error":code}.
func (resp *response) oauthError(status int, reason, code string) {
	resp.json(status, func(w *jw) {
		w.open('{')
		w.field("reason", reason)
		w.field("error", code)
		w.close('}')
	})
}

// IssueToken mints an access token as the token endpoint does (with
// Options.NewTokenInvalidatesOld every earlier token becomes invalid), for tests that
// do not go through OAuth.
func (s *Server) IssueToken() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.opts.Now()
	s.tokenSeq++
	t := &accessToken{seq: s.tokenSeq, issued: now, expires: now.Add(s.opts.TokenTTL), scopes: s.scopes}
	tok := s.jwt(t)
	s.tokens[tok] = t
	return tok
}

// ExpireTokens makes every access token issued so far expired: the next request with one
// gets 401 {"code":124,"message":"Access token is expired."}.
func (s *Server) ExpireTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.opts.Now()
	for _, t := range s.tokens {
		if t.expires.After(now) {
			t.expires = now
		}
	}
}

// authenticate returns the token of an "Authorization: Bearer" header, or nil and the
// message of the 401.
func (s *Server) authenticate(r *http.Request) (*accessToken, string) {
	scheme, cred, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	if !strings.EqualFold(scheme, "bearer") {
		return nil, msgInvalidToken
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.tokens[strings.TrimSpace(cred)]
	switch {
	case t == nil:
		return nil, msgInvalidToken
	case s.opts.NewTokenInvalidatesOld && t.seq != s.tokenSeq:
		return nil, msgInvalidToken
	case !s.opts.Now().Before(t.expires):
		return nil, msgExpiredToken
	}
	return t, ""
}

// jwt renders a token shaped like Zoom's S2S access tokens: an HS512 JWT whose claims
// name the account and the client. The signature is a keyed hash of the sequence
// number, so tokens are unique, opaque and unforgeable by a client. The caller holds
// s.mu.
func (s *Server) jwt(t *accessToken) string {
	enc := base64.RawURLEncoding
	header := `{"alg":"HS512","v":"2.0","kid":"` + s.ids.uuid(saltTokenKey, "kid", 4) + `"}`
	w := &jw{}
	w.open('{')
	w.field("aud", "https://oauth.zoom.us")
	w.field("uid", s.modifiedBy)
	w.numField("ver", 10)
	w.field("auid", s.ids.base62("", 32, saltTokenKey, 1))
	w.numField("nbf", t.issued.Unix())
	w.field("code", s.ids.base62("", 32, saltTokenKey, uint64(t.seq)))
	w.field("iss", "zm:cid:"+s.opts.ClientID)
	w.numField("gno", 0)
	w.numField("exp", t.expires.Unix())
	w.numField("type", 3)
	w.numField("iat", t.issued.Unix())
	w.field("aid", s.opts.AccountID)
	w.close('}')
	var sig [64]byte
	x := mix(s.tokenKey, uint64(t.seq), uint64(t.issued.UnixNano()))
	for i := range sig {
		sig[i] = byte(splitmix(&x))
	}
	return enc.EncodeToString([]byte(header)) + "." + enc.EncodeToString(w.b) + "." + enc.EncodeToString(sig[:])
}

func ceilSeconds(d time.Duration) int64 {
	if d <= 0 {
		return 0
	}
	return int64((d + time.Second - 1) / time.Second)
}

func itoa(n int) string { return strconv.Itoa(n) }
