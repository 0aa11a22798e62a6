package main

import (
	"io"
	"os"
	"path/filepath"
)

// atomicFile is an output written to a temporary file beside its target and
// renamed into place only when the run succeeds, so no output is ever left
// half-written.
type atomicFile struct {
	*os.File
	target string
	done   bool
}

func createAtomic(target string) (*atomicFile, error) {
	f, err := os.CreateTemp(filepath.Dir(target), "."+filepath.Base(target)+".tmp*")
	if err != nil {
		return nil, err
	}
	return &atomicFile{File: f, target: target}, nil
}

func (a *atomicFile) commit() error {
	// Readable like any other output (os.CreateTemp makes 0600 files), and
	// on disk before it replaces the target.
	if err := a.File.Chmod(0o644); err != nil {
		return err
	}
	if err := a.File.Sync(); err != nil {
		return err
	}
	if err := a.File.Close(); err != nil {
		return err
	}
	a.done = true
	return os.Rename(a.Name(), a.target)
}

func (a *atomicFile) abort() {
	if !a.done {
		a.File.Close()
		os.Remove(a.Name())
	}
}

// writeFileAtomic writes path through write into a temporary file in the same
// directory and renames it over path only on success, so path is never left
// half-written.
func writeFileAtomic(path string, write func(io.Writer) error) error {
	f, err := createAtomic(path)
	if err != nil {
		return err
	}
	defer f.abort()
	if err := write(f); err != nil {
		return err
	}
	return f.commit()
}
