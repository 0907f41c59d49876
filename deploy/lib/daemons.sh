# shellcheck shell=bash
# Build and run the three BooCode daemons (boochat, booterm, boocoder).
#
# Source this file (with the repo root as BOO_ROOT, or let it find the root), then:
#   web_deps                npm ci at the repo root (the one npm workspace: package.json
#                           `workspaces`, one package-lock.json) unless node_modules is current
#   web_build               web_deps + npm run build in boochat/web boocoder/web booterm/web
#   boo_build               cargo build --workspace --bins (debug; BOO_PROFILE=release opts in;
#                           skipped when BOO_BIN_DIR points at prebuilt binaries)
#   daemons_start <rundir>  start `<bin> serve` for the three, wait for /healthz = 200
#   daemons_stop <rundir>   SIGTERM, up to 15s, then SIGKILL; idempotent (also stops the
#                           fake LLM and the Caddy of <rundir>)
#   daemons_status <rundir> one line per daemon (plus fake-llm and caddy when present)
#   boo_free_ports <n>      n distinct free TCP ports on 127.0.0.1
#   boo_tmux_kill <rundir>  kill the stack's own tmux server (TMUX_TMPDIR per rundir)
#
# Daemon configuration comes from the environment (see deploy/boocode.example.toml):
#   DATABASE_URL -> BOO_DATABASE__URL (unless that is set), BOO_AUTH__MODE defaults to
#   `none`, BOO_{CHAT,TERM,CODER}__{HTTP,GRPC}_ADDR default to the contract's ports.
# Other knobs: BOO_BIN_DIR (where the binaries are; default: the cargo target dir for
# BOO_PROFILE), BOO_HEALTH_TIMEOUT (seconds, default 60), BOO_STOP_TIMEOUT (default 15).
#
# Fake model server: with BOO_FAKE_LLM=1 and no BOO_LLM__BASE_URL, daemons_start first
# runs `boo-fake-llm` (crate boo-testkit; it thinks about, then echoes, the last user
# message) on a free loopback port and points the daemons at it; daemons_stop stops it
# after them. BOO_FAKE_LLM_DELAY_MS (default 0) slows its streaming down for demos.
# daemons_start leaves its URL in BOO_FAKE_LLM_URL (and <rundir>/fake-llm.addr).
#
# Scripted coding agent: with BOO_FAKE_ACP=1 (default: the value of BOO_FAKE_LLM) and no
# BOO_CODER__PROVIDERS_FILE, daemons_start writes <rundir>/providers.toml with one custom
# ACP provider `fake` running `boo-fake-acp` (crate boo-testkit; it obeys `say`, `think`,
# `tool`, `write`, `ask`, `elicit`, `slow`, `crash` lines in the prompt) and points
# boocoder at it. boocoder keeps its session worktrees in BOO_CODER__WORKTREE_ROOT,
# default <rundir>/worktrees (the built-in default, /var/lib/boocode/worktrees, is for
# the systemd units).
#
# Plain shells for booterm: with BOO_TERM_PLAIN_SHELL=1 and no BOO_TERM__SHELL,
# daemons_start writes <rundir>/plain-shell (bash --noprofile --norc, HOME=<rundir>/home,
# prompt `$ `) and makes it booterm's term.shell, with term.default_cwd <rundir>/home
# unless BOO_TERM__DEFAULT_CWD is set. The host user's dotfiles (prompts, motd, pyenv or
# nvm init, a stale lock one of them waits on) stay out of the browser tests' terminals.

if [[ -n "${_BOO_DAEMONS_SH:-}" ]]; then return 0; fi
_BOO_DAEMONS_SH=1

# shellcheck source=deploy/lib/pg.sh
source "$(dirname "${BASH_SOURCE[0]}")/pg.sh"
# The dev/test Caddy in front of the daemons (caddy_config, caddy_start, caddy_stop).
# shellcheck source=deploy/lib/caddy.sh
source "$(dirname "${BASH_SOURCE[0]}")/caddy.sh"

