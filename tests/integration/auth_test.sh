#!/usr/bin/env bash
# Sessions end to end, and the scale-out scenario of DESIGN.md's "one road":
# two tern processes share PostgreSQL and Redis; log in on A, ask B who you
# are. With TERN_SESSION_STORE=memory B does not know you (401); with
# postgres and redis it does (200). The same again behind an nginx that
# round-robins between A and B, as a deployment would have it. Also: validation, duplicate email, one
# 401 for both wrong email and wrong password, logout, CSRF Origin check,
# brute-force 429 (per email and per address), a new session id at every login, idle and absolute expiry,
# and Redis stopped → 503 that heals when it returns.
# Needs DATABASE_URL, REDIS_URL and the TERN_TEST_* variables scripts/test sets.
set -uo pipefail
TERN=$1
SVC="$(cd "$(dirname "$0")/../.." && pwd)/scripts/lib/svc"
fail=0
passed=0
check() { if eval "$2"; then echo "ok - $1"; passed=$((passed + 1)); else echo "FAIL - $1"; fail=$((fail + 1)); fi; }
work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
  wait 2>/dev/null
  "$SVC" redis-start >/dev/null 2>&1
  rm -rf "$work"
}
trap cleanup EXIT
cd "$work"
: "${DATABASE_URL:?run through scripts/test}" "${REDIS_URL:?run through scripts/test}"
"$TERN" migrate >/dev/null || { echo "FAIL - tern migrate"; exit 1; }

S32=$(printf 's%.0s' $(seq 40))
ORIGIN=http://tern.test
# nginx_start PORT A B: round-robin proxy in front of two tern processes.
nginx_start() {
  mkdir -p "$work/nginx"
  cat >"$work/nginx/nginx.conf" <<CONF
worker_processes 1;
daemon off;
pid $work/nginx/nginx.pid;
error_log stderr warn;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path $work/nginx/body;
  proxy_temp_path $work/nginx/proxy;
  fastcgi_temp_path $work/nginx/fastcgi;
  uwsgi_temp_path $work/nginx/uwsgi;
  scgi_temp_path $work/nginx/scgi;
  upstream tern { server 127.0.0.1:$2; server 127.0.0.1:$3; }
  server {
    listen 127.0.0.1:$1;
    location / { proxy_pass http://tern; proxy_set_header Host \$host; }
  }
}
CONF
  nginx -p "$work/nginx/" -c "$work/nginx/nginx.conf" -e stderr 2>>"$work/log" &
  pids+=($!)
  for _ in $(seq 50); do curl -fs "http://127.0.0.1:$1/healthz" >/dev/null 2>&1 && return 0; sleep 0.1; done
  echo "nginx did not start"; cat "$work/log"; return 1
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# start STORE PORT [VAR=value...] → pid in $! (the VARs override the defaults)
start() {
  local store=$1 port=$2
  shift 2
  env TERN_SESSION_SECRET=$S32 TERN_JWT_SECRET=$S32 TERN_LISTEN=127.0.0.1:$port TERN_THREADS=2 \
    TERN_SESSION_STORE=$store TERN_PUBLIC_ORIGIN=$ORIGIN TERN_LOGIN_MAX_FAILURES=3 \
    TERN_JOIN_MAX_PER_ADDRESS=100000 TERN_ACCESS_LOG=off "$@" "$TERN" >>"$work/log" 2>&1 &
  pids+=($!)
  for _ in $(seq 100); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/readyz")" = 200 ] && return 0
    sleep 0.05
  done
  echo "tern ($store) on $port did not become ready"; cat "$work/log"; return 1
}
stop_all() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; pids=(); }

# req PORT METHOD PATH [BODY] [extra curl args...] → prints "<status> <body>"
req() {
  local port=$1 method=$2 path=$3 body=${4:-}
  shift 4 2>/dev/null || shift $#
  curl -s -X "$method" -H 'Content-Type: application/json' ${body:+--data "$body"} \
    -w ' %{http_code}' "$@" "http://127.0.0.1:$port$path" | awk '{ s=$NF; $NF=""; print s, $0 }'
}
status() { cut -d' ' -f1 <<<"$1"; }
cookie_of() { awk '$6 == "sid" { print $7 }' "$1"; }  # JAR → the sid cookie's value

