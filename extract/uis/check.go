package uis

import (
	"context"

	gojson "github.com/goccy/go-json"

	"github.com/roster-etl/roster/extract"
)

var _ extract.Checker = (*Client)(nil)

// checkFallback is the request Check sends when get.account is not available to the
// account: the first employee's id, the least the directory method can be asked for.
var checkFallback = map[string]any{"limit": 1, "offset": 0, "fields": []string{fieldID}}

// Check reaches the Data API and authenticates with one get.account call (in
// login/password mode, after the login.user that opens the session): the cheapest
// authenticated method, one account row and a single point of the minute budget. A
// wrong API key, login or password, a blocked or expired key, an IP outside the
// allow-list or a disabled account fail with an error matching extract.ErrAuth; no
// secret appears in an error.
//
// An account whose key may not call get.account (the method missing, its component
// disabled, or forbidden), which Extract tolerates, is checked with get.employees
// limited to one id instead: such a refusal may come before the credential is looked
// at, so it proves nothing by itself.
func (c *Client) Check(ctx context.Context) error {
	err := c.checkCall(ctx, "get.account", map[string]any{})
	if err != nil && optionalMissing(err) {
		err = c.checkCall(ctx, "get.employees", checkFallback)
	}
	return err
}

// checkCall calls method once and checks that its result has the shape of a get
// method's; it counts no page.
func (c *Client) checkCall(ctx context.Context, method string, params map[string]any) error {
	op := "POST " + method
	p := make(map[string]any, len(params)+1)
	for k, v := range params {
		p[k] = v
	}
	result, err := c.call(ctx, method, op, p)
	if err != nil {
		return err
	}
	var res getResult
	if err := gojson.Unmarshal(result, &res); err != nil {
		return c.fail(op, c.malformed(err, result))
	}
	if _, err := countItems(res.Data); err != nil {
		return c.fail(op, c.malformed(err, result))
	}
	return nil
}
