#!/bin/sh
# Run one of Kafka's command-line tools by its class, as kafka-run-class.sh does in Kafka's own
# distribution (which the lab does not use: its jars come from Maven Central).
#   kafka-tool org.apache.kafka.tools.TopicCommand --bootstrap-server kafka:19092 --list
set -eu
exec java -Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Djava.awt.headless=true \
  -Dlog4j2.configurationFile=/etc/lab/kafka/log4j2.properties -cp "/opt/kafka/libs/*" "$@"
