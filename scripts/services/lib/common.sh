# Shared settings and helpers for services.sh (sourced, not run).
# shellcheck shell=bash
# shellcheck disable=SC2034  # the settings below are used by the files that source this one

ALL_SERVICES=(postgres redis kafka elasticsearch)

_abs() { case "$1" in /*) printf '%s\n' "$1" ;; *) printf '%s\n' "$ROOT/$1" ;; esac; }

STATE=$(_abs "${DOMTOK_SERVICES_DIR:-var/services}")
CACHE=${DOMTOK_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/domtok}
RUN_DIR=$STATE/run
LOG_DIR=$STATE/logs
STARTED_FILE=$STATE/started-by-us
HOST=127.0.0.1

say() { printf '[services] %s\n' "$*"; }
die() { printf '[services] ERROR: %s\n' "$*" >&2; exit 1; }
is_root() { [ "$(id -u)" -eq 0 ]; }

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1fs", b - a }'; }

# Show the end of a log so a failure explains itself without a second command.
log_tail() {
  local file=$1
  [ -f "$file" ] || { echo "  (no log at $file)" >&2; return 0; }
  echo "  --- last lines of $file ---" >&2
  tail -n "${2:-25}" "$file" | sed 's/^/  | /' >&2
}

pid_file() { printf '%s/%s.pid\n' "$RUN_DIR" "$1"; }

# PID of our running server, if any. The command line is checked too, so a recycled PID
# of some unrelated process is never taken for (or stopped as) ours.
our_pid() {
  local name=$1 file pid
  file=$(pid_file "$name")
  [ -s "$file" ] || return 1
  pid=$(head -n1 "$file")
  [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q -- "$("${name}_cmd_pattern")" || return 1
  printf '%s\n' "$pid"
}

port_busy() {
  if command -v ss >/dev/null 2>&1; then
    ss -Hltn "sport = :$1" 2>/dev/null | grep -q .
  else
    (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null
  fi
}

# Start a long-running foreground server detached from our session; PID goes to the pid file.
# The inner shell records its own PID and then execs, so the file holds the server's PID
# whether or not setsid had to fork.
spawn() {
  local name=$1 log=$2 file i
  shift 2
  file=$(pid_file "$name")
  : >"$log"
  rm -f "$file"
  # shellcheck disable=SC2016  # $$ and $@ belong to the inner shell
  setsid bash -c 'echo $$ >"$1.tmp" && mv "$1.tmp" "$1"; shift; exec "$@"' _ "$file" "$@" \
    >>"$log" 2>&1 </dev/null 9>&- &
  # Return only once the PID is on disk, so liveness checks never race the child.
  for ((i = 0; i < 100; i++)); do
    [ -s "$file" ] && return 0
    sleep 0.05
  done
  die "$name: no pid file after 5s"
}

# --- installation ----------------------------------------------------------------------

APT_UPDATED=0
apt_install() {
  [ "$#" -gt 0 ] || return 0
  is_root || die "missing packages ($*): install them with apt-get as root"
  export DEBIAN_FRONTEND=noninteractive
  say "apt-get install $*"
  # Try the package lists already on the machine first: an update costs several seconds.
  if ! apt-get install -y -q "$@" >"$LOG_DIR/apt.log" 2>&1; then
    if [ "$APT_UPDATED" -eq 0 ]; then
      say "apt-get update"
      apt-get update -q >>"$LOG_DIR/apt.log" 2>&1 || { log_tail "$LOG_DIR/apt.log"; die "apt-get update failed"; }
      APT_UPDATED=1
    fi
    apt-get install -y -q "$@" >>"$LOG_DIR/apt.log" 2>&1 \
      || { log_tail "$LOG_DIR/apt.log"; die "apt-get install $* failed"; }
  fi
}

# The JVM that Kafka and Elasticsearch run on.
java_bin() { echo "${JAVA_HOME:+$JAVA_HOME/bin/}java"; }

# Class-data sharing (CDS) for a JVM server: a server started without an archive dumps one
# when it stops, and every later start maps it (warm starts ~2.5x faster).
# cds_archive DIR NAME: the archive's path, keyed by the JVM binary (DIR keys the jar set).
cds_archive() {
  local java
  java=$(readlink -f "$(command -v "$(java_bin)")")
  echo "$1/$2-$(stat -c %Y "$java" | cksum | cut -d' ' -f1).jsa"
}

# cds_flag ARCHIVE STATE_DIR: the JVM flag that maps ARCHIVE, or else dumps it at exit. Servers
# of other checkouts may dump at the same time: each dumps to its own file (named in
# STATE_DIR/cds-dump), which cds_after_stop moves into place once the JVM has exited.
cds_flag() {
  if [ -s "$1" ]; then
    echo "-XX:SharedArchiveFile=$1"
  else
    echo "$1.dump-$$" >"$2/cds-dump"
    echo "-XX:ArchiveClassesAtExit=$1.dump-$$"
  fi
}

# cds_after_stop ARCHIVE STATE_DIR: keep a finished dump as ARCHIVE, drop an empty one.
cds_after_stop() {
  local dump
  dump=$(cat "$2/cds-dump" 2>/dev/null) || return 0
  rm -f "$2/cds-dump"
  if [ -s "$dump" ]; then mv -f "$dump" "$1"; else rm -f "$dump"; fi
}

# --- readiness -------------------------------------------------------------------------

# Wait until every named server answers; fail fast (with its log) if one dies or times out.
wait_ready() {
  local -A deadline=()
  local name pending=("$@") next took
  for name in "$@"; do
    deadline[$name]=$(($(date +%s) + $("${name}_timeout")))
  done
  while [ "${#pending[@]}" -gt 0 ]; do
    next=()
    for name in "${pending[@]}"; do
      if "${name}_ready" 2>/dev/null; then
        took=${START_AT[$name]:+ in $(since "${START_AT[$name]}")}
        say "$name answers on $HOST:$("${name}_port")$took"
        continue
      fi
      if ! our_pid "$name" >/dev/null; then
        log_tail "$("${name}_log")"
        die "$name exited before answering on port $("${name}_port")"
      fi
      if [ "$(date +%s)" -ge "${deadline[$name]}" ]; then
        log_tail "$("${name}_log")"
        die "$name did not answer on port $("${name}_port") within $("${name}_timeout")s"
      fi
      next+=("$name")
    done
    pending=("${next[@]}")
    [ "${#pending[@]}" -eq 0 ] || sleep 0.2
  done
}

# Stop one server of ours by PID: its graceful signal first, SIGKILL after a grace period.
stop_one() {
  local name=$1 pid i grace
  if ! pid=$(our_pid "$name"); then
    rm -f "$(pid_file "$name")"
    return 0
  fi
  grace=$("${name}_stop_grace")
  say "stopping $name (pid $pid)"
  kill "-$("${name}_stop_signal")" "$pid" 2>/dev/null || true
  for ((i = 0; i < grace * 10; i++)); do
    [ -d "/proc/$pid" ] || break
    sleep 0.1
  done
  if [ -d "/proc/$pid" ]; then
    say "$name did not stop within ${grace}s; killing it"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$(pid_file "$name")"
  if declare -F "${name}_after_stop" >/dev/null; then "${name}_after_stop"; fi
}