BOO_ROOT=${BOO_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)}
# Shared by deploy/dev, deploy/test and CI, so each reuses the others' builds.
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-${HOME:-$(getent passwd "$(id -u)" | cut -d: -f6)}/.cache/boocode/target}
BOO_DAEMONS=(boochat booterm boocoder)
# The clients each daemon embeds (built into <dir>/dist), and every workspace package
# with unit tests and a typecheck (shared/web is the shared browser package).
BOO_WEB_DIRS=(boochat/web boocoder/web booterm/web)
BOO_WEB_PACKAGES=(shared/web boochat/web boocoder/web booterm/web)

_boo_log() { printf '[boo] %s\n' "$*" >&2; }

# Monotonic-enough wall clock in microseconds (bash >= 5), for sub-second deadlines.
_boo_now_us() { local t=${EPOCHREALTIME/[.,]/}; printf '%s\n' "$((10#$t))"; }
_boo_deadline() { printf '%s\n' "$(($(_boo_now_us) + $1 * 1000000))"; }
_boo_past() { (($(_boo_now_us) >= $1)); }

# Print what <log> got since byte offset <from> (this run only), last 40 lines.
_boo_log_tail() {
	local log=$1 from=${2:-0}
	tail -c "+$((from + 1))" "$log" 2>/dev/null | tail -n 40 >&2 || true
}

# Default addresses, in the order of BOO_DAEMONS.
_boo_default_addr() {
	case "$1:$2" in
	boochat:http) echo 127.0.0.1:9500 ;;
	boochat:grpc) echo 127.0.0.1:9510 ;;
	booterm:http) echo 127.0.0.1:9501 ;;
	booterm:grpc) echo 127.0.0.1:9511 ;;
	boocoder:http) echo 127.0.0.1:9502 ;;
	boocoder:grpc) echo 127.0.0.1:9512 ;;
	*) return 1 ;;
	esac
}

# Name of the env var holding a daemon's address: boochat http -> BOO_CHAT__HTTP_ADDR.
_boo_addr_var() {
	local section=${1#boo}
	printf 'BOO_%s__%s_ADDR\n' "${section^^}" "${2^^}"
}

# Effective address of a daemon listener (env override or default).
boo_addr() {
	local var
	var=$(_boo_addr_var "$1" "$2")
	if [[ -n "${!var:-}" ]]; then
		printf '%s\n' "${!var}"
	else
		_boo_default_addr "$1" "$2"
	fi
}

# host:port to a host a client can connect to (wildcards -> loopback).
_boo_client_host() {
	local addr=$1 host
	host=${addr%:*}
	case "$host" in
	0.0.0.0 | "") host=127.0.0.1 ;;
	"[::]") host="[::1]" ;;
	esac
	printf '%s:%s\n' "$host" "${addr##*:}"
}

# Print N distinct free TCP ports on 127.0.0.1, one per line.
boo_free_ports() {
	local n=$1 port i
	if command -v python3 >/dev/null 2>&1; then
		# Hold all sockets open at once so the ports are distinct.
		python3 -c 'import socket, sys
socks = [socket.socket() for _ in range(int(sys.argv[1]))]
for s in socks:
    s.bind(("127.0.0.1", 0))
print("\n".join(str(s.getsockname()[1]) for s in socks))
for s in socks:
    s.close()' "$n"
		return
	fi
	local -A seen=()
	for ((i = 0; i < n; )); do
		port=$(boo_free_port) || return 1
		[[ -z "${seen[$port]:-}" ]] || continue
		seen[$port]=1
		printf '%s\n' "$port"
		i=$((i + 1))
	done
}

boo_http_url() { printf 'http://%s/\n' "$(_boo_client_host "$(boo_addr "$1" http)")"; }

boo_bin_dir() {
	if [[ -n "${BOO_BIN_DIR:-}" ]]; then
		printf '%s\n' "$BOO_BIN_DIR"
	elif [[ "${BOO_PROFILE:-debug}" == release ]]; then
		printf '%s\n' "$CARGO_TARGET_DIR/release"
	else
		printf '%s\n' "$CARGO_TARGET_DIR/debug"
	fi
}

boo_build() {
	if [[ -n "${BOO_BIN_DIR:-}" ]]; then
		_boo_log "BOO_BIN_DIR=$BOO_BIN_DIR: using prebuilt binaries, no cargo build"
		return 0
	fi
	local -a args=(build --workspace --bins)
	if [[ "${BOO_PROFILE:-debug}" == release ]]; then args+=(--release); fi
	_boo_log "cargo ${args[*]} (CARGO_TARGET_DIR=$CARGO_TARGET_DIR)"
	(cd "$BOO_ROOT" && cargo "${args[@]}")
}

