// Command switchyard-agent is the agent the Switchyard provider uploads to
// each machine and runs over SSH: `switchyard-agent serve` speaks the
// protocol of internal/api on stdin/stdout, logs on stderr.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/switchyard/terraform-provider-switchyard/internal/agent"
	"github.com/switchyard/terraform-provider-switchyard/internal/api"
	"github.com/switchyard/terraform-provider-switchyard/internal/version"
)

func main() {
	if len(os.Args) != 2 {
		usage()
	}
	switch os.Args[1] {
	case "version":
		fmt.Println(version.Version)
	case "serve":
		// SIGTERM/SIGINT (the SSH session going away) cancel the context;
		// changes already queued still finish, see agent.Serve.
		ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
		defer stop()
		hs := api.Handshake{Protocol: api.ProtocolVersion, Version: version.Version}.String() + "\n"
		if _, err := os.Stdout.WriteString(hs); err != nil {
			fmt.Fprintf(os.Stderr, "switchyard-agent: writing handshake: %v\n", err)
			os.Exit(1)
		}
		if err := agent.Serve(ctx, os.Stdin, os.Stdout, os.Stderr); err != nil {
			fmt.Fprintf(os.Stderr, "switchyard-agent: %v\n", err)
			os.Exit(1)
		}
	default:
		usage()
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: switchyard-agent serve|version")
	os.Exit(2)
}
