package config_test

import (
	"strings"
	"testing"

	"github.com/roster-etl/roster/jobs/config"
)

func TestWorksectionNeedsItsAccountBaseURL(t *testing.T) {
	t.Parallel()
	_, err := config.Parse([]byte("sources:\n  - name: ws\n    provider: worksection\n    auth: { api_key: k }\n"), "roster.yaml", nil)
	if err == nil || !strings.Contains(err.Error(), "roster.yaml:2") || !strings.Contains(err.Error(), "sources[0].base_url: provider worksection needs base_url") {
		t.Errorf("err = %v", err)
	}
	if _, err := config.Parse([]byte("sources:\n  - name: ws\n    provider: worksection\n    base_url: https://acme.worksection.com/api/admin/v2/\n    auth: { api_key: k }\n"), "roster.yaml", nil); err != nil {
		t.Errorf("a complete worksection source: %v", err)
	}
}
