# Private PostgreSQL and Redis instances under a directory of ours, on ports
# of our own, so tern never touches (or needs) the machine's own servers.
# Sourced by scripts/dev and scripts/test.
#
# PostgreSQL refuses to run as root, so when we are root it runs as the
# unprivileged `postgres` user the Debian package creates.

pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1; }

as_pg_user() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# pg_start DIR PORT — initialises DIR/pg once, starts it unless running.
pg_start() {
  local dir=$1 pg_port=$2
  local bin; bin=$(pg_bin)
  mkdir -p "$dir"
  if [ "$(id -u)" -eq 0 ]; then chown postgres "$dir"; fi
  if [ ! -f "$dir/pg/PG_VERSION" ]; then
    as_pg_user "$bin/initdb" -D "$dir/pg" -U tern -A trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 ||
      { cat "$dir/initdb.log" >&2; return 1; }
  fi
  mkdir -p "$dir/run" && { [ "$(id -u)" -ne 0 ] || chown postgres "$dir/run"; }
  if ! as_pg_user "$bin/pg_ctl" -D "$dir/pg" status >/dev/null 2>&1; then
    as_pg_user "$bin/pg_ctl" -D "$dir/pg" -l "$dir/pg.log" -w -t 30 start \
      -o "-p $pg_port -k $dir/run -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" \
      >/dev/null || { tail -20 "$dir/pg.log" >&2; return 1; }
  fi
}

# pg_stop DIR — fast shutdown: open sessions are cut, as in a crash-restart.
pg_stop() {
  local dir=$1
  local bin; bin=$(pg_bin)
  [ ! -f "$dir/pg/PG_VERSION" ] || as_pg_user "$bin/pg_ctl" -D "$dir/pg" -m fast -w stop >/dev/null 2>&1 || true
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
