package worksection

import (
	"context"
	"net/http"

	"github.com/roster-etl/roster/extract"
)

var _ extract.Checker = (*Client)(nil)

// Check reaches the account's admin API and authenticates with one signed
// get_user_groups call, the cheapest admin action (the account's teams: a few rows,
// unlike get_users, the whole directory). A refused hash, the answer to a wrong admin
// API key, fails with an error matching extract.ErrAuth. Neither the key nor the hash
// appears in an error: the request's Op leaves the hash out.
func (c *Client) Check(ctx context.Context) error {
	query, hash := signedQuery(c.key, param{"action", actionUserGroups})
	// The classifier accepts only a {"status": "ok"} envelope, so a reply that got
	// through it proves the key; its data is not read.
	_, err := c.http.Do(ctx, extract.Request{
		Method: http.MethodGet,
		URL:    c.base + "?" + query + "&hash=" + hash,
		Op:     http.MethodGet + " " + c.basePath + "?" + query,
	})
	return err
}