for store in memory postgres redis; do
  A=$(free_port); B=$(free_port)
  start "$store" "$A" || exit 1
  start "$store" "$B" || exit 1
  email="u$RANDOM$$-$store@Example.com"
  jar="$work/jar-$store"

  r=$(req "$A" POST /auth/join "{\"email\":\"$email\",\"nick\":\"n$store\",\"password\":\"password1\"}")
  check "$store: join → 201 with the user" "[ $(status "$r") = 201 ] && grep -q '\"nick\":\"n$store\"' <<<'$r'"
  if [ "$store" = memory ]; then
    r=$(req "$B" POST /auth/join "{\"email\":\"${email^^}\",\"nick\":\"x\",\"password\":\"password1\"}")
    check "duplicate email (any case) → 409 email_taken" "[ $(status "$r") = 409 ] && grep -q email_taken <<<'$r'"
    r=$(req "$A" POST /auth/join '{"email":"not-an-email","nick":"x","password":"password1"}')
    check "bad email → 400" "[ $(status "$r") = 400 ]"
    r=$(req "$A" POST /auth/join '{"email":"a@b.io","nick":"sixteen-chars-xx","password":"password1"}')
    check "nick over 15 → 400" "[ $(status "$r") = 400 ]"
    r=$(req "$A" POST /auth/join '{"email":"a@b.io","nick":"x","password":"short"}')
    check "password under 8 → 400" "[ $(status "$r") = 400 ]"
    r=$(curl -s -w ' %{http_code}' --data-urlencode "email=f$RANDOM$$@form.io" --data-urlencode nick=form \
      --data-urlencode password=password1 "http://127.0.0.1:$A/auth/join")
    check "join accepts an urlencoded form" "[ \"\${r##* }\" = 201 ]"
    wrong=$(req "$A" POST /auth/login "{\"email\":\"$email\",\"password\":\"wrong-pass\"}")
    unknown=$(req "$A" POST /auth/login '{"email":"nobody@nowhere.io","password":"wrong-pass"}')
    check "wrong password and unknown email: the same 401" \
      "[ $(status "$wrong") = 401 ] && [ \"\$wrong\" = \"\$unknown\" ]"
  fi

  r=$(req "$A" POST /auth/login "{\"email\":\"$email\",\"password\":\"password1\"}" -c "$jar")
  check "$store: login → 200 with csrfToken and an HttpOnly SameSite=Lax cookie" \
    "[ $(status "$r") = 200 ] && grep -q csrfToken <<<'$r' && grep -q '#HttpOnly_127.0.0.1' '$jar'"
  r=$(req "$A" GET /api/me "" -b "$jar")
  check "$store: /api/me on A → 200" "[ $(status "$r") = 200 ] && grep -qi '\"email\":\"$email\"' <<<'$r'"
  r=$(req "$B" GET /api/me "" -b "$jar")
  if [ "$store" = memory ]; then
    check "memory: /api/me on B → 401 (B never saw the session)" "[ $(status "$r") = 401 ]"
  else
    check "$store: /api/me on B → 200 (the store is shared)" "[ $(status "$r") = 200 ]"
  fi
  # Same id, a MAC of the right length that is not the right one.
  sed "s/\(sid\t[A-Za-z0-9_-]*\.\)[A-Za-z0-9_-]*/\1$(printf 'A%.0s' $(seq 43))/" "$jar" >"$jar.forged"
  forged=$(req "$A" GET /api/me "" -b "$jar.forged")
  check "$store: a forged cookie (id kept, MAC replaced) → 401" \
    "! cmp -s '$jar' '$jar.forged' && [ $(status "$forged") = 401 ]"
  # Behind nginx (round-robin over A and B): four /api/me in a row hit both.
  N=$(free_port)
  nginx_start "$N" "$A" "$B" || exit 1
  codes=""
  for _ in 1 2 3 4; do codes+="$(status "$(req "$N" GET /api/me "" -b "$jar")") "; done
  if [ "$store" = memory ]; then
    check "memory behind nginx: some requests land on the process without the session (401)" \
      "grep -q 200 <<<'$codes' && grep -q 401 <<<'$codes'"
  else
    check "$store behind nginx: every request knows the session ($codes)" "[ '$codes' = '200 200 200 200 ' ]"
  fi

  # A second login issues a new id and ends the session it replaces.
  cp "$jar" "$jar.first"
  r=$(req "$A" POST /auth/login "{\"email\":\"$email\",\"password\":\"password1\"}" -b "$jar" -c "$jar")
  check "$store: a second login → a new session id" \
    "[ $(status "$r") = 200 ] && [ \"\$(cookie_of '$jar')\" != \"\$(cookie_of '$jar.first')\" ]"
  check "$store: the replaced session → 401" "[ $(status "$(req "$A" GET /api/me "" -b "$jar.first")") = 401 ]"

  r=$(req "$A" POST /auth/logout "" -b "$jar" -H "Origin: http://evil.example")
  check "$store: foreign Origin with the cookie → 403" "[ $(status "$r") = 403 ]"
  r=$(req "$A" POST /auth/logout "" -b "$jar" -H "Origin: $ORIGIN")
  check "$store: logout → 204" "[ $(status "$r") = 204 ]"
  r=$(req "$A" GET /api/me "" -b "$jar")
  check "$store: the old cookie after logout → 401" "[ $(status "$r") = 401 ]"

  if [ "$store" = redis ]; then
    r=$(req "$A" POST /auth/login "{\"email\":\"$email\",\"password\":\"password1\"}" -c "$jar")
    bad=0
    for _ in 1 2 3; do req "$B" POST /auth/login "{\"email\":\"$email\",\"password\":\"nope-nope\"}" >/dev/null; done
    r=$(curl -s -D - -o /dev/null -H 'Content-Type: application/json' \
      --data "{\"email\":\"$email\",\"password\":\"password1\"}" "http://127.0.0.1:$A/auth/login")
    check "brute force: after 3 failures (on B) even the right password → 429 on A with Retry-After" \
      "grep -q '^HTTP/1.1 429' <<<\"\$r\" && grep -qi '^Retry-After: [1-9]' <<<\"\$r\""
    "$SVC" redis-stop
    r=$(req "$A" GET /api/me "" -b "$jar")
    check "redis stopped: /api/me → 503 (not 401, not 500)" "[ $(status "$r") = 503 ]"
    "$SVC" redis-start
    # The test Redis keeps nothing on disk, so the session died with it: each
    # server must reconnect by itself, then answer 401 rather than 503, and a
    # new login must work. Every loop thread of every process reconnects on
    # its own backoff, and /readyz answers for the loop that serves it: wait
    # for ten ready answers in a row from each process (new connections, so
    # they land on both loops).
    for p in "$A" "$B"; do
      streak=0
      for _ in $(seq 100); do
        if [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$p/readyz")" = 200 ]; then
          streak=$((streak + 1)); [ "$streak" -ge 10 ] && break
        else
          streak=0; sleep 0.1
        fi
      done
    done
    s=$(status "$(req "$A" GET /api/me "" -b "$jar")")
    check "redis back: answers again by itself (401: the session went with Redis)" "[ $s = 401 ]"
    r=$(req "$A" POST /auth/login "{\"email\":\"$email\",\"password\":\"password1\"}" -c "$jar")
    r2=$(req "$B" GET /api/me "" -b "$jar")
    check "redis back: a new login works on A and is seen on B" \
      "[ $(status "$r") = 200 ] && [ $(status "$r2") = 200 ]"
  fi
  stop_all
