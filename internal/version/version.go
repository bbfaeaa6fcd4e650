// Package version holds the build's version, set by the linker
// (-X github.com/switchyard/terraform-provider-switchyard/internal/version.Version=…)
// for the provider and the agent alike, so the two always report the same.
package version

// Version is the release version, "dev" for local builds.
var Version = "dev"
