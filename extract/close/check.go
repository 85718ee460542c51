package close

import (
	"context"
	"fmt"

	"github.com/roster-etl/roster/extract"
)

var _ extract.Checker = (*Client)(nil)

// checkPath is the request Check sends: the caller (GET /me/) reduced to its id, the
// cheapest authenticated call Close has.
const checkPath = "/me/?_fields=id"

// Check reaches Close and authenticates with one GET /me/?_fields=id: it reads the API
// key's own user id and nothing of the directory. A rejected key fails with an error
// matching extract.ErrAuth; a reply without the caller's id is extract.ErrMalformed.
func (c *Client) Check(ctx context.Context) error {
	var caller struct {
		ID string `json:"id"`
	}
	if err := c.http.GetJSON(ctx, c.url(checkPath), c.header, &caller); err != nil {
		return err
	}
	if caller.ID == "" {
		return c.fail(checkPath, fmt.Errorf("%w: GET /me/ names no user", extract.ErrMalformed))
	}
	return nil
}
