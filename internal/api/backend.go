package api

// HAProxy backend methods (switchyard_backend).
const (
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
	// AdminState is one of ServerAdminStates; "" means ready. Read back
	// from the running HAProxy when it runs (see the agent's backend read).
	AdminState string `json:"admin_state,omitempty"`
}

// Server administrative states, in HAProxy's runtime API vocabulary
// (`set server B/S state …`).
const (
	AdminReady = "ready"
	AdminDrain = "drain"
	AdminMaint = "maint"
)

// ServerAdminStates are the values of Server.AdminState: the provider
// validates with them at plan time, the agent again before writing.
var ServerAdminStates = []string{AdminReady, AdminDrain, AdminMaint}
