# Kafka: Apache Kafka 4.x from Maven Central, one combined broker+controller node (KRaft).
# shellcheck shell=bash

KAFKA_POM=$HERE/kafka/pom.xml
KAFKA_LIB=$CACHE/kafka/lib
KAFKA_DIR=$STATE/kafka

kafka_port() { echo "${DOMTOK_KAFKA_PORT:-59092}"; }
kafka_controller_port() { echo "${DOMTOK_KAFKA_CONTROLLER_PORT:-59093}"; }
kafka_log() { echo "$LOG_DIR/kafka.log"; }
kafka_timeout() { echo 120; }
kafka_stop_signal() { echo TERM; } # controlled shutdown
kafka_stop_grace() { echo 30; }
kafka_cmd_pattern() { echo 'kafka.Kafka'; }

# The jar set is keyed by the pom's hash: editing the pom (e.g. a version bump) refetches.
kafka_pom_hash() { sha256sum "$KAFKA_POM" | cut -c1-16; }
kafka_installed() { [ "$(cat "$KAFKA_LIB/.pom-hash" 2>/dev/null)" = "$(kafka_pom_hash)" ]; }

kafka_packages() {
  command -v "$(java_bin)" >/dev/null || echo openjdk-17-jre-headless
  kafka_installed || command -v mvn >/dev/null || echo maven
}

kafka_install() {
  local log=$LOG_DIR/install-kafka.log tmp=$KAFKA_LIB.tmp.$$
  rm -rf "$tmp"
  # Copy into a temp dir first so an interrupted run never leaves a half classpath behind.
  mvn -B -q -f "$KAFKA_POM" dependency:copy-dependencies -DincludeScope=runtime \
    -DoutputDirectory="$tmp" >"$log" 2>&1 || { log_tail "$log"; rm -rf "$tmp"; return 1; }
  kafka_pom_hash >"$tmp/.pom-hash"
  rm -rf "$KAFKA_LIB"
  mv "$tmp" "$KAFKA_LIB"
}

kafka_version() {
  local jar
  jar=$(ls "$KAFKA_LIB"/kafka_2.13-*.jar 2>/dev/null | head -n1)
  jar=${jar##*/kafka_2.13-}
  echo "${jar%.jar}"
}

kafka_ready() { python3 "$HERE/kafka/kafka_ready.py" "$HOST" "$(kafka_port)"; }

kafka_write_config() {
  cat >"$KAFKA_DIR/server.properties" <<EOF
# Written by scripts/services/services.sh on each start; edits here are overwritten.
process.roles=broker,controller
node.id=1
controller.quorum.bootstrap.servers=$HOST:$(kafka_controller_port)
listeners=PLAINTEXT://$HOST:$(kafka_port),CONTROLLER://$HOST:$(kafka_controller_port)
advertised.listeners=PLAINTEXT://$HOST:$(kafka_port)
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$KAFKA_DIR/data
num.partitions=1
auto.create.topics.enable=true
offsets.topic.replication.factor=1
offsets.topic.num.partitions=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
EOF
}

# Class-data-sharing archive of the broker's classes (see cds_flag); the jar set is covered
# because the archive lives in the pom-hashed lib dir.
kafka_cds_archive() { cds_archive "$KAFKA_LIB" broker; }

# Fills KAFKA_JAVA with the java command line up to the main class; "broker" adds CDS.
kafka_java_cmd() {
  local cds=-Xshare:auto
  if [ "${1:-}" = broker ]; then cds=$(cds_flag "$(kafka_cds_archive)" "$KAFKA_DIR"); fi
  # A single-node broker for tests and the local stack: small heap, serial GC, and C1 only,
  # which halves start-up CPU on a 2-core machine (DOMTOK_KAFKA_JVM_OPTS='' for full JIT).
  # JVM log output is cut to errors: CDS dumping warns about every class it skips.
  # shellcheck disable=SC2206  # the option variables are word lists on purpose
  KAFKA_JAVA=("$(java_bin)" ${DOMTOK_KAFKA_HEAP_OPTS:--Xms128m -Xmx512m}
    ${DOMTOK_KAFKA_JVM_OPTS--XX:+UseSerialGC -XX:TieredStopAtLevel=1} "$cds" -XX:+VerifySharedSpaces
    -Xlog:disable -Xlog:all=error:stderr
    -Djava.awt.headless=true -Djava.net.preferIPv4Stack=true
    "-Dlog4j2.configurationFile=$HERE/kafka/log4j2.properties" -cp "$KAFKA_LIB/*")
}

kafka_launch() {
  local formatted_for
  mkdir -p "$KAFKA_DIR"
  kafka_write_config
  kafka_java_cmd tool
  # The standalone controller's own endpoint is written into the metadata at format time,
  # so a port change means a fresh log dir (topics on a test broker are disposable).
  formatted_for="$(kafka_version) $(kafka_port) $(kafka_controller_port)"
  if [ ! -s "$KAFKA_DIR/data/meta.properties" ] \
    || [ "$(cat "$KAFKA_DIR/formatted-for" 2>/dev/null)" != "$formatted_for" ]; then
    say "kafka: formatting KRaft storage"
    rm -rf "$KAFKA_DIR/data"
    local cluster_id
    cluster_id=$(python3 -c 'import base64, uuid; print(base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("="))')
    "${KAFKA_JAVA[@]}" kafka.tools.StorageTool format --standalone -t "$cluster_id" \
      -c "$KAFKA_DIR/server.properties" >"$(kafka_log)" 2>&1 \
      || { log_tail "$(kafka_log)"; die "kafka storage format failed"; }
    echo "$formatted_for" >"$KAFKA_DIR/formatted-for"
  fi
  kafka_java_cmd broker
  spawn kafka "$(kafka_log)" "${KAFKA_JAVA[@]}" kafka.Kafka "$KAFKA_DIR/server.properties"
}

kafka_after_stop() { cds_after_stop "$(kafka_cds_archive)" "$KAFKA_DIR"; }

kafka_env() { echo "export DOMTOK_KAFKA_BOOTSTRAP=$HOST:$(kafka_port)"; }
