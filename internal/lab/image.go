package lab

import (
	"bufio"
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"syscall"
	"time"
)

const (
	// CacheDir holds base images (base-<key>) between labs.
	CacheDir = "/var/cache/switchyard-lab"

	baseSuite = "bookworm"

	// baseScriptVersion changes the cache key when the way the base is
	// built changes in a way the package list and assets do not show.
	baseScriptVersion = "1"

	// debootstrap takes ≈ 2 min here; 20 is generous for a slow mirror.
	baseBuildTimeout = 20 * time.Minute
)

// basePackages are what every machine needs: systemd as PID 1, sshd for the
// provider, HAProxy, python3 for the lab app, and tools tests run over SSH.
var basePackages = []string{
	"systemd", "systemd-sysv", "dbus", "openssh-server", "haproxy",
	"iproute2", "python3", "curl", "socat", "procps",
}

//go:embed assets
var assets embed.FS

// baseFiles are copied from assets into the base image (image path → asset, mode).
var baseFiles = []struct {
	path, asset string
	mode        os.FileMode
}{
	{"/etc/haproxy/haproxy.cfg", "assets/haproxy.cfg", 0o644},
	{"/usr/local/lib/switchyard-lab/app.py", "assets/app.py", 0o755},
	{"/etc/systemd/system/lab-app@.service", "assets/lab-app@.service", 0o644},
	{"/etc/ssh/sshd_config.d/switchyard-lab.conf", "assets/sshd-lab.conf", 0o644},
}

// masterSocket is where HAProxy's master CLI listens in every machine.
// Debian's haproxy.service passes it already; buildBase adds it otherwise.
const masterSocket = "/run/haproxy-master.sock"

// baseImageKey identifies a base image by everything that goes into it.
func baseImageKey() string {
	return imageKey(baseScriptVersion, baseSuite, basePackages, assets)
}

// imageKey hashes the build script's version, the suite, the package list
// and every file under assets/ in files (name, size, content).
func imageKey(script, suite string, packages []string, files fs.FS) string {
	h := sha256.New()
	_, _ = fmt.Fprintf(h, "script %s\nsuite %s\npackages %s\n", script, suite, strings.Join(packages, ","))
	_ = fs.WalkDir(files, "assets", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, _ := fs.ReadFile(files, p)
		_, _ = fmt.Fprintf(h, "%s %d\n", p, len(b))
		h.Write(b)
		return nil
	})
	return hex.EncodeToString(h.Sum(nil))[:12]
}

func baseImagePath() string { return filepath.Join(CacheDir, "base-"+baseImageKey()) }

// ensureBaseImage returns the cached base image, building it first if
// needed. It is built in a temporary directory and renamed into place only
// when complete, so a crash never leaves a half image behind its name.
func ensureBaseImage(ctx context.Context, log io.Writer) (string, error) {
	final := baseImagePath()
	if _, err := os.Stat(final); err == nil {
		return final, nil
	}
	if err := os.MkdirAll(CacheDir, 0o755); err != nil {
		return "", fmt.Errorf("base image: %w", err)
	}
	unlock, err := lockFile(ctx, filepath.Join(CacheDir, ".lock"))
	if err != nil {
		return "", fmt.Errorf("base image: lock %s: %w", CacheDir, err)
	}
	defer unlock()
	if _, err := os.Stat(final); err == nil {
		return final, nil // another lab built it while we waited
	}
	// We hold the lock, so any temp dir is from a build that crashed.
	stale, _ := filepath.Glob(filepath.Join(CacheDir, ".tmp-base-*"))
	for _, d := range stale {
		if err := removeAllNoMounts(d); err != nil {
			return "", fmt.Errorf("base image: remove a crashed build: %w", err)
		}
	}
	mirror, err := findMirror("/", baseSuite)
	if err != nil {
		return "", fmt.Errorf("base image: %w", err)
	}
	tmp, err := os.MkdirTemp(CacheDir, ".tmp-base-"+baseImageKey()+"-")
	if err != nil {
		return "", fmt.Errorf("base image: %w", err)
	}
	// MkdirTemp makes 0700; as the machines' / that would lock out every
	// non-root service.
	if err := os.Chmod(tmp, 0o755); err != nil {
		return "", fmt.Errorf("base image: %w", err)
	}
	logPath := final + ".build.log"
	_, _ = fmt.Fprintf(log, "lab: building base image %s from %s (debootstrap, ≈ 2–3 min, only once; log %s)\n", final, mirror, logPath)
	start := time.Now()
	if err := buildBase(ctx, tmp, mirror, logPath); err != nil {
		if rmErr := removeAllNoMounts(tmp); rmErr != nil {
			err = errors.Join(err, rmErr)
		}
		return "", fmt.Errorf("base image: %w", err)
	}
	if err := os.Rename(tmp, final); err != nil {
		return "", fmt.Errorf("base image: %w", err)
	}
	_, _ = fmt.Fprintf(log, "lab: base image built in %.0fs\n", time.Since(start).Seconds())
	return final, nil
}

