package lab

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestRecordsRoundTrip(t *testing.T) {
	dir := t.TempDir()
	want := &records{
		Version: recordsVersion, State: stateRunning, Dir: dir,
		Base: "/var/cache/switchyard-lab/base-0123456789ab", Subnet: "10.147.83.0/24",
		Gateway: "10.147.83.1", Bridge: "swlab0", NetnsDirMountedByLab: true,
		PrivateKeyPath: filepath.Join(dir, "id_ed25519"), KnownHostsPath: filepath.Join(dir, "known_hosts"),
		Machines: []machineRecord{{
			Machine: Machine{Name: "swlab-1", Address: "10.147.83.11", Port: 22, User: "root",
				PrivateKeyPath: filepath.Join(dir, "id_ed25519"), HostKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExample"},
			Netns: "swlab-1", Veth: "ve-swlab-1", MachineDir: dir + "/machines/swlab-1",
			Root: dir + "/machines/swlab-1/root", Upper: dir + "/machines/swlab-1/upper", Work: dir + "/machines/swlab-1/work",
			Cgroups:    []string{"/sys/fs/cgroup/systemd/switchyard-lab/swlab-1", "/sys/fs/cgroup/unified/switchyard-lab/swlab-1"},
			ConsoleLog: dir + "/machines/swlab-1/console.log", PID: 4242, PIDStart: 1234567,
		}},
	}
	if err := want.save(); err != nil {
		t.Fatal(err)
	}
	got, err := readRecords(dir)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(want, got, cmpopts.IgnoreUnexported(records{}, Machine{})); d != "" {
		t.Errorf("round trip (-want +got):\n%s", d)
	}

	// The public Machine fields are flat in each machine object.
	b, _ := os.ReadFile(filepath.Join(dir, recordsFile))
	for _, key := range []string{`"name": "swlab-1"`, `"address": "10.147.83.11"`, `"host_key": "ssh-ed25519`, `"pid": 4242`} {
		if !strings.Contains(string(b), key) {
			t.Errorf("lab.json lacks %s:\n%s", key, b)
		}
	}
	// No temp files are left next to it.
	if m, _ := filepath.Glob(filepath.Join(dir, ".lab.json.tmp-*")); len(m) > 0 {
		t.Errorf("temp files left: %v", m)
	}
}

func TestRecordsVersionMismatch(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, recordsFile), []byte(`{"version": 99}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := readRecords(dir); err == nil || !strings.Contains(err.Error(), "version 99") {
		t.Errorf("err = %v, want a version error", err)
	}
}

func TestLoadWithoutLab(t *testing.T) {
	_, err := Load(t.TempDir())
	if err == nil || !strings.Contains(err.Error(), "lab not running: run `make lab-up`") {
		t.Errorf("err = %v, want the lab-up hint", err)
	}
}

func TestLoadNotRunning(t *testing.T) {
	dir := t.TempDir()
	r := &records{Version: recordsVersion, State: stateStarting, Dir: dir}
	if err := r.save(); err != nil {
		t.Fatal(err)
	}
	_, err := Load(dir)
	if err == nil || !strings.Contains(err.Error(), `state "starting"`) {
		t.Errorf("err = %v, want a not-running error", err)
	}
}
