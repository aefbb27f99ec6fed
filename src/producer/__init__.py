"""The lab's event producer: a deterministic online shop (page views, orders, payments) sent to
Kafka at a controlled rate, with optional late, out-of-order, skewed, malformed and duplicated events; and
producer.consume, a small consumer that prints a topic's records (`make consume`)."""
