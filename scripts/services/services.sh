#!/usr/bin/env bash
# Install, start, health-check and stop the real servers that integration tests and the local
# stack use: PostgreSQL, Redis, Kafka and Elasticsearch 8.15 (a real node from Maven Central jars).
#
#   services.sh start  [names...]        install what is missing, start, wait until each answers
#   services.sh stop   [--ours] [names...]  stop our servers (--ours: only those the last start launched)
#   services.sh status [names...]        show pid, port and whether each answers (exit 3 if not all up)
#   services.sh env                      print `export DOMTOK_...` lines for the project settings
#   services.sh clean  [names...]        stop and delete the servers' data
#
# names: postgres redis kafka elasticsearch (default: all). Everything binds to 127.0.0.1.
# Ports (env overrides): DOMTOK_PG_PORT=55432 DOMTOK_REDIS_PORT=56379 DOMTOK_KAFKA_PORT=59092
#   DOMTOK_KAFKA_CONTROLLER_PORT=59093 DOMTOK_ES_PORT=59200 -- off the defaults, so a system
#   server on 5432/6379/9092/9200 never clashes.
# State (data, logs, pid files): ${DOMTOK_SERVICES_DIR:-var/services}; downloads are cached in
#   ${DOMTOK_CACHE_DIR:-~/.cache/domtok} (Kafka and Elasticsearch jars) and ~/.m2.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
# shellcheck source=lib/common.sh
source "$HERE/lib/common.sh"
for _svc in "${ALL_SERVICES[@]}"; do
  # shellcheck source=/dev/null
  source "$HERE/lib/$_svc.sh"
done

declare -A START_AT=()

usage() { sed -n '2,/^set /{/^#/p}' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }

# Sets NAMES to the validated server names given; none means all.
select_names() {
  local name
  [ "$#" -gt 0 ] || set -- "${ALL_SERVICES[@]}"
  for name in "$@"; do
    [[ " ${ALL_SERVICES[*]} " == *" $name "* ]] || die "unknown server '$name' (one of: ${ALL_SERVICES[*]})"
  done
  NAMES=("$@")
}

# Serialises concurrent start/stop runs. Servers must not inherit fd 9 (see spawn), or they
# would hold the lock for as long as they run.
lock_state() {
  mkdir -p "$RUN_DIR" "$LOG_DIR"
  exec 9>"$STATE/.lock"
  flock -w 300 9 || die "another services.sh run has held $STATE/.lock for 300s"
}

install_missing() {
  local name failed=0 pkgs=() after_apt=()
  local -A jobs=()
  for name in "$@"; do
    # shellcheck disable=SC2207  # package names have no spaces
    pkgs+=($("${name}_packages"))
  done
  # Downloads run side by side; Kafka's jars wait for apt only when apt brings java/maven.
  for name in "$@"; do
    declare -F "${name}_install" >/dev/null || continue
    "${name}_installed" && continue
    say "$name: fetching into $CACHE"
    if [ -n "$("${name}_packages")" ]; then
      after_apt+=("$name")
    else
      "${name}_install" &
      jobs[$name]=$!
    fi
  done
  apt_install "${pkgs[@]}"
  for name in "${after_apt[@]}"; do
    "${name}_install" &
    jobs[$name]=$!
  done
  for name in "${!jobs[@]}"; do
    wait "${jobs[$name]}" || { say "$name: install failed"; failed=1; }
  done
  [ "$failed" -eq 0 ] || die "installation failed (logs in $LOG_DIR)"
}

