#!/usr/bin/env bash
# Property-based fuzzing of the three daemons' HTTP contracts with schemathesis.
#
#   deploy/lib/fuzz.sh <chat_url> <term_url> <coder_url>    e.g. http://127.0.0.1:9500/ ...
#
# Each daemon serves its OpenAPI 3.1 document at /api/openapi.json (generated from its
# Rust routes and wire types). schemathesis (PyPI, pinned below, installed into a venv
# under BOO_CACHE, default ~/.cache/boocode) reads it and sends generated requests,
# valid and invalid, to every operation, then checks each answer:
#   not_a_server_error           no 5xx, ever
#   status_code_conformance      only documented statuses (others fall to `default`)
#   content_type_conformance     the documented content type
#   response_schema_conformance  the body matches: every 2xx its schema, every error
#                                the one error shape {error, code}
# Before that it makes one project, session and chat in boochat, a second chat for
# boocoder's agent turns and a terminal in booterm, and points the operations
# whose path names such an id at them, so generated bodies reach real rows rather
# than 404s. Runs the phases coverage, fuzzing and stateful; BOO_FUZZ_EXAMPLES
# (default 25) is the number of generated cases per operation and phase; BOO_FUZZ_SEED
# fixes the seed (the run prints the one it used).
set -euo pipefail

SCHEMATHESIS_VERSION=4.32.5

if [[ $# -ne 3 ]]; then
	echo "usage: $0 <chat_url> <term_url> <coder_url>" >&2
	exit 2
fi
CHAT=${1%/} TERM_URL=${2%/} CODER=${3%/}
CACHE=${BOO_CACHE:-$HOME/.cache/boocode}
VENV=$CACHE/venv-schemathesis
say() { printf '[fuzz] %s\n' "$*" >&2; }

install_schemathesis() {
	if [[ -x "$VENV/bin/st" ]] && "$VENV/bin/st" --version 2>/dev/null | grep -qx "st, version $SCHEMATHESIS_VERSION"; then
		return 0
	fi
	say "installing schemathesis==$SCHEMATHESIS_VERSION into $VENV"
	rm -rf "$VENV"
	mkdir -p "$CACHE"
	if ! python3 -m venv "$VENV" 2>/dev/null; then
		# Debian's python3 keeps venv in a separate package.
		if [[ $EUID -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
			DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
			python3 -m venv "$VENV"
		else
			say "python3 -m venv failed: sudo apt-get install python3-venv"
			return 1
		fi
	fi
	"$VENV/bin/pip" install -q "schemathesis==$SCHEMATHESIS_VERSION"
}

# post <url> <json> → the created object's id (fails unless 2xx)
post_id() {
	curl -fsS -X POST -H 'content-type: application/json' -d "$2" "$1" |
		python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])'
}

# run <name> <url> <config>
run() {
	local name=$1 url=$2 config=$3
	say "$name: $url/api/openapi.json"
	local -a seed=()
	[[ -n "${BOO_FUZZ_SEED:-}" ]] && seed=(--seed "$BOO_FUZZ_SEED")
	# One worker: CPython 3.11's parser is not safe for hypothesis's lambda
	# descriptions from several threads ("AST constructor recursion depth mismatch").
	"$VENV/bin/st" --config-file "$config" run "$url/api/openapi.json" \
		--checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
		--phases coverage,fuzzing,stateful \
		--max-examples "${BOO_FUZZ_EXAMPLES:-25}" \
		--workers 1 \
		--request-timeout 20 \
		--warnings off \
		"${seed[@]}"
}

install_schemathesis

WORK=$(mktemp -d "${TMPDIR:-/tmp}/boo-fuzz.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
# schemathesis keeps a cache in ./.schemathesis: keep it out of the checkout.
cd "$WORK"
# A project directory: a git repository with one commit (boocoder needs one).
git init -q "$WORK/project"
git -C "$WORK/project" -c user.name=fuzz -c user.email=fuzz@localhost commit -q --allow-empty -m init

project=$(post_id "$CHAT/api/projects" "{\"name\": \"fuzz\", \"path\": \"$WORK/project\"}")
session=$(post_id "$CHAT/api/sessions" "{\"project_id\": \"$project\", \"title\": \"fuzz\"}")
chat=$(post_id "$CHAT/api/sessions/$session/chats" '{"title": "fuzz"}')
agent_chat=$(post_id "$CHAT/api/sessions/$session/chats" '{"title": "fuzz agent"}')
terminal=$(post_id "$TERM_URL/api/terminals" "{\"title\": \"fuzz\", \"session_id\": \"$session\"}")
say "seeded project $project, session $session, chat $chat, agent chat $agent_chat, terminal $terminal"

cat >"$WORK/chat.toml" <<EOF
[[operations]]
include-path-regex = "^/api/projects/\\\\{id\\\\}"
parameters = { "path.id" = "$project" }
[[operations]]
include-path-regex = "^/api/sessions/\\\\{id\\\\}"
parameters = { "path.id" = "$session" }
[[operations]]
include-path-regex = "^/api/chats/\\\\{id\\\\}"
parameters = { "path.id" = "$chat" }
EOF
cat >"$WORK/coder.toml" <<EOF
[[operations]]
include-path-regex = "\\\\{cid\\\\}"
parameters = { "path.sid" = "$session", "path.cid" = "$agent_chat" }
[[operations]]
include-path-regex = "\\\\{sid\\\\}"
parameters = { "path.sid" = "$session" }
[[operations]]
include-path-regex = "^/api/providers/\\\\{id\\\\}"
parameters = { "path.id" = "fake" }
EOF
cat >"$WORK/term.toml" <<EOF
[[operations]]
include-path-regex = "^/api/terminals/\\\\{id\\\\}"
parameters = { "path.id" = "$terminal" }
EOF

rc=0
run boochat "$CHAT" "$WORK/chat.toml" || rc=1
run boocoder "$CODER" "$WORK/coder.toml" || rc=1
run booterm "$TERM_URL" "$WORK/term.toml" || rc=1
exit "$rc"
