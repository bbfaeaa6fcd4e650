package provider

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64default"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/switchyard/terraform-provider-switchyard/internal/api"
	"github.com/switchyard/terraform-provider-switchyard/internal/grammar"
	"github.com/switchyard/terraform-provider-switchyard/internal/pemcert"
)

var (
	_ resource.Resource                   = (*certificateResource)(nil)
	_ resource.ResourceWithConfigure      = (*certificateResource)(nil)
	_ resource.ResourceWithImportState    = (*certificateResource)(nil)
	_ resource.ResourceWithValidateConfig = (*certificateResource)(nil)
	_ resource.ResourceWithModifyPlan     = (*certificateResource)(nil)
)

// certificateResource is switchyard_certificate: one crt file (chain and
// key) for `bind … ssl crt <path>`.
type certificateResource struct {
	lifecycle[certificateModel, api.Certificate]
}

// NewCertificateResource is the switchyard_certificate factory.
func NewCertificateResource() resource.Resource { return newCertificateResource(nil) }

func newCertificateResource(m caller) *certificateResource {
	return &certificateResource{lifecycle[certificateModel, api.Certificate]{machine: m, kind: certificateKind}}
}

// keyMismatch is private_key_wo_version in the state when the key in the
// machine's file does not belong to its certificate (replaced by hand):
// the version on the machine is then none the configuration can have
// (the validator wants 0 or more), so the plan shows an update, which
// writes the configuration's key again. The key itself, or anything
// derived from it, is never in the state.
const keyMismatch = -1

// defaultExpiryWarningDays is expiry_warning_days' default.
const defaultExpiryWarningDays = 21

var certificateKind = kind[certificateModel, api.Certificate]{
	title: "Certificate", noun: "certificate",
	typeName: "_certificate", schema: certificateSchema,
	id:        func(m certificateModel) string { return m.Name.ValueString() },
	ref:       func(m certificateModel) any { return api.CertificateRef{Name: m.Name.ValueString()} },
	getMethod: api.MethodCertificateGet, createMethod: api.MethodCertificateCreate,
	updateMethod: api.MethodCertificateUpdate, deleteMethod: api.MethodCertificateDelete,
	toWire: certificateWire,
	fromWire: func(ctx context.Context, prior *certificateModel, got api.Certificate) (certificateModel, diag.Diagnostics) {
		return certificateFromAPI(ctx, prior, got)
	},
	existsHint: existsHint("a different certificate file of that name is already on the machine"),
	goneHint:   goneHint("its file was"),
	importState: importName(grammar.CertificateName, "the certificate's file name without `.pem`, as in "+
		"`terraform import switchyard_certificate.site site` for /etc/haproxy/certs/site.pem"),
}

type certificateModel struct {
	ID                  types.String `tfsdk:"id"`
	Name                types.String `tfsdk:"name"`
	CertificatePEM      types.String `tfsdk:"certificate_pem"`
	PrivateKeyPEMWO     types.String `tfsdk:"private_key_pem_wo"`
	PrivateKeyWOVersion types.Int64  `tfsdk:"private_key_wo_version"`
	ExpiryWarningDays   types.Int64  `tfsdk:"expiry_warning_days"`
	Path                types.String `tfsdk:"path"`
	NotAfter            types.String `tfsdk:"not_after"`
	SHA256Fingerprint   types.String `tfsdk:"sha256_fingerprint"`
	Subject             types.String `tfsdk:"subject"`
	DNSNames            types.List   `tfsdk:"dns_names"`
}

func certificateNameValidator() stringCheck {
	return stringCheck{description: grammar.CertificateNameDescription, check: grammar.CertificateName}
}

func certificatePEMValidator() stringCheck {
	return stringCheck{
		description: "one or more PEM `CERTIFICATE` blocks, leaf first",
		check: func(s string) error {
			_, err := pemcert.Chain(s)
			return err
		},
	}
}

