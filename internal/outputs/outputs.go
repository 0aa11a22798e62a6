// Package outputs writes a command's output files all or nothing.
//
// A command registers its inputs and its outputs in one Set before it does
// any work. Create checks each output up front — the path is not an input or
// another output (compared as cleaned absolute paths and with os.SameFile),
// an existing target is a regular file (a symlink is followed to its
// target), and its directory exists and is writable — and opens a temporary
// file beside the target. Commit renames every temporary file over its
// target once all of them are written; Abort (and CleanUp, on a signal)
// removes them. Errors name the flag and the path the user gave, never a
// temporary file.
package outputs

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
)

// Error is an output that cannot be written. Usage is true when the path
// itself is at fault (the user's to fix: exit status 2), false when writing
// failed (a full disk: exit status 1).
type Error struct {
	Flag  string // the flag that named the output, e.g. "--timeline"
	Path  string // the path as the user gave it
	Msg   string
	Usage bool
}

func (e *Error) Error() string {
	if e.Flag == "" {
		return fmt.Sprintf("%s: %s", e.Path, e.Msg)
	}
	return fmt.Sprintf("%s %s: %s", e.Flag, e.Path, e.Msg)
}

// Set is the outputs of one run. Its zero value is not usable: call New.
type Set struct {
	mu     sync.Mutex // Commit and Abort (from CleanUp, on a signal) exclude each other
	inputs []file
	files  []*File
	done   bool
}

// file is a path the Set knows: its flag, the path as given, its cleaned
// absolute form (after symlinks) and, if it exists, its FileInfo.
type file struct {
	flag, path, abs string
	info            fs.FileInfo
}

// File is one output being written: an io.Writer into a temporary file
// that Commit renames over the target.
type File struct {
	file
	tmp       *os.File
	err       error // the first write error
	committed bool  // renamed over the target
}

// the process's open Sets, for CleanUp.
var (
	mu   sync.Mutex
	open = map[*Set]bool{}
)

// New returns an empty Set; Commit or Abort ends it.
func New() *Set {
	s := &Set{}
	mu.Lock()
	open[s] = true
	mu.Unlock()
	return s
}

// CleanUp removes the temporary files of every Set not yet committed or
// aborted: a command interrupted by a signal calls it before it exits.
func CleanUp() {
	mu.Lock()
	sets := make([]*Set, 0, len(open))
	for s := range open {
		sets = append(sets, s)
	}
	mu.Unlock()
	for _, s := range sets {
		s.Abort()
	}
}

// Input registers a file the run reads (flag names it in errors), so that
// no output can overwrite it. "" and "-" (standard input) are ignored.
func (s *Set) Input(flag, path string) {
	if path == "" || path == "-" {
		return
	}
	f := resolve(flag, path)
	s.inputs = append(s.inputs, f)
}

// resolve describes path: its cleaned absolute form with symlinks followed
// as far as they lead, and its FileInfo if it exists.
func resolve(flag, path string) file {
	f := file{flag: flag, path: path, abs: path}
	if abs, err := filepath.Abs(path); err == nil {
		f.abs = abs
	}
	f.abs = followLinks(f.abs)
	if fi, err := os.Stat(f.abs); err == nil {
		f.info = fi
	}
	return f
}

// followLinks follows symlinks in path (a cleaned absolute path) as far as
// they lead: through every directory, and through the last element even
// when its target does not exist yet (a dangling link is written through).
func followLinks(path string) string {
	for range 40 {
		dir, base := filepath.Split(path)
		if d, err := filepath.EvalSymlinks(dir); err == nil {
			dir = d
		}
		p := filepath.Join(dir, base)
		target, err := os.Readlink(p)
		if err != nil {
			return p
		}
		if !filepath.IsAbs(target) {
			target = filepath.Join(dir, target)
		}
		path = filepath.Clean(target)
	}
	return path
}

