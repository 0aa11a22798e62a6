package ipam

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestNoWallClockOrGlobalRandomness statically checks the non-test sources of
// the model and the engine (ipam, every package under it, sim): no wall-clock
// reads or timers from package time, no math/rand (v1)
// or crypto/rand, and from math/rand/v2 only the constructors (never the
// global, randomly seeded top-level functions).
func TestNoWallClockOrGlobalRandomness(t *testing.T) {
	forbiddenTime := map[string]bool{
		"Now": true, "Since": true, "Until": true, "Sleep": true, "After": true,
		"AfterFunc": true, "Tick": true, "NewTimer": true, "NewTicker": true,
	}
	allowedRandV2 := map[string]bool{"New": true, "NewPCG": true, "Rand": true, "Source": true}
	forbiddenImports := map[string]bool{"math/rand": true, "crypto/rand": true, "unsafe": true}

	var files []string
	for _, pattern := range []string{"*.go", filepath.Join("*", "*.go"), filepath.Join("..", "sim", "*.go")} {
		fs, err := filepath.Glob(pattern)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, fs...)
	}
	checked := 0
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, name, src, 0)
		if err != nil {
			t.Fatal(err)
		}
		checked++
		local := map[string]string{} // local import name -> path
		for _, imp := range f.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			if forbiddenImports[path] {
				t.Errorf("%s imports %s", name, path)
			}
			ln := filepath.Base(path)
			if path == "math/rand/v2" {
				ln = "rand"
			}
			if imp.Name != nil {
				ln = imp.Name.Name
			}
			local[ln] = path
		}
		ast.Inspect(f, func(n ast.Node) bool {
			sel, ok := n.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			id, ok := sel.X.(*ast.Ident)
			if !ok {
				return true
			}
			switch local[id.Name] {
			case "time":
				if forbiddenTime[sel.Sel.Name] {
					t.Errorf("%s: uses time.%s", fset.Position(sel.Pos()), sel.Sel.Name)
				}
			case "math/rand/v2":
				if !allowedRandV2[sel.Sel.Name] {
					t.Errorf("%s: uses global rand.%s", fset.Position(sel.Pos()), sel.Sel.Name)
				}
			}
			return true
		})
	}
	if checked < 20 {
		t.Fatalf("only %d source files checked; wrong directory?", checked)
	}
}
