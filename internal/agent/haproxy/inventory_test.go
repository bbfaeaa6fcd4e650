package haproxy

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	parser "github.com/haproxytech/client-native/v5/config-parser"

	"github.com/switchyard/terraform-provider-switchyard/internal/api"
)

// TestInventorySectionsCoverParser reads the section types client-native's
// parser actually keeps (its Parsers field, through reflection: the parser
// exports no list of them) and fails when one is in neither inventory
// list, so an upgrade that adds a section type cannot make the inventory
// skip it silently.
func TestInventorySectionsCoverParser(t *testing.T) {
	p, err := parser.New()
	if err != nil {
		t.Fatal(err)
	}
	field := reflect.ValueOf(p).Elem().FieldByName("Parsers")
	if !field.IsValid() || field.Kind() != reflect.Map {
		t.Fatalf("client-native's parser has no Parsers map any more (%v); update this test and the inventory lists", field.Kind())
	}
	if field.Len() < len(inventorySections)+len(unsupportedSections) {
		t.Fatalf("the parser keeps %d section types, fewer than the inventory knows: is Parsers still that list?", field.Len())
	}
	known := map[parser.Section]bool{parser.Comments: true, parser.Defaults: true, parser.Global: true}
	for _, s := range inventorySections {
		known[s.section] = true
	}
	for _, s := range unsupportedSections {
		known[s] = true
	}
	for _, k := range field.MapKeys() {
		if s := parser.Section(k.String()); !known[s] {
			t.Errorf("section type %q is neither in inventorySections nor in unsupportedSections", s)
		}
	}
}

func TestInventoryConfig(t *testing.T) {
	p, err := parser.New()
	if err != nil {
		t.Fatal(err)
	}
	cfg := `global
    daemon

defaults
    mode http

frontend web
    bind :80
    frobnicate yes
    default_backend app

backend app
    server a 127.0.0.1:8080

backend zeta
    balance roundrobin

listen stats
    bind :9000

resolvers dns
    nameserver ns1 127.0.0.1:53

userlist admins
    user bob insecure-password x

cache small
    total-max-size 4
`
	if err := p.Process(strings.NewReader(cfg)); err != nil {
		t.Fatal(err)
	}
	var inv api.Inventory
	if err := inventoryConfig(p, &inv); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"web"}, inv.Frontends); diff != "" {
		t.Errorf("frontends (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"app", "zeta"}, inv.Backends); diff != "" {
		t.Errorf("backends (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"admins"}, inv.Userlists); diff != "" {
		t.Errorf("userlists (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"small"}, inv.Caches); diff != "" {
		t.Errorf("caches (-want +got):\n%s", diff)
	}
	var got []string
	for _, it := range inv.Unsupported {
		got = append(got, it.Kind+" "+it.Name)
		if it.Reason == "" {
			t.Errorf("%s %s has no reason", it.Kind, it.Name)
		}
		if it.Kind == "frontend_line" && !strings.Contains(it.Reason, "move it into the resource's extra_lines") {
			t.Errorf("the unparsed frontend line's reason does not point at extra_lines: %s", it.Reason)
		}
	}
	slices.Sort(got)
	want := []string{"frontend_line web: frobnicate yes", "listen stats", "resolvers dns"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("unsupported (-want +got):\n%s", diff)
	}
}
