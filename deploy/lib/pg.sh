# shellcheck shell=bash
# Private PostgreSQL cluster for development and tests.
#
# Source this file, then:
#   pg_start <dir> [port]   create (initdb) or reuse the cluster in <dir>/data, start it on
#                           127.0.0.1 (a free port unless one is given), create role and
#                           database `boochat` and export DATABASE_URL (with the password).
#   pg_stop <dir>           stop it (fast shutdown); does nothing when it is not running.
#   pg_status <dir>         exit 0 when the cluster in <dir> accepts connections.
#   pg_redact_url <url>     the URL with its password replaced by [redacted] (for banners).
#   boo_free_port           print a free TCP port on 127.0.0.1.
#
# Layout of <dir>: data/ (PGDATA), pg.log (server log), run/ (unix socket, when the path
# is short enough), port and database_url (last values, for other shells; database_url
# carries the password, mode 0600), boochat.password and postgres.password (mode 0600).
#
# Every login needs a password (scram-sha-256), over TCP and the Unix socket: a local
# port is open to every local process, sandboxed coding agents with network on
# included, so `trust` would let any of them in as any role. The passwords of the
# roles `boochat` and `postgres` (the superuser, for pg_start's own psql calls) are
# generated at the first start and reused; pg_hba.conf is rewritten at every start. A
# cluster made with `trust` by an older pg.sh is moved over at its next start: the
# passwords are set while the old pg_hba.conf is still in force, then it is replaced
# and the server reloads.
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

