// Command switchyard-lab starts and stops the lab: real test machines
// (systemd-nspawn with systemd, sshd and HAProxy) on this box, for the
// provider's acceptance tests and demo. It runs as root.
//
//	switchyard-lab up [-n 2] [-dir DIR]   start, or reuse a healthy lab of that size
//	switchyard-lab down [-dir DIR]        remove everything the records list
//	switchyard-lab status [-dir DIR]
//	switchyard-lab restart [-dir DIR] NAME
//	switchyard-lab env [-dir DIR]         export lines for a shell
//	switchyard-lab tfvars [-dir DIR] [-machine 1]   the provider settings of a machine, as terraform.tfvars.json
//	switchyard-lab address [-dir DIR] [-machine 1]  a machine's address
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/switchyard/terraform-provider-switchyard/internal/lab"
)

const usage = `usage: switchyard-lab COMMAND [flags]

commands:
  up [-n 2] [-dir DIR]     start N machines, or reuse the running lab if it is healthy and the same size
  down [-dir DIR]          tear down everything the lab recorded (safe to repeat)
  status [-dir DIR]        show the machines and whether they are healthy
  restart [-dir DIR] NAME  stop machine NAME and boot it again, keeping its files
  env [-dir DIR]           print export lines (eval "$(switchyard-lab env)")
  tfvars [-machine 1]      print host, private_key_file and host_key of machine N as terraform.tfvars.json
  tfvars -machines edge=1,worker=2   the same as one object variable per role
  address [-machine 1]     print the address of machine N

DIR defaults to $SWITCHYARD_LAB_DIR, then ` + lab.DefaultDir + `.
`

func main() {
	if len(os.Args) < 2 {
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	// Ctrl-C cancels cleanly: whatever was started is already recorded.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1], os.Args[2:]); err != nil {
		fmt.Fprintf(os.Stderr, "switchyard-lab %s: %v\n", os.Args[1], err)
		os.Exit(1)
	}
}

func run(ctx context.Context, command string, args []string) error {
	fs := flag.NewFlagSet(command, flag.ContinueOnError)
	dir := fs.String("dir", lab.ResolveDir(""), "lab directory")
	switch command {
	case "up":
		n := fs.Int("n", 2, "number of machines")
		if err := fs.Parse(args); err != nil {
			return err
		}
		// Bounds the whole command; the base image build alone may take minutes.
		ctx, cancel := context.WithTimeout(ctx, 30*time.Minute)
		defer cancel()
		start := time.Now()
		l, err := lab.Up(ctx, lab.Options{Dir: *dir, N: *n, Log: os.Stderr})
		if err != nil {
			return err
		}
		printLab(l, time.Since(start))
		return nil
	case "down":
		if err := fs.Parse(args); err != nil {
			return err
		}
		ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
		defer cancel()
		if err := lab.Down(ctx, *dir); err != nil {
			return err
		}
		fmt.Printf("lab in %s is down\n", *dir)
		return nil
	case "status":
		if err := fs.Parse(args); err != nil {
			return err
		}
		ctx, cancel := context.WithTimeout(ctx, time.Minute)
		defer cancel()
		return printStatus(ctx, *dir)
	case "restart":
		if err := fs.Parse(args); err != nil {
			return err
		}
		if fs.NArg() != 1 {
			return errors.New("usage: switchyard-lab restart [-dir DIR] NAME")
		}
		ctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
		defer cancel()
		start := time.Now()
		if err := lab.Restart(ctx, *dir, fs.Arg(0)); err != nil {
			return err
		}
		fmt.Printf("%s restarted and healthy in %.1fs\n", fs.Arg(0), time.Since(start).Seconds())
		return nil
	case "env":
		if err := fs.Parse(args); err != nil {
			return err
		}
		return printEnv(*dir)
	case "tfvars", "address":
		n := fs.Int("machine", 1, "machine number, from 1")
		roles := fs.String("machines", "", "tfvars only: ROLE=N,… prints one object variable per role, e.g. edge=1,worker=2")
		if err := fs.Parse(args); err != nil {
			return err
		}
		l, err := lab.Load(*dir)
		if err != nil {
			return err
		}
		if command == "tfvars" && *roles != "" {
			vars, err := roleVars(l, *roles)
			if err != nil {
				return err
			}
			enc := json.NewEncoder(os.Stdout)
			enc.SetIndent("", "  ")
			return enc.Encode(vars)
		}
		if *n < 1 || *n > len(l.Machines) {
			return fmt.Errorf("-machine %d: the lab has machines 1 to %d", *n, len(l.Machines))
		}
		m := l.Machines[*n-1]
		if command == "address" {
			fmt.Println(m.Address)
			return nil
		}
		// The variable names of examples/topologies: the demo feeds them in.
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(m.TFVars())
	case "-h", "-help", "--help", "help":
		fmt.Print(usage)
		return nil
	default:
		fmt.Fprint(os.Stderr, usage)
		return fmt.Errorf("unknown command %q", command)
	}
}

