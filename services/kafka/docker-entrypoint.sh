#!/bin/sh
# Compose runtime: render the lab's one server.properties template from the environment, format
# KRaft storage on first start, then run the broker. Fails, naming the key, if a placeholder has
# no value, the same rule as the local runtime's renderer.
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
  if [ -n "${KAFKA_INITIAL_CONTROLLERS:-}" ]; then  # the 3-broker profile: a quorum of 3 controllers
    /opt/kafka/bin/kafka-storage.sh format --cluster-id="$KAFKA_CLUSTER_ID" -c "$rendered" --initial-controllers "$KAFKA_INITIAL_CONTROLLERS"
  else
    /opt/kafka/bin/kafka-storage.sh format --standalone --cluster-id="$KAFKA_CLUSTER_ID" -c "$rendered"
  fi
fi
exec /opt/kafka/bin/kafka-server-start.sh "$rendered"
