package haproxy

import (
	"fmt"
	"net"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/haproxytech/client-native/v5/models"

	"github.com/switchyard/terraform-provider-switchyard/internal/agent/runtime"
	"github.com/switchyard/terraform-provider-switchyard/internal/api"
)

func TestResilienceMapping(t *testing.T) {
	on := true
	in := api.Backend{Name: "be", Mode: "http", Balance: "roundrobin",
		Retries: i64(3), RetryOn: &[]string{"500", "conn-failure"}, Redispatch: &on,
		TimeoutServer: i64(30000), TimeoutConnect: i64(500), TimeoutQueue: i64(2000),
		Servers: []api.Server{{Name: "a", Address: "127.0.0.1", Port: i64(1), Check: true,
			Observe: "layer7", ErrorLimit: i64(3), OnError: "mark-down", Rise: i64(5), Fall: i64(2)}},
	}
	model := &models.Backend{Name: "be"}
	applyBackend(model, in)
	var servers models.Servers
	for _, s := range in.Servers {
		servers = append(servers, serverToModel(nil, s))
	}
	if diff := cmp.Diff(in, backendFromModels(model, servers)); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}

	// Not managed: what the section has stays, including an interval of
	// option redispatch that the attribute does not model.
	interval := int64(2)
	enabledStr := models.RedispatchEnabledEnabled
	hand := &models.Backend{Name: "be", Retries: i64(9), RetryOn: "503", QueueTimeout: i64(7),
		Redispatch: &models.Redispatch{Enabled: &enabledStr, Interval: &interval}}
	off := false
	applyBackend(hand, api.Backend{Name: "be", Redispatch: &off})
	if *hand.Retries != 9 || hand.RetryOn != "503" || *hand.QueueTimeout != 7 {
		t.Errorf("unmanaged settings changed: %+v", hand)
	}
	if *hand.Redispatch.Enabled != models.RedispatchEnabledDisabled || *hand.Redispatch.Interval != 2 {
		t.Errorf("redispatch = %+v, want disabled with the interval kept", hand.Redispatch)
	}
	base := &models.Server{Name: "a", Address: "x", ServerParams: models.ServerParams{Observe: "layer4", ErrorLimit: 4, Rise: i64(9)}}
	got := serverToModel(base, api.Server{Name: "a", Address: "x", Fall: i64(1)})
	if got.Observe != "layer4" || got.ErrorLimit != 4 || *got.Rise != 9 || *got.Fall != 1 {
		t.Errorf("server: %+v", got.ServerParams)
	}
}

