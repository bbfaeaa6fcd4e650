package api

// methodTable says, for every method, whether it only reads the machine.
// The provider's read cache trusts it: a read may be answered from a
// snapshot and leaves the cache in place, anything else drops the cache
// before and after it runs. A method missing here is treated as a write
// (the safe side), and methods_test.go fails until it is added.
var methodTable = []struct {
	method string
	read   bool
}{
	{MethodConfigure, false}, // reopens the configuration: later reads must not come from before it
	{MethodHostInfo, true},

	{MethodBackendGet, true},
	{MethodBackendList, true},
	{MethodBackendCreate, false},
	{MethodBackendUpdate, false},
	{MethodBackendDelete, false},

	{MethodFrontendGet, true},
	{MethodFrontendCreate, false},
	{MethodFrontendUpdate, false},
	{MethodFrontendDelete, false},

	{MethodUserlistGet, true},
	{MethodUserlistCreate, false},
	{MethodUserlistUpdate, false},
	{MethodUserlistDelete, false},

	{MethodMapGet, true},
	{MethodMapCreate, false},
	{MethodMapUpdate, false},
	{MethodMapDelete, false},
	{MethodMapEntryGet, true},
	{MethodMapEntrySet, false},
	{MethodMapEntryDelete, false},

	{MethodCertificateGet, true},
	{MethodCertificateCreate, false},
	{MethodCertificateUpdate, false},
	{MethodCertificateDelete, false},

	{MethodCacheGet, true},
	{MethodCacheCreate, false},
	{MethodCacheUpdate, false},
	{MethodCacheDelete, false},

	{MethodInstanceGet, true},
	{MethodInstanceApply, false},

	{MethodSnapshot, true},

	{MethodNamespaceGet, true},
	{MethodNamespaceEnsure, false},
	{MethodNamespaceDelete, false},

	{MethodServiceGet, true},
	{MethodServiceApply, false},
	{MethodServiceDelete, false},

	{MethodInventory, true},
}

var readMethods = func() map[string]bool {
	m := make(map[string]bool, len(methodTable))
	for _, e := range methodTable {
		m[e.method] = e.read
	}
	return m
}()

// IsRead reports whether method never changes the machine. Unknown
// methods are not reads.
func IsRead(method string) bool { return readMethods[method] }
