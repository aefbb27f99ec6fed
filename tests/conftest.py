"""Fixtures shared by every test folder."""

from __future__ import annotations

import os
import sys

import pytest

from lab.settings import load


@pytest.fixture(scope="session")
def settings():
    return load()


@pytest.fixture(scope="session")
def spark():
    """A local SparkSession for unit tests on small static DataFrames (no cluster, no Kafka)."""
    from pyspark.sql import SparkSession

    # Python workers must run this interpreter (the lab's venv, with pandas and pyarrow).
    os.environ["PYSPARK_PYTHON"] = sys.executable
    session = (SparkSession.builder.master("local[2]").appName("unit-tests")
               .config("spark.sql.session.timeZone", "UTC")
               .config("spark.sql.shuffle.partitions", "2")
               .config("spark.ui.enabled", "false")
               .config("spark.driver.bindAddress", "127.0.0.1")
               .getOrCreate())
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()
