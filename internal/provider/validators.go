package provider

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"path"
	"strings"
	"time"
	"unicode"

	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/switchyard/terraform-provider-switchyard/internal/grammar"
)

// Ranges and fixed sets of values use terraform-plugin-framework-validators
// (int64validator.Between, stringvalidator.OneOf). What it cannot say is
// written here: each a plain check function wrapped once, so the checks are
// unit-tested without the framework and every error names the offending
// value. The grammars the agent enforces too (names, map entries, rule
// lines) live in internal/grammar.

// stringCheck adapts a check function to validator.String. Null and unknown
// values are skipped: required-ness is the schema's job, and unknown values
// are checked again once they are known.
type stringCheck struct {
	description string
	check       func(string) error
}

var _ validator.String = stringCheck{}

func (v stringCheck) Description(context.Context) string         { return v.description }
func (v stringCheck) MarkdownDescription(context.Context) string { return v.description }

func (v stringCheck) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if err := v.check(req.ConfigValue.ValueString()); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid Attribute Value", err.Error())
	}
}

// haproxyNameValidator is grammar.ProxyName at plan time: it turns a failed
// `haproxy -c` at apply time into an error at `terraform validate`.
func haproxyNameValidator() stringCheck {
	return stringCheck{description: grammar.ProxyNameDescription, check: grammar.ProxyName}
}

// cacheNameValidator is grammar.CacheName at plan time.
func cacheNameValidator() stringCheck {
	return stringCheck{description: grammar.CacheNameDescription, check: grammar.CacheName}
}

// unitWordValidator is grammar.UnitWord at plan time; what names the kind
// of name in the error ("namespace").
func unitWordValidator(what string) stringCheck {
	return stringCheck{
		description: grammar.UnitWordDescription,
		check:       func(s string) error { return grammar.UnitWord(what, s) },
	}
}

// addressValidator accepts an IPv4 address, an IPv6 address or a host name:
// what goes before the port on a `server` line.
func addressValidator() stringCheck {
	return stringCheck{
		description: "an IPv4 address, an IPv6 address (without brackets) or a host name, without a port",
		check:       checkAddress,
	}
}

func checkAddress(s string) error {
	switch {
	case s == "":
		return fmt.Errorf("must not be empty")
	case strings.IndexFunc(s, unicode.IsSpace) >= 0:
		return fmt.Errorf("%q must not contain whitespace", s)
	case strings.HasPrefix(s, "["):
		if _, _, err := net.SplitHostPort(s); err == nil {
			return fmt.Errorf("%q includes a port: give the address alone and the port in the port attribute", s)
		}
		return fmt.Errorf("%q: write an IPv6 address without brackets", s)
	case strings.Contains(s, ":"):
		if a, err := netip.ParseAddr(s); err == nil && a.Is6() {
			return nil
		}
		if _, _, err := net.SplitHostPort(s); err == nil {
			return fmt.Errorf("%q includes a port: give the address alone and the port in the port attribute", s)
		}
		return fmt.Errorf("%q is not a valid IPv6 address", s)
	case strings.Trim(s, "0123456789.") == "":
		// All digits and dots: meant as IPv4, so 999.1.1.1 is a typo rather
		// than a host name.
		if a, err := netip.ParseAddr(s); err == nil && a.Is4() {
			return nil
		}
		return fmt.Errorf("%q is not a valid IPv4 address", s)
	}
	return checkHostname(s)
}

// checkHostname applies RFC 1123 with one leniency: underscores, which real
// DNS names (and container runtimes' service names) do contain; the resolver
// on the machine is the final judge.
func checkHostname(s string) error {
	h := strings.TrimSuffix(s, ".")
	if len(h) > 253 {
		return fmt.Errorf("%q is longer than the 253 characters a host name may have", s)
	}
	for _, label := range strings.Split(h, ".") {
		if label == "" || len(label) > 63 {
			return fmt.Errorf("%q is not a valid host name: each dot-separated part must have 1 to 63 characters", s)
		}
		if label[0] == '-' || label[len(label)-1] == '-' {
			return fmt.Errorf("%q is not a valid host name: a part may not start or end with '-'", s)
		}
		for _, r := range label {
			if r >= unicode.MaxASCII || !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '-' && r != '_' {
				return fmt.Errorf("%q is not a valid IP address or host name: it contains %s", s, grammar.DescribeRune(r))
			}
		}
	}
	return nil
}

