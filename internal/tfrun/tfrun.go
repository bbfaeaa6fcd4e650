// Package tfrun runs the real terraform CLI on a copy of a configuration,
// with the provider built from this repository, the way a user runs it:
// `terraform get`, `apply`, `plan -detailed-exitcode`, `destroy`. The
// topology tests, the drift test and the benchmark use it, so what they
// measure and prove is what a person at a terminal gets.
//
// Terraform finds the provider through a dev_overrides CLI configuration
// (no registry, no `terraform init`; see FACTS.md). Local modules are
// installed with `terraform get`, which needs no registry either.
package tfrun

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	tfjson "github.com/hashicorp/terraform-json"

	"github.com/switchyard/terraform-provider-switchyard/internal/cliexec"
)

// ProviderSource is the provider's address in every example's
// required_providers.
const ProviderSource = "switchyard/switchyard"

// Env names that tests and the benchmark read.
const (
	// EnvProviderDir names a directory that already holds a built
	// terraform-provider-switchyard (make sets it to .build); otherwise
	// BuildProvider builds one.
	EnvProviderDir = "SWITCHYARD_PROVIDER_DIR"
	// EnvTerraform is terraform-plugin-testing's variable for the terraform
	// binary; tfrun uses the same one so both kinds of tests run the same CLI.
	EnvTerraform = "TF_ACC_TERRAFORM_PATH"
)

var (
	buildOnce sync.Once
	buildDir  string
	buildErr  error
)

// ProviderDir returns a directory holding terraform-provider-switchyard:
// $SWITCHYARD_PROVIDER_DIR when set, else a build of this module (once per
// process) into a temporary directory. The build uses the default version
// ("dev"), like `go test` and `make agent`, so the embedded agents match.
func ProviderDir(ctx context.Context) (string, error) {
	if d := os.Getenv(EnvProviderDir); d != "" {
		if _, err := os.Stat(filepath.Join(d, "terraform-provider-switchyard")); err != nil {
			return "", fmt.Errorf("%s=%s: %w", EnvProviderDir, d, err)
		}
		return d, nil
	}
	buildOnce.Do(func() {
		buildDir, buildErr = build(ctx)
	})
	return buildDir, buildErr
}

func build(ctx context.Context) (string, error) {
	root, err := ModuleRoot()
	if err != nil {
		return "", err
	}
	// Without the agents the build succeeds and every test fails later at
	// the upload; say so before building. (Not via internal/agentbin: that
	// would embed both agents into every test binary that imports tfrun.)
	for _, arch := range []string{"amd64", "arm64"} {
		p := filepath.Join(root, "internal", "agentbin", "dist", "switchyard-agent_linux_"+arch)
		if fi, err := os.Stat(p); err != nil || fi.Size() == 0 {
			return "", fmt.Errorf("building the provider: %s is missing: run `make agent` (or `make build`) first", p)
		}
	}
	dir, err := os.MkdirTemp("", "switchyard-provider-")
	if err != nil {
		return "", err
	}
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-o", filepath.Join(dir, "terraform-provider-switchyard"), ".")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("building the provider: %v\n%s", err, out)
	}
	return dir, nil
}

// ModuleRoot is the repository's root: the directory of go.mod.
func ModuleRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	mod := strings.TrimSpace(string(out))
	if mod == "" || mod == os.DevNull {
		return "", errors.New("not inside the switchyard module")
	}
	return filepath.Dir(mod), nil
}

// TerraformPath is $TF_ACC_TERRAFORM_PATH, else terraform from PATH.
func TerraformPath() (string, error) {
	if p := os.Getenv(EnvTerraform); p != "" {
		return p, nil
	}
	return exec.LookPath("terraform")
}

// Workspace is a private copy of a configuration tree with one root module
// to run terraform in.
type Workspace struct {
	Root      string // the copy of the tree
	Dir       string // the root module inside it
	terraform string
	env       []string
}

// Options for NewWorkspace. Zero values are filled in: Terraform from
// TerraformPath, ProviderDir from ProviderDir, WorkDir a new temporary
// directory.
type Options struct {
	Terraform   string
	ProviderDir string
	WorkDir     string
	// Env is added to every terraform command (for example TF_LOG).
	Env []string
}

// NewWorkspace copies tree (for example the repository's examples/
// directory, so that relative module sources keep working) into a work
// directory and returns a Workspace whose root module is rootModule, a path
// inside tree (for example "topologies/layered"). Files from earlier runs
// (.terraform, state, tfvars) are not copied.
func NewWorkspace(ctx context.Context, tree, rootModule string, o Options) (*Workspace, error) {
	var err error
	if o.Terraform == "" {
		if o.Terraform, err = TerraformPath(); err != nil {
			return nil, err
		}
	}
	if o.ProviderDir == "" {
		if o.ProviderDir, err = ProviderDir(ctx); err != nil {
			return nil, err
		}
	}
	if o.WorkDir == "" {
		if o.WorkDir, err = os.MkdirTemp("", "switchyard-tf-"); err != nil {
			return nil, err
		}
	}
	root := filepath.Join(o.WorkDir, "tree")
	if err := copyTree(tree, root); err != nil {
		return nil, err
	}
	dir := filepath.Join(root, rootModule)
	if _, err := os.Stat(dir); err != nil {
		return nil, fmt.Errorf("root module %s: %w", rootModule, err)
	}
	rc := filepath.Join(o.WorkDir, "terraformrc")
	cfg := fmt.Sprintf("provider_installation {\n  dev_overrides {\n    %q = %q\n  }\n  direct {}\n}\n", ProviderSource, o.ProviderDir)
	if err := os.WriteFile(rc, []byte(cfg), 0o644); err != nil {
		return nil, err
	}
	env := append(os.Environ(),
		"TF_CLI_CONFIG_FILE="+rc,
		"TF_IN_AUTOMATION=1",
		"CHECKPOINT_DISABLE=1", // no version check over the network
	)
	return &Workspace{Root: root, Dir: dir, terraform: o.Terraform, env: append(env, o.Env...)}, nil
}

