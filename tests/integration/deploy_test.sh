#!/usr/bin/env bash
# The deployment files of deploy/ as docs/OPERATIONS.md has an operator use
# them. The unit: `systemd-analyze verify` (as tern.service and as the
# template tern@a.service), its hardening all present, its exposure score.
# Then two tern processes with the settings of deploy/tern.env.example
# behind nginx running deploy/nginx.conf (only ports, paths and `user`
# replaced), and a signed-in journey through nginx with curl: join, login,
# a post, the feed, an upload and its thumbnail, one session on both
# processes, the client's address and nginx's request id in tern's JSON
# access lines, CSRF against nginx's origin, the body limits (413, from
# nginx and from tern), one process killed with SIGKILL while nginx keeps
# answering, its restart, logout, SIGTERM → exit 0, and nginx's JSON 502
# once both are gone. tern runs under what of the unit's sandbox can be had
# without systemd (see "As close to the unit's sandbox" below).
#
# Usage: deploy_test.sh TERN
# PostgreSQL and Redis: DATABASE_URL and REDIS_URL when set (scripts/test
# exports its own), else private ones under the test's temporary directory.
# Loopback only; the whole run is bounded by a deadline (55 s; 240 s for a
# sanitizer build; TERN_DEPLOY_TEST_DEADLINE_S), after which it fails and
# cleans up.
set -uo pipefail
TERN=$(realpath "$1")
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
DEPLOY=$ROOT/deploy
fail=0
passed=0
check() { if eval "$2"; then echo "ok - $1"; passed=$((passed + 1)); else echo "FAIL - $1"; fail=$((fail + 1)); fi; }
note() { echo "# $*"; }

work=$(mktemp -d)
pids=()         # every process started here, killed by cleanup if still alive
svc_dir=""      # private PostgreSQL and Redis, if started
redis_port=""
watchdog=""
pid_a=""        # the tern processes (start_tern sets them)
pid_b=""
cleanup() {
  trap - EXIT INT TERM
  [ -n "$watchdog" ] && kill "$watchdog" 2>/dev/null
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null; done
  for p in "${pids[@]}"; do
    for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$p" 2>/dev/null
  done
  wait 2>/dev/null
  if [ -n "$svc_dir" ]; then services_remove "$svc_dir" "$redis_port" >/dev/null 2>&1; fi
  rm -rf "$work"
}
trap cleanup EXIT
# The trap may run inside a command whose output goes to a file: fd 3 is the real stdout.
exec 3>&1
trap 'echo "FAIL - interrupted (deadline or signal)" >&3; echo "deploy: $passed passed, $((fail + 1)) failed" >&3; exit 1' INT TERM
deadline=55
if ldd "$TERN" 2>/dev/null | grep -Eq 'lib(t|a)san'; then deadline=240; fi
deadline=${TERN_DEPLOY_TEST_DEADLINE_S:-$deadline}
watch() {  # the deadline: TERM to this script; killed by cleanup (with its sleep) if not needed
  sleep "$deadline" &
  local s=$!
  trap 'kill $s 2>/dev/null; exit 0' TERM
  wait $s && kill -TERM $$ 2>/dev/null
}
watch 3>&- &
watchdog=$!
cd "$work" || exit 1

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
help=$("$TERN" --help)
# help_default VAR → the default `tern --help` prints for VAR
help_default() { awk -v v="$1" '$1 == v { getline; sub(/^ *default: */, ""); print; exit }' <<<"$help"; }

for tool in systemd-analyze /usr/sbin/nginx curl openssl python3; do
  command -v "$tool" >/dev/null || { echo "FAIL - $tool is not installed (scripts/setup)"; exit 1; }
done

