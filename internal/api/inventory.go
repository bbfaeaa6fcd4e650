package api

// MethodInventory lists, in one request, everything on the machine that a
// Switchyard resource can import, and what it cannot (switchyard_inventory).
const MethodInventory = "inventory.list"

// Inventory is what MethodInventory returns. Every name is the import id
// of its resource (map entries are `<map>/<key>`); lists are sorted.
type Inventory struct {
	// HAProxy says the configuration file and the binary are there.
	HAProxy      bool     `json:"haproxy"`
	Frontends    []string `json:"frontends"`
	Backends     []string `json:"backends"`
	Userlists    []string `json:"userlists"`
	Caches       []string `json:"caches"`
	Certificates []string `json:"certificates"`
	Maps         []string `json:"maps"`
	MapEntries   []string `json:"map_entries"`
	Namespaces   []string `json:"namespaces"`
	Services     []string `json:"services"`
	// Unsupported are the objects found that no resource can import.
	Unsupported []InventoryItem `json:"unsupported"`
}

// InventoryItem is one object the inventory found but cannot offer for
// import, and why.
type InventoryItem struct {
	Kind   string `json:"kind"`
	Name   string `json:"name"`
	Reason string `json:"reason"`
}
