// Command terraform-provider-switchyard is the Switchyard Terraform provider:
// it manages HAProxy on Linux machines over SSH through a small agent that it
// uploads itself.
package main

import (
	"context"
	"flag"
	"log"
	"os"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"

	"github.com/switchyard/terraform-provider-switchyard/internal/pluginlog"
	"github.com/switchyard/terraform-provider-switchyard/internal/profiling"
	"github.com/switchyard/terraform-provider-switchyard/internal/provider"
	"github.com/switchyard/terraform-provider-switchyard/internal/version"
)

func main() {
	var debug bool
	flag.BoolVar(&debug, "debug", false, "start the provider in debug mode, for a debugger such as delve; it prints the TF_REATTACH_PROVIDERS value to use")
	flag.Parse()

	// Before the server builds its loggers, which read the levels once.
	if _, err := pluginlog.QuietUnlessAsked(os.Environ(), "switchyard", os.Setenv); err != nil {
		log.Fatal(err)
	}
	provider.TuneGC()
	stopProfiling, err := profiling.Start()
	if err != nil {
		log.Fatal(err)
	}
	err = providerserver.Serve(context.Background(), provider.New(version.Version), providerserver.ServeOpts{
		Address:         "registry.terraform.io/switchyard/switchyard",
		Debug:           debug,
		ProtocolVersion: 6,
	})
	if perr := stopProfiling(); perr != nil {
		log.Printf("%s: %v", profiling.EnvDir, perr)
	}
	if err != nil {
		log.Fatal(err)
	}
}
