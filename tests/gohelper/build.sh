#!/usr/bin/env bash
# Builds gohelper with Debian's Go and the real moby/patternmatcher (GOPATH
# mode, no network). Prints nothing and exits 1 when Go or the package is
# missing; install them with:
#   apt-get install golang-go golang-github-moby-patternmatcher-dev
set -euo pipefail
out=${1:?usage: build.sh OUT_BINARY}
command -v go >/dev/null || exit 1
[ -d /usr/share/gocode/src/github.com/moby/patternmatcher ] || exit 1
cd "$(dirname "$0")"
GO111MODULE=off GOPATH=/usr/share/gocode GOCACHE=${GOCACHE:-/tmp/go-cache} go build -o "$out" .
