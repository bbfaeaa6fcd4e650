package api

// Map methods. Maps change at runtime (HAProxy's runtime API, no reload)
// and on disk (the .map file, so a reload keeps them).
const (
	// MethodMapGet: MapRef -> Map (CodeNotFound if the file is absent).
	MethodMapGet = "haproxy.map.get"
	// MethodMapCreate: MapSpec -> Map (CodeExists if the file exists).
	MethodMapCreate = "haproxy.map.create"
	// MethodMapUpdate: MapSpec -> Map; replaces every entry in the file and,
	// when HAProxy has the map loaded, in the running map (CodeNotFound if
	// the file is absent).
	MethodMapUpdate = "haproxy.map.update"
	// MethodMapDelete: MapRef -> nothing; removes the file and empties the
	// running map (CodeRejected while haproxy.cfg still names the file).
	MethodMapDelete = "haproxy.map.delete"

	// MethodMapEntryGet: MapEntryRef -> MapEntry (CodeNotFound if the key is
	// neither in the file nor in the running map).
	MethodMapEntryGet = "haproxy.map_entry.get"
	// MethodMapEntrySet: MapEntrySpec -> MapEntry; sets one key in the file
	// (created if absent) and in the running map. With Create it fails with
	// CodeExists when the file already has the key.
	MethodMapEntrySet = "haproxy.map_entry.set"
	// MethodMapEntryDelete: MapEntryRef -> nothing; removes the key from the
	// file and the running map, and leaves the file itself.
	MethodMapEntryDelete = "haproxy.map_entry.delete"
)

// MapRef names a map: its file name in the maps directory without `.map`.
type MapRef struct {
	Name string `json:"name"`
}

// MapSpec is the wanted content of a map.
type MapSpec struct {
	Name    string            `json:"name"`
	Entries map[string]string `json:"entries"`
}

// Map is a map as found on the machine: the file and, separately, the
// running HAProxy's copy, so that the provider can show a difference
// between the two as drift.
type Map struct {
	Name string `json:"name"`
	Path string `json:"path"` // absolute path of the file
	// File holds the file's entries (the first line of a key wins, as in
	// HAProxy).
	File map[string]string `json:"file"`
	// Loaded is whether the running HAProxy knows the map (a rule of its
	// configuration references Path); Runtime is only meaningful then.
	Loaded  bool              `json:"loaded"`
	Runtime map[string]string `json:"runtime,omitempty"`
}

// MapEntryRef names one key of a map.
type MapEntryRef struct {
	Map string `json:"map"`
	Key string `json:"key"`
}

// MapEntrySpec is the wanted value of one key.
type MapEntrySpec struct {
	Map    string `json:"map"`
	Key    string `json:"key"`
	Value  string `json:"value"`
	Create bool   `json:"create,omitempty"`
}

// MapEntry is one key as found on the machine; nil means absent.
type MapEntry struct {
	Map     string  `json:"map"`
	Key     string  `json:"key"`
	Path    string  `json:"path"`
	File    *string `json:"file,omitempty"`
	Loaded  bool    `json:"loaded"`
	Runtime *string `json:"runtime,omitempty"`
}
