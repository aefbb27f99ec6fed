"""Kafka as the control plane uses it: creating, waiting for, reading and deleting topics (admin), and
the lab's own topics (topics, `python -m lab.kafka.topics`).
"""
