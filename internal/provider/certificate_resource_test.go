package provider

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/switchyard/terraform-provider-switchyard/internal/api"
	"github.com/switchyard/terraform-provider-switchyard/internal/pemcert"
	"github.com/switchyard/terraform-provider-switchyard/internal/pemcert/testca"
)

func TestCertificateSchemaValid(t *testing.T) {
	resp := &resource.SchemaResponse{}
	NewCertificateResource().Schema(context.Background(), resource.SchemaRequest{}, resp)
	if diags := resp.Schema.ValidateImplementation(context.Background()); diags.HasError() {
		t.Fatalf("schema implementation: %v", diags)
	}
}

// certMachine is a machine holding certificate files as the agent
// answers them; it keeps the key only to compute KeyMatches.
type certMachine struct {
	mu    sync.Mutex
	files map[string]api.CertificateSpec
	sent  []api.CertificateSpec
}

func (f *certMachine) Call(_ context.Context, method string, params, result any) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	answer := func(name string) error {
		spec, ok := f.files[name]
		if !ok {
			return api.Errorf(api.CodeNotFound, "certificate %q does not exist", name)
		}
		info, err := pemcert.Inspect(spec.CertificatePEM)
		if err != nil {
			return err
		}
		chain, _ := pemcert.Chain(spec.CertificatePEM)
		*result.(*api.Certificate) = api.Certificate{
			Name: name, Path: "/etc/haproxy/certs/" + name + ".pem", CertificatePEM: chain,
			KeyMatches: pemcert.KeyMatches(chain, spec.PrivateKeyPEM) == nil,
			NotAfter:   info.NotAfter, SHA256Fingerprint: info.Fingerprint, Subject: info.Subject, DNSNames: info.DNSNames,
		}
		return nil
	}
	switch method {
	case api.MethodCertificateGet:
		return answer(params.(api.CertificateRef).Name)
	case api.MethodCertificateCreate, api.MethodCertificateUpdate:
		spec := params.(api.CertificateSpec)
		f.sent = append(f.sent, spec)
		f.files[spec.Name] = spec
		return answer(spec.Name)
	}
	return errors.New("unexpected method " + method)
}

var certObjectType = certificateSchema().Type().TerraformType(context.Background())

// certPlan is the plan and configuration of a certificate (the key only
// in the configuration, as Terraform sends write-only values).
func certPlan(t *testing.T, m certificateModel, key string) (tfsdk.Plan, tfsdk.Config) {
	t.Helper()
	ctx := context.Background()
	plan := tfsdk.Plan{Schema: certificateSchema()}
	m.PrivateKeyPEMWO = types.StringNull()
	if diags := plan.Set(ctx, &m); diags.HasError() {
		t.Fatal(diags)
	}
	st := tfsdk.State{Schema: certificateSchema()}
	m.PrivateKeyPEMWO = types.StringValue(key)
	if diags := st.Set(ctx, &m); diags.HasError() {
		t.Fatal(diags)
	}
	return plan, tfsdk.Config{Schema: certificateSchema(), Raw: st.Raw}
}

func newCertModel(name, chain string, version types.Int64) certificateModel {
	return certificateModel{
		ID: types.StringUnknown(), Name: types.StringValue(name), CertificatePEM: types.StringValue(chain),
		PrivateKeyWOVersion: version, ExpiryWarningDays: types.Int64Value(21),
		Path: types.StringUnknown(), NotAfter: types.StringUnknown(), SHA256Fingerprint: types.StringUnknown(),
		Subject: types.StringUnknown(), DNSNames: types.ListUnknown(types.StringType),
	}
}

func emptyState() tfsdk.State {
	return tfsdk.State{Schema: certificateSchema(), Raw: tftypes.NewValue(certObjectType, nil)}
}

