// Package pluginlog keeps the plugin libraries from formatting logs that
// nobody will read.
//
// terraform-plugin-go and terraform-plugin-framework log at trace level by
// default: every RPC, every attribute's validators and plan modifiers, as
// JSON on stderr. Filtering is left to Terraform, which drops every line
// of a provider's unless TF_LOG or TF_LOG_PROVIDER is set. At 500 backends
// a no-change plan spent about 2.7 s of CPU writing those lines
// (docs/performance.md has the profile), and Terraform more reading them.
package pluginlog

import "strings"

// asked reports whether a variable means someone wants the provider's
// logs: TF_LOG itself, terraform-plugin-testing's TF_ACC_LOG_PATH, and
// every TF_LOG_* that sets a level or a destination of provider logs
// (TF_LOG_PROVIDER, TF_LOG_SDK…, TF_LOG_PATH_MASK…). Not TF_LOG_CORE,
// Terraform's own, nor TF_LOG_PATH, which logs nothing without TF_LOG.
func asked(key string) bool {
	switch key {
	case "TF_LOG", "TF_ACC_LOG_PATH":
		return true
	case "TF_LOG_CORE", "TF_LOG_PATH":
		return false
	}
	return strings.HasPrefix(key, "TF_LOG_")
}

// levels are the loggers turned off when nobody asked, by the variable
// each library reads its level from. "off" is hclog's own level name.
func levels(providerName string) []string {
	return []string{
		"TF_LOG_SDK",           // terraform-plugin-go's root SDK logger
		"TF_LOG_SDK_PROTO",     // its protocol subsystem (every RPC)
		"TF_LOG_SDK_FRAMEWORK", // the framework's subsystem (every attribute)
		"TF_LOG_PROVIDER_" + strings.ToUpper(providerName), // the provider's own tflog calls
	}
}

// QuietUnlessAsked sets every logger of levels to off, through setenv,
// when environ (os.Environ's form) sets no variable that asks for logs. It reports whether it did. Call it before the server starts:
// the libraries read the variables once, when they build their loggers.
func QuietUnlessAsked(environ []string, providerName string, setenv func(key, value string) error) (bool, error) {
	for _, kv := range environ {
		if key, value, _ := strings.Cut(kv, "="); value != "" && asked(key) {
			return false, nil
		}
	}
	for _, key := range levels(providerName) {
		if err := setenv(key, "off"); err != nil {
			return false, err
		}
	}
	return true, nil
}
