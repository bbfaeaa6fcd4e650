package api

// Network namespaces and systemd services (switchyard_namespace,
// switchyard_service).
const (
	// MethodNamespaceGet: NamespaceRef -> Namespace (CodeNotFound when
	// neither the namespace nor its unit is there).
	MethodNamespaceGet = "netns.get"
	// MethodNamespaceEnsure: NamespaceRef -> Namespace. Idempotent: it
	// creates, enables and starts whatever of the namespace is missing.
	MethodNamespaceEnsure = "netns.ensure"
	// MethodNamespaceDelete: NamespaceRef -> nothing (CodeRejected while a
	// managed service still runs in it).
	MethodNamespaceDelete = "netns.delete"

	// MethodServiceGet: ServiceRef -> Service as read from the unit file and
	// systemd (CodeNotFound if the unit file is absent).
	MethodServiceGet = "systemd.service.get"
	// MethodServiceApply: Service -> Service as read back; writes the unit,
	// enables/starts it as asked and waits until it runs (and answers on its
	// readiness port).
	MethodServiceApply = "systemd.service.apply"
	// MethodServiceDelete: ServiceRef -> nothing (CodeNotFound if absent).
	MethodServiceDelete = "systemd.service.delete"
)

// NamespaceRef names a network namespace (/run/netns/NAME).
type NamespaceRef struct {
	Name string `json:"name"`
}

// Namespace is a network namespace and the unit that recreates it at boot.
type Namespace struct {
	Name    string `json:"name"`
	Exists  bool   `json:"exists"`  // /run/netns/NAME is there
	Enabled bool   `json:"enabled"` // its unit starts at boot
	Unit    string `json:"unit"`    // e.g. switchyard-netns@NAME.service
}

// ServiceRef names a service unit, without ".service".
type ServiceRef struct {
	Name string `json:"name"`
	// Import asks get to refuse a unit switchyard_service cannot represent
	// exactly (the first read after an import), by the rule the inventory
	// lists services with (systemd.Importable).
	Import bool `json:"import,omitempty"`
}

// Service is a service unit the provider writes. Empty strings and nil
// pointers mean "no such line in the unit".
type Service struct {
	Name             string            `json:"name"`
	Description      string            `json:"description"`
	ExecStart        []string          `json:"exec_start"`
	WorkingDirectory string            `json:"working_directory,omitempty"`
	Environment      map[string]string `json:"environment,omitempty"`
	User             string            `json:"user,omitempty"` // "" = DynamicUser=yes
	Namespace        string            `json:"namespace,omitempty"`
	PrivateNetwork   bool              `json:"private_network"`
	Sandbox          bool              `json:"sandbox"`
	ReadWritePaths   []string          `json:"read_write_paths,omitempty"`
	StateDirectory   string            `json:"state_directory,omitempty"`
	CPUQuota         string            `json:"cpu_quota,omitempty"`
	CPUWeight        *int64            `json:"cpu_weight,omitempty"`
	MemoryMax        string            `json:"memory_max,omitempty"`
	IOWeight         *int64            `json:"io_weight,omitempty"`
	TasksMax         *int64            `json:"tasks_max,omitempty"`
	Restart          string            `json:"restart,omitempty"`

	// Desired (in a request) or live (in an answer) state.
	Enabled bool `json:"enabled"`
	Running bool `json:"running"`

	// ReadinessPort, when set in a request, makes the apply wait until
	// 127.0.0.1:PORT accepts a connection inside the service's namespace.
	// It is not part of the unit and never comes back in an answer.
	ReadinessPort *int64 `json:"readiness_port,omitempty"`
	// Create, in a request, refuses to overwrite an existing unit that
	// Switchyard did not write (CodeExists).
	Create bool `json:"create,omitempty"`
}