# npm ci at the repo root unless node_modules is already up to date with package-lock.json
# (npm records what it installed in node_modules/.package-lock.json).
web_deps() {
	local dir=$BOO_ROOT
	if [[ ! -f "$dir/package-lock.json" ]]; then
		_boo_log "$dir has no package-lock.json; running npm install (commit the lock file)"
		(cd "$dir" && npm install --no-audit --no-fund)
		return
	fi
	if [[ -d "$dir/node_modules" && -f "$dir/node_modules/.package-lock.json" &&
		! "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" &&
		! "$dir/package.json" -nt "$dir/node_modules/.package-lock.json" ]]; then
		return 0
	fi
	_boo_log "npm ci at the repo root (one npm workspace)"
	(cd "$dir" && npm ci --no-audit --no-fund)
}

# Build each web client into <dir>/dist. A client without package.json is skipped with
# a warning (the daemon then serves its placeholder page).
web_build() {
	local rel dir
	web_deps || return 1
	for rel in "${BOO_WEB_DIRS[@]}"; do
		dir=$BOO_ROOT/$rel
		if [[ ! -f "$dir/package.json" ]]; then
			_boo_log "warning: $rel/package.json missing; skipping its web build"
			continue
		fi
		_boo_log "npm run build in $rel"
		(cd "$dir" && npm run build) || return 1
	done
}

