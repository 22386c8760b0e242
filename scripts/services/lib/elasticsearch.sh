# Elasticsearch: the ES 8.15-compatible server of the PyPI wheel noida-db (a static binary).
# shellcheck shell=bash

NOIDA_VERSION=0.2.3
NOIDA_HOME=$CACHE/noida-db-$NOIDA_VERSION
NOIDA_BIN=$NOIDA_HOME/noida_db/noida-db
ES_DIR=$STATE/elasticsearch

elasticsearch_port() { echo "${DOMTOK_ES_PORT:-59200}"; }
elasticsearch_log() { echo "$LOG_DIR/elasticsearch.log"; }
elasticsearch_timeout() { echo 30; }
elasticsearch_stop_signal() { echo TERM; }
elasticsearch_stop_grace() { echo 10; }
elasticsearch_cmd_pattern() { echo 'noida-db'; }

elasticsearch_packages() { :; }

# The wheel goes into a cache dir of its own (not the project's venv): it is a server
# binary, not a library the code imports. The pip wrapper script is bypassed at run time
# because it keeps a Python parent process around the server.
elasticsearch_installed() { [ -x "$NOIDA_BIN" ]; }

elasticsearch_install() {
  local log=$LOG_DIR/install-elasticsearch.log
  rm -rf "$NOIDA_HOME"
  "$(pip_python)" -m pip install -q --no-deps --target "$NOIDA_HOME" "noida-db==$NOIDA_VERSION" >"$log" 2>&1 \
    || { log_tail "$log"; return 1; }
  chmod +x "$NOIDA_BIN"
}

elasticsearch_ready() { curl -sf -m 2 -o /dev/null "http://$HOST:$(elasticsearch_port)/"; }

elasticsearch_launch() {
  mkdir -p "$ES_DIR/data"
  # Runs in the foreground of its own session; it persists indices in the data dir.
  spawn elasticsearch "$(elasticsearch_log)" "$NOIDA_BIN" start --data-dir "$ES_DIR/data" \
    --host "$HOST" --only elasticsearch --elasticsearch-port "$(elasticsearch_port)"
}

elasticsearch_env() { echo "export DOMTOK_ELASTICSEARCH_URL=http://$HOST:$(elasticsearch_port)"; }