// buildBase debootstraps root and prepares it as every machine's lower layer.
func buildBase(ctx context.Context, root, mirror, logPath string) error {
	ctx, cancel := context.WithTimeout(ctx, baseBuildTimeout)
	defer cancel()
	logf, err := os.Create(logPath)
	if err != nil {
		return err
	}
	defer func() { _ = logf.Close() }()
	run := func(step string, name string, args ...string) error {
		_, _ = fmt.Fprintf(logf, "\n### %s: %s %s\n", step, name, strings.Join(args, " "))
		cmd := exec.CommandContext(ctx, name, args...)
		cmd.Stdout, cmd.Stderr = logf, logf
		cmd.WaitDelay = 10 * time.Second
		// Should the lab be killed, do not leave debootstrap writing into a
		// temp dir that the next build deletes.
		cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("%s: %w (see %s):\n%s", step, err, logPath, fileTail(logPath, 15))
		}
		return nil
	}

	if err := run("debootstrap", "debootstrap", "--variant=minbase",
		"--include="+strings.Join(basePackages, ","), baseSuite, root, mirror); err != nil {
		return err
	}
	// Debootstrap unmounts what it mounted into the chroot, but check: a
	// leftover /proc or /sys in there must never reach a RemoveAll.
	if m := mountsUnder(root); len(m) > 0 {
		return fmt.Errorf("debootstrap left mounts behind: %s", strings.Join(m, ", "))
	}

	// Per-machine identity is written at machine start: without these the
	// machine name becomes the hostname and no two machines share a key.
	for _, p := range []string{"etc/hostname", "etc/machine-id"} {
		if err := os.Remove(filepath.Join(root, p)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	keys, _ := filepath.Glob(filepath.Join(root, "etc/ssh/ssh_host_*"))
	for _, k := range keys {
		if err := os.Remove(k); err != nil {
			return err
		}
	}

	for _, f := range baseFiles {
		b, err := assets.ReadFile(f.asset)
		if err != nil {
			return err
		}
		dst := filepath.Join(root, f.path)
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(dst, b, f.mode); err != nil {
			return err
		}
		if err := os.Chmod(dst, f.mode); err != nil { // WriteFile keeps an old file's mode
			return err
		}
	}
	if err := ensureMasterSocket(root); err != nil {
		return err
	}

	units := []string{"haproxy.service", "ssh.service"}
	for _, p := range appPorts {
		units = append(units, fmt.Sprintf("lab-app@%d.service", p))
	}
	if err := run("enable units", "chroot", append([]string{root, "systemctl", "enable"}, units...)...); err != nil {
		return err
	}
	if err := run("apt-get clean", "chroot", root, "apt-get", "clean"); err != nil {
		return err
	}
	_, _ = fmt.Fprintln(logf, "\n### done")
	return nil
}

// ensureMasterSocket makes haproxy.service start HAProxy with its master CLI
// on masterSocket. Debian's unit does (EXTRAOPTS=-S …); a drop-in covers
// images whose unit does not.
func ensureMasterSocket(root string) error {
	for _, dir := range []string{"lib/systemd/system", "usr/lib/systemd/system"} {
		b, err := os.ReadFile(filepath.Join(root, dir, "haproxy.service"))
		if err == nil && strings.Contains(string(b), "-S "+masterSocket) {
			return nil
		}
	}
	dropIn := filepath.Join(root, "etc/systemd/system/haproxy.service.d/switchyard-lab-master-socket.conf")
	if err := os.MkdirAll(filepath.Dir(dropIn), 0o755); err != nil {
		return err
	}
	return os.WriteFile(dropIn, []byte("[Service]\nEnvironment=\"EXTRAOPTS=-S "+masterSocket+"\"\n"), 0o644)
}

// aptSource is one enabled `deb` source of the box's apt configuration.
type aptSource struct {
	URIs, Suites, Components []string
}

// findMirror returns the Debian mirror the box itself uses for suite, read
// from root's apt sources at run time: the lab never names a mirror itself.
func findMirror(root, suite string) (string, error) {
	var sources []aptSource
	files := []string{filepath.Join(root, "etc/apt/sources.list")}
	more, _ := filepath.Glob(filepath.Join(root, "etc/apt/sources.list.d/*"))
	sort.Strings(more)
	files = append(files, more...)
	for _, f := range files {
		var parse func(string) []aptSource
		switch {
		case strings.HasSuffix(f, ".sources"):
			parse = parseDeb822Sources
		case strings.HasSuffix(f, ".list"):
			parse = parseOneLineSources
		default:
			continue // e.g. *.disabled, *.save
		}
		b, err := os.ReadFile(f)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return "", fmt.Errorf("read apt sources: %w", err)
		}
		sources = append(sources, parse(string(b))...)
	}
	return pickMirror(sources, suite)
}

