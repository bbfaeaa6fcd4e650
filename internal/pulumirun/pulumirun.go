// Package pulumirun runs the real Pulumi CLI on a copy of a Pulumi YAML
// program, with the provider built from this repository reached through
// Pulumi's "any Terraform provider" bridge, the way a Pulumi user runs it:
// `pulumi up`, `preview --expect-no-changes`, `preview --refresh`,
// `destroy`. It is to Pulumi what internal/tfrun is to Terraform.
//
// Everything stays on this machine: a file state backend and a Pulumi home
// of the project's own (no Pulumi service, no plugin download), and the
// three binaries `make pulumi-tools` builds (the CLI, the YAML language
// host, the bridge).
package pulumirun

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/switchyard/terraform-provider-switchyard/internal/cliexec"
)

// EnvBinDir names the directory holding pulumi, pulumi-language-yaml and
// pulumi-resource-terraform-provider (make sets it to the cache that
// `make pulumi-tools` fills).
const EnvBinDir = "SWITCHYARD_PULUMI_BIN"

// BridgeVersion is the version the bridge binary is installed as, and the
// one every example's packages block names (GNUmakefile's
// PULUMI_TFPROVIDER_VERSION).
const BridgeVersion = "1.1.3"

// LocalProviderParameter is the provider path the example's packages block
// names, relative to the example (a checkout after `make build`). A copy
// made by New names the provider binary it is given instead.
const LocalProviderParameter = "../../.build/terraform-provider-switchyard"

// Tools is where the three binaries are.
type Tools struct{ BinDir string }

// FindTools returns the tools of $SWITCHYARD_PULUMI_BIN, checked.
func FindTools() (Tools, error) {
	dir := os.Getenv(EnvBinDir)
	if dir == "" {
		return Tools{}, fmt.Errorf("%s is not set: run the Pulumi tests through `make test` (or `make pulumi-tools` and set it to the directory it prints)", EnvBinDir)
	}
	for _, b := range []string{"pulumi", "pulumi-language-yaml", "pulumi-resource-terraform-provider"} {
		if fi, err := os.Stat(filepath.Join(dir, b)); err != nil || fi.Mode()&0o111 == 0 {
			return Tools{}, fmt.Errorf("%s=%s has no executable %s: run `make pulumi-tools`", EnvBinDir, dir, b)
		}
	}
	return Tools{BinDir: dir}, nil
}

// Project is a private copy of a Pulumi program with one stack.
type Project struct {
	Dir    string // the program's copy, the working directory of every command
	Stack  string
	pulumi string
	env    []string
}

// New copies the program in src to work/program, names provider (an
// absolute path to terraform-provider-switchyard) in its packages block,
// installs the bridge into work/home, and creates the stack on a file
// backend in work/state, encrypted with passphrase.
func New(ctx context.Context, t Tools, src, work, provider, stack, passphrase string) (*Project, error) {
	if !filepath.IsAbs(provider) {
		return nil, fmt.Errorf("provider path %q is not absolute", provider)
	}
	dir := filepath.Join(work, "program")
	if err := copyProgram(src, dir); err != nil {
		return nil, err
	}
	manifest := filepath.Join(dir, "Pulumi.yaml")
	b, err := os.ReadFile(manifest)
	if err != nil {
		return nil, err
	}
	if !bytes.Contains(b, []byte(LocalProviderParameter)) {
		return nil, fmt.Errorf("%s names no %s in its packages block", manifest, LocalProviderParameter)
	}
	b = bytes.ReplaceAll(b, []byte(LocalProviderParameter), []byte(provider))
	if err := os.WriteFile(manifest, b, 0o644); err != nil {
		return nil, err
	}
	for _, d := range []string{"home", "state"} {
		if err := os.MkdirAll(filepath.Join(work, d), 0o700); err != nil {
			return nil, err
		}
	}
	p := &Project{
		Dir: dir, Stack: stack,
		pulumi: filepath.Join(t.BinDir, "pulumi"),
		env: append(os.Environ(),
			"PATH="+t.BinDir+string(os.PathListSeparator)+os.Getenv("PATH"),
			"PULUMI_HOME="+filepath.Join(work, "home"),
			"PULUMI_BACKEND_URL=file://"+filepath.Join(work, "state"),
			"PULUMI_CONFIG_PASSPHRASE="+passphrase,
			"PULUMI_SKIP_UPDATE_CHECK=true",
			// Only the plugins installed here, never one found on PATH or
			// fetched from the internet.
			"PULUMI_IGNORE_AMBIENT_PLUGINS=true",
			"PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true",
		),
	}
	if _, err := p.Must(ctx, nil, "plugin", "install", "resource", "terraform-provider", BridgeVersion,
		"--file", filepath.Join(t.BinDir, "pulumi-resource-terraform-provider")); err != nil {
		return nil, err
	}
	if err := p.addPackage(ctx, provider); err != nil {
		return nil, err
	}
	if _, err := p.Must(ctx, nil, "stack", "init", stack); err != nil {
		return nil, err
	}
	return p, nil
}

