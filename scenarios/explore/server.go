package explore

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"runtime"
	"strings"
	"time"

	"github.com/ipamsim/ipamsim/ipam"
	"github.com/ipamsim/ipamsim/ipam/catalog"
	"github.com/ipamsim/ipamsim/scenarios"
	"github.com/ipamsim/ipamsim/scenarios/replay"
)

//go:embed assets
var assets embed.FS

// Config configures a Server.
type Config struct {
	// Scenario is --scenario: a shipped scenario's name or a .scn file. The
	// page opens on it; a file is offered besides the shipped scenarios.
	// "" is the default scenario.
	Scenario string
	// RunTimeout bounds one run's wall-clock time (0: 10 s).
	RunTimeout time.Duration
	// MaxEvents bounds one run's engine events (0: 20 million, about ten
	// seconds of work).
	MaxEvents uint64
	// MaxConcurrent bounds the runs going at once (0: GOMAXPROCS).
	MaxConcurrent int
}

// offered is a scenario the server runs, with the --scenario argument that
// names it.
type offered struct {
	id string
	sc *scenarios.Scenario
}

// Server is the page and its API. It is safe for concurrent use.
type Server struct {
	offered         []offered
	defaultScenario string
	lim             limits
	sem             chan struct{}
	meta            []byte
	mux             *http.ServeMux
}

// New loads the scenarios and builds the server. Its errors are the user's
// to fix (a scenario that does not load or describes a cluster).
func New(cfg Config) (*Server, error) {
	s := &Server{defaultScenario: scenarios.DefaultScenarioName,
		lim: limits{timeout: cfg.RunTimeout, maxEvents: cfg.MaxEvents}}
	if s.lim.timeout <= 0 {
		s.lim.timeout = 10 * time.Second
	}
	if s.lim.maxEvents == 0 {
		s.lim.maxEvents = 20_000_000
	}
	n := cfg.MaxConcurrent
	if n <= 0 {
		n = runtime.GOMAXPROCS(0)
	}
	s.sem = make(chan struct{}, n)
	for _, sc := range scenarios.Builtins() {
		if scenarioSupported(sc) == nil {
			s.offered = append(s.offered, offered{sc.Name, sc})
		}
	}
	if cfg.Scenario != "" {
		sc, err := scenarios.LoadScenario(cfg.Scenario)
		if err != nil {
			return nil, err
		}
		if err := scenarioSupported(sc); err != nil {
			return nil, err
		}
		if _, err := catalog.Lookup(sc.InstanceType); err != nil {
			return nil, fmt.Errorf("scenario %s: %w", cfg.Scenario, err)
		}
		if s.scenario(cfg.Scenario) == nil {
			s.offered = append([]offered{{cfg.Scenario, sc}}, s.offered...)
		}
		s.defaultScenario = cfg.Scenario
	}
	m, err := s.buildMeta()
	if err != nil {
		return nil, err
	}
	if s.meta, err = json.Marshal(m); err != nil {
		return nil, err
	}
	sub, err := fs.Sub(assets, "assets")
	if err != nil {
		return nil, err
	}
	s.mux = http.NewServeMux()
	s.mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		http.ServeFileFS(w, r, sub, "index.html")
	})
	s.mux.Handle("GET /assets/", http.StripPrefix("/assets/", http.FileServerFS(sub)))
	s.mux.HandleFunc("GET /api/meta", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(s.meta)
	})
	s.mux.HandleFunc("GET /api/run", s.handleRun)
	return s, nil
}

func (s *Server) scenario(id string) *offered {
	for i := range s.offered {
		if s.offered[i].id == id {
			return &s.offered[i]
		}
	}
	return nil
}

func (s *Server) scenarioIDs() []string {
	ids := make([]string, len(s.offered))
	for i, o := range s.offered {
		ids[i] = o.id
	}
	return ids
}

// ServeHTTP serves the page and the API, with headers that keep the page to
// its own origin.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	if strings.HasPrefix(r.URL.Path, "/api/") {
		h.Set("Cache-Control", "no-store")
	}
	s.mux.ServeHTTP(w, r)
}

// runJSON is GET /api/run's answer.
type runJSON struct {
	Scenario string `json:"scenario"`
	Variant  string `json:"variant"`
	Question string `json:"question"`
	// Command is the `ipamsim run` command line that prints the same
	// summary; Args is it split into arguments (after "ipamsim").
	Command      string         `json:"command"`
	Args         []string       `json:"args"`
	Summary      replay.Summary `json:"summary"`
	Warnings     []string       `json:"warnings"`
	Series       seriesJSON     `json:"series"`
	CDF          cdfJSON        `json:"cdf"`
	AddressLimit int            `json:"address_limit"`
	// RunMillis is the run's wall-clock time on the server.
	RunMillis float64 `json:"run_ms"`
}