// quotedList renders values as Markdown code spans: `a`, `b` and `c`.
func quotedList(values []string) string {
	q := make([]string, len(values))
	for i, v := range values {
		q[i] = "`" + v + "`"
	}
	if len(q) < 2 {
		return strings.Join(q, "")
	}
	return strings.Join(q[:len(q)-1], ", ") + " or " + q[len(q)-1]
}

// balanceAlgorithms are the load-balancing algorithms a backend may use. This
// one slice feeds both the validator and the attribute's description.
var balanceAlgorithms = []string{"roundrobin", "static-rr", "leastconn", "first", "source", "uri", "url_param", "hdr", "random"}

// durationValidator accepts a positive Go duration ("30s", "1m30s").
func durationValidator() stringCheck {
	return stringCheck{
		description: `a positive duration such as "30s" or "2m"`,
		check: func(s string) error {
			d, err := time.ParseDuration(s)
			if err != nil {
				return fmt.Errorf("%q is not a duration such as \"30s\" or \"2m\"", s)
			}
			if d <= 0 {
				return fmt.Errorf("%q must be positive", s)
			}
			return nil
		},
	}
}

// absolutePathValidator accepts an absolute path on the machine. Relative
// paths would depend on the agent's working directory.
func absolutePathValidator() stringCheck {
	return stringCheck{
		description: "an absolute path on the machine",
		check: func(s string) error {
			// The machine is Linux whatever the provider runs on: package
			// path, not path/filepath.
			if !path.IsAbs(s) {
				return fmt.Errorf("%q must be an absolute path on the machine", s)
			}
			return nil
		},
	}
}

// unitNameValidator accepts a systemd unit name, with or without ".service".
func unitNameValidator() stringCheck {
	return stringCheck{
		description: "a systemd service name",
		check: func(s string) error {
			if s == "" {
				return fmt.Errorf("must not be empty")
			}
			for _, r := range s {
				if r >= unicode.MaxASCII || !unicode.IsLetter(r) && !unicode.IsDigit(r) && !strings.ContainsRune(":-_.\\@", r) {
					return fmt.Errorf("%q is not a systemd unit name: it contains %s", s, grammar.DescribeRune(r))
				}
			}
			return nil
		},
	}
}

// uniqueServerNames rejects two servers with one name in a backend: HAProxy
// refuses the config, and Terraform can catch it before anything runs.
type uniqueServerNames struct{}

var _ validator.List = uniqueServerNames{}

func (uniqueServerNames) Description(context.Context) string {
	return "server names must be unique within the backend"
}

func (v uniqueServerNames) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (uniqueServerNames) ValidateList(_ context.Context, req validator.ListRequest, resp *validator.ListResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	seen := map[string]int{}
	for i, el := range req.ConfigValue.Elements() {
		obj, ok := el.(types.Object)
		if !ok || obj.IsNull() || obj.IsUnknown() {
			continue
		}
		name, ok := obj.Attributes()["name"].(types.String)
		if !ok || name.IsNull() || name.IsUnknown() {
			continue
		}
		if first, dup := seen[name.ValueString()]; dup {
			resp.Diagnostics.AddAttributeError(req.Path.AtListIndex(i).AtName("name"), "Duplicate Server Name",
				fmt.Sprintf("servers[%d] and servers[%d] are both named %q: server names must be unique within a backend", first, i, name.ValueString()))
			continue
		}
		seen[name.ValueString()] = i
	}
}
