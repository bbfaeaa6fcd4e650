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
	"time"

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
		// SIGTERM/SIGHUP/SIGINT (the SSH session going away) end the
		// session like stdin's EOF does: no new requests, the ones in
		// flight finish (see agent.Server.Serve).
		// Once the provider is gone, a response or log line written to
		// the closed pipe must fail as an error, not kill the agent with
		// SIGPIPE before it has written its session line.
		signal.Ignore(syscall.SIGPIPE)
		ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGHUP, syscall.SIGINT)
		defer stop()
		hs := api.Handshake{Protocol: api.ProtocolVersion, Version: version.Version}.String() + "\n"
		if _, err := os.Stdout.WriteString(hs); err != nil {
			fmt.Fprintf(os.Stderr, "switchyard-agent: writing handshake: %v\n", err)
			os.Exit(1)
		}
		// After an upgrade, the builds before the previous one go.
		if err := agent.PruneOldBuilds(time.Now()); err != nil {
			fmt.Fprintf(os.Stderr, "switchyard-agent: %v\n", err)
		}
		srv := agent.NewServer(agent.Options{})
		err := srv.Serve(ctx, os.Stdin, os.Stdout, os.Stderr)
		// One line per session, whatever the ending: benchmarks count
		// requests and reloads per terraform command from it.
		if lerr := srv.AppendSessionLog(api.SessionLogPath, time.Now()); lerr != nil {
			fmt.Fprintf(os.Stderr, "switchyard-agent: %v\n", lerr)
		}
		if err != nil {
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