# --- The unit --------------------------------------------------------------
# systemd-analyze verify needs the binaries of ExecStart= to exist: the copy
# names the tern under test instead of /usr/local/bin/tern. It runs without
# a running systemd (this test runs in containers not booted with it). It
# exits 0 on a misspelt key or a bad value and only prints them, so any line
# about our unit fails the check. Lines about other units (it also loads
# what ours is ordered after) are the host's business: printed, not failed.
unitdir=$work/systemd
mkdir -p "$unitdir"
sed "s|/usr/local/bin/tern|$TERN|g" "$DEPLOY/tern.service" >"$unitdir/tern.service"
cp "$unitdir/tern.service" "$unitdir/tern@.service"
verify() {  # UNIT → prints the lines about our unit (others to stderr); status: systemd-analyze's
  local out rc
  out=$(systemd-analyze verify --man=no "$1" 2>&1); rc=$?
  grep -v -e 'tern\.service' -e 'tern@' -e '^$' <<<"$out" | sed 's/^/# (another unit) /' >&2
  grep -e 'tern\.service' -e 'tern@' <<<"$out"
  return $rc
}
out=$(verify "$unitdir/tern.service"); rc=$?
check "systemd-analyze verify tern.service: no error, no warning${out:+ ($out)}" "[ $rc -eq 0 ] && [ -z \"\$out\" ]"
out=$(verify "$unitdir/tern@a.service"); rc=$?
check "systemd-analyze verify tern@a.service (the same file as a template)${out:+ ($out)}" \
  "[ $rc -eq 0 ] && [ -z \"\$out\" ]"
# The check is not blind: a misspelt key and a bad value are reported.
mkdir -p "$unitdir/typo"
sed 's/^ProtectSystem=strict/ProtectSytem=strict/; s/^Restart=on-failure/Restart=sometimes/' \
  "$unitdir/tern.service" >"$unitdir/typo/tern.service"
out=$(verify "$unitdir/typo/tern.service")
check "a misspelt key and a bad value in a copy are reported" \
  "grep -q \"Unknown key 'ProtectSytem'\" <<<\"\$out\" && grep -q 'sometimes' <<<\"\$out\""

# Every hardening option, present exactly once (a second line could undo it).
unit=$DEPLOY/tern.service
for want in DynamicUser=yes User=tern ProtectSystem=strict ProtectHome=yes PrivateTmp=yes \
  PrivateDevices=yes NoNewPrivileges=yes ProtectKernelTunables=yes ProtectKernelModules=yes \
  ProtectKernelLogs=yes ProtectControlGroups=yes ProtectClock=yes ProtectHostname=yes \
  "RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX" RestrictNamespaces=yes RestrictRealtime=yes \
  RestrictSUIDSGID=yes LockPersonality=yes MemoryDenyWriteExecute=yes \
  SystemCallFilter=@system-service SystemCallArchitectures=native CapabilityBoundingSet= \
  AmbientCapabilities= UMask=0077 StateDirectory=tern; do
  key=${want%%=*}
  check "unit has '$want', once" "grep -qxF '$want' '$unit' && [ \"\$(grep -c '^$key=' '$unit')\" -eq 1 ]"
done
for want in EnvironmentFile=/etc/tern/tern.env "ExecStartPre=/usr/local/bin/tern migrate" \
  "ExecStart=/usr/local/bin/tern serve" KillSignal=SIGTERM Restart=on-failure; do
  check "unit has '$want'" "grep -qxF '$want' '$unit'"
done
check "unit: the upload directory is under StateDirectory (/var/lib/tern)" \
  "grep -qx 'Environment=TERN_UPLOAD_DIR=/var/lib/tern/[^ ]*' '$unit'"
check "unit: the web root is set" "grep -qx 'Environment=TERN_WEB_ROOT=/[^ ]*' '$unit'"
drain_ms=$(help_default TERN_DRAIN_TIMEOUT_MS)
stop_s=$(sed -n 's/^TimeoutStopSec=\([0-9]*\)s$/\1/p' "$unit")
check "unit: TimeoutStopSec (${stop_s}s) is above TERN_DRAIN_TIMEOUT_MS (${drain_ms} ms)" \
  "[ -n '$stop_s' ] && [ -n '$drain_ms' ] && [ \$(($stop_s * 1000)) -gt $drain_ms ]"
max_conn=$(help_default TERN_MAX_CONNECTIONS)
nofile=$(sed -n 's/^LimitNOFILE=\([0-9]*\)$/\1/p' "$unit")
check "unit: LimitNOFILE ($nofile) is above TERN_MAX_CONNECTIONS ($max_conn)" \
  "[ -n '$nofile' ] && [ -n '$max_conn' ] && [ $nofile -gt \$(($max_conn + 1000)) ]"
systemd-analyze security --offline=yes "$unitdir/tern.service" 2>/dev/null >"$work/security"
check "systemd-analyze security: exposure at most 2.0 ($(grep -o 'exposure level for [^:]*: [0-9.]*' "$work/security"))" \
  "systemd-analyze security --offline=yes --threshold=20 '$unitdir/tern.service' >/dev/null 2>&1"

