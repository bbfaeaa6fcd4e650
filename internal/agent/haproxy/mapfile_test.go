package haproxy

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseMapFile(t *testing.T) {
	got := parseMapFile("# comment\n\nvip deluxe\n  john\tstandard  \nvip other\nsp a b c\nlonely\n")
	want := map[string]string{"vip": "deluxe", "john": "standard", "sp": "a b c", "lonely": ""}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestRenderMapFile(t *testing.T) {
	got := string(renderMapFile(map[string]string{"john": "standard", "amy": "deluxe"}))
	want := mapFileHeader + "amy deluxe\njohn standard\n"
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[string]string{"john": "standard", "amy": "deluxe"}, parseMapFile(got)); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
}

func TestSetMapLine(t *testing.T) {
	v := func(s string) *string { return &s }
	for _, tc := range []struct {
		name  string
		data  string
		key   string
		value *string
		want  string
	}{
		{"new file", "", "john", v("gold"), "john gold\n"},
		{"append", "# c\nvip deluxe\n", "john", v("gold"), "# c\nvip deluxe\njohn gold\n"},
		{"replace first, drop duplicates", "john a\nvip deluxe\njohn b\n", "john", v("gold"), "john gold\nvip deluxe\n"},
		{"delete", "# c\njohn a\nvip deluxe\n", "john", nil, "# c\nvip deluxe\n"},
		{"delete last", "john a\n", "john", nil, ""},
		{"delete absent", "vip deluxe\n", "john", nil, "vip deluxe\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, setMapLine(tc.data, tc.key, tc.value)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestCheckMapNameAndEntry(t *testing.T) {
	for name, ok := range map[string]bool{"deluxe": true, "a.b-c_d": true, "": false, ".hidden": false, "../x": false, "a/b": false, "a b": false} {
		if err := checkMapName(name); (err == nil) != ok {
			t.Errorf("checkMapName(%q) = %v, want ok=%v", name, err, ok)
		}
	}
	for _, tc := range []struct {
		key, value string
		ok         bool
	}{
		{"john", "gold", true},
		{"john", "a b", true},
		{"jo hn", "gold", false},
		{"#john", "gold", false},
		{"john\n", "gold", false},
		{"john", "", false},
		{"john", "a\nb", false},
		{"john", " gold", false},
	} {
		if err := checkMapEntry(tc.key, tc.value); (err == nil) != tc.ok {
			t.Errorf("checkMapEntry(%q, %q) = %v, want ok=%v", tc.key, tc.value, err, tc.ok)
		}
	}
}
