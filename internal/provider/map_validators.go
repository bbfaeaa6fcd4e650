package provider

import (
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// maxMapNameLen leaves room for `.map` within Linux's 255-byte file names.
const maxMapNameLen = 250

// mapNameValidator accepts a map file name without `.map`: it must stay a
// plain file name in the maps directory.
func mapNameValidator() stringCheck {
	return stringCheck{
		description: fmt.Sprintf("made of 1 to %d letters, digits, `-`, `_` and `.`, not starting with `.`", maxMapNameLen),
		check:       checkMapName,
	}
}

func checkMapName(s string) error {
	switch {
	case s == "":
		return fmt.Errorf("map name must not be empty")
	case len(s) > maxMapNameLen:
		return fmt.Errorf("map name %q is longer than %d characters", s, maxMapNameLen)
	case s[0] == '.':
		return fmt.Errorf("map name %q starts with a dot; it must be a plain file name", s)
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_.", r)) {
			return fmt.Errorf("map name %q contains %s; use letters, digits, `-`, `_` and `.`", s, describeRune(r))
		}
	}
	return nil
}

// mapKeyValidator: HAProxy's map files end the key at the first blank.
func mapKeyValidator() stringCheck {
	return stringCheck{
		description: "a non-empty word without blanks or line breaks that does not start with `#`",
		check:       checkMapKey,
	}
}

func checkMapKey(s string) error {
	switch {
	case s == "":
		return fmt.Errorf("map key must not be empty")
	case s[0] == '#':
		return fmt.Errorf("map key %q starts with `#`, which makes its line a comment in the map file", s)
	}
	if i := strings.IndexAny(s, " \t\r\n\v\f"); i >= 0 {
		return fmt.Errorf("map key %q contains %s; a map file ends the key at the first blank", s, describeRune(rune(s[i])))
	}
	return nil
}

// mapValueValidator: the value is the rest of its line in the map file.
func mapValueValidator() stringCheck {
	return stringCheck{
		description: "a non-empty text without line breaks or blanks at either end",
		check:       checkMapValue,
	}
}

func checkMapValue(s string) error {
	switch {
	case s == "":
		return fmt.Errorf("map value must not be empty")
	case strings.ContainsAny(s, "\r\n"):
		return fmt.Errorf("map value %q contains a line break; a map file holds one entry per line", s)
	case strings.TrimSpace(s) != s:
		return fmt.Errorf("map value %q has blanks at its start or end, which a map file would drop", s)
	}
	return nil
}

// mapEntriesValidator checks every key and value of an entries map.
type mapEntriesValidator struct{}

var _ validator.Map = mapEntriesValidator{}

func (mapEntriesValidator) Description(context.Context) string {
	return "keys are " + mapKeyValidator().description + "; values are " + mapValueValidator().description
}

func (v mapEntriesValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (mapEntriesValidator) ValidateMap(_ context.Context, req validator.MapRequest, resp *validator.MapResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	for k, v := range req.ConfigValue.Elements() {
		if err := checkMapKey(k); err != nil {
			resp.Diagnostics.AddAttributeError(req.Path, "Invalid Map Key", err.Error())
			continue
		}
		s, ok := v.(types.String)
		if !ok || s.IsNull() || s.IsUnknown() {
			continue
		}
		if err := checkMapValue(s.ValueString()); err != nil {
			resp.Diagnostics.AddAttributeError(req.Path.AtMapKey(k), "Invalid Attribute Value", err.Error())
		}
	}
}