func certificateSchema() schema.Schema {
	name := certificateNameValidator()
	computed := func(description string) schema.StringAttribute {
		return schema.StringAttribute{MarkdownDescription: description, Computed: true}
	}
	return schema.Schema{
		MarkdownDescription: "A TLS certificate with its private key, as one crt file on the machine " +
			"(`/etc/haproxy/certs/<name>.pem`: the chain, then the key), owned by root with mode 0600 and written atomically, " +
			"for a frontend bind's `ssl_certificate`. The private key is write-only (Terraform 1.11 or later): " +
			"it never reaches the state, the plan or the logs. " +
			"Everything is checked before the file is written: the chain parses, the key belongs to the first certificate, and it has not expired. " +
			"A new certificate or key for a file the running HAProxy has loaded goes live through the runtime API " +
			"(`set ssl cert`, `commit ssl cert`) **without a reload**; new handshakes get it at once. Should the runtime refuse it, HAProxy is reloaded once instead. " +
			"The file replaced or removed by hand shows up as drift. A plan warns when the certificate expires within `expiry_warning_days`. " +
			"Destroying it is refused while a bind of haproxy.cfg names its file.",
		Attributes: map[string]schema.Attribute{
			"id": idAttribute("The certificate's name, which identifies it on the machine."),
			"name": schema.StringAttribute{
				MarkdownDescription: "Name of the certificate file without `.pem`, " + name.description +
					". Changing it replaces the certificate. It is required and has no default.",
				Required:      true,
				Validators:    []validator.String{name},
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"certificate_pem": schema.StringAttribute{
				MarkdownDescription: "The certificate chain in PEM, " + certificatePEMValidator().description +
					" (for example `tls_locally_signed_cert.x.cert_pem` followed by the intermediate's). " +
					"Changing it rotates the certificate. It is required and has no default.",
				Required:   true,
				Validators: []validator.String{certificatePEMValidator()},
			},
			"private_key_pem_wo": schema.StringAttribute{
				MarkdownDescription: "The private key of the first certificate, in PEM (PKCS#1, PKCS#8 or SEC 1), write-only: it is never stored. " +
					"It is sent with every create and update; to send a new key with an unchanged certificate, change `private_key_wo_version`. " +
					"It is required and has no default.",
				Required:  true,
				Sensitive: true,
				WriteOnly: true,
			},
			"private_key_wo_version": schema.Int64Attribute{
				MarkdownDescription: "Any number of 0 or more; changing it writes `private_key_pem_wo` to the machine again. " +
					"After an import, set or change it so that the first apply writes the key. " +
					"The state holds -1 when the key in the machine's file does not belong to its certificate (replaced by hand), " +
					"so the next plan writes the key again. Defaults to none.",
				Optional:   true,
				Validators: []validator.Int64{int64validator.AtLeast(0)},
			},
			"expiry_warning_days": schema.Int64Attribute{
				MarkdownDescription: "A plan warns, naming the certificate, when it expires within this many days " +
					"(so a scheduled `terraform plan` also catches expiry). 0 turns the warning off. Defaults to 21.",
				Optional:   true,
				Computed:   true,
				Default:    int64default.StaticInt64(defaultExpiryWarningDays),
				Validators: []validator.Int64{int64validator.AtLeast(0)},
			},
			"path": schema.StringAttribute{
				MarkdownDescription: "Absolute path of the file on the machine, for a bind's `ssl_certificate`, " +
					"so that the frontend depends on the certificate.",
				Computed:      true,
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"not_after":          computed("When the first certificate expires, RFC 3339 in UTC."),
			"sha256_fingerprint": computed("SHA-256 of the first certificate's DER encoding, lower-case hex."),
			"subject":            computed("Subject of the first certificate (RFC 2253, as `CN=www.example.com,O=Example`)."),
			"dns_names": schema.ListAttribute{
				MarkdownDescription: "DNS names (subject alternative names) of the first certificate.",
				ElementType:         types.StringType,
				Computed:            true,
			},
		},
	}
}

// certificateWire sends the configuration's key with every write: it is
// there (write-only values are in the configuration at apply time), and
// sending it always means a certificate whose key changed with it, or a
// file whose key was replaced by hand, is always written right.
func certificateWire(ctx context.Context, w write[certificateModel]) (any, diag.Diagnostics, error) {
	var key types.String
	diags := w.config.GetAttribute(ctx, path.Root("private_key_pem_wo"), &key)
	if diags.HasError() {
		return nil, diags, nil
	}
	if key.IsNull() || key.IsUnknown() {
		return nil, diags, fmt.Errorf("private_key_pem_wo is not set in the configuration")
	}
	return api.CertificateSpec{
		Name:           w.plan.Name.ValueString(),
		CertificatePEM: w.plan.CertificatePEM.ValueString(),
		PrivateKeyPEM:  key.ValueString(),
	}, diags, nil
}

// certificateFromAPI is the state of what the machine has. The chain is
// compared in canonical PEM: the configuration's spelling (line endings,
// text around the blocks) is kept while it says the same.
func certificateFromAPI(ctx context.Context, prior *certificateModel, got api.Certificate) (certificateModel, diag.Diagnostics) {
	if prior == nil {
		prior = &certificateModel{ExpiryWarningDays: types.Int64Value(defaultExpiryWarningDays)}
	}
	names, diags := types.ListValueFrom(ctx, types.StringType, got.DNSNames)
	m := certificateModel{
		ID:                  types.StringValue(got.Name),
		Name:                types.StringValue(got.Name),
		CertificatePEM:      types.StringValue(got.CertificatePEM),
		PrivateKeyPEMWO:     types.StringNull(), // write-only: always null in state
		PrivateKeyWOVersion: prior.PrivateKeyWOVersion,
		ExpiryWarningDays:   prior.ExpiryWarningDays,
		Path:                types.StringValue(got.Path),
		NotAfter:            types.StringValue(got.NotAfter),
		SHA256Fingerprint:   types.StringValue(got.SHA256Fingerprint),
		Subject:             types.StringValue(got.Subject),
		DNSNames:            names,
	}
	if !prior.CertificatePEM.IsNull() && !prior.CertificatePEM.IsUnknown() {
		if c, err := pemcert.Chain(prior.CertificatePEM.ValueString()); err == nil && c == got.CertificatePEM {
			m.CertificatePEM = prior.CertificatePEM
		}
	}
	if m.ExpiryWarningDays.IsNull() || m.ExpiryWarningDays.IsUnknown() {
		m.ExpiryWarningDays = types.Int64Value(defaultExpiryWarningDays)
	}
	if !got.KeyMatches {
		m.PrivateKeyWOVersion = types.Int64Value(keyMismatch)
	}
	return m, diags
}

// ValidateConfig checks the key against the certificate when both are
// known: write-only values are in the configuration at validate time, so
// a mismatched pair fails at `terraform validate`, not half-way through an
// apply. The agent checks again before it writes.
func (r *certificateResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var name, chain, key types.String
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("name"), &name)...)
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("certificate_pem"), &chain)...)
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("private_key_pem_wo"), &key)...)
	if resp.Diagnostics.HasError() || !known(chain) || !known(key) {
		return
	}
	if _, err := pemcert.Chain(chain.ValueString()); err != nil {
		return // the attribute's validator reports it
	}
	if err := pemcert.KeyMatches(chain.ValueString(), key.ValueString()); err != nil {
		resp.Diagnostics.AddAttributeError(path.Root("private_key_pem_wo"), "Invalid Private Key",
			fmt.Sprintf("Certificate %q: %v.", name.ValueString(), err))
	}
}

