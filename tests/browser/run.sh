#!/usr/bin/env bash
# The browser test: starts tern on a free loopback port (the environment of
# tests/integration/harness.py, DATABASE_URL and REDIS_URL from the caller),
# runs journey.mjs (the web client) and cors.mjs (the token API from other
# origins) in headless Chromium against it, stops tern with SIGTERM.
# Fails if the journey fails, if tern does not exit 0, or if its log has a
# sanitizer report. Screenshots go to $TERN_BROWSER_OUT (default
# var/test/browser under the repository).
#
# The login throttle counts failures per client address in Redis for 15
# minutes, and every run is 127.0.0.1 with one deliberate wrong password:
# TERN_LOGIN_MAX_FAILURES is raised so that runs in a row do not trip it.
#
# Usage: tests/browser/run.sh TERN_BINARY   (scripts/setup installs Chromium,
# Node.js and tests/browser/node_modules)
set -euo pipefail

[ $# -eq 1 ] || { echo "usage: $0 TERN_BINARY" >&2; exit 2; }
tern=$(realpath "$1")
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
out=${TERN_BROWSER_OUT:-$repo/var/test/browser}

if [ ! -d "$here/node_modules/playwright-core" ]; then
  echo "browser test: $here/node_modules is missing; run scripts/setup" >&2
  exit 1
fi
node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$node_major" -lt 20 ]; then
  echo "browser test: needs Node.js 20 or newer (playwright-core), found $(node --version 2>/dev/null || echo none)" >&2
  exit 1
fi
[ -x /usr/bin/chromium ] || [ -n "${TERN_CHROMIUM:-}" ] ||
  { echo "browser test: /usr/bin/chromium is missing; run scripts/setup" >&2; exit 1; }

work=$(mktemp -d)
pid=""
cleanup() {
  [ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$out"
rm -f "$out"/{feed,post,profile,hashtag,login,join,developers}-{360,1280}.png "$out"/failure-*.png

"$tern" migrate >"$work/migrate.log" 2>&1 || { cat "$work/migrate.log" >&2; exit 1; }

port=$(node -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); })')
origin="http://127.0.0.1:$port"
TERN_SESSION_SECRET=$(printf 's%.0s' {1..40}) TERN_JWT_SECRET=$(printf 'j%.0s' {1..40}) \
  TERN_LISTEN="127.0.0.1:$port" TERN_THREADS=2 TERN_SESSION_STORE=memory \
  TERN_PUBLIC_ORIGIN="$origin" TERN_UPLOAD_DIR="$work/uploads" TERN_WEB_ROOT="$repo/web" \
  TERN_JOIN_MAX_PER_ADDRESS=100000 TERN_ACCESS_LOG=off TERN_MAX_UPLOAD_BYTES=200000 \
  TERN_LOGIN_MAX_FAILURES=1000 \
  "$tern" serve >"$work/tern.log" 2>&1 &
pid=$!

ready=""
for _ in $(seq 1 400); do
  if curl -sf -o /dev/null "$origin/readyz"; then ready=1; break; fi
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.05
done
if [ -z "$ready" ]; then
  echo "browser test: tern did not become ready" >&2
  cat "$work/tern.log" >&2
  exit 1
fi

status=0
TERN_URL="$origin" TERN_BINARY="$tern" TERN_BROWSER_WORK="$work" TERN_BROWSER_OUT="$out" \
  node "$here/journey.mjs" || status=$?
# The token API from third-party pages (CORS), on the same server.
TERN_URL="$origin" node "$here/cors.mjs" || status=$?

kill -TERM "$pid"
exit_code=0
wait "$pid" || exit_code=$?
pid=""
if [ "$exit_code" -ne 0 ]; then
  echo "FAIL - tern exits 0 on SIGTERM (it exited $exit_code)"
  status=1
fi
if grep -qE 'Sanitizer|runtime error:' "$work/tern.log"; then
  echo "FAIL - no sanitizer report in tern's log"
  status=1
fi
if [ "$status" -ne 0 ]; then
  echo "--- tern's log (last 60 lines)"
  tail -n 60 "$work/tern.log"
fi
exit "$status"
