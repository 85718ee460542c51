package zoomcc

import (
	"context"

	"github.com/roster-etl/roster/extract"
)

var _ extract.Checker = (*Client)(nil)

// checkPath is the request Check sends after the token: one user of the Contact Center
// user list.
const checkPath = "/contact_center/users?page_size=1"

// Check reaches Zoom and authenticates: it obtains an access token (account_credentials
// grant) and sends one GET /contact_center/users?page_size=1, which also proves the
// app has the Contact Center scope the sync needs. Bad app credentials, or a token
// without the scope, fail with an error matching extract.ErrAuth; neither the client
// secret nor the token appears in an error. The token is cached as for Extract.
func (c *Client) Check(ctx context.Context) error {
	resp, err := c.get(ctx, checkPath)
	if err != nil {
		return err
	}
	if _, err := parseListPage(resp.Body, keyUsers); err != nil {
		return c.fail(checkPath, c.malformed(err, resp.Body))
	}
	return nil
}