// Create checks the output path for flag and opens its temporary file. "-"
// is refused: a flag that lets "-" mean standard output handles it before
// calling Create.
func (s *Set) Create(flag, path string) (*File, error) {
	usage := func(format string, a ...any) error {
		return &Error{Flag: flag, Path: path, Msg: fmt.Sprintf(format, a...), Usage: true}
	}
	switch path {
	case "":
		return nil, usage("want a file name")
	case "-":
		return nil, usage("standard output is not an option here: give a file name")
	}
	f := &File{file: resolve(flag, path)}
	if fi := f.info; fi != nil {
		switch {
		case fi.IsDir():
			return nil, usage("is a directory; want a file name")
		case !fi.Mode().IsRegular():
			return nil, usage("is not a regular file (%s); ipamsim writes its outputs to regular files only", kind(fi.Mode()))
		}
	}
	for _, in := range s.inputs {
		if same(f.file, in) {
			return nil, usage("is also the input %s %s: refusing to overwrite an input", in.flag, in.path)
		}
	}
	for _, o := range s.files {
		if same(f.file, o.file) {
			return nil, usage("is also the output %s %s: give each output its own file", o.flag, o.path)
		}
	}
	dir := filepath.Dir(f.abs)
	if fi, err := os.Stat(dir); err != nil {
		return nil, usage("directory %s does not exist", filepath.Dir(path))
	} else if !fi.IsDir() {
		return nil, usage("%s is not a directory", filepath.Dir(path))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.done {
		return nil, errors.New("outputs: Create in a finished set")
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(f.abs)+".tmp*")
	if err != nil {
		return nil, usage("cannot write in directory %s: %v", filepath.Dir(path), cause(err))
	}
	f.tmp = tmp
	s.files = append(s.files, f)
	return f, nil
}

// same reports whether a and b are the same file: the same cleaned absolute
// path, or, when both exist, the same file on disk (a hard link).
func same(a, b file) bool {
	if a.abs == b.abs {
		return true
	}
	return a.info != nil && b.info != nil && os.SameFile(a.info, b.info)
}

func kind(m fs.FileMode) string {
	switch {
	case m&fs.ModeNamedPipe != 0:
		return "a FIFO"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeDevice != 0:
		return "a device"
	}
	return "mode " + m.String()
}

// cause is err without the *PathError that names a temporary file.
func cause(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// Name is the path as the user gave it.
func (f *File) Name() string { return f.path }

// Write writes to the temporary file; its errors name the user's path.
func (f *File) Write(p []byte) (int, error) {
	if f.err != nil {
		return 0, f.err
	}
	n, err := f.tmp.Write(p)
	if err != nil {
		f.err = &Error{Flag: f.flag, Path: f.path, Msg: "write: " + cause(err).Error()}
	}
	return n, f.err
}

// Commit finishes every output: each temporary file is synced and closed,
// then, only if all of them were, renamed over its target. The Set is done
// afterwards, whatever the outcome; on an error no target is replaced
// (unless a rename itself fails, after the earlier ones).
func (s *Set) Commit() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.done {
		return errors.New("outputs: Commit of a finished set")
	}
	defer s.abort()
	for _, f := range s.files {
		if f.err != nil {
			return f.err
		}
		mode := fs.FileMode(0o644)
		if f.info != nil {
			mode = f.info.Mode().Perm()
		}
		fail := func(what string, err error) error {
			return &Error{Flag: f.flag, Path: f.path, Msg: what + ": " + cause(err).Error()}
		}
		if err := f.tmp.Chmod(mode); err != nil {
			return fail("chmod", err)
		}
		if err := f.tmp.Sync(); err != nil {
			return fail("write", err)
		}
		if err := f.tmp.Close(); err != nil {
			return fail("write", err)
		}
	}
	for _, f := range s.files {
		if err := os.Rename(f.tmp.Name(), f.abs); err != nil {
			return &Error{Flag: f.flag, Path: f.path, Msg: cause(err).Error()}
		}
		f.committed = true
	}
	return nil
}

// Abort removes the temporary files of outputs not committed and ends the
// Set. Idempotent; nil-safe.
func (s *Set) Abort() {
	if s == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.abort()
}

func (s *Set) abort() {
	mu.Lock()
	delete(open, s)
	mu.Unlock()
	if s.done {
		return
	}
	s.done = true
	for _, f := range s.files {
		if !f.committed {
			f.tmp.Close()
			os.Remove(f.tmp.Name())
		}
	}
}
