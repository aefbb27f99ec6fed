"""PostgreSQL connection settings for the custom-sink jobs and the tests, from .env."""

from __future__ import annotations

from lab.config.settings import Settings


def dsn(settings: Settings, dbname: str | None = None) -> str:
    return (
        f"host={settings.host} port={settings['POSTGRES_PORT']} dbname={dbname or settings['POSTGRES_DB']} "
        f"user={settings['POSTGRES_USER']} password={settings['POSTGRES_PASSWORD']}"
    )