done

# Expiry on every store, the three side by side: with TERN_SESSION_IDLE_S=3
# a session used every 1.5 s lives on past 3 s, then dies when left alone;
# with TERN_SESSION_LIFETIME_S=6 (whole seconds, so "past 6" can come after
# 5 s) even a busy session ends. Nothing is logged out by hand. Each store's
# clock starts after its own logins, so slow hashing cannot skew it.
expiry() {  # STORE IDLE_PORT LIFETIME_PORT → "<idle codes> <lifetime codes>"
  local store=$1 I=$2 L=$3 email="e$RANDOM$$-$1@example.com" idle="" life=""
  req "$I" POST /auth/join "{\"email\":\"$email\",\"nick\":\"e\",\"password\":\"password1\"}" >/dev/null
  req "$I" POST /auth/login "{\"email\":\"$email\",\"password\":\"password1\"}" -c "$work/idle-$store" >/dev/null
  req "$L" POST /auth/login "{\"email\":\"$email\",\"password\":\"password1\"}" -c "$work/life-$store" >/dev/null
  for pause in 1.5 1.5 4; do
    sleep "$pause"
    idle+="$(status "$(req "$I" GET /api/me "" -b "$work/idle-$store")"),"
    life+="$(status "$(req "$L" GET /api/me "" -b "$work/life-$store")"),"
  done
  echo "$idle $life"
}
ports=()
for store in memory postgres redis; do
  I=$(free_port); L=$(free_port)
  start "$store" "$I" TERN_SESSION_IDLE_S=3 || exit 1
  start "$store" "$L" TERN_SESSION_LIFETIME_S=6 || exit 1
  ports+=("$I $L")