# --- tern.env.example ------------------------------------------------------
envfile=$DEPLOY/tern.env.example
settings=()
bad=""
while IFS= read -r line; do
  case $line in '' | '#'*) continue ;; esac
  # KEY=value with no quote or space: read alike by systemd, tern and this script.
  if [[ ! $line =~ ^[A-Z][A-Z0-9_]*=[^[:space:]\"\']*$ ]]; then bad+=" [$line]"; continue; fi
  grep -q "^  ${line%%=*} " <<<"$help" || bad+=" [${line%%=*}: not in tern --help]"
  settings+=("$line")
done <"$envfile"
check "tern.env.example: every line is KEY=value of a setting tern --help lists${bad:+ (bad:$bad)}" \
  "[ -z '$bad' ] && [ ${#settings[@]} -ge 10 ]"
for want in TERN_SESSION_SECRET=CHANGE-ME TERN_JWT_SECRET=CHANGE-ME DATABASE_URL= REDIS_URL= \
  TERN_SESSION_STORE=redis TERN_LISTEN=127.0.0.1:8080 TERN_PUBLIC_ORIGIN= \
  TERN_TRUSTED_PROXIES=127.0.0.1 TERN_LOG_FORMAT=json TERN_ACCESS_LOG=on; do
  check "tern.env.example sets ${want}…" "grep -q '^$want' '$envfile'"
done
# Copied and not edited, it must not start a server: the placeholders are refused.
unedited=$(cd "$work" && env -i PATH="$PATH" bash -c "set -a; . '$envfile'; exec '$TERN' serve" 2>&1)
unedited_rc=$?
check "tern refuses to start with tern.env.example's placeholder secrets (exit 2, one line)" \
  "[ $unedited_rc -eq 2 ] && grep -q 'placeholder' <<<\"\$unedited\" && [ \"\$(wc -l <<<\"\$unedited\")\" -eq 1 ]"

# --- nginx.conf ------------------------------------------------------------
conf=$DEPLOY/nginx.conf
upload_max=$(help_default TERN_MAX_UPLOAD_BYTES)
body_max=$(help_default TERN_MAX_BODY_BYTES)
check "nginx.conf: /api/images takes TERN_MAX_UPLOAD_BYTES ($upload_max) + 16 KiB of multipart framing" \
  "grep -A1 'location = /api/images' '$conf' | grep -q 'client_max_body_size $((upload_max + 16384));'"
check "nginx.conf: other bodies up to TERN_MAX_BODY_BYTES ($body_max = 1m)" \
  "[ '$body_max' = 1048576 ] && grep -q '^  client_max_body_size 1m;' '$conf'"
for want in 'proxy_http_version 1.1;' 'proxy_set_header Connection "";' 'proxy_set_header Host $host;' \
  'proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;' \
  'proxy_set_header X-Request-Id $request_id;' 'proxy_buffering on;' 'keepalive 32;'; do
  check "nginx.conf has '$want'" "grep -qF '$want' '$conf'"
done

# --- PostgreSQL and Redis ----------------------------------------------------
if [ -n "${DATABASE_URL:-}" ] && [ -n "${REDIS_URL:-}" ]; then
  db_url=$DATABASE_URL
  redis_url=$REDIS_URL
  note "PostgreSQL and Redis: the ones of DATABASE_URL and REDIS_URL"
else
  . "$ROOT/scripts/lib/services.sh"
  pg_port=$(free_port)
  redis_port=$(free_port)
  svc_dir=$work/services
  if ! services_start "$svc_dir" "$pg_port" "$redis_port" tern_deploy >"$work/services.log" 2>&1 3>&-; then
    cat "$work/services.log"
    echo "FAIL - private PostgreSQL and Redis start"
    exit 1
  fi
  db_url=postgresql://tern@127.0.0.1:$pg_port/tern_deploy
  redis_url=redis://127.0.0.1:$redis_port/0
  note "PostgreSQL and Redis: private, on ports $pg_port and $redis_port"
fi
DATABASE_URL=$db_url "$TERN" migrate >"$work/migrate.log" 2>&1
check "tern migrate (the unit's ExecStartPre) exits 0" "[ $? -eq 0 ]" || { cat "$work/migrate.log"; exit 1; }

# --- Two tern processes and nginx --------------------------------------------
# Installed as docs/OPERATIONS.md does it (the binary and web/ copied, the
# upload directory the unit's StateDirectory would be), here under $work.
install -d -m 0755 "$work/bin" "$work/share"
install -m 0755 "$TERN" "$work/bin/tern"
cp -r "$ROOT/web" "$work/share/web"
mkdir -p "$work/uploads"
# As close to the unit's sandbox as a machine without systemd allows: the
# unit's UMask, and (as root) another user with no capability and
# no_new_privs, and (Linux ≥ 6.3) PR_SET_MDWE, the kernel's form of
# MemoryDenyWriteExecute=. It proves libvips (Orc's generated code
# included) makes thumbnails under them. Not emulated: the seccomp filter,
# the mount namespace (ProtectSystem=, PrivateTmp=, ...).
sandbox=()
sandboxed="umask 0077"
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null; then
  chmod 0711 "$work"
  chown 65534:65534 "$work/uploads"
  sandbox+=(setpriv --reuid=65534 --regid=65534 --clear-groups --no-new-privs --bounding-set=-all --inh-caps=-all)
  sandboxed+=", uid 65534 without capabilities, no_new_privs"
fi
mdwe=(python3 -c 'import ctypes, os, sys
if ctypes.CDLL(None).prctl(65, 1, 0, 0, 0) != 0: sys.exit(1)  # PR_SET_MDWE, REFUSE_EXEC_GAIN
os.execvp(sys.argv[1], sys.argv[1:])')
if "${mdwe[@]}" true 2>/dev/null; then
  sandbox=("${mdwe[@]}" "${sandbox[@]}")
  sandboxed+=", PR_SET_MDWE"
else
  sandboxed+=" (no PR_SET_MDWE on this kernel)"
fi
note "tern runs with $sandboxed"
A=$(free_port)
B=$(free_port)
N=$(free_port)
ORIGIN=http://127.0.0.1:$N
session_secret=$(openssl rand -hex 24)
jwt_secret=$(openssl rand -hex 24)
# The example's settings with what a real install would fill in, in the
# order systemd applies them (the unit's Environment=, then the file):
# the test's own secrets, services and ports, nginx's origin. Plus two test
# adaptations: two loop threads each, and a join limit a shared Redis
# (counted per client address across runs) cannot exhaust.
# A clean environment, as systemd gives; sanitizer options pass through.
tern_env=("PATH=$PATH")
# A suppressions file in the checkout cannot be read by uid 65534 when the
# checkout is in a private folder (root's home is 0700): tern gets a copy.
for v in ASAN_OPTIONS UBSAN_OPTIONS TSAN_OPTIONS LSAN_OPTIONS; do
  val=${!v:-}
  [ -n "$val" ] || continue
  if [[ $val =~ suppressions=([^:]+) ]]; then
    install -m 0644 "${BASH_REMATCH[1]}" "$work/$v.supp"
    val=${val/"suppressions=${BASH_REMATCH[1]}"/"suppressions=$work/$v.supp"}
  fi
  tern_env+=("$v=$val")
done
tern_env+=("TERN_UPLOAD_DIR=$work/uploads" "TERN_WEB_ROOT=$work/share/web" "${settings[@]}"
  "TERN_SESSION_SECRET=$session_secret" "TERN_JWT_SECRET=$jwt_secret"
  "DATABASE_URL=$db_url" "REDIS_URL=$redis_url" "TERN_PUBLIC_ORIGIN=$ORIGIN"
  "TERN_THREADS=2" "TERN_JOIN_MAX_PER_ADDRESS=100000")
start_tern() {  # NAME PORT → pid in pid_NAME; log in $work/NAME.log (appended)
  (umask 0077 && exec env -i "${tern_env[@]}" "TERN_LISTEN=127.0.0.1:$2" "${sandbox[@]}" \
    "$work/bin/tern" serve) >>"$work/$1.log" 2>&1 3>&- &
  pids+=($!)
  printf -v "pid_$1" %s $!
  for _ in $(seq 100); do
    [ "$(curl -s -o /dev/null --max-time 2 -w '%{http_code}' "http://127.0.0.1:$2/readyz")" = 200 ] && return 0
    sleep 0.1
  done
  echo "tern $1 on $2 did not become ready"; cat "$work/$1.log"; return 1
}
start_tern a "$A" || exit 1
start_tern b "$B" || exit 1
check "both tern processes ready (/readyz 200 on $A and $B)" true
if [ ${#sandbox[@]} -gt 0 ] && [[ $sandboxed == *uid* ]]; then
  st=$(cat "/proc/$pid_a/status")
  check "… running as uid 65534 with no capability and no_new_privs" \
    "grep -q '^Uid:[[:space:]]*65534[[:space:]]' <<<\"\$st\" && grep -q '^CapBnd:[[:space:]]*0000000000000000' <<<\"\$st\" && grep -q '^NoNewPrivs:[[:space:]]*1' <<<\"\$st\""
fi

mkdir -p "$work/nginx"
ngx=$work/nginx
sed -e 's|^user .*;|user root;|' \
  -e "s|/run/nginx.pid|$ngx/nginx.pid|" \
  -e "s|/var/log/nginx/|$ngx/|g" \
  -e "s|/var/lib/nginx/|$ngx/|g" \
  -e "s|server 127.0.0.1:8081 |server 127.0.0.1:$A |" \
  -e "s|server 127.0.0.1:8082 |server 127.0.0.1:$B |" \
  -e "s|listen 80;|listen 127.0.0.1:$N;|" \
  -e '/listen \[::\]:80;/d' \
  "$conf" >"$ngx/nginx.conf"
changed=$(diff "$conf" "$ngx/nginx.conf" | grep -c '^<')
# 13: user, pid, error_log, access_log, 5 temp paths, 2 upstream servers, 2
# listen lines made one (loopback only). A new path or port in nginx.conf
# must be added to the sed above.
check "nginx.conf: the test changes only user, paths and ports ($changed lines), none left over" \
  "[ $changed -eq 13 ] && ! grep -v '^ *#' '$ngx/nginx.conf' | grep -Eq '/var/|/run/|/etc/|:808[12]|listen 80|www-data'"
nginx_cmd=(/usr/sbin/nginx -p "$ngx/" -c "$ngx/nginx.conf" -e "$ngx/error.log" -g 'daemon off;')
"${nginx_cmd[@]}" -t >"$work/nginx-t" 2>&1
check "nginx -t accepts it" "[ $? -eq 0 ]" || cat "$work/nginx-t"
"${nginx_cmd[@]}" >>"$ngx/stdout" 2>&1 3>&- &
nginx_pid=$!
pids+=("$nginx_pid")
for _ in $(seq 50); do curl -fs --max-time 2 "$ORIGIN/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
check "nginx answers /healthz from tern" "curl -fs --max-time 5 '$ORIGIN/healthz' | grep -q ok" ||
  { cat "$ngx/error.log"; exit 1; }

# --- The journey, through nginx ------------------------------------------------
# curl speaks from 127.0.0.2, so the client tern should log (through nginx
# at 127.0.0.1, the trusted proxy) differs from nginx's own address.
CLIENT=127.0.0.2
jar=$work/jar
# req METHOD PATH [curl args...] → "<status>"; body in $work/body, head in $work/head
req() {
  local method=$1 path=$2
  shift 2
  curl -s --max-time 10 --interface "$CLIENT" -X "$method" -D "$work/head" -o "$work/body" \
    -w '%{http_code}' -b "$jar" -c "$jar" "$@" "$ORIGIN$path"
}
json() { req "$@" -H 'Content-Type: application/json' -H "Origin: $ORIGIN"; }
header() { tr -d '\r' <"$work/head" | awk -v h="$(tr 'A-Z' 'a-z' <<<"$1")" 'tolower($1) == h":" { print $2 }'; }
field() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))
for k in sys.argv[2].split("."): d = d[int(k)] if isinstance(d, list) else d[k]
print("" if d is None else d)' "$work/body" "$1" 2>/dev/null; }
# count_access LOGS KEY=VALUE... → how many access lines of LOGS (one file,
# or several joined by ":") match all the KEY=VALUEs
count_access() {
  python3 - "$@" <<'PY'
import json, sys
paths, *conds = sys.argv[1:]
want = dict(c.split("=", 1) for c in conds)
n = 0
for path in paths.split(":"):
    for line in open(path, errors="replace"):
        try:
            o = json.loads(line)
        except ValueError:
            continue
        if o.get("msg") == "access" and all(str(o.get(k)) == v for k, v in want.items()):
            n += 1
print(n)
PY
}
# wait_access MIN LOGS KEY=VALUE... → waits (≤ 3 s) for MIN such lines (each
# loop thread hands its lines to the log in batches); prints the count
wait_access() {
  local min=$1 n=0
  shift
  for _ in $(seq 30); do
    n=$(count_access "$@")
    [ "$n" -ge "$min" ] && break
    sleep 0.1
  done
  echo "$n"
}
logs=$work/a.log:$work/b.log

email="deploy-$$-$RANDOM@example.com"
tag="deploy$$x$RANDOM"
s=$(json POST /auth/join --data "{\"email\":\"$email\",\"nick\":\"deployer\",\"password\":\"password1\"}")
check "POST /auth/join → 201 ($s)" "[ '$s' = 201 ]"
s=$(json POST /auth/login --data "{\"email\":\"$email\",\"password\":\"password1\"}")
cookie=$(tr -d '\r' <"$work/head" | grep -i '^Set-Cookie: sid=')
check "POST /auth/login → 200 ($s)" "[ '$s' = 200 ]"
check "… with an HttpOnly SameSite=Lax session cookie, not Secure over plain HTTP" \
  "grep -q 'HttpOnly' <<<'$cookie' && grep -q 'SameSite=Lax' <<<'$cookie' && ! grep -qi 'Secure' <<<'$cookie' && grep -q '^#HttpOnly_127.0.0.1' '$jar'"
s=$(req GET /api/me)
check "GET /api/me → 200 as the new user ($s)" "[ '$s' = 200 ] && [ \"\$(field email)\" = '$email' ]"

s=$(json POST /api/posts --data "{\"content\":\"through nginx #$tag\"}")
post=$(field post.id)
check "POST /api/posts with nginx's Origin → 201 ($s)" "[ '$s' = 201 ] && [ -n '$post' ]"
s=$(req GET '/api/posts?limit=100')
check "GET /api/posts (the public feed) has it" \
  "[ '$s' = 200 ] && python3 -c 'import json,sys; sys.exit(0 if any(p[\"id\"] == $post for p in json.load(open(\"$work/body\"))[\"posts\"]) else 1)'"
s=$(req POST /api/posts -H 'Content-Type: application/json' -H "Origin: http://evil.example" --data '{"content":"csrf"}')
check "a POST with a foreign Origin → 403 ($s)" "[ '$s' = 403 ] && grep -q forbidden_origin '$work/body'"
s=$(req POST /api/posts -H 'Content-Type: application/json' -H "Origin: http://127.0.0.1:$A" --data '{"content":"csrf"}')
check "… and with tern's own address as Origin → 403: the public origin is nginx's ($s)" "[ '$s' = 403 ]"

# Both processes, one session: round robin over 12 requests.
codes=""
for _ in $(seq 12); do codes+="$(req GET /api/me) "; done
check "12 × GET /api/me through nginx → 200 ($codes)" "[ \"\$(tr ' ' '\n' <<<'$codes' | grep -c '^200$')\" -eq 12 ]"
n=$(wait_access 13 "$logs" target=/api/me status=200)
na=$(count_access "$work/a.log" target=/api/me status=200)
nb=$(count_access "$work/b.log" target=/api/me status=200)
check "the session works on both processes (GET /api/me 200 in a's log $na×, in b's $nb×)" \
  "[ $na -ge 1 ] && [ $nb -ge 1 ] && [ $n -eq 13 ]"
nclient=$(count_access "$logs" target=/api/me client=$CLIENT remote=127.0.0.1)
check "tern logs the curl client ($CLIENT) as client, nginx (127.0.0.1) as remote ($nclient of $n)" \
  "[ $nclient -eq $n ]"
s=$(req GET "/healthz?spoof=$$" -H 'X-Forwarded-For: 203.0.113.7')
n=$(wait_access 1 "$logs" target="/healthz?spoof=$$" client=$CLIENT)
check "a client's own X-Forwarded-For changes nothing: still logged as $CLIENT" "[ '$s' = 200 ] && [ $n -eq 1 ]"

s=$(req GET "/api/me?rid=$$" -H 'X-Request-Id: chosen-by-the-client')
rid=$(header X-Request-Id)
in_tern=$(wait_access 1 "$logs" id="$rid" target="/api/me?rid=$$")
check "X-Request-Id: nginx's \$request_id ($rid), not the client's, answered and in tern's access line" \
  "[ '$s' = 200 ] && [[ '$rid' =~ ^[0-9a-f]{32}\$ ]] && [ $in_tern -eq 1 ]"
check "… and in nginx's access log for the same request" \
  "grep \"id=$rid \" '$ngx/access.log' | grep -q 'GET /api/me?rid=$$ '"

s=$(curl -s --max-time 5 --interface "$CLIENT" -o /dev/null -w '%{http_code}' "$ORIGIN/metrics")
s2=$(curl -s --max-time 5 -o "$work/metrics" -w '%{http_code}' "http://127.0.0.1:$A/metrics")
check "GET /metrics through nginx → 404 ($s); on tern's own port from loopback → 200 ($s2)" \
  "[ '$s' = 404 ] && [ '$s2' = 200 ] && grep -q '^tern_http_requests_total{method=\"GET\",route=\"/api/me\",status=\"200\"} [1-9]' '$work/metrics'"
s=$(curl -s --max-time 5 --interface "$CLIENT" -H 'Accept-Encoding: gzip' -D "$work/head" -o /dev/null \
  -w '%{http_code}' "$ORIGIN/app.js")
check "the web client's files come gzipped ($s)" "[ '$s' = 200 ] && grep -qi '^Content-Encoding: gzip' '$work/head'"

# Uploads.
"$TERN" sample-image png 64 64 >"$work/img.png"
s=$(req POST /api/images -H "Origin: $ORIGIN" -F "img=@$work/img.png;type=image/png")
url=$(field url)
check "POST /api/images (multipart, a 64×64 PNG) → 201 ($s)" "[ '$s' = 201 ] && [[ '$url' == /uploads/* ]]"
codes=""
for _ in 1 2 3 4; do codes+="$(req GET "$url") $(header Content-Type) "; done
n=$(wait_access 4 "$logs" target="$url" status=200)
na=$(count_access "$work/a.log" target="$url" status=200)
check "the upload is served through nginx by both processes ($codes; a: $na of $n)" \
  "[ \"\$(grep -o '200 image/png' <<<'$codes' | wc -l)\" -eq 4 ] && [ $n -eq 4 ] && [ $na -ge 1 ] && [ $na -le 3 ]"
s=$(json POST /api/posts --data "{\"content\":\"with a picture #$tag\",\"img\":\"$url\"}")
ipost=$(field post.id)
thumb=""
for _ in $(seq 50); do
  req GET "/api/posts/$ipost" >/dev/null
  thumb=$(field post.img.thumbUrl)
  [ -n "$thumb" ] && break
  sleep 0.1
done
check "a post with it → 201 ($s), and its thumbnail is made and served" \
  "[ '$s' = 201 ] && [ -n '$thumb' ] && [ \"\$(req GET '$thumb')\" = 200 ]"
check "the stored upload and its thumbnail are mode 0600 (UMask=0077)" \
  "[ \"\$(stat -c %a '$work/uploads/${url#/uploads/}' '$work/uploads/${thumb#/uploads/}' | sort -u)\" = 600 ]"
head -c $((upload_max + 16384)) /dev/zero >"$work/huge"
s=$(req POST /api/images -H "Origin: $ORIGIN" -F "img=@$work/huge;type=image/png")
# nginx's own answer: JSON, but without the X-Request-Id tern puts on every response.
from_nginx() {  # STATUS ERROR_CODE → true if the last answer is nginx's JSON error
  [ "$s" = "$1" ] && [ -z "$(header X-Request-Id)" ] &&
    python3 -c 'import json, sys; b = json.load(open(sys.argv[1]))
sys.exit(0 if b["code"] == int(sys.argv[2]) and b["error"]["code"] == sys.argv[3] else 1)' "$work/body" "$1" "$2"
}
check "an upload body over nginx's limit → 413 from nginx (JSON body_too_large), tern never sees it ($s)" \
  "from_nginx 413 body_too_large && [ $(count_access "$logs" target=/api/images status=413) -eq 0 ]"
{ cat "$work/img.png"; head -c $((upload_max + 4096)) /dev/zero; } >"$work/big"
s=$(req POST /api/images -H "Origin: $ORIGIN" -F "img=@$work/big;type=image/png")
check "an image over TERN_MAX_UPLOAD_BYTES inside nginx's limit reaches tern: its own 413 ($s)" \
  "[ '$s' = 413 ] && grep -q image_too_large '$work/body' && [ -n \"\$(header X-Request-Id)\" ]"
python3 -c 'import sys; sys.stdout.write("{\"content\":\"" + "x" * (1 << 20) + "\"}")' >"$work/bigjson"
s=$(json POST /api/posts --data-binary "@$work/bigjson")
check "a JSON body over 1 MiB → 413 from nginx ($s)" "from_nginx 413 body_too_large"

# One process dies (SIGKILL: no drain, no goodbye): nginx goes to the other.
kill -KILL "$pid_b"
wait "$pid_b" 2>/dev/null
codes=""
for _ in $(seq 10); do codes+="$(req GET /api/me) "; done
check "b killed with SIGKILL: 10 × GET /api/me through nginx still → 200 ($codes)" \
  "[ \"\$(tr ' ' '\n' <<<'$codes' | grep -c '^200$')\" -eq 10 ]"
for _ in $(seq 30); do grep -q "upstream=127.0.0.1:$B, 127.0.0.1:$A " "$ngx/access.log" && break; sleep 0.1; done
check "… nginx tried the dead one and passed the request on (upstream=127.0.0.1:$B, 127.0.0.1:$A)" \
  "grep -q 'upstream=127.0.0.1:$B, 127.0.0.1:$A ' '$ngx/access.log'"
s=$(json POST /api/posts --data "{\"content\":\"after the kill #$tag\"}")
check "a POST after the kill → 201 ($s)" "[ '$s' = 201 ]"
# Restarted (what Restart=on-failure does): back in the rotation once
# fail_timeout (3 s) has passed.
before=$(count_access "$work/b.log" target=/api/me)
start_tern b "$B" || exit 1
nb=$before
for _ in $(seq 60); do
  req GET /api/me >/dev/null
  nb=$(count_access "$work/b.log" target=/api/me)
  [ "$nb" -gt "$before" ] && break
  sleep 0.1
done
check "b restarted on its port gets requests from nginx again" "[ $nb -gt $before ]"

s=$(json POST /auth/logout)
check "POST /auth/logout → 204 ($s)" "[ '$s' = 204 ]"
# Until both processes have answered (an nginx worker that saw b fail may
# still be waiting out fail_timeout).
codes=""
for i in $(seq 30); do
  codes+="$(req GET "/api/me?after=logout") "
  na=$(count_access "$work/a.log" target=/api/me?after=logout)
  nb=$(count_access "$work/b.log" target=/api/me?after=logout)
  [ $((na + nb)) -ge "$i" ] && [ "$na" -ge 1 ] && [ "$nb" -ge 1 ] && break
  sleep 0.05
done
check "GET /api/me after logout → 401, from both processes (a: $na, b: $nb)" \
  "[ -z \"\$(tr ' ' '\n' <<<'$codes' | grep -v '^401\$' | grep .)\" ] && [ $na -ge 1 ] && [ $nb -ge 1 ]"

# --- Shutdown ------------------------------------------------------------------
workers=$(pgrep -P "$nginx_pid" | tr '\n' ' ')
kill -TERM "$pid_a" "$pid_b"
wait "$pid_a"; rc_a=$?
wait "$pid_b"; rc_b=$?
check "SIGTERM: both tern processes exit 0 (a: $rc_a, b: $rc_b) after draining" \
  "[ $rc_a -eq 0 ] && [ $rc_b -eq 0 ] && grep -q '\"msg\":\"stopped\"' '$work/a.log' && [ \"\$(grep -c '\"msg\":\"stopped\"' '$work/b.log')\" -eq 1 ]"
s=$(req GET /api/me)
check "both stopped: nginx answers 502 as JSON ($s)" "from_nginx 502 service_unavailable"
kill -QUIT "$nginx_pid"
wait "$nginx_pid"; rc_n=$?
left=""
for p in "$pid_a" "$pid_b" "$nginx_pid" $workers; do kill -0 "$p" 2>/dev/null && left+=" $p"; done
check "nginx exits on SIGQUIT ($rc_n); no process of this test is left${left:+ ($left)}" "[ $rc_n -eq 0 ] && [ -z '$left' ]"
pids=()
if [ -n "$svc_dir" ]; then
  services_remove "$svc_dir" "$redis_port" >/dev/null 2>&1
  svc_dir=""
  check "private PostgreSQL and Redis stopped" \
    "! redis-cli -p $redis_port ping >/dev/null 2>&1 && ! (exec 3<>/dev/tcp/127.0.0.1/$pg_port) 2>/dev/null"
fi

if [ "$fail" -ne 0 ]; then
  for f in a.log b.log nginx/error.log; do
    [ -f "$work/$f" ] && { echo "# --- last lines of $f"; tail -15 "$work/$f" | sed 's/^/# /'; }
  done
fi
echo "deploy: $passed passed, $fail failed"
[ "$fail" -eq 0 ]
