"""PostgreSQL connection settings for the custom-sink jobs and the tests, from .env."""

from __future__ import annotations

from lab.config.settings import Settings


def dsn(settings: Settings, dbname: str | None = None, host: str | None = None, port: int | None = None) -> str:
    """libpq's key=value string; `host` and `port` default to LAB_HOST and POSTGRES_PORT (the
    Docker runtime's drivers pass the service's name and its port inside the lab's network)."""
    return (
        f"host={host or settings.host} port={port or settings['POSTGRES_PORT']} "
        f"dbname={dbname or settings['POSTGRES_DB']} "
        f"user={settings['POSTGRES_USER']} password={settings['POSTGRES_PASSWORD']}"
    )
