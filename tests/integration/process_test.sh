#!/usr/bin/env bash
# The tern binary as an operator meets it: --help, one clear line for a bad
# setting, .env loading, serving /healthz, and exit 0 on SIGTERM.
set -uo pipefail
TERN=$1
fail=0
passed=0
check() { if eval "$2"; then echo "ok - $1"; passed=$((passed + 1)); else echo "FAIL - $1"; fail=$((fail + 1)); fi; }
work=$(mktemp -d)
trap 'rm -rf "$work"; [ -n "${pid:-}" ] && kill "$pid" 2>/dev/null' EXIT
cd "$work"
S32=$(printf 's%.0s' $(seq 40))

out=$("$TERN" --help); rc=$?
check "--help exits 0" "[ $rc -eq 0 ]"
for v in TERN_LISTEN TERN_THREADS TERN_WORKERS DATABASE_URL REDIS_URL TERN_SESSION_STORE \
         TERN_SESSION_SECRET TERN_JWT_SECRET TERN_UPLOAD_DIR TERN_MAX_UPLOAD_BYTES TERN_PUBLIC_ORIGIN; do
  check "--help lists $v" "grep -q '$v' <<<\"\$out\""
done

err=$(env -u TERN_SESSION_SECRET -u TERN_JWT_SECRET "$TERN" 2>&1); rc=$?
check "missing secret exits non-zero" "[ $rc -ne 0 ]"
check "missing secret is one line naming it" \
  "[ \"\$(wc -l <<<\"\$err\")\" -eq 1 ] && grep -q TERN_SESSION_SECRET <<<\"\$err\""

err=$(TERN_SESSION_SECRET=$S32 TERN_JWT_SECRET=$S32 TERN_THREADS=lots "$TERN" 2>&1); rc=$?
check "bad TERN_THREADS is refused with one line" \
  "[ $rc -ne 0 ] && [ \"\$(wc -l <<<\"\$err\")\" -eq 1 ] && grep -q TERN_THREADS <<<\"\$err\""

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
printf 'TERN_SESSION_SECRET=%s\nTERN_JWT_SECRET=%s\nTERN_LISTEN=127.0.0.1:%s\n' "$S32" "$S32" "$port" >.env
"$TERN" >"$work/log" 2>&1 &
pid=$!
for _ in $(seq 50); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
check ".env is read and /healthz answers" "curl -fs http://127.0.0.1:$port/healthz | grep -q ok"
check "access log line written" "sleep 0.3; grep -q 'access 127.0.0.1 GET /healthz 200' '$work/log'"
# The connections come up in the background: give them a moment.
for _ in $(seq 50); do curl -fs "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break; sleep 0.1; done
check "/readyz is 200 with PostgreSQL and Redis up (DATABASE_URL, REDIS_URL from scripts/test)" \
  "curl -fs http://127.0.0.1:$port/readyz | grep -q '\"postgres\":\"ok\",\"redis\":\"ok\"'"
kill -TERM "$pid"
wait "$pid"; rc=$?
pid=
check "SIGTERM exits 0" "[ $rc -eq 0 ]"
check "shutdown is logged" "grep -q 'received SIGTERM' '$work/log'"

# PostgreSQL unreachable: the process still serves, /readyz says which is down.
DATABASE_URL=postgresql://tern@127.0.0.1:1/none "$TERN" >"$work/log2" 2>&1 &
pid=$!
for _ in $(seq 50); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
for _ in $(seq 50); do
  ready=$(curl -s -w ' %{http_code}' "http://127.0.0.1:$port/readyz")
  grep -q '"redis":"ok"' <<<"$ready" && break
  sleep 0.1
done
check "/readyz is 503 naming PostgreSQL when it is down" \
  "grep -q '\"postgres\":\"down' <<<\"\$ready\" && grep -q '\"redis\":\"ok\"' <<<\"\$ready\" && [ \"\${ready##* }\" = 503 ]"
check "/readyz says only which is down, never the address or the error text" \
  "[ \"\${ready% *}\" = '{\"postgres\":\"down\",\"redis\":\"ok\"}' ]"
check "/healthz still 200 meanwhile" "curl -fs http://127.0.0.1:$port/healthz | grep -q ok"
kill -TERM "$pid"
wait "$pid"; rc=$?
pid=
check "SIGTERM exits 0 with PostgreSQL down" "[ $rc -eq 0 ]"
check "… and the log (written out by then) has why it was down" "grep -q 'readyz: postgres down' '$work/log2'"

err=$(TERN_SESSION_SECRET=$S32 TERN_JWT_SECRET=$S32 REDIS_URL=redis://host:notaport "$TERN" 2>&1); rc=$?
check "bad REDIS_URL is refused with one line" \
  "[ $rc -ne 0 ] && [ \"\$(wc -l <<<\"\$err\")\" -eq 1 ] && grep -q REDIS_URL <<<\"\$err\""

err=$(TERN_SESSION_SECRET=$S32 TERN_JWT_SECRET=$S32 TERN_UPLOAD_DIR=/proc/no-uploads-here "$TERN" 2>&1); rc=$?
check "an upload directory it cannot create is refused with one line" \
  "[ $rc -eq 2 ] && [ \"\$(wc -l <<<\"\$err\")\" -eq 1 ] && grep -q TERN_UPLOAD_DIR <<<\"\$err\""

# Cluster mode: a supervisor, two workers on one port, a dead worker replaced,
# SIGTERM drains them all.
TERN_WORKERS=2 TERN_ACCESS_LOG=off "$TERN" >"$work/log3" 2>&1 &
pid=$!
for _ in $(seq 50); do [ "$(pgrep -P "$pid" | wc -l)" -eq 2 ] && break; sleep 0.1; done
kids=$(pgrep -P "$pid" | tr '\n' ' ')
check "TERN_WORKERS=2 starts two worker processes" "[ \"\$(wc -w <<<'$kids')\" -eq 2 ]"
for _ in $(seq 50); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
check "the workers serve the port" "curl -fs http://127.0.0.1:$port/healthz | grep -q ok"
victim=${kids%% *}
kill -KILL "$victim"
for _ in $(seq 50); do
  now=$(pgrep -P "$pid" | tr '\n' ' ')
  [ "$(wc -w <<<"$now")" -eq 2 ] && ! grep -qw "$victim" <<<"$now" && break
  sleep 0.1
done
check "a killed worker is replaced" "[ \"\$(wc -w <<<'$now')\" -eq 2 ] && ! grep -qw '$victim' <<<'$now'"
check "the death is logged" "grep -q 'killed by signal' '$work/log3'"
# The replacement must be up before SIGTERM, or it would die of the default
# action before its handler is installed and never log its drain.
for _ in $(seq 100); do [ "$(grep -c ' tern listening on' "$work/log3")" -ge 3 ] && break; sleep 0.1; done
kill -TERM "$pid"
wait "$pid"; rc=$?
pid=
check "SIGTERM stops the cluster with exit 0" "[ $rc -eq 0 ] && ! pgrep -P $$ -f \"$TERN\" >/dev/null"
check "every worker drained" "[ \"\$(grep -c ' info stopped$' '$work/log3')\" -ge 2 ]"

echo "process: $passed passed, $fail failed"
[ "$fail" -eq 0 ]
