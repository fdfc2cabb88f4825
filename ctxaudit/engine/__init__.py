"""What the builders do, and nothing else.

Reading ignore files, Docker's pattern semantics (Go's ``filepath.Match``
and regexp as ``moby/patternmatcher`` uses them), the context and its build
files, each builder's walk (BuildKit's fsutil filter walk, the legacy CLI's
tar) and what each transfers. Nothing here knows about kinds, findings or
formats: it answers "what does the builder receive?".
"""
