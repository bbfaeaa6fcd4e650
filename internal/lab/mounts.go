package lab

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// mountInfo is one line of /proc/self/mountinfo, reduced to what we use.
type mountInfo struct {
	Target, FSType, SuperOptions string
}

func readMountInfo() ([]mountInfo, error) {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return nil, err
	}
	defer func() { _ = f.Close() }()
	var out []mountInfo
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		// id parent major:minor root target options [optional…] - fstype source superoptions
		pre, post, ok := strings.Cut(sc.Text(), " - ")
		if !ok {
			continue
		}
		a, b := strings.Fields(pre), strings.Fields(post)
		if len(a) < 5 || len(b) < 3 {
			continue
		}
		out = append(out, mountInfo{Target: unescapeMount(a[4]), FSType: b[0], SuperOptions: b[2]})
	}
	return out, sc.Err()
}

// unescapeMount undoes the kernel's octal escapes (\040 for space …).
func unescapeMount(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) {
			if v, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(v))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// mountsUnder lists mount points at or below dir, deepest first.
func mountsUnder(dir string) []string {
	mi, err := readMountInfo()
	if err != nil {
		return nil
	}
	dir = filepath.Clean(dir)
	var out []string
	for _, m := range mi {
		if m.Target == dir || strings.HasPrefix(m.Target, dir+"/") {
			out = append(out, m.Target)
		}
	}
	sort.Slice(out, func(i, j int) bool { return len(out[i]) > len(out[j]) })
	return out
}

func isMountPoint(dir string) bool {
	mi, _ := readMountInfo()
	for _, m := range mi {
		if m.Target == filepath.Clean(dir) {
			return true
		}
	}
	return false
}

// unmountAll unmounts everything at or below dir, deepest first, retrying
// briefly while busy (processes in it may still be exiting) and then
// detaching lazily, so a straggler cannot block a teardown forever.
func unmountAll(dir string) error {
	lazyAfter := time.Now().Add(5 * time.Second)
	giveUp := lazyAfter.Add(2 * time.Second)
	var lastErr error
	for {
		ms := mountsUnder(dir)
		if len(ms) == 0 {
			return nil
		}
		if time.Now().After(giveUp) {
			return fmt.Errorf("still mounted: %s (last error: %v)", strings.Join(ms, ", "), lastErr)
		}
		flags := 0
		if time.Now().After(lazyAfter) {
			flags = syscall.MNT_DETACH
		}
		for _, m := range ms {
			if err := syscall.Unmount(m, flags); err != nil {
				lastErr = fmt.Errorf("umount %s: %w", m, err)
			}
		}
		if len(mountsUnder(dir)) > 0 {
			time.Sleep(200 * time.Millisecond)
		}
	}
}

// removeAllNoMounts removes dir after making sure nothing is mounted below
// it: RemoveAll would otherwise descend into a mounted /proc or base image.
func removeAllNoMounts(dir string) error {
	if err := unmountAll(dir); err != nil {
		return err
	}
	if ms := mountsUnder(dir); len(ms) > 0 {
		return fmt.Errorf("refusing to remove %s: still mounted: %s", dir, strings.Join(ms, ", "))
	}
	if err := os.RemoveAll(dir); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("remove %s: %w", dir, err)
	}
	return nil
}

// mountOverlay mounts lower (read-only, shared by all machines) under the
// machine's own upper/work directories at target.
func mountOverlay(lower, upper, work, target string) error {
	for _, p := range []string{lower, upper, work} {
		if strings.ContainsAny(p, ",:") { // would split the option string
			return fmt.Errorf("overlay path %q contains ',' or ':'", p)
		}
	}
	opts := "lowerdir=" + lower + ",upperdir=" + upper + ",workdir=" + work
	if err := syscall.Mount("overlay", target, "overlay", 0, opts); err != nil {
		return fmt.Errorf("mount overlay on %s (%s): %w", target, opts, err)
	}
	return nil
}
