#!/usr/bin/env bash
# Lists what a real buildah (`buildah bud`, the engine behind `podman build`)
# puts into the image from build context CTX: builds `FROM scratch` +
# `COPY . /ctx/` and prints `path<TAB>size` of every regular file and symlink
# under /ctx, sorted with LC_ALL=C (same format as
# /work/shared/docker-oracle/context-files.sh).
#
# usage: context-files-buildah.sh [options] CTX [extra bud args...]
#   -i, --dockerfile-in-ctx REL  use CTX/REL as the Dockerfile (passed as -f CTX/REL)
#   -f, --dockerfile PATH        use PATH as the Dockerfile (passed as -f PATH, as given)
#   -n, --no-dockerfile          pass no -f: buildah discovers CTX/Containerfile or
#                                CTX/Dockerfile, or the extra args carry their own -f
#   -d, --list DIR               directory of the image to list (default /ctx; "/" = all)
#   -t, --types                  list every entry (dirs, fifos, devices too) with two
#                                more columns: type f l d p s c b (symlinks: "l -> target")
#                                and octal permission bits; dirs print size "-"
#   -k, --keep                   keep the image and container; print the mount on stderr
#   -v, --verbose                show buildah's build log on stderr even on success
# Default Dockerfile: a generated `FROM scratch\nCOPY . /ctx/` outside CTX.
# CTX and -f/-i paths are passed to buildah as given (relative paths are relative
# to the current directory, which matters for buildah's ignore-file lookup).
#
# Environment: BUILDAH (default buildah), BUILDAH_STORAGE_DRIVER (default vfs),
# BUILDAH_ISOLATION (default chroot). Needs root (rootful storage).
# Exit status: 0 and the listing on success; 1 and buildah's log on stderr when
# the build fails; 2 for usage errors.
set -euo pipefail
export LC_ALL=C

BUILDAH=${BUILDAH:-buildah}
driver=${BUILDAH_STORAGE_DRIVER:-vfs}
isolation=${BUILDAH_ISOLATION:-chroot}
dfmode=generate; dfpath=""; listdir=/ctx; types=0; keep=0; verbose=0

usage() { sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0" >&2; exit 2; }
while [ $# -gt 0 ]; do
  case $1 in
    -i|--dockerfile-in-ctx) [ $# -ge 2 ] || usage; dfmode=inctx; dfpath=$2; shift 2 ;;
    -f|--dockerfile) [ $# -ge 2 ] || usage; dfmode=given; dfpath=$2; shift 2 ;;
    -n|--no-dockerfile) dfmode=none; shift ;;
    -d|--list) [ $# -ge 2 ] || usage; listdir=$2; shift 2 ;;
    -t|--types) types=1; shift ;;
    -k|--keep) keep=1; shift ;;
    -v|--verbose) verbose=1; shift ;;
    -h|--help) usage ;;
    --) shift; break ;;
    -*) echo "unknown option $1" >&2; usage ;;
    *) break ;;
  esac
done
[ $# -ge 1 ] || usage
ctx=$1; shift
[ -d "$ctx" ] || { echo "not a directory: $ctx" >&2; exit 2; }

B=("$BUILDAH" --storage-driver "$driver")
work=$(mktemp -d /tmp/ctxfiles-buildah.XXXXXX)
name="ctxaudit-oracle-$$-${RANDOM}${RANDOM}"
cid=""; iid=""
cleanup() {
  local rc=$?
  if [ "$keep" = 0 ]; then
    [ -n "$cid" ] && "${B[@]}" rm "$cid" >/dev/null 2>&1 || true
    [ -n "$iid" ] && "${B[@]}" rmi -f "$iid" >/dev/null 2>&1 || true
  fi
  rm -rf "$work"
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

fargs=()
case $dfmode in
  generate) printf 'FROM scratch\nCOPY . /ctx/\n' > "$work/Dockerfile"; fargs=(-f "$work/Dockerfile") ;;
  inctx)    fargs=(-f "$ctx/$dfpath") ;;
  given)    fargs=(-f "$dfpath") ;;
  none)     fargs=() ;;
esac

# --layers=false: no intermediate images left behind; --force-rm: no working
# containers left behind when a step fails; --pull=never: nothing can be pulled.
if ! "${B[@]}" bud --isolation "$isolation" --layers=false --force-rm --pull=never \
      --iidfile "$work/iid" -t "localhost/$name" "${fargs[@]}" "$@" "$ctx" >"$work/log" 2>&1; then
  cat "$work/log" >&2
  # an image can exist even when bud failed late (it cannot with this Dockerfile)
  [ -s "$work/iid" ] && iid=$(cat "$work/iid")
  exit 1
fi
[ "$verbose" = 1 ] && cat "$work/log" >&2
iid=$(cat "$work/iid")
cid=$("${B[@]}" from --pull=never --name "$name" "$iid")
mnt=$("${B[@]}" mount "$cid")
[ "$keep" = 1 ] && echo "kept: image $iid container $cid mount $mnt" >&2

root="$mnt/${listdir#/}"
[ -d "$root" ] || { echo "note: $listdir does not exist in the image" >&2; exit 0; }
cd "$root"
if [ "$types" = 1 ]; then
  find . -mindepth 1 -printf '%P\t%s\t%y\t%l\t%m\n' | awk -F'\t' 'BEGIN{OFS="\t"} {t=$3; if (t=="l") print $1, $2, t " -> " $4, $5; else if (t=="d") print $1, "-", t, $5; else print $1, $2, t, $5}' | sort
else
  find . -mindepth 1 \( -type f -o -type l \) -printf '%P\t%s\n' | sort
fi
