package api

// Method names. One constant per method; the agent's dispatcher and the
// provider both use these, so a typo is a compile error.
const (
	// MethodConfigure must be the first call of a session: it tells the agent
	// where HAProxy's files and sockets are on this machine. Params:
	// Configure; result: HostInfo.
	MethodConfigure = "agent.configure"
	// MethodHostInfo returns HostInfo.
	MethodHostInfo = "host.info"

	// MethodBackendGet: BackendRef -> Backend (CodeNotFound if absent).
	MethodBackendGet = "haproxy.backend.get"
	// MethodBackendList: nil -> NameList.
	MethodBackendList = "haproxy.backend.list"
	// MethodBackendCreate: Backend -> Backend as read back after the reload
	// (CodeExists if a backend of that name exists).
	MethodBackendCreate = "haproxy.backend.create"
	// MethodBackendUpdate: Backend -> Backend as read back (CodeNotFound if absent).
	MethodBackendUpdate = "haproxy.backend.update"
	// MethodBackendDelete: BackendRef -> nothing (CodeNotFound if absent).
	MethodBackendDelete = "haproxy.backend.delete"
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

// BackendRef names a backend.
type BackendRef struct {
	Name string `json:"name"`
}

// Backend is an HAProxy backend section with its servers, in HAProxy's own
// vocabulary. Empty strings and nil pointers mean "not set in the config".
type Backend struct {
	Name    string   `json:"name"`
	Mode    string   `json:"mode,omitempty"`    // http or tcp
	Balance string   `json:"balance,omitempty"` // roundrobin, leastconn, …
	Servers []Server `json:"servers"`
	// HTTPRequest is the section's http-request rule lines, without the
	// keyword. nil: not managed (left as it is); read back always set.
	HTTPRequest *[]string `json:"http_request,omitempty"`
	// HTTPCheck is `option httpchk METHOD URI`. nil: not managed.
	HTTPCheck *HTTPCheck `json:"http_check,omitempty"`
}

// HTTPCheck is a backend's `option httpchk`.
type HTTPCheck struct {
	Method string `json:"method"`
	URI    string `json:"uri"`
}

// HTTPCheckMethods are the methods client-native accepts in `option
// httpchk`: the provider validates with them at plan time, the agent again
// before writing.
var HTTPCheckMethods = []string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT"}

// Server is one `server` line of a backend.
type Server struct {
	Name      string `json:"name"`
	Address   string `json:"address"`
	Port      *int64 `json:"port,omitempty"`
	Check     bool   `json:"check,omitempty"`
	Weight    *int64 `json:"weight,omitempty"`
	Backup    bool   `json:"backup,omitempty"`
	Namespace string `json:"namespace,omitempty"`
	Inter     *int64 `json:"inter,omitempty"`   // health-check interval in ms; nil: not managed
	Maxconn   *int64 `json:"maxconn,omitempty"` // nil: not managed
}