func TestCertificateCreateReadNeverStoresTheKey(t *testing.T) {
	ctx := context.Background()
	ca := testca.New(t, "provider test CA")
	leaf := ca.Issue(t, time.Now().Add(90*24*time.Hour), "site.example.test")
	other := ca.Issue(t, time.Now().Add(90*24*time.Hour), "site.example.test")
	machine := &certMachine{files: map[string]api.CertificateSpec{}}
	r := newCertificateResource(machine)

	// The configuration spells the chain with CRLF: the state keeps that
	// spelling while the machine's canonical chain says the same.
	spelled := strings.ReplaceAll(leaf.CertPEM, "\n", "\r\n")
	plan, config := certPlan(t, newCertModel("site", spelled, types.Int64Value(1)), leaf.KeyPEM)
	resp := &resource.CreateResponse{State: emptyState()}
	r.Create(ctx, resource.CreateRequest{Plan: plan, Config: config}, resp)
	if resp.Diagnostics.HasError() {
		t.Fatal(resp.Diagnostics)
	}
	if len(machine.sent) != 1 || machine.sent[0].PrivateKeyPEM != leaf.KeyPEM {
		t.Fatalf("the create did not send the configuration's key: %d requests", len(machine.sent))
	}
	var got certificateModel
	resp.Diagnostics.Append(resp.State.Get(ctx, &got)...)
	info, _ := pemcert.Inspect(leaf.CertPEM)
	want := certificateModel{
		ID: types.StringValue("site"), Name: types.StringValue("site"), CertificatePEM: types.StringValue(spelled),
		PrivateKeyPEMWO: types.StringNull(), PrivateKeyWOVersion: types.Int64Value(1), ExpiryWarningDays: types.Int64Value(21),
		Path: types.StringValue("/etc/haproxy/certs/site.pem"), NotAfter: types.StringValue(info.NotAfter),
		SHA256Fingerprint: types.StringValue(info.Fingerprint), Subject: types.StringValue("CN=site.example.test,O=Switchyard tests"),
		DNSNames: types.ListValueMust(types.StringType, []attr.Value{types.StringValue("site.example.test")}),
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("state after create (-want +got):\n%s", diff)
	}
	if raw := resp.State.Raw.String(); strings.Contains(raw, "PRIVATE KEY") {
		t.Fatalf("the state holds the key: %s", raw)
	}

	// The key in the file replaced by hand: the state says so with the
	// version, so the next plan writes the key again.
	machine.files["site"] = api.CertificateSpec{Name: "site", CertificatePEM: leaf.CertPEM, PrivateKeyPEM: other.KeyPEM}
	read := &resource.ReadResponse{State: resp.State}
	r.Read(ctx, resource.ReadRequest{State: resp.State}, read)
	if read.Diagnostics.HasError() {
		t.Fatal(read.Diagnostics)
	}
	read.Diagnostics.Append(read.State.Get(ctx, &got)...)
	if got.PrivateKeyWOVersion.ValueInt64() != keyMismatch || got.CertificatePEM.ValueString() != spelled {
		t.Fatalf("after a hand-replaced key: version %v, chain kept %v; want %d and the configuration's spelling",
			got.PrivateKeyWOVersion, got.CertificatePEM.ValueString() == spelled, keyMismatch)
	}

	// The certificate replaced by hand is a different certificate_pem.
	machine.files["site"] = api.CertificateSpec{Name: "site", CertificatePEM: other.CertPEM, PrivateKeyPEM: other.KeyPEM}
	r.Read(ctx, resource.ReadRequest{State: resp.State}, read)
	read.Diagnostics.Append(read.State.Get(ctx, &got)...)
	if c, _ := pemcert.Chain(other.CertPEM); got.CertificatePEM.ValueString() != c {
		t.Fatalf("after a hand-replaced certificate the state shows %q", got.CertificatePEM.ValueString())
	}
}

