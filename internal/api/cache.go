package api

// Cache methods. Params and results are the types below.
const (
	// MethodCacheGet: CacheRef -> Cache (CodeNotFound if absent).
	MethodCacheGet = "haproxy.cache.get"
	// MethodCacheCreate: Cache -> Cache as read back (CodeExists if present).
	MethodCacheCreate = "haproxy.cache.create"
	// MethodCacheUpdate: Cache -> Cache as read back (CodeNotFound if absent).
	MethodCacheUpdate = "haproxy.cache.update"
	// MethodCacheDelete: CacheRef -> nothing (CodeNotFound if absent,
	// CodeRejected while a rule uses the cache).
	MethodCacheDelete = "haproxy.cache.delete"
)

// CacheRef names a cache section.
type CacheRef struct {
	Name string `json:"name"`
}

// Cache is a `cache NAME` section, in HAProxy's units. Zero and nil mean
// "not set": HAProxy's defaults apply.
type Cache struct {
	Name string `json:"name"`
	// TotalMaxSize is the cache's memory, in megabytes (1 to 4095).
	TotalMaxSize int64 `json:"total_max_size_mb"`
	// MaxObjectSize is the largest response stored, in bytes.
	MaxObjectSize *int64 `json:"max_object_size,omitempty"`
	// MaxAge is how long a response is served from the cache, in seconds.
	MaxAge *int64 `json:"max_age_s,omitempty"`
	// ExtraLines are the section's `process-vary` and
	// `max-secondary-entries` lines (grammar.SectionCache), the keywords
	// no field covers; nil: not managed, empty: none. In a result nil
	// means the section has none.
	ExtraLines *[]string `json:"extra_lines,omitempty"`
}

// CacheMaxTotalSize is HAProxy's limit on total-max-size, in megabytes.
const CacheMaxTotalSize = 4095