# Exit 0 when pid is a live (non-zombie) process whose command line mentions $2.
_boo_alive() {
	local pid=$1 name=${2:-} state
	[[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null || return 1
	if [[ -r "/proc/$pid/stat" ]]; then
		state=$(sed -E 's/^[0-9]+ \(.*\) ([A-Za-z]).*/\1/' "/proc/$pid/stat" 2>/dev/null) || true
		[[ "$state" != Z ]] || return 1
	fi
	if [[ -n "$name" && -r "/proc/$pid/cmdline" ]]; then
		tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q -- "$name" || return 1
	fi
	return 0
}

# HTTP status code of GET url (000 when nothing answers).
_boo_http_code() {
	curl --noproxy '*' -s -o /dev/null -w '%{http_code}' --connect-timeout 1 --max-time 2 "$1" || true
}

daemons_start() {
	if [[ $# -ne 1 ]]; then
		_boo_log "usage: daemons_start <rundir>"
		return 2
	fi
	local rundir=$1 bindir name kind pid addr timeout=${BOO_HEALTH_TIMEOUT:-60}
	mkdir -p "$rundir" || return 1
	rundir=$(cd "$rundir" && pwd -P) || return 1
	bindir=$(boo_bin_dir)
	local db_url=${BOO_DATABASE__URL:-${DATABASE_URL:-}}
	if [[ -z "$db_url" ]]; then
		_boo_log "neither BOO_DATABASE__URL nor DATABASE_URL is set"
		return 1
	fi

	local fake_acp=0
	if [[ "${BOO_FAKE_ACP:-${BOO_FAKE_LLM:-0}}" == 1 ]]; then
		if [[ -n "${BOO_CODER__PROVIDERS_FILE:-}" ]]; then
			_boo_log "scripted agent not configured: BOO_CODER__PROVIDERS_FILE=$BOO_CODER__PROVIDERS_FILE is set"
		else
			fake_acp=1
		fi
	fi

	local fake_llm=0
	if [[ "${BOO_FAKE_LLM:-0}" == 1 ]]; then
		if [[ -n "${BOO_LLM__BASE_URL:-}" ]]; then
			_boo_log "BOO_FAKE_LLM=1 ignored: BOO_LLM__BASE_URL=$BOO_LLM__BASE_URL is set"
		else
			fake_llm=1
		fi
	fi

	# Check everything before starting anything.
	if ((fake_llm)) && [[ ! -x "$bindir/$BOO_FAKE_LLM_BIN" ]]; then
		_boo_log "$bindir/$BOO_FAKE_LLM_BIN not found (cargo build -p boo-testkit --bins, or set BOO_BIN_DIR)"
		return 1
	fi
	if ((fake_acp)) && [[ ! -x "$bindir/$BOO_FAKE_ACP_BIN" ]]; then
		_boo_log "$bindir/$BOO_FAKE_ACP_BIN not found (cargo build -p boo-testkit --bins, or set BOO_BIN_DIR)"
		return 1
	fi
	for name in "${BOO_DAEMONS[@]}"; do
		if [[ ! -x "$bindir/$name" ]]; then
			_boo_log "$bindir/$name not found or not executable (run boo_build, or set BOO_BIN_DIR)"
			return 1
		fi
		if [[ -f "$rundir/$name.pid" ]]; then
			pid=$(<"$rundir/$name.pid")
			if _boo_alive "$pid" "$name"; then
				_boo_log "$name already running (pid $pid); stop it first (daemons_stop $rundir)"
				return 1
			fi
			rm -f "$rundir/$name.pid"
		fi
		for kind in http grpc; do
			addr=$(_boo_client_host "$(boo_addr "$name" "$kind")")
			if _boo_port_open "${addr%:*}" "${addr##*:}"; then
				_boo_log "$name $kind address $addr is already in use (override with $(_boo_addr_var "$name" "$kind"))"
				return 1
			fi
		done
	done

	# booterm's tmux server belongs to this stack, not to the user's own tmux (nor to
	# another stack: dev and test side by side must not see each other's sessions).
	local tmux_dir
	tmux_dir=$(boo_tmux_dir "$rundir")
	mkdir -p "$tmux_dir" && chmod 700 "$tmux_dir" || return 1

	# Every daemon gets every address, so each knows where its peers' gRPC listens.
	local -a envs=("BOO_DATABASE__URL=$db_url" "BOO_AUTH__MODE=${BOO_AUTH__MODE:-none}"
		"TMUX_TMPDIR=$tmux_dir")
	for name in "${BOO_DAEMONS[@]}"; do
		for kind in http grpc; do
			envs+=("$(_boo_addr_var "$name" "$kind")=$(boo_addr "$name" "$kind")")
		done
	done

	local worktrees=${BOO_CODER__WORKTREE_ROOT:-$rundir/worktrees}
	mkdir -p "$worktrees" || return 1
	envs+=("BOO_CODER__WORKTREE_ROOT=$worktrees")
	if ((fake_acp)); then
		fake_acp_providers "$rundir" "$bindir" || return 1
		envs+=("BOO_CODER__PROVIDERS_FILE=$rundir/providers.toml")
	fi

	if [[ "${BOO_TERM_PLAIN_SHELL:-0}" == 1 ]]; then
		if [[ -n "${BOO_TERM__SHELL:-}" ]]; then
			_boo_log "BOO_TERM_PLAIN_SHELL=1 ignored: BOO_TERM__SHELL=$BOO_TERM__SHELL is set"
		else
			plain_shell "$rundir" || return 1
			envs+=("BOO_TERM__SHELL=$rundir/plain-shell")
			[[ -n "${BOO_TERM__DEFAULT_CWD:-}" ]] || envs+=("BOO_TERM__DEFAULT_CWD=$rundir/home")
		fi
	fi

	if ((fake_llm)); then
		fake_llm_start "$rundir" || return 1
		envs+=("BOO_LLM__BASE_URL=$BOO_FAKE_LLM_URL")
	fi

	local -A log_from=()
	for name in "${BOO_DAEMONS[@]}"; do
		local log=$rundir/$name.log
		log_from[$name]=$(stat -c %s "$log" 2>/dev/null || echo 0)
		{
			printf '\n===== %s %s serve (%s) =====\n' "$(date -Is)" "$name" "$bindir/$name"
		} >>"$log"
		# Own session (setsid): a Ctrl-C in the terminal reaches the runner's trap, which
		# then stops the daemons in order, instead of hitting everything at once.
		(
			cd "$rundir" || exit 1
			# The child records its own pid: setsid forks when the caller has job control.
			# shellcheck disable=SC2016 # expanded by the inner shell
			exec env -u TMUX -u TMUX_PANE "${envs[@]}" setsid bash -c 'echo "$$" >"$1.tmp" && mv "$1.tmp" "$1" && exec "$0" serve' \
				"$bindir/$name" "$rundir/$name.pid" </dev/null >>"$log" 2>&1
		) &
		local waited
		waited=$(_boo_deadline 10)
		until [[ -s "$rundir/$name.pid" ]]; do
			if _boo_past "$waited"; then
				_boo_log "$name did not start (no pid file after 10s); log tail:"
				_boo_log_tail "$log" "${log_from[$name]}"
				daemons_stop "$rundir"
				return 1
			fi
			sleep 0.05
		done
		pid=$(<"$rundir/$name.pid")
		printf 'http=%s grpc=%s\n' "$(boo_addr "$name" http)" "$(boo_addr "$name" grpc)" >"$rundir/$name.addr"
		_boo_log "started $name (pid $pid, http $(boo_addr "$name" http), grpc $(boo_addr "$name" grpc), log $log)"
	done

	# Wait for every /healthz to answer 200, polling each 0.2s, bounded.
	local deadline code
	deadline=$(_boo_deadline "$timeout")
	local -A healthy=()
	while ((${#healthy[@]} < ${#BOO_DAEMONS[@]})); do
		for name in "${BOO_DAEMONS[@]}"; do
			[[ -z "${healthy[$name]:-}" ]] || continue
			pid=$(<"$rundir/$name.pid")
			if ! _boo_alive "$pid"; then
				_boo_log "$name exited before becoming healthy; last lines of $rundir/$name.log:"
				_boo_log_tail "$rundir/$name.log" "${log_from[$name]}"
				daemons_stop "$rundir"
				return 1
			fi
			code=$(_boo_http_code "$(boo_http_url "$name")healthz")
			if [[ "$code" == 200 ]]; then
				healthy[$name]=1
				_boo_log "$name healthy at $(boo_http_url "$name")"
			fi
		done
		((${#healthy[@]} < ${#BOO_DAEMONS[@]})) || break
		if _boo_past "$deadline"; then
			for name in "${BOO_DAEMONS[@]}"; do
				[[ -z "${healthy[$name]:-}" ]] || continue
				_boo_log "$name not healthy after ${timeout}s (last /healthz: $(_boo_http_code "$(boo_http_url "$name")healthz")); last lines of $rundir/$name.log:"
				_boo_log_tail "$rundir/$name.log" "${log_from[$name]}"
			done
			daemons_stop "$rundir"
			return 1
		fi
		sleep 0.2
	done
}

# TMUX_TMPDIR of the stack in <rundir>: <rundir>/tmux, or a short fixed path under /tmp
# when that would push tmux's socket path past the 107-byte unix socket limit.
boo_tmux_dir() {
	local rundir=$1
	if ((${#rundir} <= 70)); then
		printf '%s/tmux\n' "$rundir"
	else
		printf '/tmp/boo-tmux-%s\n' "$(printf '%s' "$rundir" | cksum | cut -d' ' -f1)"
	fi
}

# Kill the tmux server(s) of a throwaway stack (deploy/test). deploy/dev leaves them:
# terminal sessions outlive daemon restarts by design.
boo_tmux_kill() {
	boo_tmux_kill_dir "$(boo_tmux_dir "$1")"
}

# Kill every tmux server whose socket lives under TMUX_TMPDIR <dir>, then remove it.
boo_tmux_kill_dir() {
	local dir=$1 sock
	[[ -d "$dir" ]] || return 0
	if command -v tmux >/dev/null 2>&1; then
		for sock in "$dir"/tmux-*/*; do
			[[ -S "$sock" ]] || continue
			tmux -S "$sock" kill-server 2>/dev/null || true
		done
	fi
	rm -rf "$dir"
}

daemons_stop() {
	if [[ $# -ne 1 ]]; then
		_boo_log "usage: daemons_stop <rundir>"
		return 2
	fi
	local rundir=$1 name pid timeout=${BOO_STOP_TIMEOUT:-15}
	[[ -d "$rundir" ]] || return 0
	local -A pids=()
	for name in "${BOO_DAEMONS[@]}"; do
		[[ -f "$rundir/$name.pid" ]] || continue
		pid=$(<"$rundir/$name.pid")
		if _boo_alive "$pid" "$name"; then
			pids[$name]=$pid
			_boo_log "stopping $name (pid $pid)"
			kill -TERM "$pid" 2>/dev/null || true
		else
			rm -f "$rundir/$name.pid"
		fi
	done
	local deadline
	deadline=$(_boo_deadline "$timeout")
	while ((${#pids[@]} > 0)); do
		for name in "${!pids[@]}"; do
			if ! _boo_alive "${pids[$name]}"; then
				wait "${pids[$name]}" 2>/dev/null || true
				unset "pids[$name]"
				rm -f "$rundir/$name.pid"
			fi
		done
		((${#pids[@]} > 0)) || break
		if _boo_past "$deadline"; then
			for name in "${!pids[@]}"; do
				_boo_log "$name (pid ${pids[$name]}) still running after ${timeout}s; SIGKILL"
				# The daemon leads its own process group (setsid): take its children too.
				kill -KILL -- "-${pids[$name]}" 2>/dev/null || kill -KILL "${pids[$name]}" 2>/dev/null || true
				wait "${pids[$name]}" 2>/dev/null || true
				rm -f "$rundir/$name.pid"
			done
			break
		fi
		sleep 0.2
	done
	fake_llm_stop "$rundir"
	caddy_stop "$rundir"
	return 0
}

# ---------------------------------------------------------------- scripted coding agent

BOO_FAKE_ACP_BIN=boo-fake-acp

# TOML basic string of $1 (backslashes and quotes escaped).
_boo_toml_str() {
	local v=${1//\\/\\\\}
	printf '"%s"' "${v//\"/\\\"}"
}

# Write <rundir>/providers.toml: boocoder's provider `fake` is <bindir>/boo-fake-acp.
fake_acp_providers() {
	local rundir=$1 bindir=$2
	{
		printf '# Written by deploy/lib/daemons.sh (BOO_FAKE_ACP=1): the scripted ACP agent.\n'
		printf '[providers.fake]\n'
		printf 'display_name = "Scripted agent"\n'
		printf 'command = %s\n' "$(_boo_toml_str "$bindir/$BOO_FAKE_ACP_BIN")"
		printf 'args = []\n'
	} >"$rundir/providers.toml.tmp" && mv "$rundir/providers.toml.tmp" "$rundir/providers.toml" || return 1
	_boo_log "boocoder provider fake = $bindir/$BOO_FAKE_ACP_BIN ($rundir/providers.toml)"
}

# ---------------------------------------------------------------- plain shell for booterm

# Write <rundir>/plain-shell: bash without the user's dotfiles, HOME <rundir>/home.
plain_shell() {
	local rundir=$1 home
	home=$rundir/home
	mkdir -p "$home" || return 1
	{
		printf '#!/bin/sh\n'
		printf '# Written by deploy/lib/daemons.sh (BOO_TERM_PLAIN_SHELL=1): booterm shells without dotfiles.\n'
		printf "HOME='%s' PS1='$ ' exec /bin/bash --noprofile --norc\n" "${home//\'/\'\\\'\'}"
	} >"$rundir/plain-shell.tmp" && chmod 755 "$rundir/plain-shell.tmp" && mv "$rundir/plain-shell.tmp" "$rundir/plain-shell" || return 1
	_boo_log "booterm shell = $rundir/plain-shell (HOME $home)"
}

# ---------------------------------------------------------------- fake model server

BOO_FAKE_LLM_BIN=boo-fake-llm

# Start boo-fake-llm on a free loopback port (pid in <rundir>/fake-llm.pid, log in
# <rundir>/fake-llm.log) and wait until it answers /v1/models. Sets BOO_FAKE_LLM_URL.
fake_llm_start() {
	local rundir=$1 bindir port pid log deadline from
	bindir=$(boo_bin_dir)
	log=$rundir/fake-llm.log
	if [[ -f "$rundir/fake-llm.pid" ]]; then
		pid=$(<"$rundir/fake-llm.pid")
		if _boo_alive "$pid" "$BOO_FAKE_LLM_BIN"; then
			_boo_log "$BOO_FAKE_LLM_BIN already running (pid $pid); stop it first (daemons_stop $rundir)"
			return 1
		fi
		rm -f "$rundir/fake-llm.pid"
	fi
	port=$(boo_free_ports 1) || return 1
	from=$(stat -c %s "$log" 2>/dev/null || echo 0)
	printf '\n===== %s %s --listen 127.0.0.1:%s =====\n' "$(date -Is)" "$BOO_FAKE_LLM_BIN" "$port" >>"$log"
	(
		cd "$rundir" || exit 1
		# shellcheck disable=SC2016 # expanded by the inner shell
		exec setsid bash -c 'echo "$$" >"$1.tmp" && mv "$1.tmp" "$1" && shift && exec "$@"' \
			fake-llm "$rundir/fake-llm.pid" "$bindir/$BOO_FAKE_LLM_BIN" --listen "127.0.0.1:$port" \
			--delay-ms "${BOO_FAKE_LLM_DELAY_MS:-0}" </dev/null >>"$log" 2>&1
	) &
	BOO_FAKE_LLM_URL=http://127.0.0.1:$port/v1
	deadline=$(_boo_deadline 10)
	until [[ "$(_boo_http_code "$BOO_FAKE_LLM_URL/models")" == 200 ]]; do
		pid=$(cat "$rundir/fake-llm.pid" 2>/dev/null || true)
		if _boo_past "$deadline" || { [[ -n "$pid" ]] && ! _boo_alive "$pid"; }; then
			_boo_log "$BOO_FAKE_LLM_BIN did not answer at $BOO_FAKE_LLM_URL within 10s; log tail:"
			_boo_log_tail "$log" "$from"
			fake_llm_stop "$rundir"
			return 1
		fi
		sleep 0.05
	done
	printf 'http=127.0.0.1:%s base_url=%s\n' "$port" "$BOO_FAKE_LLM_URL" >"$rundir/fake-llm.addr"
	_boo_log "started $BOO_FAKE_LLM_BIN (pid $(<"$rundir/fake-llm.pid"), $BOO_FAKE_LLM_URL, log $log)"
}

# SIGTERM the process of <rundir>/<name>.pid (when it still runs <match>), SIGKILL
# its group after 5s; removes <name>.pid and <name>.addr. Idempotent.
_boo_stop_pidfile() {
	local rundir=$1 name=$2 match=$3 label=$4 pid deadline
	[[ -f "$rundir/$name.pid" ]] || return 0
	pid=$(<"$rundir/$name.pid")
	if _boo_alive "$pid" "$match"; then
		_boo_log "stopping $label (pid $pid)"
		kill -TERM "$pid" 2>/dev/null || true
		deadline=$(_boo_deadline 5)
		while _boo_alive "$pid"; do
			if _boo_past "$deadline"; then
				kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
				break
			fi
			sleep 0.05
		done
		wait "$pid" 2>/dev/null || true
	fi
	rm -f "$rundir/$name.pid" "$rundir/$name.addr"
}

# SIGTERM the fake model server of <rundir>, SIGKILL after 5s; idempotent.
fake_llm_stop() {
	_boo_stop_pidfile "$1" fake-llm "$BOO_FAKE_LLM_BIN" "$BOO_FAKE_LLM_BIN"
}

daemons_status() {
	local rundir=$1 name pid state rc=0
	for name in "${BOO_DAEMONS[@]}"; do
		pid=""
		[[ -f "$rundir/$name.pid" ]] && pid=$(<"$rundir/$name.pid")
		if [[ -n "$pid" ]] && _boo_alive "$pid" "$name"; then
			state="running pid $pid, /healthz $(_boo_http_code "$(boo_http_url "$name")healthz")"
		else
			state="stopped"
			rc=1
		fi
		printf '  %-9s %-40s %s\n' "$name" "$state" "$(cat "$rundir/$name.addr" 2>/dev/null || true)"
	done
	if [[ -f "$rundir/fake-llm.pid" ]]; then
		pid=$(<"$rundir/fake-llm.pid")
		if _boo_alive "$pid" "$BOO_FAKE_LLM_BIN"; then state="running pid $pid"; else state="stopped"; fi
		printf '  %-9s %-40s %s\n' fake-llm "$state" "$(cat "$rundir/fake-llm.addr" 2>/dev/null || true)"
	fi
	caddy_status "$rundir" || rc=1
	return "$rc"
}
