"""Helpers shared by the integration tests: run lab commands and read Kafka back."""
