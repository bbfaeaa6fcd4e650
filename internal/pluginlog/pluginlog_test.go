package pluginlog

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestQuietUnlessAsked(t *testing.T) {
	off := map[string]string{
		"TF_LOG_SDK": "off", "TF_LOG_SDK_PROTO": "off", "TF_LOG_SDK_FRAMEWORK": "off",
		"TF_LOG_PROVIDER_SWITCHYARD": "off",
	}
	for _, tc := range []struct {
		name    string
		environ []string
		want    map[string]string
	}{
		{"nothing asked", []string{"PATH=/usr/bin", "HOME=/root"}, off},
		{"core only", []string{"TF_LOG_CORE=trace", "TF_LOG_PATH=/tmp/tf.log"}, off},
		{"empty TF_LOG", []string{"TF_LOG="}, off},
		{"TF_LOG", []string{"TF_LOG=trace"}, map[string]string{}},
		{"provider", []string{"TF_LOG_PROVIDER=debug"}, map[string]string{}},
		{"this provider", []string{"TF_LOG_PROVIDER_SWITCHYARD=trace"}, map[string]string{}},
		{"framework", []string{"TF_LOG_SDK_FRAMEWORK=trace"}, map[string]string{}},
		{"acceptance log", []string{"TF_ACC_LOG_PATH=/tmp/acc.log"}, map[string]string{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := map[string]string{}
			quiet, err := QuietUnlessAsked(tc.environ, "switchyard", func(k, v string) error { got[k] = v; return nil })
			if err != nil {
				t.Fatal(err)
			}
			if quiet != (len(tc.want) > 0) {
				t.Errorf("quiet = %v with %v", quiet, tc.environ)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("variables set (-want +got):\n%s", diff)
			}
		})
	}
}

func TestQuietUnlessAskedSetenvError(t *testing.T) {
	boom := errors.New("boom")
	if _, err := QuietUnlessAsked(nil, "switchyard", func(string, string) error { return boom }); !errors.Is(err, boom) {
		t.Fatalf("err = %v, want %v", err, boom)
	}
}
