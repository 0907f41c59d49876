# shellcheck shell=bash
# Private PostgreSQL cluster for development and tests.
#
# Source this file, then:
#   pg_start <dir> [port]   create (initdb) or reuse the cluster in <dir>/data, start it on
#                           127.0.0.1 (a free port unless one is given), create role and
#                           database `boochat` and export DATABASE_URL.
#   pg_stop <dir>           stop it (fast shutdown); does nothing when it is not running.
#   pg_status <dir>         exit 0 when the cluster in <dir> accepts connections.
#   boo_free_port           print a free TCP port on 127.0.0.1.
#
# Layout of <dir>: data/ (PGDATA), pg.log (server log), run/ (unix socket, when the path
# is short enough), port and database_url (last values, for other shells).
#
# PostgreSQL refuses to run as root, so as root the server runs as the `postgres` user
# (or a system user `boopg`, created when `postgres` does not exist).
#
# Environment:
#   BOO_PG_FAST=1            initdb --no-sync and fsync=off (throwaway clusters only)
#   BOO_PG_START_TIMEOUT=60  seconds to wait for the server to accept connections

if [[ -n "${_BOO_PG_SH:-}" ]]; then return 0; fi
_BOO_PG_SH=1

_pg_log() { printf '[pg] %s\n' "$*" >&2; }

# Print the directory holding initdb/pg_ctl/postgres: PATH first (symlinks resolved so
# that the tools of one installation are used together), then /usr/lib/postgresql/*/bin.
pg_bindir() {
	local initdb dir
	if initdb=$(command -v initdb 2>/dev/null); then
		dir=$(dirname "$(readlink -f "$initdb")")
		if [[ -x "$dir/pg_ctl" && -x "$dir/postgres" ]]; then
			printf '%s\n' "$dir"
			return 0
		fi
	fi
	dir=$(find /usr/lib/postgresql -mindepth 2 -maxdepth 2 -type d -name bin 2>/dev/null | sort -V | tail -n 1)
	if [[ -n "$dir" && -x "$dir/initdb" && -x "$dir/pg_ctl" ]]; then
		printf '%s\n' "$dir"
		return 0
	fi
	_pg_log "PostgreSQL server binaries (initdb, pg_ctl, postgres) not found on PATH nor in /usr/lib/postgresql/*/bin."
	_pg_log "Install them with: apt-get install postgresql   (Debian/Ubuntu; PostgreSQL 15 or newer)"
	return 1
}

# Print a client tool (psql, pg_isready) from PATH or from the server's bin dir.
_pg_tool() {
	local name=$1 bindir
	if command -v "$name" >/dev/null 2>&1; then
		command -v "$name"
		return 0
	fi
	bindir=$(pg_bindir) || return 1
	if [[ -x "$bindir/$name" ]]; then
		printf '%s\n' "$bindir/$name"
		return 0
	fi
	_pg_log "$name not found; install it with: apt-get install postgresql-client"
	return 1
}

boo_free_port() {
	if command -v python3 >/dev/null 2>&1; then
		python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()'
		return
	fi
	# No python: probe random high ports until one refuses connections.
	local try port
	for try in $(seq 1 200); do
		port=$((20000 + (RANDOM * 32768 + RANDOM) % 40000))
		if ! _boo_port_open 127.0.0.1 "$port"; then
			printf '%s\n' "$port"
			return 0
		fi
		: "$try"
	done
	_pg_log "could not find a free TCP port"
	return 1
}

# Exit 0 when something accepts TCP connections on host:port.
_boo_port_open() {
	local host=$1 port=$2
	# shellcheck disable=SC2016 # $0/$1 expand in the inner shell
	if command -v timeout >/dev/null 2>&1; then
		timeout 1 bash -c 'exec 3<>"/dev/tcp/$0/$1"' "$host" "$port" 2>/dev/null
	else
		bash -c 'exec 3<>"/dev/tcp/$0/$1"' "$host" "$port" 2>/dev/null
	fi
}

# The OS user that runs the server: the current user, or as root `postgres`/`boopg`.
_pg_os_user() {
	if [[ $EUID -ne 0 ]]; then
		id -un
		return 0
	fi
	if id -u postgres >/dev/null 2>&1; then
		echo postgres
		return 0
	fi
	if ! id -u boopg >/dev/null 2>&1; then
		_pg_log "creating system user boopg to run PostgreSQL (it refuses to run as root)"
		useradd --system --user-group --no-create-home --home-dir /nonexistent \
			--shell /usr/sbin/nologin boopg || return 1
	fi
	echo boopg
}

