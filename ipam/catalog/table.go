package catalog

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
)

// FileError is a problem in a data file (an embedded table or a user's price
// file), located by file name, line (1-based) and, where it concerns one
// value, the column. Its message has the form of the trace readers' errors:
//
//	prices.csv:12: field "usd_per_hour": "abc" is not a price
type FileError struct {
	File  string // file name as given by the caller
	Line  int    // 1-based line; 0 when the problem is not on one line
	Field string // column at fault; "" when the whole line (or file) is wrong
	Msg   string
}

func (e *FileError) Error() string {
	switch {
	case e.Line == 0:
		return fmt.Sprintf("%s: %s", e.File, e.Msg)
	case e.Field == "":
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s:%d: field %q: %s", e.File, e.Line, e.Field, e.Msg)
}

// tableReader reads a small comma-separated table line by line: a UTF-8 byte
// order mark at the start is skipped, lines may end in "\n" or "\r\n", blank
// lines and lines whose first non-space character is '#' are skipped, fields
// are split at every comma (no quoting) and spaces and tabs around them are
// dropped. The input is capped at maxBytes and each line at maxLine bytes.
type tableReader struct {
	file     string
	sc       *bufio.Scanner
	capped   *cappedReader
	line     int
	maxLine  int
	maxBytes int64
}

func newTableReader(r io.Reader, file string, maxLine int, maxBytes int64) *tableReader {
	cr := &cappedReader{r: r, left: maxBytes}
	sc := bufio.NewScanner(cr)
	sc.Buffer(make([]byte, 0, min(maxLine+2, 64<<10)), maxLine+2) // +2: room for "\r\n"
	return &tableReader{file: file, sc: sc, capped: cr, maxLine: maxLine, maxBytes: maxBytes}
}

// errorf returns a *FileError at the current line.
func (t *tableReader) errorf(field, format string, args ...any) *FileError {
	return &FileError{File: t.file, Line: t.line, Field: field, Msg: fmt.Sprintf(format, args...)}
}

// next returns the fields of the next line that is not blank or a comment,
// io.EOF after the last line, or a *FileError.
func (t *tableReader) next() ([]string, error) {
	for t.sc.Scan() {
		if t.capped.left < 0 {
			// The reader hit the cap; this line may be cut short.
			return nil, &FileError{File: t.file, Msg: fmt.Sprintf("larger than %d bytes", t.maxBytes)}
		}
		t.line++
		b := t.sc.Bytes()
		if t.line == 1 {
			b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
		}
		if len(b) > t.maxLine {
			return nil, t.errorf("", "line longer than %d bytes", t.maxLine)
		}
		s := strings.Trim(string(b), " \t")
		if s == "" || s[0] == '#' {
			continue
		}
		f := strings.Split(s, ",")
		for i := range f {
			f[i] = strings.Trim(f[i], " \t")
		}
		return f, nil
	}
	err := t.sc.Err()
	switch {
	case err == nil:
		return nil, io.EOF
	case errors.Is(err, bufio.ErrTooLong):
		t.line++
		return nil, t.errorf("", "line longer than %d bytes", t.maxLine)
	case errors.Is(err, errTooBig):
		return nil, &FileError{File: t.file, Msg: fmt.Sprintf("larger than %d bytes", t.maxBytes)}
	}
	return nil, &FileError{File: t.file, Msg: err.Error()}
}

var errTooBig = errors.New("input too large")

// cappedReader returns errTooBig once more than left bytes would be read.
type cappedReader struct {
	r    io.Reader
	left int64
}

func (c *cappedReader) Read(p []byte) (int, error) {
	if c.left < 0 {
		return 0, errTooBig
	}
	if int64(len(p)) > c.left+1 {
		p = p[:c.left+1] // one byte more than allowed tells "too big" from "exactly full"
	}
	n, err := c.r.Read(p)
	c.left -= int64(n)
	if c.left < 0 {
		return 0, errTooBig
	}
	return n, err
}