done
i=0
for store in memory postgres redis; do
  expiry "$store" ${ports[$i]} >"$work/expiry-$store" &
  i=$((i + 1))
done
wait_for_jobs() { for j in $(jobs -p); do case " ${pids[*]} " in *" $j "*) ;; *) wait "$j" ;; esac; done; }
wait_for_jobs
for store in memory postgres redis; do
  read -r idle life <"$work/expiry-$store"
  check "$store: idle timeout 3 s, used at 1.5 and 3 s, then left 4 s → 200, 200, 401 ($idle)" \
    "[ '$idle' = '200,200,401,' ]"
  check "$store: lifetime 6 s, used at 1.5, 3 and 7 s → 200, 200, 401 ($life)" \
    "[ '$life' = '200,200,401,' ]"
done
stop_all

# Sessions per user: with TERN_SESSIONS_PER_USER=2, a third login (without
# the old cookies, as from a third device) ends the oldest, on every store.
for store in memory postgres redis; do
  P=$(free_port)
  start "$store" "$P" TERN_SESSIONS_PER_USER=2 || exit 1
  email="cap$RANDOM$$-$store@example.com"
  req "$P" POST /auth/join "{\"email\":\"$email\",\"nick\":\"c\",\"password\":\"password1\"}" >/dev/null
  for i in 1 2 3; do
    req "$P" POST /auth/login "{\"email\":\"$email\",\"password\":\"password1\"}" -c "$work/cap-$store-$i" >/dev/null
  done
  codes=""
  for i in 1 2 3; do codes+="$(status "$(req "$P" GET /api/me "" -b "$work/cap-$store-$i")") "; done
  check "$store: 3 logins with TERN_SESSIONS_PER_USER=2 → the first session ends ($codes)" \
    "[ '$codes' = '401 200 200 ' ]"
  stop_all
done

