package netns

import (
	"fmt"
	"net"
	"os"
	"runtime"
	"strconv"
	"time"

	"golang.org/x/sys/unix"
)

// DialIn connects to 127.0.0.1:port inside the network namespace at nsPath
// (a /run/netns/NAME or /proc/PID/ns/net file) and closes the connection.
// A namespace belongs to an OS thread, so the goroutine is locked to its
// thread, switched over, dials, and switches back; if switching back fails
// the thread is left locked and Go discards it when the goroutine ends.
func DialIn(nsPath string, port int, timeout time.Duration) error {
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		orig, err := os.Open("/proc/thread-self/ns/net")
		if err != nil {
			runtime.UnlockOSThread()
			errc <- err
			return
		}
		defer func() { _ = orig.Close() }()
		target, err := os.Open(nsPath)
		if err != nil {
			runtime.UnlockOSThread()
			errc <- err
			return
		}
		defer func() { _ = target.Close() }()
		if err := unix.Setns(int(target.Fd()), unix.CLONE_NEWNET); err != nil {
			runtime.UnlockOSThread()
			errc <- fmt.Errorf("entering %s: %w", nsPath, err)
			return
		}
		// Dial is a blocking connect on this thread: the socket is created
		// in the namespace the thread is in.
		conn, dialErr := net.DialTimeout("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), timeout)
		if conn != nil {
			_ = conn.Close() // only the connect was the question
		}
		if err := unix.Setns(int(orig.Fd()), unix.CLONE_NEWNET); err != nil {
			errc <- fmt.Errorf("returning from %s: %w", nsPath, err) // thread stays locked: discarded
			return
		}
		runtime.UnlockOSThread()
		errc <- dialErr
	}()
	return <-errc
}
