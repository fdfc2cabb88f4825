// gohelper answers pattern questions with the real moby/patternmatcher, for
// ctxaudit's property-based tests. One JSON request per input line:
//
//	{"lines": [".dockerignore lines"], "paths": ["a/b/c", ...], "b64": false}
//
// (with "b64" true, lines and paths are base64 of raw bytes, for names that
// are not UTF-8) and one JSON answer per line: the error of
// patternmatcher.New, or for each path the decisions of
// MatchesOrParentMatches and of MatchesUsingParentResults fed with the
// results of every parent directory, as a walk computes them, and for each
// the deciding line: the last line that matches the path, as Docker's loop
// would find it if it did not skip lines that cannot change the result
// (index into the lines left after comments and blanks, -1 for none).
package main

import (
	"bufio"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"time"

	"github.com/moby/patternmatcher"
)

type request struct {
	Lines []string `json:"lines"`
	Paths []string `json:"paths"`
	B64   bool     `json:"b64"`
	// Bench: time Lines[0] against Paths[0] this many times and answer
	// {"ns": per match} (benchmarks/bench_patterns.py's reference).
	Bench int `json:"bench"`
}

type decision struct {
	OrParent      *bool  `json:"or_parent"`
	OrParentErr   string `json:"or_parent_err,omitempty"`
	OrParentLine  *int   `json:"or_parent_line,omitempty"`
	ParentResults *bool  `json:"parent_results"`
	ParentErr     string `json:"parent_results_err,omitempty"`
	ParentLine    *int   `json:"parent_results_line,omitempty"`
}

// hits reports whether line p alone matches path (Pattern.match is not
// exported): an include line through MatchesUsingParentResult(path, false),
// an exception through MatchesUsingParentResult(path, true), negated. A line
// whose regexp fails to compile matches nothing here.
func hits(p string, path string) bool {
	pm, err := patternmatcher.New([]string{p})
	if err != nil {
		return false
	}
	// New cleans the line again: "!../../**" becomes the include "**".
	exclusion := strings.HasPrefix(filepath.Clean(strings.TrimSpace(p)), "!")
	m, err := pm.MatchesUsingParentResult(path, exclusion)
	if err != nil {
		return false
	}
	return m != exclusion
}

// parentBits reads MatchInfo's unexported parentMatched: which lines the
// walk recorded as matched for a directory.
func parentBits(info patternmatcher.MatchInfo) []bool {
	v := reflect.ValueOf(info).Field(0)
	out := make([]bool, v.Len())
	for i := range out {
		out[i] = v.Index(i).Bool()
	}
	return out
}

// lastHit is the last line i that matches path: bits[i] (the parent's
// record, for the walk) or the line itself, or for MatchesOrParentMatches
// (bits nil) an ancestor directory.
func lastHit(patterns []string, path string, bits []bool, ancestors bool) int {
	parts := strings.Split(path, "/")
	for i := len(patterns) - 1; i >= 0; i-- {
		if i < len(bits) && bits[i] {
			return i
		}
		if hits(patterns[i], path) {
			return i
		}
		if ancestors {
			for j := 1; j < len(parts); j++ {
				if hits(patterns[i], strings.Join(parts[:j], "/")) {
					return i
				}
			}
		}
	}
	return -1
}

// bench times Pattern.match (through MatchesUsingParentResult with one
// line) after a first call has compiled the regexp.
func bench(line, path string, n int) map[string]float64 {
	pm, err := patternmatcher.New([]string{line})
	if err != nil {
		panic(err)
	}
	_, _ = pm.MatchesUsingParentResult(path, false)
	start := time.Now()
	for i := 0; i < n; i++ {
		_, _ = pm.MatchesUsingParentResult(path, false)
	}
	return map[string]float64{"ns": float64(time.Since(start).Nanoseconds()) / float64(n)}
}

func decode(in []string, b64 bool) []string {
	if !b64 {
		return in
	}
	out := make([]string, len(in))
	for i, s := range in {
		raw, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			panic(err)
		}
		out[i] = string(raw)
	}
	return out
}

type answer struct {
	Error     string     `json:"error,omitempty"`
	Decisions []decision `json:"decisions,omitempty"`
}

// readAll mirrors ignorefile.ReadAll line by line (the BOM is the caller's).
func readAll(lines []string) []string {
	var out []string
	for _, p := range lines {
		if strings.HasPrefix(p, "#") {
			continue
		}
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		invert := p[0] == '!'
		if invert {
			p = strings.TrimSpace(p[1:])
		}
		if len(p) > 0 {
			p = filepath.ToSlash(filepath.Clean(p))
			if len(p) > 1 && p[0] == '/' {
				p = p[1:]
			}
		}
		if invert {
			p = "!" + p
		}
		out = append(out, p)
	}
	return out
}

func main() {
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 1<<24)
	enc := json.NewEncoder(os.Stdout)
	for in.Scan() {
		var req request
		if err := json.Unmarshal(in.Bytes(), &req); err != nil {
			panic(err)
		}
		patterns := readAll(decode(req.Lines, req.B64))
		if req.Bench > 0 {
			_ = enc.Encode(bench(patterns[0], decode(req.Paths, req.B64)[0], req.Bench))
			continue
		}
		if _, err := patternmatcher.New(patterns); err != nil {
			_ = enc.Encode(answer{Error: err.Error()})
			continue
		}
		var ans answer
		for _, path := range decode(req.Paths, req.B64) {
			// A fresh matcher per question: after a lazy regexp error a
			// Pattern keeps a nil regexp and panics on its next use. Docker
			// stops at the first error, so it never reaches that state.
			pm, _ := patternmatcher.New(patterns)
			var d decision
			m, err := pm.MatchesOrParentMatches(path)
			if err != nil {
				d.OrParentErr = err.Error()
			} else {
				d.OrParent = &m
				line := lastHit(patterns, path, nil, true)
				d.OrParentLine = &line
			}
			pm, _ = patternmatcher.New(patterns)
			parts := strings.Split(path, "/")
			var info patternmatcher.MatchInfo
			for i := range parts {
				var m2 bool
				parent := parentBits(info)
				m2, info, err = pm.MatchesUsingParentResults(strings.Join(parts[:i+1], "/"), info)
				if err != nil {
					d.ParentErr = err.Error()
					break
				}
				if i == len(parts)-1 {
					d.ParentResults = &m2
					line := lastHit(patterns, path, parent, false)
					d.ParentLine = &line
				}
			}
			ans.Decisions = append(ans.Decisions, d)
		}
		_ = enc.Encode(ans)
	}
}