# Login CSRF: a cross-site request under /auth or /api is refused with or
# without a cookie — a foreign Origin, the opaque "null", or Sec-Fetch-Site:
# cross-site. TERN_PUBLIC_ORIGIN is compared normalised: configured with
# upper case and a trailing slash, the browser's spelling still matches.
C=$(free_port)
start redis "$C" "TERN_PUBLIC_ORIGIN=HTTP://Tern.Test:80/" "TERN_WEB_ROOT=$(dirname "$SVC")/../../web" || exit 1
email="csrf$RANDOM$$@example.com"
req "$C" POST /auth/join "{\"email\":\"$email\",\"nick\":\"c\",\"password\":\"password1\"}" >/dev/null
login="{\"email\":\"$email\",\"password\":\"password1\"}"
for hdr in "Origin: http://evil.example" "Origin: null" "Origin: http://tern.test.evil.example" \
  "Sec-Fetch-Site: cross-site"; do
  r=$(curl -s -D - -o "$work/csrf-body" -H 'Content-Type: application/json' -H "$hdr" \
    --data "$login" "http://127.0.0.1:$C/auth/login")
  check "login with '$hdr' and no cookie → 403, no session issued" \
    "grep -q '^HTTP/1.1 403' <<<\"\$r\" && ! grep -qi '^Set-Cookie' <<<\"\$r\" && grep -q forbidden_origin '$work/csrf-body'"
done
r=$(req "$C" POST /auth/logout "" -H "Origin: http://evil.example")
check "logout from a foreign Origin without a cookie → 403" "[ $(status "$r") = 403 ]"
r=$(req "$C" POST /auth/login "$login" -H "Origin: http://tern.test" -H "Sec-Fetch-Site: same-origin")
check "login from the server's own origin (configured as HTTP://Tern.Test:80/) → 200" "[ $(status "$r") = 200 ]"
r=$(req "$C" POST /auth/login "$login")
check "login without Origin (curl, a native client) → 200" "[ $(status "$r") = 200 ]"
req "$C" POST /auth/login '{"email":"xff-'$$'@x.io","password":"wrong-pass"}' -H "X-Forwarded-For: 2001:db8:7:9::1" >/dev/null
check "without TERN_TRUSTED_PROXIES, X-Forwarded-For is ignored (counted as the peer, 127.0.0.1)" \
  "[ -z \"\$(redis-cli -u '$REDIS_URL' GET 'login:fail:addr:2001:db8:7:9::/64')\" ] && [ \"\$(redis-cli -u '$REDIS_URL' EXISTS login:fail:addr:127.0.0.1)\" = 1 ]"
redis-cli -u "$REDIS_URL" DEL login:fail:addr:127.0.0.1 >/dev/null
r=$(curl -s -D - -o /dev/null "http://127.0.0.1:$C/api/me")
check "responses under /api carry Cache-Control: no-store and the helmet set" \
  "grep -qi '^Cache-Control: no-store' <<<\"\$r\" && grep -qi '^X-Content-Type-Options: nosniff' <<<\"\$r\" && grep -qi '^Referrer-Policy: strict-origin-when-cross-origin' <<<\"\$r\" && grep -qi '^Cross-Origin-Opener-Policy: same-origin' <<<\"\$r\""
r=$(curl -s -D - -o /dev/null "http://127.0.0.1:$C/")
check "pages carry the Content-Security-Policy of API.md" \
  "grep -qi \"^Content-Security-Policy: default-src 'self'; img-src 'self' data: blob:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'\" <<<\"\$r\""
stop_all

# The throttle reserves before it verifies: 30 wrong passwords sent at once
# for one account (from 30 addresses, so only the account's limit of 3 is in
# play) reach the hash 3 times; the other 27 are 429 at once. Then the count
# is the account's, whatever the spelling of its email: PostgreSQL finds
# "ünï…" and "ÜNÏ…" as one account, and so does the throttle. Addresses come
# through a trusted proxy (X-Forwarded-For), and IPv6 ones count by /64.
T=$(free_port)
start redis "$T" TERN_TRUSTED_PROXIES=127.0.0.1 TERN_HASH_JOBS_PER_ADDRESS=64 || exit 1
email="burst$RANDOM$$@example.com"
req "$T" POST /auth/join "{\"email\":\"$email\",\"nick\":\"b\",\"password\":\"password1\"}" >/dev/null
for i in $(seq 30); do
  req "$T" POST /auth/login "{\"email\":\"$email\",\"password\":\"wrong-pass\"}" \
    -H "X-Forwarded-For: 198.51.100.$i" >"$work/burst-$i" &