// pickMirror returns the first URI that serves suite's main component over
// a transport debootstrap can use.
func pickMirror(sources []aptSource, suite string) (string, error) {
	for _, s := range sources {
		if !slices.Contains(s.Suites, suite) || !slices.Contains(s.Components, "main") {
			continue
		}
		for _, u := range s.URIs {
			if pu, err := url.Parse(u); err == nil && (pu.Scheme == "http" || pu.Scheme == "https" || pu.Scheme == "file") {
				return u, nil
			}
		}
	}
	return "", fmt.Errorf("no apt source on this box serves %q main (looked in /etc/apt/sources.list and sources.list.d/*.list, *.sources)", suite)
}

// parseDeb822Sources reads the deb822 format (*.sources): stanzas separated
// by blank lines, "Field: value" lines, continuation lines indented.
func parseDeb822Sources(text string) []aptSource {
	var out []aptSource
	fields := map[string]string{}
	last := ""
	flush := func() {
		if len(fields) > 0 && slices.Contains(strings.Fields(fields["types"]), "deb") &&
			!strings.EqualFold(strings.TrimSpace(fields["enabled"]), "no") {
			out = append(out, aptSource{
				URIs:       strings.Fields(fields["uris"]),
				Suites:     strings.Fields(fields["suites"]),
				Components: strings.Fields(fields["components"]),
			})
		}
		fields, last = map[string]string{}, ""
	}
	sc := bufio.NewScanner(strings.NewReader(text))
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "#"):
		case strings.TrimSpace(line) == "":
			flush()
		case line[0] == ' ' || line[0] == '\t':
			if last != "" {
				fields[last] += " " + strings.TrimSpace(line)
			}
		default:
			k, v, ok := strings.Cut(line, ":")
			if !ok {
				continue
			}
			last = strings.ToLower(strings.TrimSpace(k))
			fields[last] = strings.TrimSpace(v)
		}
	}
	flush()
	return out
}

// parseOneLineSources reads the one-line format (sources.list, *.list):
// `deb [options] URI suite [component…]`.
func parseOneLineSources(text string) []aptSource {
	var out []aptSource
	for _, line := range strings.Split(text, "\n") {
		if i := strings.Index(line, "#"); i >= 0 {
			line = line[:i]
		}
		f := strings.Fields(line)
		if len(f) == 0 || f[0] != "deb" {
			continue
		}
		f = f[1:]
		if len(f) > 0 && strings.HasPrefix(f[0], "[") {
			// Options may contain spaces: skip to the token closing them.
			for len(f) > 0 {
				closed := strings.HasSuffix(f[0], "]")
				f = f[1:]
				if closed {
					break
				}
			}
		}
		if len(f) < 2 {
			continue
		}
		out = append(out, aptSource{URIs: f[:1], Suites: f[1:2], Components: f[2:]})
	}
	return out
}

var ansiEscape = regexp.MustCompile(`\x1b\[[0-9;]*[A-Za-z]`)

// fileTail returns the last n lines of a file, for error messages.
func fileTail(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Sprintf("(cannot read %s: %v)", path, err)
	}
	text := ansiEscape.ReplaceAllString(string(b), "") // systemd colours its console
	lines := strings.Split(strings.TrimRight(text, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return "  " + strings.Join(lines, "\n  ")
}
