// gohelper answers pattern questions with the real moby/patternmatcher, for
// ctxaudit's property-based tests. One JSON request per input line:
//
//	{"lines": [".dockerignore lines"], "paths": ["a/b/c", ...]}
//
// and one JSON answer per line: the error of patternmatcher.New, or for each
// path the decisions of MatchesOrParentMatches and of
// MatchesUsingParentResults fed with the results of every parent directory,
// as a walk computes them.
package main

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"

	"github.com/moby/patternmatcher"
)

type request struct {
	Lines []string `json:"lines"`
	Paths []string `json:"paths"`
}

type decision struct {
	OrParent      *bool  `json:"or_parent"`
	OrParentErr   string `json:"or_parent_err,omitempty"`
	ParentResults *bool  `json:"parent_results"`
	ParentErr     string `json:"parent_results_err,omitempty"`
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
		patterns := readAll(req.Lines)
		if _, err := patternmatcher.New(patterns); err != nil {
			_ = enc.Encode(answer{Error: err.Error()})
			continue
		}
		var ans answer
		for _, path := range req.Paths {
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
			}
			pm, _ = patternmatcher.New(patterns)
			parts := strings.Split(path, "/")
			var info patternmatcher.MatchInfo
			for i := range parts {
				var m2 bool
				m2, info, err = pm.MatchesUsingParentResults(strings.Join(parts[:i+1], "/"), info)
				if err != nil {
					d.ParentErr = err.Error()
					break
				}
				if i == len(parts)-1 {
					d.ParentResults = &m2
				}
			}
			ans.Decisions = append(ans.Decisions, d)
		}
		_ = enc.Encode(ans)
	}
}