func TestCertificateValidateConfigMismatchedKey(t *testing.T) {
	ca := testca.New(t, "provider test CA")
	leaf := ca.Issue(t, time.Now().Add(time.Hour), "a.example.test")
	other := ca.Issue(t, time.Now().Add(time.Hour), "a.example.test")
	for name, tc := range map[string]struct {
		key     string
		wantErr bool
	}{
		"its own key": {leaf.KeyPEM, false},
		"another key": {other.KeyPEM, true},
		"garbage":     {"hello", true},
	} {
		t.Run(name, func(t *testing.T) {
			_, config := certPlan(t, newCertModel("a", leaf.CertPEM, types.Int64Null()), tc.key)
			resp := &resource.ValidateConfigResponse{}
			newCertificateResource(nil).ValidateConfig(context.Background(), resource.ValidateConfigRequest{Config: config}, resp)
			if resp.Diagnostics.HasError() != tc.wantErr {
				t.Fatalf("errors = %v, want %v: %v", resp.Diagnostics.HasError(), tc.wantErr, resp.Diagnostics)
			}
			if tc.wantErr && !strings.Contains(resp.Diagnostics.Errors()[0].Detail(), `Certificate "a"`) {
				t.Fatalf("the error does not name the certificate: %v", resp.Diagnostics)
			}
		})
	}
}

func TestCertificateModifyPlanExpiry(t *testing.T) {
	ca := testca.New(t, "provider test CA")
	fixed := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	restore := now
	now = func() time.Time { return fixed }
	t.Cleanup(func() { now = restore })
	day := 24 * time.Hour
	for name, tc := range map[string]struct {
		expires  time.Time
		days     types.Int64
		wantWarn string // "" for none
		wantErr  string
	}{
		"far off":                  {expires: fixed.Add(60 * day), days: types.Int64Value(21)},
		"just outside the window":  {expires: fixed.Add(21*day + time.Hour), days: types.Int64Value(21)},
		"inside the window":        {expires: fixed.Add(20 * day), days: types.Int64Value(21), wantWarn: `Certificate "site" expires at 2030-01-21T00:00:00Z, in 20 day(s), within its expiry_warning_days (21)`},
		"a wider window":           {expires: fixed.Add(40 * day), days: types.Int64Value(45), wantWarn: "in 40 day(s)"},
		"warning off":              {expires: fixed.Add(day), days: types.Int64Value(0)},
		"expired":                  {expires: fixed.Add(-time.Hour), days: types.Int64Value(21), wantErr: `Certificate "site": the certificate expired at 2029-12-31T23:00:00Z`},
		"unknown days use default": {expires: fixed.Add(2 * day), days: types.Int64Unknown(), wantWarn: "in 2 day(s)"},
	} {
		t.Run(name, func(t *testing.T) {
			leaf := ca.Issue(t, tc.expires, "site.example.test")
			m := newCertModel("site", leaf.CertPEM, types.Int64Null())
			m.ExpiryWarningDays = tc.days
			plan, config := certPlan(t, m, leaf.KeyPEM)
			req := resource.ModifyPlanRequest{Plan: plan, Config: config, State: emptyState()}
			resp := &resource.ModifyPlanResponse{Plan: plan}
			newCertificateResource(nil).ModifyPlan(context.Background(), req, resp)
			if tc.wantErr != "" {
				if !resp.Diagnostics.HasError() || !strings.Contains(resp.Diagnostics.Errors()[0].Detail(), tc.wantErr) {
					t.Fatalf("diagnostics %v, want an error containing %q", resp.Diagnostics, tc.wantErr)
				}
				return
			}
			if resp.Diagnostics.HasError() {
				t.Fatal(resp.Diagnostics)
			}
			warns := resp.Diagnostics.Warnings()
			switch {
			case tc.wantWarn == "" && len(warns) != 0:
				t.Fatalf("unexpected warning: %v", warns)
			case tc.wantWarn != "" && (len(warns) != 1 || !strings.Contains(warns[0].Detail(), tc.wantWarn)):
				t.Fatalf("warnings %v, want one containing %q", warns, tc.wantWarn)
			}
			// The plan shows what the certificate says.
			var got certificateModel
			resp.Diagnostics.Append(resp.Plan.Get(context.Background(), &got)...)
			info, _ := pemcert.Inspect(leaf.CertPEM)
			if got.SHA256Fingerprint.ValueString() != info.Fingerprint || got.NotAfter.ValueString() != info.NotAfter {
				t.Fatalf("planned fingerprint %v, not_after %v; want %s, %s", got.SHA256Fingerprint, got.NotAfter, info.Fingerprint, info.NotAfter)
			}
		})
	}
}
