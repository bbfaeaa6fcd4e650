package provider

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/listdefault"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/switchyard/terraform-provider-switchyard/internal/api"
	"github.com/switchyard/terraform-provider-switchyard/internal/grammar"
)

// stickTableModel is the `stick_table` attribute that frontends and
// backends share: one `stick-table` line of the section.
type stickTableModel struct {
	Type         types.String   `tfsdk:"type"`
	Size         types.String   `tfsdk:"size"`
	Expire       types.String   `tfsdk:"expire"`
	Store        []types.String `tfsdk:"store"`
	KeyLength    types.Int64    `tfsdk:"key_length"`
	KeepOnReload types.Bool     `tfsdk:"keep_on_reload"`
}

// stickTableAttribute is the schema of stick_table; section is "frontend"
// or "backend", for the descriptions.
func stickTableAttribute(section string) schema.SingleNestedAttribute {
	return schema.SingleNestedAttribute{
		MarkdownDescription: "The section's stick table (`stick-table`), which `http-request track-sc0/1/2` rules fill and " +
			"fetches such as `sc_http_req_rate(0)` read, as in a rate limit: " +
			"`http_request = [\"track-sc0 src\", \"deny deny_status 429 if { sc_http_req_rate(0) gt 10 }\"]`. " +
			"The table is named after the " + section + "; `keep_on_reload` asks HAProxy to keep its contents across reloads " +
			"(see that attribute). Defaults to no table.",
		Optional:   true,
		Validators: []validator.Object{stickTableKeyLength{}},
		Attributes: map[string]schema.Attribute{
			"type": schema.StringAttribute{
				MarkdownDescription: "Key type: " + quotedList(grammar.StickTableTypes) + " (`src` is an `ip` key; a header or a " +
					"user name a `string`). It is required and has no default.",
				Required:   true,
				Validators: []validator.String{stringvalidator.OneOf(grammar.StickTableTypes...)},
			},
			"size": schema.StringAttribute{
				MarkdownDescription: "Most entries the table holds (`size`), " + grammar.StickTableSizeDescription +
					". When full, the oldest entries make room. It is required and has no default.",
				Required:   true,
				Validators: []validator.String{stringCheck{description: grammar.StickTableSizeDescription, check: checkStickSize}},
			},
			"expire": schema.StringAttribute{
				MarkdownDescription: "How long an entry lives after it was last tracked (`expire`), " +
					haproxyTimeoutValidator().description + ". Defaults to never (entries leave only when the table is full).",
				Optional:   true,
				Validators: []validator.String{haproxyTimeoutValidator()},
			},
			"store": schema.ListAttribute{
				MarkdownDescription: "Data types stored with each entry (`store`), in order, each " + grammar.StickTableStoreDescription +
					". Defaults to none (the table then only keys, as for `stick on`).",
				ElementType: types.StringType,
				Optional:    true,
				Computed:    true,
				Default:     listdefault.StaticValue(types.ListValueMust(types.StringType, []attr.Value{})),
				Validators: []validator.List{listvalidator.ValueStringsAre(stringCheck{
					description: "each element is a stick-table data type", check: grammar.StickTableStore,
				})},
			},
			"key_length": schema.Int64Attribute{
				MarkdownDescription: "Longest key kept (`len`), in characters or bytes, from 1 to 65535; only for the types " +
					quotedList(grammar.StickTableKeyLengthTypes) + ". Defaults to HAProxy's 32.",
				Optional:   true,
				Validators: []validator.Int64{int64validator.Between(1, 65535)},
			},
			"keep_on_reload": schema.BoolAttribute{
				MarkdownDescription: fmt.Sprintf("Whether the table's contents survive a reload of HAProxy, so a client over its "+
					"rate limit is still limited after any change that reloads. HAProxy hands a table to the new process only "+
					"through a `peers` section that names the local peer, so the table names `peers %s`, and the agent keeps "+
					"that section in haproxy.cfg: `peers %s` with one `peer` listening on `%s:%d` (loopback only: no other "+
					"machine joins), named after the global `localpeer`, which the agent sets to `%s` when the file has none. "+
					"The port must be free on the machine; a frontend cannot bind it. HAProxy 2.6 hands tables over only from a process "+
					"whose peers resync is finished, up to 10 s after it started, so a reload that comes sooner waits for it "+
					"(at most 11 s): see the traffic policies guide. Defaults to `true`.",
					api.PeersSection, api.PeersSection, api.PeersAddress, api.PeersPort, api.LocalPeerName),
				Optional: true,
				Computed: true,
				Default:  booldefault.StaticBool(true),
			},
		},
	}
}

func checkStickSize(s string) error {
	_, err := grammar.StickTableSize(s)
	return err
}

// stickTableKeyLength refuses key_length where HAProxy has no `len`.
type stickTableKeyLength struct{}

var _ validator.Object = stickTableKeyLength{}

func (stickTableKeyLength) Description(context.Context) string {
	return "key_length is set only with type " + strings.Join(grammar.StickTableKeyLengthTypes, " or ")
}

func (v stickTableKeyLength) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (stickTableKeyLength) ValidateObject(_ context.Context, req validator.ObjectRequest, resp *validator.ObjectResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	attrs := req.ConfigValue.Attributes()
	typ, okT := attrs["type"].(types.String)
	kl, okK := attrs["key_length"].(types.Int64)
	if !okT || !okK || typ.IsUnknown() || typ.IsNull() || kl.IsNull() {
		return
	}
	if !slices.Contains(grammar.StickTableKeyLengthTypes, typ.ValueString()) {
		resp.Diagnostics.AddAttributeError(req.Path.AtName("key_length"), "Invalid Stick Table",
			fmt.Sprintf("key_length applies to the types %s; a %q key has a fixed length. Remove key_length or change the type.",
				quotedList(grammar.StickTableKeyLengthTypes), typ.ValueString()))
	}
}

// stickTableToAPI is the table of a plan; its values passed the schema's
// validators, so they parse.
func stickTableToAPI(m *stickTableModel) *api.StickTable {
	if m == nil {
		return nil
	}
	size, _ := grammar.StickTableSize(m.Size.ValueString())
	t := &api.StickTable{
		Type:         m.Type.ValueString(),
		Size:         size,
		Store:        strs(m.Store),
		KeyLength:    m.KeyLength.ValueInt64Pointer(),
		KeepOnReload: m.KeepOnReload.ValueBool(),
	}
	if ms, err := timeoutMillis(m.Expire.ValueString()); !m.Expire.IsNull() && err == nil {
		t.Expire = &ms
	}
	return t
}

// stickTableFromAPI is the state of what the machine has, in prior's
// spelling where it means the same ("100k" for 102400 entries, "10s" for
// 10000 ms); prior is nil after import.
func stickTableFromAPI(prior *stickTableModel, t *api.StickTable) *stickTableModel {
	if t == nil {
		return nil
	}
	if prior == nil {
		prior = &stickTableModel{Size: types.StringNull(), Expire: types.StringNull()}
	}
	m := &stickTableModel{
		Type:         types.StringValue(t.Type),
		Size:         types.StringValue(strconv.FormatInt(t.Size, 10)),
		Expire:       timeoutValue(prior.Expire, t.Expire),
		Store:        tfStrs(t.Store),
		KeyLength:    types.Int64PointerValue(t.KeyLength),
		KeepOnReload: types.BoolValue(t.KeepOnReload),
	}
	if n, err := grammar.StickTableSize(prior.Size.ValueString()); !prior.Size.IsNull() && err == nil && n == t.Size {
		m.Size = prior.Size
	}
	return m
}
