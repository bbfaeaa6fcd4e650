package api

import (
	"fmt"
	"net"
	"slices"
)

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
	Name string `json:"name"`
	Mode string `json:"mode,omitempty"` // http or tcp
	// InheritedMode is, in a result for a section without its own mode,
	// the mode of the defaults section it uses ("" when that has none
	// either: HAProxy's tcp). Ignored in requests.
	InheritedMode string   `json:"inherited_mode,omitempty"`
	Balance       string   `json:"balance,omitempty"` // roundrobin, leastconn, …
	Servers       []Server `json:"servers"`
	// HTTPRequest is the section's http-request rule lines, without the
	// keyword. nil: not managed (left as it is); read back always set.
	HTTPRequest *[]string `json:"http_request,omitempty"`
	// HTTPResponse is the same for http-response rules.
	HTTPResponse *[]string `json:"http_response,omitempty"`
	// TCPRequest, TCPResponse and HTTPAfterResponse are the section's
	// tcp-request (content and inspect-delay only), tcp-response and
	// http-after-response rule lines, without the keyword. nil: not
	// managed; read back as nil when the section has none.
	TCPRequest        *[]string `json:"tcp_request,omitempty"`
	TCPResponse       *[]string `json:"tcp_response,omitempty"`
	HTTPAfterResponse *[]string `json:"http_after_response,omitempty"`
	// HTTPCheck is `option httpchk METHOD URI`. nil: not managed.
	HTTPCheck *HTTPCheck `json:"http_check,omitempty"`
	// StickTable nil: the section has none.
	StickTable *StickTable `json:"stick_table,omitempty"`
	// DrainTimeout bounds, in milliseconds, how long an update that
	// removes servers at runtime waits for their sessions to end before
	// it cuts them. It is the agent's behaviour, not haproxy.cfg's: never
	// read back. nil: DefaultDrainTimeout.
	DrainTimeout *int64 `json:"drain_timeout_ms,omitempty"`

	// Resilience: how requests are retried and how long HAProxy waits.
	// Each nil (or empty) is not managed: the section keeps whatever it
	// has, so a value inherited from defaults stays inherited.
	Retries *int64 `json:"retries,omitempty"`
	// RetryOn is `retry-on`'s keywords (RetryOnKeywords, RetryOnStatuses).
	RetryOn *[]string `json:"retry_on,omitempty"`
	// Redispatch: true is `option redispatch`, false `no option redispatch`.
	Redispatch     *bool  `json:"redispatch,omitempty"`
	TimeoutServer  *int64 `json:"timeout_server_ms,omitempty"`
	TimeoutConnect *int64 `json:"timeout_connect_ms,omitempty"`
	TimeoutQueue   *int64 `json:"timeout_queue_ms,omitempty"`

	// ExtraLines are whole configuration lines the backend owns beyond
	// its typed attributes (grammar.ExtraLine). nil: not managed; read
	// back as nil when the section has none.
	ExtraLines *[]string `json:"extra_lines,omitempty"`
}

// RetryOnKeywords are the named conditions of `retry-on` in HAProxy 2.6,
// and RetryOnStatuses the status codes it accepts: the provider validates
// with them at plan time, the agent again before writing.
var (
	RetryOnKeywords = []string{
		"none", "conn-failure", "empty-response", "junk-response", "response-timeout",
		"0rtt-rejected", "all-retryable-errors",
	}
	RetryOnStatuses = []string{"401", "403", "404", "408", "425", "500", "501", "502", "503", "504"}
)

// CheckRetryOn says what is wrong with a retry-on list (nil when nothing):
// an unknown or repeated keyword, or `none` alongside others, which HAProxy
// refuses.
func CheckRetryOn(words []string) error {
	if len(words) == 0 {
		return fmt.Errorf("retry_on must name at least one condition (\"none\" to retry on nothing)")
	}
	seen := map[string]bool{}
	for _, w := range words {
		if !slices.Contains(RetryOnKeywords, w) && !slices.Contains(RetryOnStatuses, w) {
			return fmt.Errorf("retry_on: %q is not a retry-on keyword (one of %v, or a status code of %v)", w, RetryOnKeywords, RetryOnStatuses)
		}
		if seen[w] {
			return fmt.Errorf("retry_on: %q is listed twice", w)
		}
		seen[w] = true
	}
	if seen["none"] && len(words) > 1 {
		return fmt.Errorf("retry_on: \"none\" cannot be combined with other conditions")
	}
	return nil
}

