// Command switchyard-nullprovider is the benchmark's "framework" reference
// (internal/bench/nullprovider): Switchyard's schemas, validators and plan
// modifiers with CRUD that does no remote work. `make bench` builds it as
// .build/nullprovider/terraform-provider-switchyard and points only the
// benchmark's "framework" runs at it (a dev override of their own); it is
// never installed and the real provider has no switch that reaches it.
//
// SWITCHYARD_PPROF works as with the real provider (internal/profiling).
package main

import (
	"context"
	"log"
	"os"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"

	"github.com/switchyard/terraform-provider-switchyard/internal/bench/nullprovider"
	"github.com/switchyard/terraform-provider-switchyard/internal/pluginlog"
	"github.com/switchyard/terraform-provider-switchyard/internal/profiling"
	"github.com/switchyard/terraform-provider-switchyard/internal/provider"
	"github.com/switchyard/terraform-provider-switchyard/internal/version"
)

func main() {
	// Before the server builds its loggers, which read the levels once.
	if _, err := pluginlog.QuietUnlessAsked(os.Environ(), "switchyard", os.Setenv); err != nil {
		log.Fatal(err)
	}
	provider.TuneGC()
	stopProfiling, err := profiling.Start()
	if err != nil {
		log.Fatal(err)
	}
	// The real provider's address: the benchmark's configurations say
	// source = "switchyard/switchyard", and the dev override picks the binary.
	err = providerserver.Serve(context.Background(), nullprovider.New(provider.New(version.Version+"-null")), providerserver.ServeOpts{
		Address:         "registry.terraform.io/switchyard/switchyard",
		ProtocolVersion: 6,
	})
	if perr := stopProfiling(); perr != nil {
		log.Printf("%s: %v", profiling.EnvDir, perr)
	}
	if err != nil {
		log.Fatal(err)
	}
}