done
wait_for_jobs
n401=$(cat "$work"/burst-* | grep -c '^401 ')
n429=$(cat "$work"/burst-* | grep -c '^429 ')
check "30 concurrent wrong passwords for one account → 3 × 401, 27 × 429 ($n401, $n429)" \
  "[ $n401 = 3 ] && [ $n429 = 27 ]"
r=$(req "$T" POST /auth/login "{\"email\":\"$email\",\"password\":\"password1\"}" -H "X-Forwarded-For: 198.51.100.99")
check "… and then the right password too → 429 until the window ends" "[ $(status "$r") = 429 ]"

uemail="Ünï$RANDOM$$@example.com"
req "$T" POST /auth/join "{\"email\":\"$uemail\",\"nick\":\"u\",\"password\":\"password1\"}" >/dev/null
lower=$(python3 -c 'import sys; print(sys.argv[1].lower())' "$uemail")
upper=$(python3 -c 'import sys; print(sys.argv[1].upper())' "$uemail")
r=$(req "$T" POST /auth/login "{\"email\":\"$upper\",\"password\":\"password1\"}" -H "X-Forwarded-For: 198.51.100.100")
check "the account is found by any case of a Unicode email ($upper → 200)" "[ $(status "$r") = 200 ]"
for spelling in "$lower" "$upper" "$lower"; do
  req "$T" POST /auth/login "{\"email\":\"$spelling\",\"password\":\"wrong-pass\"}" -H "X-Forwarded-For: 198.51.100.101" >/dev/null
done
r=$(req "$T" POST /auth/login "{\"email\":\"$uemail\",\"password\":\"password1\"}" -H "X-Forwarded-For: 198.51.100.102")
check "3 failures over two spellings of a Unicode email lock the one account → 429" "[ $(status "$r") = 429 ]"

redis-cli -u "$REDIS_URL" DEL "login:fail:addr:2001:db8:7:7::/64" >/dev/null
for i in $(seq 12); do
  req "$T" POST /auth/login "{\"email\":\"v6-$i-$$@x.io\",\"password\":\"wrong-pass\"}" \
    -H "X-Forwarded-For: 2001:db8:7:7::$i" >/dev/null
done
r=$(req "$T" POST /auth/login "{\"email\":\"v6-fresh-$$@x.io\",\"password\":\"wrong-pass\"}" -H "X-Forwarded-For: 2001:db8:7:7:ffff::1")
check "12 failures from 12 addresses of one IPv6 /64 → 429 for another address of it" "[ $(status "$r") = 429 ]"
r=$(req "$T" POST /auth/login "{\"email\":\"v6-fresh-$$@x.io\",\"password\":\"wrong-pass\"}" -H "X-Forwarded-For: 2001:db8:7:8::1")
check "… while the next /64 is not throttled (401)" "[ $(status "$r") = 401 ]"
redis-cli -u "$REDIS_URL" DEL "login:fail:addr:2001:db8:7:7::/64" "login:fail:addr:2001:db8:7:8::/64" >/dev/null
for i in $(seq 102); do redis-cli -u "$REDIS_URL" DEL "login:fail:addr:198.51.100.$i" >/dev/null; done
stop_all

# Joins: so many per address and window, and at most so many password hashes
# in flight per address, so a join flood from one address cannot fill the
# worker pool's queue and turn everyone else's login into a 503.
J=$(free_port)
start redis "$J" TERN_TRUSTED_PROXIES=127.0.0.1 TERN_JOIN_MAX_PER_ADDRESS=2 || exit 1
redis-cli -u "$REDIS_URL" DEL join:addr:203.0.113.5 join:addr:203.0.113.6 >/dev/null
codes=""
for i in 1 2 3; do
  r=$(curl -s -D - -o "$work/join-$i" -H 'Content-Type: application/json' -H "X-Forwarded-For: 203.0.113.5" \
    --data "{\"email\":\"j$i-$RANDOM$$@example.com\",\"nick\":\"j\",\"password\":\"password1\"}" \
    "http://127.0.0.1:$J/auth/join")
  codes+="$(head -1 <<<"$r" | cut -d' ' -f2) "