// errorJSON is an error answer: the message and the input it belongs to.
type errorJSON struct {
	Error string `json:"error"`
	Field string `json:"field,omitempty"`
}

func (s *Server) handleRun(w http.ResponseWriter, r *http.Request) {
	req, err := parseQuery(r.URL.RawQuery)
	if err != nil {
		writeError(w, err)
		return
	}
	in, err := s.resolve(req)
	if err != nil {
		writeError(w, err)
		return
	}
	select {
	case s.sem <- struct{}{}:
	case <-r.Context().Done():
		return
	}
	defer func() { <-s.sem }()
	start := time.Now()
	out, err := execute(r.Context(), in, s.lim)
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, runJSON{Scenario: in.scenario.id, Variant: in.variant, Question: in.scenario.sc.Question,
		Command: commandLine(in.args), Args: in.args, Summary: out.Summary, Warnings: nonNil(out.Warnings),
		Series: out.Series, CDF: out.CDF, AddressLimit: out.AddressLimit,
		RunMillis: float64(time.Since(start).Microseconds()) / 1000})
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// writeError answers an error: 400 for input the user can fix (with the
// field it belongs to), 422 for a run past the server's limits, 500 else.
func writeError(w http.ResponseWriter, err error) {
	var (
		fe *FieldError
		le *LimitError
		se *ipam.SettingError
		pe *ipam.PolicyError
		re *replay.Error
		sp *replay.SpecError
		sc *scenarios.ParseError
	)
	switch {
	case errors.As(err, &fe):
		writeJSON(w, http.StatusBadRequest, errorJSON{Error: fe.Error(), Field: fe.Field})
	case errors.As(err, &le):
		writeJSON(w, http.StatusUnprocessableEntity, errorJSON{Error: le.Error()})
	case errors.As(err, &se), errors.As(err, &pe):
		writeJSON(w, http.StatusBadRequest, errorJSON{Error: err.Error(), Field: paramPolicy})
	case errors.As(err, &sp):
		writeJSON(w, http.StatusBadRequest, errorJSON{Error: err.Error(), Field: paramInstance})
	case errors.As(err, &re), errors.As(err, &sc):
		writeJSON(w, http.StatusBadRequest, errorJSON{Error: err.Error(), Field: paramScenario})
	default:
		writeJSON(w, http.StatusInternalServerError, errorJSON{Error: err.Error()})
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(b)
}

// CheckAddr decides whether the server may listen on addr. Loopback
// addresses (and "localhost") are always fine. Any other address, an empty
// host (every interface) included, lets anyone who can reach it run
// simulations on this machine: it is refused unless allowRemote, and then
// comes with a warning.
func CheckAddr(addr string, allowRemote bool) (warning string, err error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return "", fmt.Errorf("--addr %q: %v", addr, err)
	}
	if IsLoopback(host) {
		return "", nil
	}
	if !allowRemote {
		return "", fmt.Errorf("--addr %q is not a loopback address: anyone who can reach it could run simulations here; use 127.0.0.1, or add --allow-remote", addr)
	}
	return fmt.Sprintf("serving on %s, which is not a loopback address: anyone who can reach it can run simulations on this machine", addr), nil
}

// IsLoopback reports whether host is "localhost" or a loopback IP.
func IsLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Serve serves on ln until ctx is done, then shuts down gracefully. With
// loopbackOnly it answers only requests whose Host is a loopback name, so a
// web page elsewhere cannot reach it through DNS rebinding.
func (s *Server) Serve(ctx context.Context, ln net.Listener, loopbackOnly bool) error {
	var h http.Handler = s
	if loopbackOnly {
		h = hostGuard(s)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 10 * time.Second,
		WriteTimeout: s.lim.timeout + 10*time.Second, IdleTimeout: time.Minute, MaxHeaderBytes: 16 << 10}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shut, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return srv.Shutdown(shut)
}

// hostGuard refuses requests whose Host header is not a loopback name.
func hostGuard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host := r.Host
		if h, _, err := net.SplitHostPort(host); err == nil {
			host = h
		}
		if !IsLoopback(host) {
			http.Error(w, fmt.Sprintf("Host %q refused: this server answers loopback names only", r.Host), http.StatusForbidden)
			return
		}
		next.ServeHTTP(w, r)
	})
}