# Run a command as the server's OS user (owner of <dir>/data when it exists).
_pg_as() {
	local user=$1
	shift
	if [[ $EUID -eq 0 && "$user" != root ]]; then
		# cd / so the tools don't complain about an unreadable cwd (/root)
		(cd / && runuser -u "$user" -- "$@")
	else
		"$@"
	fi
}

# As root: make sure $user can reach and write <dir>; adds o+x to ancestors that the
# user cannot traverse (e.g. /root or a mktemp dir), never read permission.
_pg_grant_dir() {
	local user=$1 dir=$2 d
	[[ $EUID -eq 0 && "$user" != root ]] || return 0
	chown -R "$user:" "$dir" || return 1
	d=$dir
	while [[ "$d" != / ]]; do
		d=$(dirname "$d")
		if ! runuser -u "$user" -- test -x "$d" 2>/dev/null; then
			_pg_log "making $d traversable (o+x) for user $user"
			chmod o+x "$d" || return 1
		fi
	done
	if ! runuser -u "$user" -- test -w "$dir"; then
		_pg_log "user $user cannot write $dir"
		return 1
	fi
}

# Read the port of a running cluster from postmaster.pid (4th line).
_pg_running_port() {
	local data=$1
	[[ -f "$data/postmaster.pid" ]] || return 1
	sed -n 4p "$data/postmaster.pid"
}

_pg_is_running() {
	local dir=$1 bindir user
	[[ -f "$dir/data/PG_VERSION" && -f "$dir/data/postmaster.pid" ]] || return 1
	bindir=$(pg_bindir) || return 1
	user=$(stat -c %U "$dir/data")
	_pg_as "$user" "$bindir/pg_ctl" -D "$dir/data" status >/dev/null 2>&1
}

