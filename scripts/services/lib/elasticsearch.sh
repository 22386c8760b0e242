# Elasticsearch: a real Elasticsearch 8.15 node from Maven Central jars (no distribution download),
# started by a small launcher (elasticsearch/EsNode.java) with the Netty4 HTTP layer as a
# classpath plugin. Only the server's built-in analysers exist (analysis-common is not published).
# shellcheck shell=bash

ES_SRC_DIR=$HERE/elasticsearch
ES_POM=$ES_SRC_DIR/pom.xml
ES_LAUNCHER=$ES_SRC_DIR/EsNode.java
ES_BUILD=$CACHE/elasticsearch
ES_DIR=$STATE/elasticsearch
# The node's path.home (config, data, logs). A subdir of its own: data an older server (the
# noida-db emulator) left in $ES_DIR/data is never read as a node's.
ES_HOME=$ES_DIR/node

elasticsearch_port() { echo "${DOMTOK_ES_PORT:-59200}"; }
elasticsearch_log() { echo "$LOG_DIR/elasticsearch.log"; }
elasticsearch_timeout() { echo 120; }
elasticsearch_stop_signal() { echo TERM; } # the launcher's shutdown hook closes the node
elasticsearch_stop_grace() { echo 20; }
elasticsearch_cmd_pattern() { echo 'org.elasticsearch.node.EsNode'; }
elasticsearch_state_dir() { echo "$ES_DIR"; }

# The jars and the compiled launcher are keyed by the hash of the pom and the launcher source:
# editing either (e.g. a version bump) rebuilds.
elasticsearch_build_hash() { cat "$ES_POM" "$ES_LAUNCHER" | sha256sum | cut -c1-16; }
elasticsearch_installed() { [ "$(cat "$ES_BUILD/.build-hash" 2>/dev/null)" = "$(elasticsearch_build_hash)" ]; }

elasticsearch_packages() {
  command -v "$(java_bin)" >/dev/null || echo openjdk-17-jre-headless
  if ! elasticsearch_installed; then
    command -v mvn >/dev/null || echo maven
    command -v "${JAVA_HOME:+$JAVA_HOME/bin/}javac" >/dev/null || echo openjdk-17-jdk-headless
  fi
}

elasticsearch_install() {
  local log=$LOG_DIR/install-elasticsearch.log tmp=$ES_BUILD.tmp.$$
  rm -rf "$tmp"
  # Build into a temp dir first so an interrupted run never leaves a half classpath behind.
  {
    mvn -B -q -f "$ES_POM" dependency:copy-dependencies -DincludeScope=runtime \
      -DoutputDirectory="$tmp/lib" \
      && "${JAVA_HOME:+$JAVA_HOME/bin/}javac" -nowarn -d "$tmp/classes" -cp "$tmp/lib/*" "$ES_LAUNCHER" \
      && "${JAVA_HOME:+$JAVA_HOME/bin/}jar" cf "$tmp/launcher.jar" -C "$tmp/classes" .
  } >"$log" 2>&1 || { log_tail "$log"; rm -rf "$tmp"; return 1; }
  # A class-data-sharing archive accepts jars only on the classpath, no class dirs.
  rm -rf "$tmp/classes"
  elasticsearch_build_hash >"$tmp/.build-hash"
  rm -rf "$ES_BUILD"
  mv "$tmp" "$ES_BUILD"
}

# Cluster health yellow or green: the node is up, elected itself master and can serve shards
# (an open port alone comes seconds earlier).
elasticsearch_ready() {
  curl -sf -m 3 "http://$HOST:$(elasticsearch_port)/_cluster/health?wait_for_status=yellow&timeout=1s" \
    | grep -Eq '"status":"(green|yellow)"'
}

# Class-data-sharing archive of the node's classes (see cds_flag); the jar set is covered
# because the archive lives in the build dir keyed by the pom and launcher hash.
elasticsearch_cds_archive() { cds_archive "$ES_BUILD" node; }

elasticsearch_launch() {
  local cds
  mkdir -p "$ES_HOME/config"
  cp "$ES_SRC_DIR/log4j2.properties" "$ES_HOME/config/log4j2.properties"
  cds=$(cds_flag "$(elasticsearch_cds_archive)" "$ES_DIR")
  # A single node for tests and the local stack: small heap, serial GC and C1 only, as for
  # Kafka (DOMTOK_ES_JVM_OPTS='' for the full JIT, e.g. for benchmarks). The -D flags are those
  # of the distribution's jvm.options that matter here. The transport port is any free one
  # (DOMTOK_ES_TRANSPORT_PORT to pin it): nothing else joins this node.
  # shellcheck disable=SC2206  # the option variables are word lists on purpose
  local cmd=("$(java_bin)" ${DOMTOK_ES_HEAP_OPTS:--Xms256m -Xmx512m}
    ${DOMTOK_ES_JVM_OPTS--XX:+UseSerialGC -XX:TieredStopAtLevel=1} "$cds" -XX:+VerifySharedSpaces
    -Xlog:disable -Xlog:all=error:stderr
    -Djava.awt.headless=true -Djava.net.preferIPv4Stack=true -Dfile.encoding=UTF-8
    -Dlog4j.shutdownHookEnabled=false -Dlog4j2.disable.jmx=true
    -Dio.netty.noUnsafe=true -Dio.netty.noKeySetOptimization=true
    -Dio.netty.recycler.maxCapacityPerThread=0
    "-Des.setting.transport.port=${DOMTOK_ES_TRANSPORT_PORT:-0}"
    -cp "$ES_BUILD/launcher.jar:$ES_BUILD/lib/*" org.elasticsearch.node.EsNode
    "$ES_HOME" "$(elasticsearch_port)")
  spawn elasticsearch "$(elasticsearch_log)" "${cmd[@]}"
}

elasticsearch_after_stop() { cds_after_stop "$(elasticsearch_cds_archive)" "$ES_DIR"; }

elasticsearch_env() { echo "export DOMTOK_ELASTICSEARCH_URL=http://$HOST:$(elasticsearch_port)"; }
