package netns

import (
	"strings"
	"testing"
)

func TestTemplateNeverDeletesTheNamespace(t *testing.T) {
	unit := string(template("/usr/bin/ip"))
	for _, want := range []string{
		"ExecStart=-/usr/bin/ip netns add %i\n",
		"ExecStart=/usr/bin/ip -n %i link set lo up\n",
		"RemainAfterExit=yes\n",
		"WantedBy=multi-user.target\n",
	} {
		if !strings.Contains(unit, want) {
			t.Errorf("template has no line %q:\n%s", want, unit)
		}
	}
	// Stopping or restarting the unit must not take the namespace from
	// under the services inside it.
	if strings.Contains(unit, "ExecStop") || strings.Contains(unit, "netns del") {
		t.Errorf("template deletes the namespace when stopped:\n%s", unit)
	}
}

func TestUnit(t *testing.T) {
	if got := Unit("app"); got != "switchyard-netns@app.service" {
		t.Errorf("Unit(app) = %q", got)
	}
}
