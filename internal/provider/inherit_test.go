package provider

import (
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/types"
)

func TestInheritedPlan(t *testing.T) {
	null, tcp := types.StringNull(), types.StringValue("tcp")
	tests := map[string]struct {
		state                           types.String
		creating, adopted, parentExists bool
		want                            types.String
	}{
		"create writes the default":                         {null, true, false, false, types.StringValue("http")},
		"created object keeps the default (drift repaired)": {null, false, false, true, types.StringValue("http")},
		"adopted section without the line stays without":    {null, false, true, true, null},
		"adopted section keeps its own line":                {tcp, false, true, true, tcp},
		"block new on an adopted object gets the default":   {null, false, true, false, types.StringValue("http")},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := inheritedPlan(types.StringValue("http"), tc.state, tc.creating, tc.adopted, tc.parentExists); !got.Equal(tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestEffectiveMode(t *testing.T) {
	for _, tc := range []struct{ own, defaults, want string }{
		{"http", "tcp", "http"}, {"", "http", "http"}, {"", "", "tcp"}, {"tcp", "", "tcp"},
	} {
		if got := effectiveMode(tc.own, tc.defaults); got != tc.want {
			t.Errorf("effectiveMode(%q, %q) = %q, want %q", tc.own, tc.defaults, got, tc.want)
		}
	}
}