pg_start() {
	if [[ $# -lt 1 || $# -gt 2 ]]; then
		_pg_log "usage: pg_start <dir> [port]"
		return 2
	fi
	local dir=$1 want_port=${2:-} bindir user data port sockdir attempt started=0
	local timeout=${BOO_PG_START_TIMEOUT:-60}
	mkdir -p "$dir" || return 1
	dir=$(cd "$dir" && pwd -P) || return 1
	data=$dir/data
	bindir=$(pg_bindir) || return 1
	user=$(_pg_os_user) || return 1

	if _pg_is_running "$dir"; then
		port=$(_pg_running_port "$data")
		_pg_log "cluster in $data already running on port $port"
	else
		mkdir -p "$data" || return 1
		_pg_grant_dir "$user" "$dir" || return 1
		if [[ ! -f "$data/PG_VERSION" ]]; then
			_pg_log "initdb $data (as $user)"
			local -a init_args=(-D "$data" --username=postgres --auth-local=trust --auth-host=trust
				--encoding=UTF8 --locale=C)
			if [[ "${BOO_PG_FAST:-0}" == 1 ]]; then init_args+=(--no-sync); fi
			if ! _pg_as "$user" "$bindir/initdb" "${init_args[@]}" >"$dir/initdb.log" 2>&1; then
				cat "$dir/initdb.log" >&2
				_pg_log "initdb failed"
				return 1
			fi
			# Our per-start settings live in boo.conf, included last.
			printf "\ninclude_if_exists = 'boo.conf'\n" >>"$data/postgresql.conf"
		fi
		# A stale postmaster.pid from a killed server: pg_ctl handles it, but a foreign
		# pid that happens to be alive would block start; report clearly then.
		for attempt in 1 2 3; do
			port=$want_port
			if [[ -z "$port" ]]; then
				local previous=""
				[[ -f "$dir/port" ]] && previous=$(<"$dir/port")
				if [[ $attempt -eq 1 && -n "$previous" ]] && ! _boo_port_open 127.0.0.1 "$previous"; then
					port=$previous # keep the URL stable across runs when we can
				else
					port=$(boo_free_port) || return 1
				fi
			elif _boo_port_open 127.0.0.1 "$port"; then
				_pg_log "port $port on 127.0.0.1 is already in use"
				return 1
			fi
			# Unix socket inside <dir> unless the path would exceed the 107-byte limit
			# of sun_path; then TCP only (everything here connects over 127.0.0.1).
			sockdir=$dir/run
			if ((${#sockdir} + ${#port} + 10 > 100)); then
				sockdir=""
			else
				mkdir -p "$sockdir" && _pg_grant_dir "$user" "$sockdir" || return 1
			fi
			{
				echo "# written by deploy/lib/pg.sh at every start"
				echo "listen_addresses = '127.0.0.1'"
				echo "port = $port"
				echo "unix_socket_directories = '$sockdir'"
				echo "max_connections = 200"
				if [[ "${BOO_PG_FAST:-0}" == 1 ]]; then
					echo "fsync = off"
					echo "synchronous_commit = off"
					echo "full_page_writes = off"
				fi
			} >"$data/boo.conf"
			[[ $EUID -eq 0 ]] && chown "$user:" "$data/boo.conf"
			touch "$dir/pg.log" && _pg_grant_dir "$user" "$dir/pg.log" || return 1
			_pg_log "starting PostgreSQL on 127.0.0.1:$port (log: $dir/pg.log)"
			if _pg_as "$user" "$bindir/pg_ctl" -D "$data" -l "$dir/pg.log" -w -t "$timeout" start >/dev/null; then
				started=1
				break
			fi
			_pg_log "pg_ctl start failed (attempt $attempt); last log lines:"
			tail -n 15 "$dir/pg.log" >&2
			# Only retry when we picked the port ourselves (it may have been taken).
			[[ -z "$want_port" ]] || break
		done
		if [[ $started -ne 1 ]]; then
			return 1
		fi
	fi

	local isready psql deadline
	isready=$(_pg_tool pg_isready) || return 1
	psql=$(_pg_tool psql) || return 1
	deadline=$((SECONDS + timeout))
	until "$isready" -q -h 127.0.0.1 -p "$port" -d postgres -U postgres; do
		if ((SECONDS >= deadline)); then
			_pg_log "server on port $port not ready after ${timeout}s; log tail:"
			tail -n 20 "$dir/pg.log" >&2
			return 1
		fi
		sleep 0.2
	done

	# Role and database, idempotently. CREATEDB lets #[sqlx::test] make its databases.
	if ! "$psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U postgres -d postgres >/dev/null <<'SQL'; then
DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'boochat') THEN
    CREATE ROLE boochat LOGIN CREATEDB;
  ELSE
    ALTER ROLE boochat LOGIN CREATEDB;
  END IF;
END
$$;
SELECT 'CREATE DATABASE boochat OWNER boochat'
WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'boochat')\gexec
SQL
		_pg_log "creating role/database boochat failed"
		return 1
	fi

	export DATABASE_URL="postgres://boochat@127.0.0.1:$port/boochat"
	export BOO_PG_PORT=$port
	printf '%s\n' "$port" >"$dir/port"
	printf '%s\n' "$DATABASE_URL" >"$dir/database_url"
	_pg_log "ready: DATABASE_URL=$DATABASE_URL"
}

pg_stop() {
	if [[ $# -ne 1 ]]; then
		_pg_log "usage: pg_stop <dir>"
		return 2
	fi
	local dir=$1 data bindir user
	[[ -d "$dir" ]] || return 0
	dir=$(cd "$dir" && pwd -P) || return 1
	data=$dir/data
	[[ -f "$data/PG_VERSION" && -f "$data/postmaster.pid" ]] || return 0
	bindir=$(pg_bindir) || return 1
	user=$(stat -c %U "$data")
	if ! _pg_as "$user" "$bindir/pg_ctl" -D "$data" status >/dev/null 2>&1; then
		return 0
	fi
	_pg_log "stopping PostgreSQL in $data"
	if _pg_as "$user" "$bindir/pg_ctl" -D "$data" -m fast -w -t 30 stop >/dev/null; then
		return 0
	fi
	_pg_log "fast shutdown did not finish in 30s; immediate shutdown"
	_pg_as "$user" "$bindir/pg_ctl" -D "$data" -m immediate -w -t 15 stop >/dev/null
}

pg_status() {
	local dir=$1 port isready
	[[ -d "$dir" ]] || return 1
	_pg_is_running "$dir" || return 1
	port=$(_pg_running_port "$dir/data") || return 1
	isready=$(_pg_tool pg_isready) || return 1
	"$isready" -q -h 127.0.0.1 -p "$port" -d postgres -U postgres
}
