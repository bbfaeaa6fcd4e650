package haproxy

import "testing"

func TestAlertLines(t *testing.T) {
	log := `Reloading HAProxy Load Balancer...
[NOTICE]   (412) : haproxy version is 2.6.12-1+deb12u4
[ALERT]    (412) : Binding [/etc/haproxy/haproxy.cfg:40] for frontend web: cannot bind socket (Address already in use) for [0.0.0.0:8199]
[ALERT]    (412) : [haproxy.main()] Some protocols failed to start their listeners! Exiting.
[WARNING]  (88) : Former worker (399) exited with code 0 (Exit)
[ALERT]    (412) : Binding [/etc/haproxy/haproxy.cfg:40] for frontend web: cannot bind socket (Address already in use) for [0.0.0.0:8199]
Reloaded HAProxy Load Balancer.`
	got := alertLines(log)
	want := []string{"Binding [/etc/haproxy/haproxy.cfg:40] for frontend web: cannot bind socket (Address already in use) for [0.0.0.0:8199]"}
	if len(got) != 1 || got[0] != want[0] {
		t.Errorf("alertLines = %q, want %q", got, want)
	}
	if got := alertLines("Reloading HAProxy\n[WARNING] (1) : Former worker exited"); len(got) != 0 {
		t.Errorf("alertLines without alerts = %q, want none", got)
	}
}
