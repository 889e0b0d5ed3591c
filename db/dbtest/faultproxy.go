package dbtest

import (
	"bytes"
	"net"
	"net/url"
	"sync"
	"testing"
	"time"
)

// FaultProxy is a TCP proxy between a database client and the database
// server, for tests that need the database to fail without stopping the
// shared server: it can cut every connection and refuse new ones, stall
// (stop forwarding bytes, as a hung server or a lost network does, while
// keeping the connections open), or slow each round trip.
type FaultProxy struct {
	t      testing.TB
	target string
	addr   string

	mu    sync.Mutex
	cond  *sync.Cond
	ln    net.Listener
	state proxyState
	delay time.Duration
	conns map[net.Conn]struct{}
	done  bool
	// loseCommitAck: the next COMMIT reaches the server, its answer is
	// dropped and the proxy cuts (commitSent: the COMMIT has passed).
	loseCommitAck, commitSent bool
	// ackOf: the statement whose answer to drop instead of a COMMIT's
	// (ackSeen: it was prepared; the next message runs it).
	ackOf   []byte
	ackSeen bool
}

type proxyState int

const (
	forwarding proxyState = iota
	stalled
	cut
)

// NewFaultProxy listens on a free local port and forwards to target
// (host:port); it stops at t's cleanup.
func NewFaultProxy(t testing.TB, target string) *FaultProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("faultproxy: listen: %v", err)
	}
	p := &FaultProxy{t: t, target: target, addr: ln.Addr().String(), ln: ln, conns: map[net.Conn]struct{}{}}
	p.cond = sync.NewCond(&p.mu)
	go p.accept(ln)
	t.Cleanup(p.close)
	return p
}

// NewPostgresFaultProxy proxies the server of the PostgreSQL URL rawURL and
// returns the proxy and rawURL rewritten to go through it.
func NewPostgresFaultProxy(t testing.TB, rawURL string) (*FaultProxy, string) {
	t.Helper()
	u, err := url.Parse(rawURL)
	if err != nil {
		t.Fatalf("faultproxy: %v", err)
	}
	host := u.Host
	if u.Port() == "" {
		host = net.JoinHostPort(u.Hostname(), "5432")
	}
	p := NewFaultProxy(t, host)
	u.Host = p.addr
	return p, u.String()
}

// Addr is the proxy's address.
func (p *FaultProxy) Addr() string { return p.addr }

// Cut closes every connection and refuses new ones until Restore.
func (p *FaultProxy) Cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cutLocked()
}

func (p *FaultProxy) cutLocked() {
	p.state = cut
	if p.ln != nil {
		_ = p.ln.Close()
		p.ln = nil
	}
	for c := range p.conns {
		_ = c.Close()
	}
	p.cond.Broadcast()
}

// Stall stops forwarding in both directions; connections stay open and new
// ones are accepted, but no byte passes until Restore.
func (p *FaultProxy) Stall() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.state = stalled
	p.cond.Broadcast()
}

// Slow delays every chunk forwarded in either direction by d (0 for none).
func (p *FaultProxy) Slow(d time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.delay = d
}

// LoseNextCommitAck arms the fault "saved but not acknowledged": the next
// COMMIT a client sends reaches the server and commits, but the server's
// answer never reaches the client — the proxy cuts every connection
// instead, as a network failure at that moment would. The client sees an
// error for a transaction that is in the database. Restore ends the cut.
func (p *FaultProxy) LoseNextCommitAck() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.loseCommitAck, p.commitSent, p.ackOf, p.ackSeen = true, false, nil, false
}

// LoseNextAckOf is LoseNextCommitAck for the next statement whose text
// holds sql (case-insensitive): a statement outside a transaction commits
// by itself, so losing its answer is the same fault.
func (p *FaultProxy) LoseNextAckOf(sql string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.loseCommitAck, p.commitSent, p.ackOf, p.ackSeen = true, false, bytes.ToLower([]byte(sql)), false
}

// Restore forwards again: stalled bytes flow, a cut proxy listens on its
// address again, and the delay is gone.
func (p *FaultProxy) Restore() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.state == cut && !p.done {
		ln, err := net.Listen("tcp", p.addr)
		if err != nil {
			p.t.Errorf("faultproxy: listen again on %s: %v", p.addr, err)
			return
		}
		p.ln = ln
		go p.accept(ln)
	}
	p.state, p.delay = forwarding, 0
	p.cond.Broadcast()
}

func (p *FaultProxy) close() {
	p.mu.Lock()
	p.done = true
	p.mu.Unlock()
	p.Cut()
}

func (p *FaultProxy) accept(ln net.Listener) {
	for {
		client, err := ln.Accept()
		if err != nil {
			return // closed by Cut or at cleanup
		}
		go p.serve(client)
	}
}

func (p *FaultProxy) serve(client net.Conn) {
	server, err := net.DialTimeout("tcp", p.target, 5*time.Second)
	if err != nil {
		_ = client.Close()
		return
	}
	p.mu.Lock()
	if p.state == cut {
		p.mu.Unlock()
		_ = client.Close()
		_ = server.Close()
		return
	}
	p.conns[client], p.conns[server] = struct{}{}, struct{}{}
	p.mu.Unlock()
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); p.pipe(server, client, true) }()
	go func() { defer wg.Done(); p.pipe(client, server, false) }()
	wg.Wait()
	p.mu.Lock()
	delete(p.conns, client)
	delete(p.conns, server)
	p.mu.Unlock()
}

// pipe copies src to dst chunk by chunk, holding each chunk while the proxy
// is stalled and delaying it while slow; it closes both ends when either
// side ends or the proxy cuts.
func (p *FaultProxy) pipe(dst, src net.Conn, toServer bool) {
	defer func() { _ = dst.Close(); _ = src.Close() }()
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			p.mu.Lock()
			for p.state == stalled {
				p.cond.Wait()
			}
			if p.loseCommitAck {
				switch {
				case toServer && p.ackOf == nil && isCommit(buf[:n]):
					p.commitSent = true
				case toServer && p.ackOf != nil && bytes.Contains(bytes.ToLower(buf[:n]), p.ackOf):
					// pgx prepares the statement first; the next message
					// runs it (Bind, Execute, Sync).
					p.ackSeen = true
				case toServer && p.ackSeen:
					p.ackSeen, p.commitSent = false, true
				case !toServer && p.commitSent:
					// The server has answered the COMMIT: drop the answer.
					p.loseCommitAck, p.commitSent = false, false
					p.cutLocked()
				}
			}
			state, delay := p.state, p.delay
			p.mu.Unlock()
			if state == cut {
				return
			}
			if delay > 0 {
				time.Sleep(delay)
			}
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return // EOF, a reset or a cut: the connection ends either way
		}
	}
}

// isCommit reports whether b holds a simple-query COMMIT (the message pgx
// sends for Tx.Commit).
func isCommit(b []byte) bool {
	i := bytes.Index(bytes.ToLower(b), []byte("commit\x00"))
	return i >= 5 && b[i-5] == 'Q'
}
