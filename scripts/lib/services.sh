# Private PostgreSQL and Redis instances under a directory of ours, on ports
# of our own, so tern never touches (or needs) the machine's own servers.
# Sourced by scripts/dev, scripts/test, bench/*/run and scripts/check-private-dir.
#
# PostgreSQL refuses to run as root, so when we are root it runs as the
# unprivileged `postgres` user the Debian package creates.

pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1; }

# As root, runs from / since postgres may not be allowed into our working
# directory (pg_ctl warns then); the paths it is given are absolute.
as_pg_user() {
  if [ "$(id -u)" -eq 0 ]; then (cd / && runuser -u postgres -- "$@"); else "$@"; fi
}

# As root, the cluster must also be reachable by `postgres`, and a checkout in
# a private directory (root's home, a `mktemp -d`) is not: initdb would fail
# with "Permission denied". Such a DIR's cluster (pg/), socket dir (run/) and
# log (pg.log) live instead in a private directory of postgres's under
# /var/tmp (kept across reboots, like DIR), and DIR/pg and DIR/pg.log are
# symlinks into it: that is how pg_stop, scripts/lib/svc, scripts/bench and
# later runs find it again, and `rm -rf DIR` forgets it (see pg_reap).
PG_PRIVATE=/var/tmp/tern-pg

# pg_home DIR — the directory holding DIR's pg/, run/ and pg.log, absolute.
pg_home() {
  if [ -L "$1/pg" ]; then dirname "$(readlink "$1/pg")"; else realpath -m "$1"; fi
}

# pg_place DIR — as root, links DIR/pg into a new private directory when
# postgres cannot reach DIR and there is no cluster yet.
pg_place() {
  local dir=$1 home
  if [ -L "$dir/pg" ] && [ ! -e "$dir/pg" ]; then
    rm -f "$dir/pg" "$dir/pg.log" # its private directory was deleted: start afresh
  fi
  [ ! -e "$dir/pg" ] || return 0 # an existing cluster stays where it is
  # DIR is postgres's (pg_start chowns it), so this fails only when a parent
  # directory is closed to postgres.
  if as_pg_user test -w "$(realpath "$dir")"; then return 0; fi
  pg_reap
  home=$(mktemp -d "$PG_PRIVATE.XXXXXXXX") || return 1 # mode 0700
  ln -s "$home/pg" "$dir/pg"
  ln -sfn "$home/pg.log" "$dir/pg.log"
  realpath "$dir" >"$home/owner" # written last: pg_reap skips the directory until then
  chown postgres "$home"
}

# pg_reap — stops and deletes the private directories that no DIR links to any
# more (scripts/test's `rm -rf var/test`, a deleted clone), so that old
# clusters do not pile up in /var/tmp.
pg_reap() {
  local home owner bin; bin=$(pg_bin)
  for home in "$PG_PRIVATE".*; do
    [ -d "$home" ] && [ ! -L "$home" ] && [ "$(stat -c %U "$home")" = postgres ] &&
      [ -f "$home/owner" ] || continue
    owner=$(cat "$home/owner")
    [ "$(readlink "$owner/pg" 2>/dev/null)" != "$home/pg" ] || continue
    if [ -f "$home/pg/PG_VERSION" ]; then
      as_pg_user "$bin/pg_ctl" -D "$home/pg" -m immediate -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$home"
  done
}

# pg_start DIR PORT — initialises DIR/pg once, starts it unless running.
pg_start() {
  local dir=$1 pg_port=$2
  local bin; bin=$(pg_bin)
  mkdir -p "$dir"
  if [ "$(id -u)" -eq 0 ]; then chown postgres "$dir" && pg_place "$dir" || return 1; fi
  # The server runs as postgres: give it the real paths, not DIR's symlinks.
  local home; home=$(pg_home "$dir")
  if [ ! -f "$home/pg/PG_VERSION" ]; then
    as_pg_user "$bin/initdb" -D "$home/pg" -U tern -A trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 ||
      { cat "$dir/initdb.log" >&2; return 1; }
  fi
  mkdir -p "$home/run" && { [ "$(id -u)" -ne 0 ] || chown postgres "$home/run"; }
  if ! as_pg_user "$bin/pg_ctl" -D "$home/pg" status >/dev/null 2>&1; then
    as_pg_user "$bin/pg_ctl" -D "$home/pg" -l "$home/pg.log" -w -t 30 start \
      -o "-p $pg_port -k $home/run -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" \
      >/dev/null || { tail -20 "$home/pg.log" >&2; return 1; }
  fi
}

# pg_stop DIR — fast shutdown: open sessions are cut, as in a crash-restart.
pg_stop() {
  local dir=$1
  local bin; bin=$(pg_bin)
  local home; home=$(pg_home "$dir")
  [ ! -f "$home/pg/PG_VERSION" ] || as_pg_user "$bin/pg_ctl" -D "$home/pg" -m fast -w stop >/dev/null 2>&1 || true
}

# redis_start DIR PORT
redis_start() {
  local dir=$1 redis_port=$2
  mkdir -p "$dir"
  if ! redis-cli -p "$redis_port" ping >/dev/null 2>&1; then
    redis-server --port "$redis_port" --bind 127.0.0.1 --dir "$dir" --daemonize yes \
      --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" --save "" --appendonly no >/dev/null
    for _ in $(seq 50); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break; sleep 0.1; done
  fi
  redis-cli -p "$redis_port" ping >/dev/null || { echo "redis did not start" >&2; return 1; }
}

# redis_stop PORT
redis_stop() {
  local redis_port=$1
  redis-cli -p "$redis_port" shutdown nosave >/dev/null 2>&1 || true
  for _ in $(seq 50); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 || break; sleep 0.1; done
}

# services_start DIR PG_PORT REDIS_PORT DBNAME
services_start() {
  local dir=$1 pg_port=$2 redis_port=$3 db=$4
  pg_start "$dir" "$pg_port" || return 1
  psql -h 127.0.0.1 -p "$pg_port" -U tern -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname='$db'" |
    grep -q 1 || createdb -h 127.0.0.1 -p "$pg_port" -U tern "$db"
  redis_start "$dir" "$redis_port"
}

# services_stop DIR REDIS_PORT
services_stop() {
  pg_stop "$1"
  redis_stop "$2"
}

# services_remove DIR REDIS_PORT — services_stop, then deletes DIR and the
# private directory its cluster lives in, if any.
services_remove() {
  local home; home=$(pg_home "$1")
  services_stop "$1" "$2"
  case $home in "$PG_PRIVATE".*) rm -rf "$home" ;; esac
  rm -rf "$1"
}