// DefaultDrainTimeout is Backend.DrainTimeout's default, in milliseconds.
const DefaultDrainTimeout = 30_000

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

	// Circuit breaking: how the server's own traffic counts as health.
	// Empty strings and nil are not managed.
	Observe    string `json:"observe,omitempty"` // ServerObserveModes
	ErrorLimit *int64 `json:"error_limit,omitempty"`
	OnError    string `json:"on_error,omitempty"` // ServerOnErrorActions
	Rise       *int64 `json:"rise,omitempty"`
	Fall       *int64 `json:"fall,omitempty"`
}

// ServerObserveModes and ServerOnErrorActions are the values of
// Server.Observe and Server.OnError (HAProxy's `observe` and `on-error`).
var (
	ServerObserveModes   = []string{"layer4", "layer7"}
	ServerOnErrorActions = []string{"fastinter", "fail-check", "sudden-death", "mark-down"}
)

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

// What HAProxy 2.6 can change in a running backend's server list (`add
// server`, `del server`, `set server … addr`) without a reload. The agent
// decides with these functions whether an update goes live, and the
// provider's plan warning names a reload with the same ones, so the plan
// and the apply cannot disagree. Anything the running HAProxy still refuses
// falls back to the reload (the file is already right).

// DynamicBalance reports whether a backend balanced by algorithm can add
// and remove servers at runtime. HAProxy refuses `add server` on a static
// algorithm (static-rr, first) and on the map-based hashes (source, uri,
// url_param, hdr, rdp-cookie with the default hash-type map-based); "" is
// HAProxy's default, roundrobin.
func DynamicBalance(algorithm string) bool {
	switch algorithm {
	case "", "roundrobin", "leastconn", "random":
		return true
	}
	return false
}

// ServerAddBlocker says why s cannot be added at runtime ("" when it can):
// `add server` in 2.6 does not take `namespace`, and it never resolves a
// host name (a dynamic server has init-addr none), so such a server would
// take no traffic until a reload.
func ServerAddBlocker(s Server) string {
	if s.Namespace != "" {
		return fmt.Sprintf("server %q added with a namespace", s.Name)
	}
	if net.ParseIP(s.Address) == nil {
		return fmt.Sprintf("server %q added with a host name", s.Name)
	}
	return ""
}

// LiveAddress reports whether a surviving server's address and port can
// change from from to to at runtime (`set server … addr A port P`). That
// command takes an IP address only (a host name is resolved by a reload),
// and a port can be changed but not added or removed (a server without a
// port uses the client's destination port).
func LiveAddress(from, to Server) bool {
	samePort := (from.Port == nil && to.Port == nil) || (from.Port != nil && to.Port != nil && *from.Port == *to.Port)
	if from.Address == to.Address && samePort {
		return true
	}
	return (from.Port == nil) == (to.Port == nil) && net.ParseIP(to.Address) != nil
}

// ServerListBlockers says why the server list cannot change from from's to
// to's at runtime; none when it can (or does not change). Survivors must
// keep their relative order: HAProxy appends a dynamic server after the
// others, which only an order-insensitive (dynamic) algorithm does not mind.
func ServerListBlockers(from, to Backend) []string {
	had := map[string]bool{}
	for _, s := range from.Servers {
		had[s.Name] = true
	}
	keeps := map[string]bool{}
	var added []Server
	for _, s := range to.Servers {
		keeps[s.Name] = true
		if !had[s.Name] {
			added = append(added, s)
		}
	}
	var before, after []string
	removed := false
	for _, s := range from.Servers {
		if keeps[s.Name] {
			before = append(before, s.Name)
		} else {
			removed = true
		}
	}
	for _, s := range to.Servers {
		if had[s.Name] {
			after = append(after, s.Name)
		}
	}
	var out []string
	if !slices.Equal(before, after) {
		out = append(out, "servers reordered")
	}
	if len(added) == 0 && !removed {
		return out
	}
	if !DynamicBalance(to.Balance) {
		return append(out, fmt.Sprintf("balance %s cannot add or remove servers at runtime", to.Balance))
	}
	for _, s := range added {
		if why := ServerAddBlocker(s); why != "" {
			out = append(out, why)
		}
	}
	return out
}
