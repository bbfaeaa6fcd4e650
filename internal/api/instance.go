package api

// HAProxy instance methods: the global and defaults settings a person sets
// and the state of HAProxy's systemd unit. There is one instance per
// machine, so the methods take no name.
const (
	// MethodInstanceGet: nothing -> Instance (every field as it is live).
	MethodInstanceGet = "haproxy.instance.get"
	// MethodInstanceApply: Instance -> Instance as read back afterwards.
	// Nil fields are left as they are on the machine.
	MethodInstanceApply = "haproxy.instance.apply"
)

// Instance is HAProxy's global and defaults settings and its service state.
// In a request a nil field means "leave alone"; in a result it means "not
// set in the configuration".
type Instance struct {
	// Global section.
	Maxconn    *int64       `json:"maxconn,omitempty"`
	Nbthread   *int64       `json:"nbthread,omitempty"`
	LogTargets *[]LogTarget `json:"log_targets,omitempty"`
	// RunAsRoot: true means no user/group lines, false means
	// `user haproxy` and `group haproxy`.
	RunAsRoot *bool `json:"run_as_root,omitempty"`
	// RuntimeSocket is the admin socket the agent keeps in global
	// (result only; it comes from the provider's settings).
	RuntimeSocket string `json:"runtime_socket,omitempty"`
	// ServerStateFile is global `server-state-file` together with
	// `load-server-state-from-file global` in the managed defaults
	// section: an absolute path turns both on, "" removes both. In a
	// result it is the path only when both are there, else "".
	ServerStateFile *string `json:"server_state_file,omitempty"`
	// HardStopAfter is global `hard-stop-after` in milliseconds; 0 in a
	// request removes it.
	HardStopAfter *int64 `json:"hard_stop_after,omitempty"`
	// GlobalExtraLines are whole lines global owns beyond the fields
	// above, kept as the agent's marked block; nil: not managed, empty:
	// none. In a result nil means global has none.
	GlobalExtraLines *[]string `json:"global_extra_lines,omitempty"`

	// Defaults section: DefaultsName is result only (the section the
	// proxies use).
	DefaultsName string `json:"defaults_name,omitempty"`
	Mode         string `json:"mode,omitempty"`
	// Timeouts in milliseconds.
	TimeoutConnect *int64 `json:"timeout_connect,omitempty"`
	TimeoutClient  *int64 `json:"timeout_client,omitempty"`
	TimeoutServer  *int64 `json:"timeout_server,omitempty"`
	Httplog        *bool  `json:"httplog,omitempty"`
	Forwardfor     *bool  `json:"forwardfor,omitempty"`
	// DefaultsExtraLines are the defaults section's, as GlobalExtraLines.
	DefaultsExtraLines *[]string `json:"defaults_extra_lines,omitempty"`

	// Service state of HAProxy's systemd unit.
	Enabled *bool `json:"enabled,omitempty"`
	Running *bool `json:"running,omitempty"`
}

// LogTarget is one `log <address> <facility> [<level>]` line of global.
type LogTarget struct {
	Address  string `json:"address"`
	Facility string `json:"facility"`
	Level    string `json:"level,omitempty"`
}
