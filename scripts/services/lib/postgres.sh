# PostgreSQL: our own cluster (Debian's binaries, our data dir), run as the postgres OS user.
# shellcheck shell=bash

# postgres (the OS user) must reach its data dir; a state dir it cannot traverse (a checkout
# under /root, say) gets its cluster in a dir of its own under /var/tmp instead.
PG_DIR=$STATE/postgres
PG_LOG=$LOG_DIR/postgres.log
if is_root && id postgres >/dev/null 2>&1 && mkdir -p "$STATE" \
  && ! runuser -u postgres -- test -x "$STATE" 2>/dev/null; then
  PG_DIR=/var/tmp/domtok-services-$(printf '%s' "$STATE" | md5sum | cut -c1-10)/postgres
  PG_LOG=$PG_DIR/postgres.log
fi
PG_DATA=$PG_DIR/data

postgres_port() { echo "${DOMTOK_PG_PORT:-55432}"; }
postgres_log() { echo "$PG_LOG"; }
postgres_state_dir() { echo "$PG_DIR"; }
postgres_timeout() { echo 60; }
postgres_stop_signal() { echo INT; } # "fast" shutdown: ends open sessions
postgres_stop_grace() { echo 30; }
postgres_cmd_pattern() { echo 'bin/postgres'; }

pg_bin() {
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)
  [ -n "$dir" ] && [ -x "$dir/initdb" ] || return 1
  echo "$dir"
}

# postgres refuses to run as root, so as root every server-side command runs as postgres.
as_pg() {
  if is_root; then runuser -u postgres -- "$@"; else "$@"; fi
}

# Unix sockets have a ~107-byte path limit; a deep checkout falls back to a short /tmp path.
pg_socket_dir() {
  local dir=$PG_DIR/run
  if [ "${#dir}" -gt 90 ]; then
    dir=/tmp/domtok-pg-$(printf '%s' "$PG_DIR" | md5sum | cut -c1-10)
  fi
  echo "$dir"
}

postgres_packages() { pg_bin >/dev/null || echo postgresql; }

postgres_ready() { "$(pg_bin)/pg_isready" -q -h "$HOST" -p "$(postgres_port)"; }

postgres_launch() {
  local bin sock log
  bin=$(pg_bin) || die "PostgreSQL binaries not found under /usr/lib/postgresql"
  sock=$(pg_socket_dir)
  log=$(postgres_log)
  mkdir -p "$PG_DIR" "$sock"
  : >"$log"
  [ "$log" = "$LOG_DIR/postgres.log" ] || ln -sfn "$log" "$LOG_DIR/postgres.log"
  if is_root; then
    chown postgres:postgres "$PG_DIR" "$sock" "$log"
  fi
  chmod 700 "$sock"
  if [ ! -s "$PG_DATA/PG_VERSION" ]; then
    say "postgres: initdb $PG_DATA"
    rm -rf "$PG_DATA"
    as_pg "$bin/initdb" -D "$PG_DATA" -U postgres -E UTF8 --no-locale --no-sync \
      --auth-local=trust --auth-host=scram-sha-256 >>"$log" 2>&1 \
      || { log_tail "$log"; die "postgres initdb failed"; }
    # A disposable test/dev cluster: durability is traded for speed.
    as_pg tee -a "$PG_DATA/postgresql.conf" >/dev/null <<'EOF'

# --- domtok services.sh ---
listen_addresses = '127.0.0.1'
unix_socket_permissions = 0700
max_connections = 200
fsync = off
synchronous_commit = off
full_page_writes = off
EOF
  fi
  # The port and socket dir are given at each start so an env override takes effect at once.
  as_pg "$bin/pg_ctl" -D "$PG_DATA" -l "$log" -s -o "-p $(postgres_port) -k '$sock'" start \
    >>"$log" 2>&1 9>&- || { log_tail "$log"; die "pg_ctl start failed"; }
  # pg_ctl returns once postmaster.pid names the server; record that PID as ours.
  local i
  for ((i = 0; i < 100; i++)); do
    [ -s "$PG_DATA/postmaster.pid" ] && break
    sleep 0.1
  done
  head -n1 "$PG_DATA/postmaster.pid" >"$(pid_file postgres)" 2>/dev/null \
    || { log_tail "$log"; die "postgres wrote no postmaster.pid"; }
}

# Role domtok/domtok owning databases domtok and domtok_test; safe to run on every start.
postgres_provision() {
  as_pg "$(pg_bin)/psql" -h "$(pg_socket_dir)" -p "$(postgres_port)" -U postgres -d postgres \
    -v ON_ERROR_STOP=1 -qAt >>"$(postgres_log)" 2>&1 <<'EOF' || { log_tail "$(postgres_log)"; die "postgres provisioning failed"; }
DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'domtok') THEN
    CREATE ROLE domtok LOGIN CREATEDB PASSWORD 'domtok';
  END IF;
END $$;
SELECT format('CREATE DATABASE %I OWNER domtok', d)
  FROM unnest(ARRAY['domtok', 'domtok_test']) AS d
 WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = d)\gexec
EOF
}

postgres_env() {
  local base
  base="postgresql+asyncpg://domtok:domtok@$HOST:$(postgres_port)"
  echo "export DOMTOK_DATABASE_URL=$base/domtok"
  echo "export DOMTOK_TEST_DATABASE_URL=$base/domtok_test"
}