done
check "joins from one address: 201, 201, then 429 with Retry-After ($codes)" \
  "[ '$codes' = '201 201 429 ' ] && grep -q too_many_joins '$work/join-3' && grep -qi '^Retry-After: [1-9]' <<<\"\$r\""
r=$(req "$J" POST /auth/join "{\"email\":\"j4-$RANDOM$$@example.com\",\"nick\":\"j\",\"password\":\"password1\"}" -H "X-Forwarded-For: 203.0.113.6")
check "… another address may still join (201)" "[ $(status "$r") = 201 ]"
redis-cli -u "$REDIS_URL" DEL join:addr:203.0.113.5 join:addr:203.0.113.6 >/dev/null
stop_all

H=$(free_port)
start redis "$H" TERN_TRUSTED_PROXIES=127.0.0.1 TERN_POOL_THREADS=1 TERN_HASH_JOBS_PER_ADDRESS=1 || exit 1
email="calm$RANDOM$$@example.com"
req "$H" POST /auth/join "{\"email\":\"$email\",\"nick\":\"c\",\"password\":\"password1\"}" -H "X-Forwarded-For: 192.0.2.51" >/dev/null
for i in $(seq 12); do
  req "$H" POST /auth/join "{\"email\":\"flood$i-$RANDOM$$@example.com\",\"nick\":\"f\",\"password\":\"password1\"}" \
    -H "X-Forwarded-For: 192.0.2.50" >"$work/flood-$i" &
done
calm=$(req "$H" POST /auth/login "{\"email\":\"$email\",\"password\":\"password1\"}" -H "X-Forwarded-For: 192.0.2.51")
wait_for_jobs
nflood=$(cat "$work"/flood-* | grep -c '^429 .*too_many_requests')
n503=$(cat "$work"/flood-* | grep -c '^503 ')
check "a join flood from one address: hashes beyond 1 in flight → 429 ($nflood of 12), no 503 ($n503)" \
  "[ $nflood -ge 1 ] && [ $n503 = 0 ]"
check "… and meanwhile another address logs in (200)" "[ $(status "$calm") = 200 ]"
stop_all

# Per address: 4 x TERN_LOGIN_MAX_FAILURES (= 12) failures from one address,
# each for another email, → 429 even for an email without failures of its
# own; the count carries its window's expiry. (Redis was restarted above, so
# this address starts from nothing; the key is removed at the end so that a
# next run from this address is not locked out.)
W=$(free_port)
start redis "$W" TERN_LOGIN_WINDOW_S=30 || exit 1
for i in $(seq 12); do
  req "$W" POST /auth/login "{\"email\":\"nobody$i-$$@x.io\",\"password\":\"wrong-pass\"}" >/dev/null
done
r=$(curl -s -D - -o /dev/null -H 'Content-Type: application/json' \
  --data "{\"email\":\"fresh-$$@x.io\",\"password\":\"whatever1\"}" "http://127.0.0.1:$W/auth/login")
check "12 failures from one address, each another email → 429 for any email" \
  "grep -q '^HTTP/1.1 429' <<<\"\$r\" && grep -qi '^Retry-After: [1-9]' <<<\"\$r\""
ttl=$(redis-cli -u "$REDIS_URL" TTL login:fail:addr:127.0.0.1)
check "the address's count expires with its window (TTL $ttl of 30 s)" "[ '$ttl' -ge 1 ] && [ '$ttl' -le 30 ]"
redis-cli -u "$REDIS_URL" DEL login:fail:addr:127.0.0.1 >/dev/null
stop_all

echo "auth: $passed passed, $fail failed"
[ "$fail" -eq 0 ]
