"""How a job's queries and their checkpoint folders are named, in one place.

A job's main query is named after the job (`windowing`); its quarantine query `<job>_quarantine`,
or `<job>_quarantine_<part>` for a second source (`joins_quarantine_payments`). Each query
checkpoints in `<checkpoint root>/<job>/<folder>`, where the folder is the query name without
the `<job>_` prefix (`windowing`, `quarantine`, `quarantine_payments`). The metrics' `query`
label is the query name. streamlab.sinks names them, streamlab.dataloss maps folders back to
queries, and the report reads the main query's series.
"""

from __future__ import annotations


def main_query(job: str) -> str:
    return job


def quarantine_query(job: str, part: str = "") -> str:
    return f"{job}_quarantine_{part}" if part else f"{job}_quarantine"


def checkpoint_folder(job: str, query: str) -> str:
    """The folder under `<checkpoint root>/<job>` where `query` checkpoints."""
    return query if query == main_query(job) else query.removeprefix(f"{job}_")


def query_of_folder(job: str, folder: str) -> str:
    """The inverse of checkpoint_folder."""
    return folder if folder == main_query(job) else f"{job}_{folder}"
