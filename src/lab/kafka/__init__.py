"""Kafka as the control plane uses it: private topics made, waited for and deleted (admin), topics
read back to their end offsets (reading), and the lab's own topics (topics, `python -m
lab.kafka.topics`).
"""
