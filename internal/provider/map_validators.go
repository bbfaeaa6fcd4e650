package provider

import "github.com/switchyard/terraform-provider-switchyard/internal/grammar"

// The map grammars at plan time (see internal/grammar, which the agent
// enforces too).

func mapNameValidator() stringCheck {
	return stringCheck{description: grammar.MapNameDescription, check: grammar.MapName}
}

func mapKeyValidator() stringCheck {
	return stringCheck{description: grammar.MapKeyDescription, check: grammar.MapKey}
}

func mapValueValidator() stringCheck {
	return stringCheck{description: grammar.MapValueDescription, check: grammar.MapValue}
}