// roleVars maps "edge=1,worker=2" to {"edge": machine 1's TFVars, …}: the
// object variables the two-machine topologies take.
func roleVars(l *lab.Lab, spec string) (map[string]map[string]string, error) {
	vars := map[string]map[string]string{}
	for _, part := range strings.Split(spec, ",") {
		role, num, ok := strings.Cut(part, "=")
		n, err := strconv.Atoi(num)
		if !ok || role == "" || err != nil {
			return nil, fmt.Errorf("-machines %q: want ROLE=N,… (for example edge=1,worker=2)", spec)
		}
		if n < 1 || n > len(l.Machines) {
			return nil, fmt.Errorf("-machines %s=%d: the lab has machines 1 to %d", role, n, len(l.Machines))
		}
		vars[role] = l.Machines[n-1].TFVars()
	}
	return vars, nil
}

func printLab(l *lab.Lab, took time.Duration) {
	fmt.Printf("lab up (%.1fs): %d machines on %s, the box is %s\n", took.Seconds(), len(l.Machines), l.Subnet, l.Gateway)
	for _, m := range l.Machines {
		fmt.Printf("  %-8s %-15s ssh -i %s -o UserKnownHostsFile=%s %s@%s\n",
			m.Name, m.Address, l.PrivateKeyPath, l.KnownHostsPath, m.User, m.Address)
	}
	fmt.Printf("records: %s/lab.json\n", l.Dir)
}

func printStatus(ctx context.Context, dir string) error {
	rep, err := lab.Status(ctx, dir)
	if err != nil {
		return err
	}
	if rep.State == "" {
		fmt.Printf("no lab recorded in %s\n", rep.Dir)
		return nil
	}
	fmt.Printf("lab in %s: state %s, subnet %s\n", rep.Dir, rep.State, rep.Subnet)
	unhealthy := 0
	for _, m := range rep.Machines {
		health := "healthy"
		if m.Problem != "" {
			health, unhealthy = m.Problem, unhealthy+1
		}
		fmt.Printf("  %-8s %-15s pid %-7d %s\n", m.Name, m.Address, m.PID, health)
	}
	if unhealthy > 0 {
		return fmt.Errorf("%d of %d machines unhealthy", unhealthy, len(rep.Machines))
	}
	return nil
}

func printEnv(dir string) error {
	fmt.Printf("export %s=%s\n", lab.DirEnv, shellQuote(dir))
	l, err := lab.Load(dir)
	if err != nil {
		return err
	}
	var addrs []string
	for _, m := range l.Machines {
		addrs = append(addrs, m.Address)
	}
	fmt.Printf("export SWITCHYARD_LAB_SSH_KEY=%s\n", shellQuote(l.PrivateKeyPath))
	fmt.Printf("export SWITCHYARD_LAB_KNOWN_HOSTS=%s\n", shellQuote(l.KnownHostsPath))
	fmt.Printf("export SWITCHYARD_LAB_HOSTS=%s\n", shellQuote(strings.Join(addrs, " ")))
	return nil
}

func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