func known(v types.String) bool { return !v.IsNull() && !v.IsUnknown() }

// now is the clock of the expiry checks (tests set it).
var now = time.Now

// ModifyPlan fills in what the certificate itself says, so the plan shows
// the new fingerprint and expiry, refuses an expired certificate, and
// warns when one expires within expiry_warning_days: a scheduled plan
// (the drift check in CI) then catches expiry too.
func (r *certificateResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() {
		return // destroy
	}
	var plan certificateModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() || !known(plan.CertificatePEM) {
		return
	}
	info, err := pemcert.Inspect(plan.CertificatePEM.ValueString())
	if err != nil {
		return // the attribute's validator reports it
	}
	name := plan.Name.ValueString()
	if err := pemcert.CheckExpiry(info, now()); err != nil {
		resp.Diagnostics.AddAttributeError(path.Root("certificate_pem"), "Certificate Expired",
			fmt.Sprintf("Certificate %q: %v; HAProxy would serve an expired certificate. Renew it.", name, err))
		return
	}
	names, diags := types.ListValueFrom(ctx, types.StringType, info.DNSNames)
	resp.Diagnostics.Append(diags...)
	plan.NotAfter = types.StringValue(info.NotAfter)
	plan.SHA256Fingerprint = types.StringValue(info.Fingerprint)
	plan.Subject = types.StringValue(info.Subject)
	plan.DNSNames = names
	resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
	if w, ok := expiryWarning(name, info.Expiry, plan.ExpiryWarningDays, now()); ok {
		resp.Diagnostics.AddAttributeWarning(path.Root("not_after"), "Certificate Expires Soon", w)
	}
}

// expiryWarning is the warning's text when expiry is within days of at.
func expiryWarning(name string, expiry time.Time, days types.Int64, at time.Time) (string, bool) {
	window := int64(defaultExpiryWarningDays)
	if !days.IsNull() && !days.IsUnknown() {
		window = days.ValueInt64()
	}
	left := expiry.Sub(at)
	if window <= 0 || left > time.Duration(window)*24*time.Hour {
		return "", false
	}
	return fmt.Sprintf("Certificate %q expires at %s, in %d day(s), within its expiry_warning_days (%d). "+
		"Renew it and apply the new certificate_pem: the swap goes live without a reload.",
		name, expiry.UTC().Format(time.RFC3339), int64(math.Ceil(left.Hours()/24)), window), true
}
