# Redis: Debian's redis-server, daemonized, no persistence.
# shellcheck shell=bash

REDIS_DIR=$STATE/redis

redis_port() { echo "${DOMTOK_REDIS_PORT:-56379}"; }
redis_log() { echo "$LOG_DIR/redis.log"; }
redis_timeout() { echo 20; }
redis_stop_signal() { echo TERM; }
redis_stop_grace() { echo 10; }
redis_cmd_pattern() { echo 'redis-server'; }

redis_packages() { command -v redis-server >/dev/null && command -v redis-cli >/dev/null || echo redis-server; }

redis_ready() { [ "$(redis-cli -h "$HOST" -p "$(redis_port)" ping 2>/dev/null)" = PONG ]; }

redis_launch() {
  mkdir -p "$REDIS_DIR"
  : >"$(redis_log)"
  redis-server --daemonize yes --bind "$HOST" --port "$(redis_port)" --save "" \
    --appendonly no --dir "$REDIS_DIR" --pidfile "$(pid_file redis)" \
    --logfile "$(redis_log)" 9>&- || { log_tail "$(redis_log)"; die "redis-server failed to start"; }
  # With --daemonize the pid file appears a moment after redis-server returns.
  local i
  for ((i = 0; i < 50; i++)); do
    [ -s "$(pid_file redis)" ] && return 0
    sleep 0.1
  done
  log_tail "$(redis_log)"
  die "redis-server wrote no pid file"
}

redis_env() { echo "export DOMTOK_REDIS_URL=redis://$HOST:$(redis_port)/0"; }
