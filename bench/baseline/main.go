// Command baseline is the load harness' yardstick: the least a Go server
// must do to take an anonymous PHQ-9 self-test on this machine and this
// PostgreSQL — decode the same nine-answer JSON Haven's
// POST /api/v1/selftest/instruments/phq9/submissions takes, score it
// (total, band, the item-9 crisis flag), insert one equivalent row and
// answer 201 with the result. Plain net/http and a pgx pool; no router,
// middleware, logging, sealing or claim token. cmd/havenbench runs it
// beside Haven in the same run, so Haven's figures are ratios to it.
//
//	BASELINE_ADDR=127.0.0.1:9100 DATABASE_URL=postgres://… baseline
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"runtime"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

const schema = `CREATE TABLE IF NOT EXISTS baseline_results (
	id text PRIMARY KEY,
	instrument text NOT NULL,
	answers jsonb NOT NULL,
	score integer NOT NULL,
	band text NOT NULL,
	crisis boolean NOT NULL,
	language text NOT NULL,
	created_at timestamptz NOT NULL
)`

type answer struct {
	Item  string `json:"item"`
	Value *int   `json:"value"`
}

type submission struct {
	Language string   `json:"language"`
	Answers  []answer `json:"answers"`
}

type result struct {
	ID     string `json:"id"`
	Score  int    `json:"score"`
	Band   string `json:"band"`
	Crisis bool   `json:"crisis"`
}

var items = [9]string{"phq9_1", "phq9_2", "phq9_3", "phq9_4", "phq9_5", "phq9_6", "phq9_7", "phq9_8", "phq9_9"}

// score checks the nine answers (each item once, values 0–3) and scores
// them as Haven's PHQ-9 does: the total, its band, and the crisis flag
// for any item-9 answer above 0.
func score(answers []answer) (int, string, bool, error) {
	if len(answers) != len(items) {
		return 0, "", false, fmt.Errorf("want %d answers, got %d", len(items), len(answers))
	}
	seen := map[string]int{}
	for _, a := range answers {
		if a.Value == nil || *a.Value < 0 || *a.Value > 3 {
			return 0, "", false, fmt.Errorf("item %q: value must be 0–3", a.Item)
		}
		seen[a.Item] = *a.Value
	}
	total := 0
	for _, id := range items {
		v, ok := seen[id]
		if !ok {
			return 0, "", false, fmt.Errorf("item %q missing", id)
		}
		total += v
	}
	band := "minimal"
	switch {
	case total >= 20:
		band = "severe"
	case total >= 15:
		band = "moderately_severe"
	case total >= 10:
		band = "moderate"
	case total >= 5:
		band = "mild"
	}
	return total, band, seen["phq9_9"] > 0, nil
}

func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func submit(pool *pgxpool.Pool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var req submission
		dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 65536))
		if err := dec.Decode(&req); err != nil {
			http.Error(w, `{"code":"invalid_json"}`, http.StatusBadRequest)
			return
		}
		total, band, crisis, err := score(req.Answers)
		if err != nil {
			http.Error(w, `{"code":"validation_failed"}`, http.StatusUnprocessableEntity)
			return
		}
		if req.Language == "" {
			req.Language = "nl"
		}
		answers, _ := json.Marshal(req.Answers)
		res := result{ID: newID(), Score: total, Band: band, Crisis: crisis}
		ctx, cancel := context.WithTimeout(r.Context(), 10*time.Second)
		defer cancel()
		if _, err := pool.Exec(ctx, `INSERT INTO baseline_results (id, instrument, answers, score, band, crisis, language, created_at)
			VALUES ($1, 'phq9', $2, $3, $4, $5, $6, $7)`, res.ID, answers, total, band, crisis, req.Language, time.Now().UTC()); err != nil {
			slog.Error("insert", "err", err)
			http.Error(w, `{"code":"unavailable"}`, http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		_ = json.NewEncoder(w).Encode(res)
	}
}

func run(ctx context.Context, getenv func(string) string) error {
	addr := getenv("BASELINE_ADDR")
	if addr == "" {
		addr = "127.0.0.1:9100"
	}
	cfg, err := pgxpool.ParseConfig(getenv("DATABASE_URL"))
	if err != nil {
		return fmt.Errorf("baseline: database url: %w", err)
	}
	// A sane pool: a few connections per core, as a tuned small service
	// would have.
	cfg.MaxConns = int32(4 * runtime.GOMAXPROCS(0))
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return fmt.Errorf("baseline: connect: %w", err)
	}
	defer pool.Close()
	if _, err := pool.Exec(ctx, schema); err != nil {
		return fmt.Errorf("baseline: schema: %w", err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /submit", submit(pool))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok\n")) })
	srv := &http.Server{Addr: addr, Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe() }()
	select {
	case err := <-errc:
		return fmt.Errorf("baseline: listen: %w", err)
	case <-ctx.Done():
	}
	shut, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shut); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("baseline: shutdown: %w", err)
	}
	return nil
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Getenv); err != nil {
		slog.Error("baseline", "err", err)
		os.Exit(1)
	}
}