cmd_start() {
  local names=() launch=() name port pid t0
  select_names "$@"
  names=("${NAMES[@]}")
  lock_state
  t0=$(now)
  for name in "${names[@]}"; do
    if pid=$(our_pid "$name"); then
      say "$name already running (pid $pid)"
      continue
    fi
    for port in $("${name}_port") $([ "$name" = kafka ] && kafka_controller_port); do
      ! port_busy "$port" \
        || die "$name: port $port is taken by a process we did not start; free it or override the port (see --help)"
    done
    launch+=("$name")
  done
  if [ "${#launch[@]}" -gt 0 ]; then
    install_missing "${launch[@]}"
    say "install check done in $(since "$t0")"
  fi
  # Record what this run launched before waiting, so `stop --ours` cleans up after a failure too.
  # A start of named servers (a fault test restarting one) adds to the record instead of
  # replacing it, so the servers the session's first start launched stay ours.
  if [ "$#" -gt 0 ] && [ -s "$STARTED_FILE" ]; then
    { cat "$STARTED_FILE"; printf '%s\n' "${launch[@]}"; } | grep . | sort -u >"$STARTED_FILE.new" || :
    mv "$STARTED_FILE.new" "$STARTED_FILE"
  else
    printf '%s\n' "${launch[@]}" | grep . >"$STARTED_FILE" || : >"$STARTED_FILE"
  fi
  # Slowest first: Kafka's JVM boots while the others start.
  for name in kafka elasticsearch redis postgres; do
    [[ " ${launch[*]} " == *" $name "* ]] || continue
    START_AT[$name]=$(now)
    say "starting $name on $HOST:$("${name}_port")"
    "${name}_launch"
  done
  wait_ready "${names[@]}"
  if [[ " ${names[*]} " == *" postgres "* ]]; then
    postgres_provision
  fi
  say "up: ${names[*]} ($(since "$t0") total)"
}

cmd_stop() {
  local ours_only=0 names=() name
  if [ "${1:-}" = --ours ]; then
    ours_only=1
    shift
  fi
  select_names "$@"
  names=("${NAMES[@]}")
  lock_state
  if [ "$ours_only" -eq 1 ]; then
    mapfile -t names < <(printf '%s\n' "${names[@]}" | grep -Fxf "$STARTED_FILE" 2>/dev/null || true)
  fi
  # Kafka's controlled shutdown takes seconds; the others stop alongside it.
  local running=()
  for name in "${names[@]}"; do
    our_pid "$name" >/dev/null && running+=("$name")
    stop_one "$name" &
  done
  wait
  if [ -s "$STARTED_FILE" ]; then
    printf '%s\n' "${names[@]}" | grep -vxFf - "$STARTED_FILE" >"$STARTED_FILE.new" || true
    mv "$STARTED_FILE.new" "$STARTED_FILE"
  fi
  say "stopped: ${running[*]:-nothing of ours was running}"
}

cmd_status() {
  local names=() name pid all_up=0 state
  select_names "$@"
  names=("${NAMES[@]}")
  for name in "${names[@]}"; do
    if pid=$(our_pid "$name"); then
      if "${name}_ready" 2>/dev/null; then state=answering; else state="running, not answering" all_up=3; fi
      printf '%-14s pid %-8s %s:%-6s %s\n' "$name" "$pid" "$HOST" "$("${name}_port")" "$state"
    else
      printf '%-14s %-12s %s:%-6s stopped\n' "$name" - "$HOST" "$("${name}_port")"
      all_up=3
    fi
  done
  return "$all_up"
}

cmd_env() {
  local name
  for name in "${ALL_SERVICES[@]}"; do
    "${name}_env"
  done
}

cmd_clean() {
  local names=() name
  select_names "$@"
  names=("${NAMES[@]}")
  cmd_stop "${names[@]}"
  local dir
  for name in "${names[@]}"; do
    dir=$STATE/$name
    if declare -F "${name}_state_dir" >/dev/null; then dir=$("${name}_state_dir"); fi
    say "deleting $name data in $dir"
    rm -rf "${dir:?}"
  done
}

main() {
  local cmd=${1:-}
  [ "$#" -eq 0 ] || shift
  case "$cmd" in
    start) cmd_start "$@" ;;
    stop) cmd_stop "$@" ;;
    status) cmd_status "$@" ;;
    env) cmd_env ;;
    clean) cmd_clean "$@" ;;
    -h | --help | help) usage ;;
    *) usage >&2; exit 2 ;;
  esac
}

main "$@"
