package provider

import "testing"

func TestTuneGC(t *testing.T) {
	for name, tc := range map[string]struct {
		env  map[string]string
		want int // percent set, 0: none
	}{
		"nothing set":         {nil, gcPercent},
		"GOGC set":            {map[string]string{"GOGC": "50"}, 0},
		"GOGC off":            {map[string]string{"GOGC": "off"}, 0},
		"GOMEMLIMIT set":      {map[string]string{"GOMEMLIMIT": "1GiB"}, 0},
		"empty GOGC is unset": {map[string]string{"GOGC": ""}, gcPercent},
	} {
		t.Run(name, func(t *testing.T) {
			got := 0
			changed := tuneGC(func(k string) string { return tc.env[k] }, func(p int) int { got = p; return 100 })
			if got != tc.want || changed != (tc.want != 0) {
				t.Errorf("set %d (changed %v), want %d", got, changed, tc.want)
			}
		})
	}
}