// addPackage runs `pulumi package add terraform-provider <provider>`, as
// a user does. For a YAML program the part that matters is the package
// declaration it writes, sdks/switchyard/switchyard-<version>.yaml (the
// bridge, parameterized with the provider's path): without it the YAML
// host ignores the packages block and looks for a plugin called
// pulumi-resource-switchyard. It then fails to link the SDK into the
// program ("method Link not implemented": YAML has nothing to link), an
// error this accepts only once the declaration is written.
func (p *Project) addPackage(ctx context.Context, provider string) error {
	r, err := p.Run(ctx, nil, "package", "add", "terraform-provider", provider)
	if err != nil {
		return err
	}
	decls, _ := filepath.Glob(filepath.Join(p.Dir, "sdks", "switchyard", "switchyard-*.yaml"))
	switch {
	case len(decls) == 0:
		return fmt.Errorf("pulumi package add wrote no sdks/switchyard/switchyard-*.yaml:\n%s", r)
	case r.ExitCode != 0 && !strings.Contains(r.Stdout+r.Stderr, "method Link not implemented"):
		return errors.New(r.String())
	}
	return nil
}

// copyProgram copies the program's regular files, leaving out stack files
// (Pulumi.<stack>.yaml), which are a user's own configuration.
func copyProgram(src, dst string) error {
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		name := d.Name()
		if !d.Type().IsRegular() || (strings.HasPrefix(name, "Pulumi.") && name != "Pulumi.yaml") {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), b, 0o644)
	})
}

// Result is one pulumi command's outcome. A non-zero exit is not an error
// of Run: preview --expect-no-changes exits 1 when there are changes.
type Result = cliexec.Result

// Run runs pulumi with args (and --non-interactive) in the program, stdin
// from stdin when it is not nil. The error is set only when pulumi could
// not be run or ctx ended.
func (p *Project) Run(ctx context.Context, stdin []byte, args ...string) (Result, error) {
	cli := cliexec.Command{Tool: "pulumi", Path: p.pulumi, Dir: p.Dir, Env: p.env}
	return cli.Run(ctx, stdin, append(args, "--non-interactive")...)
}

// Must runs a command that has to exit 0.
func (p *Project) Must(ctx context.Context, stdin []byte, args ...string) (Result, error) {
	return cliexec.Check(p.Run(ctx, stdin, args...))
}

// SetConfig sets one key of the stack's configuration. The value goes in
// on stdin, never on the command line (other users of the machine can read
// command lines); a secret is stored encrypted with the passphrase.
func (p *Project) SetConfig(ctx context.Context, key, value string, secret bool) error {
	args := []string{"config", "set", "--stack", p.Stack, key}
	if secret {
		args = append(args, "--secret")
	}
	_, err := p.Must(ctx, []byte(value), args...)
	return err
}

// Up runs `pulumi up` without the interactive preview.
func (p *Project) Up(ctx context.Context, args ...string) (Result, error) {
	return p.Must(ctx, nil, append([]string{"up", "--yes", "--skip-preview", "--stack", p.Stack}, args...)...)
}

// Destroy runs `pulumi destroy`.
func (p *Project) Destroy(ctx context.Context) (Result, error) {
	return p.Must(ctx, nil, "destroy", "--yes", "--skip-preview", "--stack", p.Stack)
}

// Step is one resource's planned operation in `pulumi preview --json`.
type Step struct {
	Op  string `json:"op"` // same, create, update, replace, delete, …
	URN string `json:"urn"`
}

// Preview is what `pulumi preview --json` planned.
type Preview struct {
	Result
	Steps []Step
	// Diagnostics are the messages resources reported (errors included).
	Diagnostics []string
}

// Changed are the steps that change something (not same, read, or the
// refresh steps of --refresh), as "op name" (the URN's
// last part, the resource's name in the program).
func (pv Preview) Changed() []string {
	var out []string
	for _, s := range pv.Steps {
		if s.Op != "same" && s.Op != "read" && s.Op != "refresh" {
			out = append(out, s.Op+" "+s.URN[strings.LastIndex(s.URN, "::")+2:])
		}
	}
	return out
}

// Preview runs `pulumi preview --json` with args (for example --refresh).
// A non-zero exit is returned in the Result, with whatever steps and
// diagnostics Pulumi printed.
func (p *Project) Preview(ctx context.Context, args ...string) (Preview, error) {
	r, err := p.Run(ctx, nil, append([]string{"preview", "--json", "--stack", p.Stack}, args...)...)
	if err != nil {
		return Preview{Result: r}, err
	}
	var out struct {
		Steps       []Step `json:"steps"`
		Diagnostics []struct {
			URN     string `json:"urn"`
			Message string `json:"message"`
		} `json:"diagnostics"`
	}
	if jerr := json.Unmarshal([]byte(r.Stdout), &out); jerr != nil {
		return Preview{Result: r}, fmt.Errorf("pulumi preview --json printed no JSON (%v):\n%s", jerr, r)
	}
	pv := Preview{Result: r, Steps: out.Steps}
	for _, d := range out.Diagnostics {
		pv.Diagnostics = append(pv.Diagnostics, d.Message)
	}
	return pv, nil
}

// Outputs are the stack's outputs (secrets shown: it is our own test stack).
func (p *Project) Outputs(ctx context.Context) (map[string]any, error) {
	r, err := p.Must(ctx, nil, "stack", "output", "--json", "--show-secrets", "--stack", p.Stack)
	if err != nil {
		return nil, err
	}
	var out map[string]any
	if err := json.Unmarshal([]byte(r.Stdout), &out); err != nil {
		return nil, fmt.Errorf("pulumi stack output --json: %w\n%s", err, r.Stdout)
	}
	return out, nil
}