// WithEnv returns a Workspace on the same directory (same state) whose
// commands also get env, for a setting that differs per command (the
// benchmark's SWITCHYARD_PPROF directory per command).
func (w *Workspace) WithEnv(env ...string) *Workspace {
	c := *w
	c.env = append(slices.Clone(w.env), env...)
	return &c
}

// copyTree copies regular files, skipping what a terraform run leaves.
func copyTree(src, dst string) error {
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		name := d.Name()
		if d.IsDir() {
			if name == ".terraform" {
				return filepath.SkipDir
			}
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		if name == ".terraform.lock.hcl" || strings.HasPrefix(name, "terraform.tfstate") ||
			strings.HasSuffix(name, ".tfvars") || strings.HasSuffix(name, ".tfvars.json") || !d.Type().IsRegular() {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), b, info.Mode().Perm())
	})
}

// WriteVars writes terraform.tfvars.json in the root module.
func (w *Workspace) WriteVars(vars map[string]any) error {
	b, err := json.MarshalIndent(vars, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(w.Dir, "terraform.tfvars.json"), b, 0o600)
}

// Result is one terraform command's outcome. A non-zero exit is not an
// error of Run: callers decide what each code means (plan's 2 is "changes").
type Result = cliexec.Result

// cli is terraform in the root module, with the workspace's environment.
func (w *Workspace) cli() cliexec.Command {
	return cliexec.Command{Tool: "terraform", Path: w.terraform, Dir: w.Dir, Env: w.env}
}

// Run runs terraform with args in the root module. The error is set only
// when terraform could not be run or ctx ended.
func (w *Workspace) Run(ctx context.Context, args ...string) (Result, error) {
	return w.cli().Run(ctx, nil, args...)
}

// must runs a command that has to exit 0.
func (w *Workspace) must(ctx context.Context, args ...string) (Result, error) {
	return cliexec.Check(w.Run(ctx, args...))
}

// Get installs the root module's local modules (`terraform get`), the part
// of `init` a dev override still needs.
func (w *Workspace) Get(ctx context.Context) (Result, error) {
	return w.must(ctx, "get", "-no-color")
}

// Apply runs `terraform apply -auto-approve` with extra args.
func (w *Workspace) Apply(ctx context.Context, args ...string) (Result, error) {
	return w.must(ctx, append([]string{"apply", "-auto-approve", "-no-color", "-input=false"}, args...)...)
}

// Destroy runs `terraform destroy -auto-approve` with extra args.
func (w *Workspace) Destroy(ctx context.Context, args ...string) (Result, error) {
	return w.must(ctx, append([]string{"destroy", "-auto-approve", "-no-color", "-input=false"}, args...)...)
}

// Plan is what `terraform plan -detailed-exitcode` found.
type Plan struct {
	Result
	// Changed holds the addresses of the resources the plan would change,
	// sorted (create, update, replace or delete; no-ops and reads left out).
	Changed []string
	// Drifted holds the addresses Terraform found changed outside of
	// Terraform during its refresh, sorted.
	Drifted []string
}

// Plan runs `terraform plan -detailed-exitcode -out` with extra args, then
// reads the saved plan with `terraform show -json`. Exit code 0 means no
// changes, 2 changes; 1 (an error) is returned as an error.
func (w *Workspace) Plan(ctx context.Context, args ...string) (Plan, error) {
	out := filepath.Join(w.Dir, "switchyard.tfplan")
	r, err := w.Run(ctx, append([]string{"plan", "-detailed-exitcode", "-no-color", "-input=false", "-out=" + out}, args...)...)
	p := Plan{Result: r}
	if err != nil {
		return p, err
	}
	if r.ExitCode != 0 && r.ExitCode != 2 {
		return p, errors.New(r.String())
	}
	show, err := w.must(ctx, "show", "-json", out)
	if err != nil {
		return p, err
	}
	var plan tfjson.Plan
	if err := json.Unmarshal([]byte(show.Stdout), &plan); err != nil {
		return p, fmt.Errorf("terraform show -json: %w", err)
	}
	p.Changed = changedAddresses(plan.ResourceChanges)
	p.Drifted = changedAddresses(plan.ResourceDrift)
	return p, nil
}

func changedAddresses(changes []*tfjson.ResourceChange) []string {
	var out []string
	for _, c := range changes {
		if c.Change == nil || c.Change.Actions.NoOp() || c.Change.Actions.Read() {
			continue
		}
		out = append(out, c.Address)
	}
	slices.Sort(out)
	return out
}

// Output returns the root module's outputs (`terraform output -json`),
// each as its JSON value.
func (w *Workspace) Output(ctx context.Context) (map[string]json.RawMessage, error) {
	r, err := w.must(ctx, "output", "-json", "-no-color")
	if err != nil {
		return nil, err
	}
	var raw map[string]struct {
		Value json.RawMessage `json:"value"`
	}
	if err := json.Unmarshal([]byte(r.Stdout), &raw); err != nil {
		return nil, fmt.Errorf("terraform output -json: %w", err)
	}
	out := make(map[string]json.RawMessage, len(raw))
	for k, v := range raw {
		out[k] = v.Value
	}
	return out, nil
}
