package api

// Frontend and userlist methods. Params and results are the types below.
const (
	// MethodFrontendGet: FrontendRef -> Frontend (CodeNotFound if absent).
	MethodFrontendGet = "haproxy.frontend.get"
	// MethodFrontendCreate: Frontend -> Frontend as read back (CodeExists if present).
	MethodFrontendCreate = "haproxy.frontend.create"
	// MethodFrontendUpdate: Frontend -> Frontend as read back (CodeNotFound if absent).
	MethodFrontendUpdate = "haproxy.frontend.update"
	// MethodFrontendDelete: FrontendRef -> nothing (CodeNotFound if absent).
	MethodFrontendDelete = "haproxy.frontend.delete"

	// MethodUserlistGet: UserlistRef -> Userlist (CodeNotFound if absent).
	MethodUserlistGet = "haproxy.userlist.get"
	// MethodUserlistCreate: Userlist -> Userlist as read back (CodeExists if present).
	MethodUserlistCreate = "haproxy.userlist.create"
	// MethodUserlistUpdate: Userlist -> Userlist as read back (CodeNotFound if absent).
	MethodUserlistUpdate = "haproxy.userlist.update"
	// MethodUserlistDelete: UserlistRef -> nothing (CodeNotFound if absent).
	MethodUserlistDelete = "haproxy.userlist.delete"
)

// FrontendRef names a frontend.
type FrontendRef struct {
	Name string `json:"name"`
}

// Frontend is an HAProxy frontend section in HAProxy's own vocabulary.
// Rule lines are carried as HAProxy writes them, without their keyword:
// an ACL is `name criterion value…`, an http-request rule is
// `action args… [if|unless cond]`, and so is an http-response rule.
type Frontend struct {
	Name string `json:"name"`
	Mode string `json:"mode,omitempty"`
	// InheritedMode: as Backend's.
	InheritedMode  string       `json:"inherited_mode,omitempty"`
	Maxconn        *int64       `json:"maxconn,omitempty"`
	Forwardfor     bool         `json:"forwardfor,omitempty"`
	Httplog        bool         `json:"httplog,omitempty"`
	Binds          []Bind       `json:"binds"`
	ACLs           []string     `json:"acls"`
	HTTPRequest    []string     `json:"http_request"`
	HTTPResponse   []string     `json:"http_response"`
	UseBackends    []UseBackend `json:"use_backends"`
	DefaultBackend string       `json:"default_backend,omitempty"`
	// StickTable nil: the section has none.
	StickTable *StickTable `json:"stick_table,omitempty"`
	// SharedBinds lets the frontend bind an address and port that another
	// frontend binds too. It is a request, not part of the section: it is
	// never read back from the file.
	SharedBinds bool `json:"shared_binds,omitempty"`
	// TCPRequest is the section's tcp-request rule lines, without the
	// keyword (`connection reject if …`, `content accept …`,
	// `inspect-delay 5s`). nil: not managed (left as they are); read back
	// as nil when the section has none.
	TCPRequest *[]string `json:"tcp_request,omitempty"`
	// HTTPAfterResponse is the same for http-after-response rules.
	HTTPAfterResponse *[]string `json:"http_after_response,omitempty"`
	// ExtraLines are whole configuration lines the frontend owns beyond
	// its typed attributes (grammar.ExtraLine). nil: not managed; read
	// back as nil when the section has none.
	ExtraLines *[]string `json:"extra_lines,omitempty"`
}

// Bind is one `bind` line.
type Bind struct {
	Address        string `json:"address"`
	Port           *int64 `json:"port,omitempty"`
	Namespace      string `json:"namespace,omitempty"`
	SSLCertificate string `json:"ssl_certificate,omitempty"`
	// ALPN (`alpn h2,http/1.1`) and SSLMinVer (`ssl-min-ver TLSv1.2`) only
	// go with SSLCertificate.
	ALPN      string `json:"alpn,omitempty"`
	SSLMinVer string `json:"ssl_min_ver,omitempty"`
}

// UseBackend is one `use_backend <backend> [if|unless <cond_test>]` line.
type UseBackend struct {
	Backend  string `json:"backend"`
	Cond     string `json:"cond,omitempty"`
	CondTest string `json:"cond_test,omitempty"`
}

// UserlistRef names a userlist.
type UserlistRef struct {
	Name string `json:"name"`
}

// Userlist is an HAProxy userlist section. Passwords only ever travel as
// crypt hashes: the provider hashes write-only plaintext before sending, and
// the agent never sends the plaintext of an `insecure-password` line.
type Userlist struct {
	Name   string   `json:"name"`
	Groups []string `json:"groups"`
	Users  []User   `json:"users"`
}

// User is one `user <name> password <hash> [groups g1,g2]` line. On update,
// an empty PasswordHash keeps the hash the file has for that user.
//
// InsecurePassword is a hand-written `user <name> insecure-password <text>`
// line. Read sets it with an empty PasswordHash: the plaintext stays on the
// machine. Sent on update (with an empty PasswordHash) it keeps that line as
// it is; the agent refuses it for a user whose line is not insecure, since
// nothing ever writes a new plaintext password.
type User struct {
	Name             string   `json:"name"`
	PasswordHash     string   `json:"password_hash"`
	InsecurePassword bool     `json:"insecure_password,omitempty"`
	Groups           []string `json:"groups"`
}
