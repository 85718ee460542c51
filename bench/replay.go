package bench

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// A night's provider replies are recorded once, from a sync against the fakes, and
// replayed to the measured syncs: the fakes' own cost of rendering JSON stays out of
// the measurement, and the reference reads exactly the pages roster was served.

// requestKey identifies a request by what selects its reply: method, path, query and
// body, without what changes from one run to the next (credentials, signatures, the
// JSON-RPC id and session token).
func requestKey(r *http.Request, body []byte) string {
	q := r.URL.Query()
	q.Del("hash") // Worksection's signature
	var b strings.Builder
	b.WriteString(r.Method)
	b.WriteByte(' ')
	b.WriteString(r.URL.Path)
	b.WriteByte('?')
	b.WriteString(q.Encode())
	b.WriteByte(' ')
	b.Write(normalizedBody(body))
	return b.String()
}

// normalizedBody drops a JSON-RPC call's id and access token; other bodies are kept.
func normalizedBody(body []byte) []byte {
	if len(body) == 0 || body[0] != '{' {
		return body
	}
	var call map[string]any
	if json.Unmarshal(body, &call) != nil {
		return body
	}
	if _, ok := call["jsonrpc"]; !ok {
		return body
	}
	delete(call, "id")
	if p, ok := call["params"].(map[string]any); ok {
		delete(p, "access_token")
	}
	out, _ := json.Marshal(call) // maps marshal with sorted keys
	return out
}

func keyFile(dir, key string) string {
	sum := sha256.Sum256([]byte(key))
	return filepath.Join(dir, hex.EncodeToString(sum[:16]))
}

// pageKind names the replies the reference reads, by provider and request.
func pageKind(provider string, r *http.Request, body []byte) string {
	switch provider {
	case "close":
		switch {
		case r.URL.Path == "/api/v1/user/":
			return "users"
		case strings.HasPrefix(r.URL.Path, "/api/v1/organization/"):
			return "org"
		case r.URL.Path == "/api/v1/role/":
			return "roles"
		}
	case "worksection":
		if r.URL.Query().Get("action") == "get_users" {
			return "users"
		}
	case "zoom_contact_center":
		if r.URL.Path == "/v2/contact_center/users" {
			return "users"
		}
	case "uis":
		var call struct{ Method string }
		if json.Unmarshal(body, &call) == nil && call.Method == "get.employees" {
			return "users"
		}
	}
	return ""
}

// recorder is a proxy in front of one fake that stores every reply under dir.
type recorder struct {
	provider, upstream, dir string
	mu                      sync.Mutex
	pages                   map[string]int
}

func (rc *recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	out, err := http.NewRequestWithContext(r.Context(), r.Method, "http://"+rc.upstream+r.URL.RequestURI(), bytes.NewReader(body))
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	out.Header = r.Header.Clone()
	resp, err := http.DefaultTransport.RoundTrip(out)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	reply, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	if resp.StatusCode == http.StatusOK {
		if err := rc.store(requestKey(r, body), pageKind(rc.provider, r, body), resp.Header.Get("Content-Type"), reply); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
	}
	w.Header().Set("Content-Type", resp.Header.Get("Content-Type"))
	w.WriteHeader(resp.StatusCode)
	w.Write(reply)
}

func (rc *recorder) store(key, kind, contentType string, reply []byte) error {
	f := keyFile(filepath.Join(rc.dir, "replies"), key)
	if err := os.WriteFile(f, append([]byte(contentType+"\n"), reply...), 0o644); err != nil {
		return err
	}
	if kind == "" {
		return nil
	}
	rc.mu.Lock()
	n := rc.pages[kind]
	rc.pages[kind] = n + 1
	rc.mu.Unlock()
	return os.WriteFile(filepath.Join(rc.dir, "pages", fmt.Sprintf("%s-%06d.json", kind, n)), reply, 0o644)
}

// replayer serves one provider's recorded replies; a request nobody recorded gets a
// 404 naming it, which fails the measured sync clearly.
type replayer struct {
	dir func() string // the provider's directory of the night being served
}

func (rp replayer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	f, err := os.Open(keyFile(filepath.Join(rp.dir(), "replies"), requestKey(r, body)))
	if err != nil {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprintf(w, `{"error": "replay: no recorded reply for %s %s"}`, r.Method, strconv.Quote(r.URL.RequestURI()))
		return
	}
	defer f.Close()
	ct, size, err := replyHeader(f)
	if err != nil {
		http.Error(w, fmt.Sprintf("replay: %v", err), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Content-Length", strconv.FormatInt(size, 10))
	// The reply goes from the file to the socket (sendfile on Linux): the benchmark's
	// server copies no page through its own memory, so it takes less of the CPU the
	// measured sync runs on (measured at 1,000,000 users: see the commit).
	io.Copy(w, f)
}

// replyHeader reads the content type line of a recorded reply file and leaves f at the
// reply's first byte; size is the reply's length.
func replyHeader(f *os.File) (contentType string, size int64, err error) {
	var head [512]byte
	n, err := f.Read(head[:])
	if err != nil && err != io.EOF {
		return "", 0, err
	}
	ct, _, ok := bytes.Cut(head[:n], []byte("\n"))
	if !ok {
		return "", 0, fmt.Errorf("%s: no content type line", f.Name())
	}
	st, err := f.Stat()
	if err != nil {
		return "", 0, err
	}
	start := int64(len(ct) + 1)
	if _, err := f.Seek(start, io.SeekStart); err != nil {
		return "", 0, err
	}
	return string(ct), st.Size() - start, nil
}

// servers is a set of loopback HTTP servers, one per provider.
type servers struct {
	addrs map[string]string
	srvs  []*http.Server
}

func serve(handlers map[string]http.Handler) (*servers, error) {
	s := &servers{addrs: map[string]string{}}
	for provider, h := range handlers {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			s.close()
			return nil, err
		}
		srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
		go srv.Serve(ln)
		s.addrs[provider] = ln.Addr().String()
		s.srvs = append(s.srvs, srv)
	}
	return s, nil
}

func (s *servers) close() {
	for _, srv := range s.srvs {
		srv.Close()
	}
}

// retarget rewrites a roster.yaml made for the fakes at from to point at the servers at
// to, provider by provider.
func retarget(yaml string, from, to map[string]string) string {
	for p, addr := range from {
		yaml = strings.ReplaceAll(yaml, "http://"+addr+"/", "http://"+to[p]+"/")
	}
	return yaml
}

// pageFiles lists a recorded night's page files of one kind for a provider.
func pageFiles(dir, provider, kind string) ([]string, error) {
	files, err := filepath.Glob(filepath.Join(dir, provider, "pages", kind+"-*.json"))
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("no recorded %s pages of %s under %s", kind, provider, dir)
	}
	sort.Strings(files)
	return files, nil
}

// dirBytes sums the sizes of the files matching pattern.
func dirBytes(pattern string) (int64, int, error) {
	files, err := filepath.Glob(pattern)
	if err != nil {
		return 0, 0, err
	}
	var n int64
	for _, f := range files {
		st, err := os.Stat(f)
		if err != nil {
			return 0, 0, err
		}
		n += st.Size()
	}
	return n, len(files), nil
}