# postgres://user:pw@host/db -> postgres://user:[redacted]@host/db (unchanged without one).
pg_redact_url() {
	local url=$1 scheme rest userinfo
	if [[ "$url" != *://*@* ]]; then
		printf '%s\n' "$url"
		return 0
	fi
	scheme=${url%%://*}
	rest=${url#*://}
	userinfo=${rest%%@*}
	if [[ "$userinfo" == *:* ]]; then
		printf '%s://%s:[redacted]@%s\n' "$scheme" "${userinfo%%:*}" "${rest#*@}"
	else
		printf '%s\n' "$url"
	fi
}

# Print the password of role <role> of the cluster in <dir>, kept in
# <dir>/<role>.password (mode 0600); generated the first time (32 hex characters, so
# it needs no escaping in a URL or in SQL).
_pg_password() {
	local dir=$1 role=$2 file pw
	file=$dir/$role.password
	if [[ ! -s "$file" ]]; then
		pw=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n') || return 1
		if [[ ! "$pw" =~ ^[0-9a-f]{32}$ ]]; then
			_pg_log "cannot generate a password for $role"
			return 1
		fi
		(umask 077 && printf '%s\n' "$pw" >"$file") || return 1
	fi
	chmod 600 "$file" || return 1
	pw=$(<"$file")
	if [[ ! "$pw" =~ ^[0-9A-Za-z_-]+$ ]]; then
		_pg_log "$file must hold one password of letters, digits, - and _"
		return 1
	fi
	printf '%s\n' "$pw"
}

# The pg_hba.conf pg_start writes at every start.
_pg_hba() {
	cat <<'HBA'
# Written by deploy/lib/pg.sh at every start: edits here are lost.
#
# Passwords (scram-sha-256) everywhere, never `trust`: the TCP port is reachable by
# every local process, a coding agent in its sandbox (network on) included, and
# `trust` would let any of them log in as any role. The Unix socket (<dir>/run, when
# the path is short enough) is no better guarded: its directory is open to every local
# user, and nothing here connects through it, so it asks for the password too (the
# server's OS user can always get in by editing this file; nobody else needs to).
host    all    all    127.0.0.1/32    scram-sha-256
host    all    all    ::1/128         scram-sha-256
local   all    all                    scram-sha-256
HBA
}

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
		# Made before the chown below: initdb (as $user) reads the superuser's.
		_pg_password "$dir" postgres >/dev/null && _pg_password "$dir" boochat >/dev/null || return 1
		_pg_grant_dir "$user" "$dir" || return 1
		if [[ ! -f "$data/PG_VERSION" ]]; then
			_pg_log "initdb $data (as $user)"
			local -a init_args=(-D "$data" --username=postgres --pwfile="$dir/postgres.password"
				--auth-local=scram-sha-256 --auth-host=scram-sha-256 --encoding=UTF8 --locale=C)
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

	local isready psql deadline pg_pw boochat_pw
	isready=$(_pg_tool pg_isready) || return 1
	psql=$(_pg_tool psql) || return 1
	pg_pw=$(_pg_password "$dir" postgres) || return 1
	boochat_pw=$(_pg_password "$dir" boochat) || return 1
	deadline=$((SECONDS + timeout))
	until "$isready" -q -h 127.0.0.1 -p "$port" -d postgres -U postgres; do
		if ((SECONDS >= deadline)); then
			_pg_log "server on port $port not ready after ${timeout}s; log tail:"
			tail -n 20 "$dir/pg.log" >&2
			return 1
		fi
		sleep 0.2
	done

	# Passwords first (under the pg_hba.conf in force: this one's, or `trust` of a cluster
	# an older pg.sh made), then role and database, idempotently. CREATEDB lets
	# #[sqlx::test] and the test fixtures make their databases. The SQL goes on stdin,
	# never on a command line (which `ps` shows).
	if ! PGPASSWORD=$pg_pw PGPASSFILE=/dev/null "$psql" -X -q -w -v ON_ERROR_STOP=1 \
		-h 127.0.0.1 -p "$port" -U postgres -d postgres >/dev/null <<SQL; then
SET password_encryption = 'scram-sha-256';
ALTER ROLE postgres PASSWORD '$pg_pw';
DO \$\$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'boochat') THEN
    CREATE ROLE boochat LOGIN CREATEDB PASSWORD '$boochat_pw';
  ELSE
    ALTER ROLE boochat LOGIN CREATEDB PASSWORD '$boochat_pw';
  END IF;
END
\$\$;
SELECT 'CREATE DATABASE boochat OWNER boochat'
WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'boochat')\gexec
SQL
		_pg_log "setting the passwords and creating role/database boochat failed (is $dir/postgres.password the superuser's password?)"
		return 1
	fi

	# Passwords everywhere from now on; a reload applies a changed pg_hba.conf.
	if ! _pg_hba | cmp -s - "$data/pg_hba.conf"; then
		_pg_log "writing $data/pg_hba.conf (scram-sha-256 for every connection) and reloading"
		local owner
		owner=$(stat -c %U "$data") || return 1
		_pg_hba >"$data/pg_hba.conf" || return 1
		[[ $EUID -eq 0 ]] && chown "$owner:" "$data/pg_hba.conf"
		chmod 600 "$data/pg_hba.conf"
		_pg_as "$owner" "$bindir/pg_ctl" -D "$data" reload >/dev/null || return 1
	fi
	# Make sure: the password opens, its absence does not (a reload is asynchronous).
	deadline=$((SECONDS + timeout))
	until ! PGPASSWORD='' PGPASSFILE=/dev/null "$psql" -X -q -w -h 127.0.0.1 -p "$port" \
		-U boochat -d boochat -c 'SELECT 1' >/dev/null 2>&1; do
		if ((SECONDS >= deadline)); then
			_pg_log "the server on port $port still lets boochat in without a password; see $data/pg_hba.conf and $dir/pg.log"
			return 1
		fi
		sleep 0.2
	done
	if ! PGPASSWORD=$boochat_pw PGPASSFILE=/dev/null "$psql" -X -q -w -h 127.0.0.1 -p "$port" \
		-U boochat -d boochat -c 'SELECT 1' >/dev/null; then
		_pg_log "boochat cannot log in with the password in $dir/boochat.password"
		return 1
	fi

	export DATABASE_URL="postgres://boochat:$boochat_pw@127.0.0.1:$port/boochat"
	export BOO_PG_PORT=$port
	printf '%s\n' "$port" >"$dir/port"
	(umask 077 && printf '%s\n' "$DATABASE_URL" >"$dir/database_url") || return 1
	chmod 600 "$dir/database_url"
	_pg_log "ready: DATABASE_URL=$(pg_redact_url "$DATABASE_URL") (password in $dir/boochat.password)"
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
