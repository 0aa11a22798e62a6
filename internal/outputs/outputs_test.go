//go:build unix

package outputs

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

func write(t *testing.T, path, body string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

func read(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// entries lists dir's names.
func entries(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	return names
}

func TestCommitWritesAllOutputs(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.csv"), filepath.Join(dir, "b.prom")
	write(t, b, "old")
	s := New()
	fa, err := s.Create("--timeline", a)
	if err != nil {
		t.Fatal(err)
	}
	fb, err := s.Create("--metrics-file", b)
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(fa, "at,op\n")
	io.WriteString(fb, "new")
	if got := read(t, b); got != "old" {
		t.Fatalf("b.prom replaced before Commit: %q", got)
	}
	if err := s.Commit(); err != nil {
		t.Fatal(err)
	}
	if read(t, a) != "at,op\n" || read(t, b) != "new" {
		t.Fatalf("after Commit: a %q, b %q", read(t, a), read(t, b))
	}
	if got := strings.Join(entries(t, dir), " "); got != "a.csv b.prom" {
		t.Fatalf("directory holds %s, want a.csv b.prom only", got)
	}
}

func TestAbortWritesNothing(t *testing.T) {
	dir := t.TempDir()
	a := filepath.Join(dir, "a.csv")
	write(t, a, "keep")
	s := New()
	f, err := s.Create("--timeline", a)
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(f, "lost")
	s.Abort()
	s.Abort() // idempotent
	if read(t, a) != "keep" {
		t.Fatal("Abort changed the target")
	}
	if got := entries(t, dir); len(got) != 1 {
		t.Fatalf("Abort left %v", got)
	}
}

func TestCleanUpRemovesOpenSets(t *testing.T) {
	dir := t.TempDir()
	s1, s2 := New(), New()
	for i, s := range []*Set{s1, s2} {
		if _, err := s.Create("-o", filepath.Join(dir, []string{"x", "y"}[i])); err != nil {
			t.Fatal(err)
		}
	}
	if got := entries(t, dir); len(got) != 2 {
		t.Fatalf("want two temporary files, have %v", got)
	}
	CleanUp()
	if got := entries(t, dir); len(got) != 0 {
		t.Fatalf("CleanUp left %v", got)
	}
	if err := s1.Commit(); err == nil {
		t.Fatal("Commit after CleanUp succeeded")
	}
}

// A write error in one output commits none of them, and names the user's
// path rather than the temporary file.
func TestWriteErrorCommitsNothing(t *testing.T) {
	dir := t.TempDir()
	s := New()
	a, err := s.Create("--timeline", filepath.Join(dir, "a"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := s.Create("--report", filepath.Join(dir, "b"))
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(a, "x")
	b.tmp.Close() // the next write fails
	if _, err := io.WriteString(b, "y"); err == nil {
		t.Fatal("write to a closed file succeeded")
	}
	err = s.Commit()
	var oe *Error
	if !errors.As(err, &oe) || oe.Flag != "--report" || oe.Usage || !strings.HasPrefix(err.Error(), "--report "+filepath.Join(dir, "b")+": write:") {
		t.Fatalf("Commit error %v", err)
	}
	if strings.Contains(err.Error(), ".tmp") {
		t.Fatalf("error names the temporary file: %v", err)
	}
	if got := entries(t, dir); len(got) != 0 {
		t.Fatalf("a failed Commit left %v", got)
	}
}

func TestCreateRefuses(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "trace.csv")
	write(t, in, "at,op,pod\n")
	if err := os.Symlink("trace.csv", filepath.Join(dir, "inlink")); err != nil {
		t.Fatal(err)
	}
	if err := os.Link(in, filepath.Join(dir, "hard")); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(filepath.Join(dir, "fifo"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir)
	cases := []struct{ path, msg string }{
		{"", "want a file name"},
		{"-", "standard output is not an option"},
		{"trace.csv", "is also the input --trace trace.csv"},
		{"./sub/../trace.csv", "is also the input --trace trace.csv"},
		{in, "is also the input --trace trace.csv"},
		{"inlink", "is also the input --trace trace.csv"},
		{"hard", "is also the input --trace trace.csv"},
		{"sub", "is a directory"},
		{"fifo", "is not a regular file (a FIFO)"},
		{"missing/x.csv", "directory missing does not exist"},
		{"trace.csv/x", "trace.csv is not a directory"},
		{"out.csv", "is also the output --timeline out.csv"},
	}
	s := New()
	defer s.Abort()
	s.Input("--trace", "trace.csv")
	s.Input("--trace", "-") // standard input: nothing to protect
	if _, err := s.Create("--timeline", "out.csv"); err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		_, err := s.Create("--report", c.path)
		var oe *Error
		if !errors.As(err, &oe) || !oe.Usage || !strings.HasPrefix(err.Error(), "--report "+c.path+": ") || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("Create(%q): %v, want a usage error containing %q", c.path, err, c.msg)
		}
	}
}

// An output that is a symlink is written through: the link stays, its
// target gets the content; a dangling link creates its target.
func TestSymlinkWrittenThrough(t *testing.T) {
	dir := t.TempDir()
	real, dangling := filepath.Join(dir, "real.csv"), filepath.Join(dir, "new.csv")
	write(t, real, "old")
	for _, l := range []struct{ link, target string }{{"link", "real.csv"}, {"dlink", "new.csv"}} {
		if err := os.Symlink(l.target, filepath.Join(dir, l.link)); err != nil {
			t.Fatal(err)
		}
	}
	s := New()
	for _, l := range []string{"link", "dlink"} {
		f, err := s.Create("-o", filepath.Join(dir, l))
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(f, "via "+l)
	}
	if err := s.Commit(); err != nil {
		t.Fatal(err)
	}
	if read(t, real) != "via link" || read(t, dangling) != "via dlink" {
		t.Fatalf("targets: %q, %q", read(t, real), read(t, dangling))
	}
	for _, l := range []string{"link", "dlink"} {
		if fi, err := os.Lstat(filepath.Join(dir, l)); err != nil || fi.Mode()&os.ModeSymlink == 0 {
			t.Errorf("%s is no longer a symlink", l)
		}
	}
}

// A replaced file keeps its permission bits.
func TestCommitKeepsMode(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "x")
	write(t, p, "old")
	if err := os.Chmod(p, 0o600); err != nil {
		t.Fatal(err)
	}
	s := New()
	if _, err := s.Create("-o", p); err != nil {
		t.Fatal(err)
	}
	if err := s.Commit(); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(p)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v, %v; want 0600", fi.Mode(), err)
	}
}
