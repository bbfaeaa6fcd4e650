package api

// Session methods: configuring the agent and describing the machine. One
// constant per method, in the file of the objects it serves; the agent's
// dispatcher and the provider both use them, so a typo is a compile error,
// and methods.go says for each whether it is a read.
const (
	// MethodConfigure must be the first call of a session: it tells the agent
	// where HAProxy's files and sockets are on this machine. Params:
	// Configure; result: HostInfo.
	MethodConfigure = "agent.configure"
	// MethodHostInfo returns HostInfo.
	MethodHostInfo = "host.info"
)

// HAProxySettings says where HAProxy lives on the machine. The defaults are
// Debian's (see DefaultHAProxySettings).
type HAProxySettings struct {
	ConfigFile    string `json:"config_file"`
	Service       string `json:"service"`
	RuntimeSocket string `json:"runtime_socket"`
	MasterSocket  string `json:"master_socket"`
	MapsDir       string `json:"maps_dir"`
	Binary        string `json:"binary"`
}

// DefaultHAProxySettings are the paths of Debian's haproxy package.
func DefaultHAProxySettings() HAProxySettings {
	return HAProxySettings{
		ConfigFile:    "/etc/haproxy/haproxy.cfg",
		Service:       "haproxy",
		RuntimeSocket: "/run/haproxy/admin.sock",
		MasterSocket:  "/run/haproxy-master.sock",
		MapsDir:       "/etc/haproxy/maps",
		Binary:        "/usr/sbin/haproxy",
	}
}

// Configure is MethodConfigure's params.
type Configure struct {
	HAProxy HAProxySettings `json:"haproxy"`
}

// HostInfo describes the machine and the agent session.
type HostInfo struct {
	Hostname       string `json:"hostname"`
	OS             string `json:"os"`     // PRETTY_NAME of /etc/os-release
	Kernel         string `json:"kernel"` // uname -r
	Arch           string `json:"arch"`   // GOARCH of the agent: amd64, arm64
	HAProxyVersion string `json:"haproxy_version"`
	AgentVersion   string `json:"agent_version"`
	Protocol       int    `json:"protocol"`
	// Counters since the agent session started; they let tests and the
	// benchmark prove that resources share one session and one reload.
	Requests int64 `json:"requests"`
	Reloads  int64 `json:"reloads"`
}

// NameList is a list of object names.
type NameList struct {
	Names []string `json:"names"`
}
