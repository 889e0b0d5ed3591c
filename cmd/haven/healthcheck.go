package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"
)

// unhealthy is the error of a failed `haven healthcheck`; main exits 1 on
// it, the code container runtimes read as "unhealthy" (2 is reserved).
type unhealthy struct{ reason string }

func (u *unhealthy) Error() string { return "healthcheck: " + u.reason }
func (u *unhealthy) ExitCode() int { return 1 }

// healthcheckURL is the readiness URL of the server listening on addr
// (HAVEN_ADDR): a wildcard or empty host is reached on the loopback
// address, so the check works inside a container with no shell or curl.
func healthcheckURL(addr string) (string, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil || port == "" {
		return "", fmt.Errorf("HAVEN_ADDR %q is not host:port", addr)
	}
	if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1"
		if ip != nil && ip.To4() == nil {
			host = "::1"
		}
	}
	return "http://" + net.JoinHostPort(host, port) + "/readyz", nil
}

// healthcheck asks the running server whether it is ready (GET /readyz:
// the process answers and its database is reachable), within timeout.
func healthcheck(ctx context.Context, url string, timeout time.Duration, stdout io.Writer) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return &unhealthy{err.Error()}
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		return &unhealthy{err.Error()}
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4<<10))
	if resp.StatusCode != http.StatusOK {
		return &unhealthy{fmt.Sprintf("%s answered %s", url, resp.Status)}
	}
	fmt.Fprintln(stdout, "ready")
	return nil
}