func TestCheckResilience(t *testing.T) {
	for name, tc := range map[string]struct {
		b       api.Backend
		wantErr string
	}{
		"fine":        {api.Backend{Name: "be", Retries: i64(0), RetryOn: &[]string{"none"}}, ""},
		"retries":     {api.Backend{Name: "be", Retries: i64(-1)}, "retries must be 0 or more"},
		"retry_on":    {api.Backend{Name: "be", RetryOn: &[]string{"teapot"}}, `"teapot" is not a retry-on keyword`},
		"timeout":     {api.Backend{Name: "be", TimeoutQueue: i64(0)}, "timeout_queue must be at least 1 ms"},
		"observe":     {api.Backend{Name: "be", Servers: []api.Server{{Name: "a", Observe: "layer9"}}}, `observe "layer9" must be one of`},
		"on_error":    {api.Backend{Name: "be", Servers: []api.Server{{Name: "a", OnError: "panic"}}}, `on_error "panic" must be one of`},
		"error_limit": {api.Backend{Name: "be", Servers: []api.Server{{Name: "a", ErrorLimit: i64(0)}}}, "error_limit must be at least 1"},
	} {
		t.Run(name, func(t *testing.T) {
			err := checkResilience(tc.b)
			switch {
			case tc.wantErr == "" && err != nil:
				t.Errorf("unexpected error: %v", err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Errorf("error %v, want one containing %q", err, tc.wantErr)
			}
		})
	}
}

// A changed circuit-breaking keyword is not a live-only change: the
// masked transaction (which keeps only weight, state, address and port
// from the file) differs, so the update reloads, even alongside a weight
// change that alone would go live. A server added at runtime takes every
// keyword with it (`add server` accepts them all in 2.6): no reload.
func TestResilienceChangesReload(t *testing.T) {
	f := newServerStateFixture(t)
	rt := runtime.Client{Socket: f.socket}
	be := func(servers ...api.Server) api.Backend {
		return api.Backend{Name: "be", Balance: "roundrobin", Servers: servers}
	}
	// The checked servers point at a port that accepts connections, so
	// their checks keep them UP: a server its check marks DOWN in the
	// middle of the test reads back with `show servers state`'s weight 1
	// (HAProxy 2.6), which made this test fail now and then.
	up := checkablePort(t)
	s1, s2 := srv("s1", "127.0.0.1", up), srv("s2", "127.0.0.1", 2)
	s1.Check = true
	observed := s1
	observed.Observe, observed.ErrorLimit, observed.OnError = "layer7", i64(3), "mark-down"
	observedWeighted := observed
	observedWeighted.Weight = i64(5)
	riser := observedWeighted
	riser.Rise, riser.Fall = i64(4), i64(2)
	s3 := srv("s3", "127.0.0.1", up)
	s3.Check, s3.Observe, s3.ErrorLimit, s3.OnError, s3.Rise, s3.Fall = true, "layer4", i64(2), "sudden-death", i64(3), i64(1)
	retries := be(riser, s2, s3)
	retries.Retries, retries.RetryOn = i64(2), &[]string{"503"}
	redispatch := retries
	on := true
	redispatch.Redispatch = &on
	timeouts := redispatch
	timeouts.TimeoutQueue = i64(1500)

	steps := []struct {
		name    string
		want    api.Backend
		reloads int64
		fileHas []string
	}{
		{"check on", be(s1, s2), 1, []string{fmt.Sprintf("server s1 127.0.0.1:%d check", up)}},
		{"observe, error-limit, on-error", be(observed, s2), 1, []string{fmt.Sprintf("server s1 127.0.0.1:%d check error-limit 3 observe layer7 on-error mark-down", up)}},
		{"a weight alone goes live", be(observedWeighted, s2), 0, []string{"weight 5"}},
		{"rise and fall with the same weight", be(riser, s2), 1, []string{"fall 2", "rise 4"}},
		{"server added with every keyword", be(riser, s2, s3), 0, []string{fmt.Sprintf("server s3 127.0.0.1:%d check error-limit 2 fall 1 observe layer4 on-error sudden-death rise 3", up)}},
		{"retries and retry-on", retries, 1, []string{"retries 2", "retry-on 503"}},
		{"redispatch", redispatch, 1, []string{"option redispatch"}},
		{"timeout queue", timeouts, 1, []string{"timeout queue 1500"}},
		{"unchanged", timeouts, 0, nil},
	}
	for _, step := range steps {
		before := f.reloader.calls.Load()
		got, err := f.m.UpdateBackend(t.Context(), step.want)
		if err != nil {
			t.Fatalf("%s: %v", step.name, err)
		}
		if n := f.reloader.calls.Load() - before; n != step.reloads {
			t.Errorf("%s: %d reloads, want %d", step.name, n, step.reloads)
		}
		// The fixture's reloader only counts, so after a reload step the
		// running HAProxy has not loaded the file: its weights are not
		// the file's to compare. (Now and then HAProxy 2.6 also reported
		// a weight set at runtime back at the configured 1 by then.) The
		// live steps compare everything.
		var opts []cmp.Option
		if step.reloads > 0 {
			opts = append(opts, cmpopts.IgnoreFields(api.Server{}, "Weight"))
		}
		if diff := cmp.Diff(step.want.Servers, got.Servers, opts...); diff != "" {
			t.Errorf("%s: servers read back (-want +got):\n%s", step.name, diff)
		}
		file := f.read(t)
		for _, s := range step.fileHas {
			if !strings.Contains(file, s) {
				t.Errorf("%s: file lacks %q:\n%s", step.name, s, file)
			}
		}
		if step.reloads == 1 {
			f.start(t) // as the reload would have
		}
	}
	if _, ok := runningServers(t, rt)["s3"]; !ok {
		t.Errorf("s3 is not in the running HAProxy: %v", runningServers(t, rt))
	}
}

// checkablePort listens on a free loopback port until the test ends and
// closes every connection it accepts: enough for a layer-4 health check.
func checkablePort(t *testing.T) int64 {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			_ = c.Close()
		}
	}()
	return int64(l.Addr().(*net.TCPAddr).Port)
}
