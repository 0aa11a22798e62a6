package scenarios

import (
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"sort"
	"strings"
	"sync"
)

// DefaultScenarioName is the scenario `ipamsim run` answers with no flags.
const DefaultScenarioName = "default"

// Builtin is the former name of Scenario.
//
// Deprecated: use Scenario.
type Builtin = Scenario

// The shipped scenarios: one .scn file each under builtin/.
//
//go:embed builtin/*.scn
var builtinFiles embed.FS

var loadBuiltins = sync.OnceValue(func() []*Scenario {
	dir, err := fs.Sub(builtinFiles, "builtin")
	if err != nil {
		panic(err)
	}
	entries, err := fs.ReadDir(dir, ".")
	if err != nil {
		panic(err)
	}
	var out []*Scenario
	for _, e := range entries {
		text, err := fs.ReadFile(dir, e.Name())
		if err != nil {
			panic(err)
		}
		s, err := parseScenario("builtin/"+e.Name(), text, dir)
		if err != nil {
			panic("github.com/ipamsim/ipamsim/scenarios: shipped scenario: " + err.Error())
		}
		if want := strings.TrimSuffix(e.Name(), ".scn"); s.Name != want {
			panic(fmt.Sprintf("github.com/ipamsim/ipamsim/scenarios: builtin/%s names itself %q", e.Name(), s.Name))
		}
		s.Source = "builtin"
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
})

// Builtins returns the shipped scenarios, sorted by name.
func Builtins() []*Scenario {
	bs := loadBuiltins()
	out := make([]*Scenario, len(bs))
	for i, s := range bs {
		out[i] = s.clone()
	}
	return out
}

// BuiltinNames lists the shipped scenarios, sorted.
func BuiltinNames() []string {
	bs := loadBuiltins()
	names := make([]string, len(bs))
	for i, s := range bs {
		names[i] = s.Name
	}
	return names
}

// LookupBuiltin returns a shipped scenario by name.
func LookupBuiltin(name string) (*Scenario, error) {
	for _, s := range loadBuiltins() {
		if s.Name == name {
			return s.clone(), nil
		}
	}
	return nil, fmt.Errorf("unknown scenario %q (shipped: %s)", name, strings.Join(BuiltinNames(), ", "))
}

// LoadScenario returns the shipped scenario of that name, or else parses the
// scenario file at that path.
func LoadScenario(nameOrPath string) (*Scenario, error) {
	if s, err := LookupBuiltin(nameOrPath); err == nil {
		return s, nil
	}
	text, err := readScenarioFile(nameOrPath)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) && !strings.ContainsAny(nameOrPath, `/\`) && !strings.HasSuffix(nameOrPath, ".scn") {
			return nil, fmt.Errorf("unknown scenario %q: neither a shipped scenario (%s) nor a file", nameOrPath, strings.Join(BuiltinNames(), ", "))
		}
		return nil, fmt.Errorf("scenario: %w", err)
	}
	return ParseScenario(nameOrPath, text)
}

// MaxScenarioSize is the largest scenario file read, in bytes: a scenario
// is a few dozen lines.
const MaxScenarioSize = 1 << 20

// readScenarioFile reads a scenario file: a regular file (not a FIFO or a
// device, which could block or never end) of at most MaxScenarioSize bytes.
func readScenarioFile(path string) ([]byte, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if fi.IsDir() {
		return nil, fmt.Errorf("%s is a directory, not a scenario file", path)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file (%s); a scenario is a .scn file", path, fi.Mode().Type())
	}
	if fi.Size() > MaxScenarioSize {
		return nil, fmt.Errorf("%s is larger than %d bytes; a scenario file is a few dozen lines", path, MaxScenarioSize)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	text, err := io.ReadAll(io.LimitReader(f, MaxScenarioSize+1))
	if err != nil {
		return nil, err
	}
	if len(text) > MaxScenarioSize {
		return nil, fmt.Errorf("%s is larger than %d bytes; a scenario file is a few dozen lines", path, MaxScenarioSize)
	}
	return text, nil
}
