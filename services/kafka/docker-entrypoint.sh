#!/bin/sh
# Compose runtime: render the lab's one server.properties template from the environment, format
# KRaft storage on first start, then run the broker as the local runtime does (src/lab/runtimes/local/services.py).
# Fails, naming the key, if a placeholder has no value: the same rule as the local renderer.
set -eu
template=/etc/lab/kafka/server.properties
rendered=/tmp/server.properties
awk '{
  line = $0
  while (match(line, /\$\{[A-Z_0-9]+\}/)) {
    name = substr(line, RSTART + 2, RLENGTH - 3)
    if (!(name in ENVIRON)) { printf "server.properties: no value for ${%s}\n", name > "/dev/stderr"; exit 1 }
    line = substr(line, 1, RSTART - 1) ENVIRON[name] substr(line, RSTART + RLENGTH)
  }
  print line
}' "$template" > "$rendered"
if [ ! -f "$KAFKA_DATA_DIR/meta.properties" ]; then
  # "--cluster-id=": a base64 id may start with "-", which the tool would read as an option.
  if [ -n "${KAFKA_INITIAL_CONTROLLERS:-}" ]; then  # the 3-broker profile: a quorum of 3 controllers
    kafka-tool kafka.tools.StorageTool format --cluster-id="$KAFKA_CLUSTER_ID" -c "$rendered" \
      --initial-controllers "$KAFKA_INITIAL_CONTROLLERS"
  else
    kafka-tool kafka.tools.StorageTool format --standalone --cluster-id="$KAFKA_CLUSTER_ID" -c "$rendered"
  fi
fi
# shellcheck disable=SC2086 # the heap and agent options are word lists
exec java $KAFKA_HEAP_OPTS -XX:+UseG1GC -Djava.awt.headless=true \
  -Dlog4j2.configurationFile=/etc/lab/kafka/log4j2.properties $KAFKA_OPTS \
  -cp "/opt/kafka/libs/*" kafka.Kafka "$rendered"
