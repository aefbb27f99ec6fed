"""Where Spark is on this machine: pyspark's folder (SPARK_HOME) and the Kafka connector's jars
that `make install` resolved. Both runtimes' Spark commands start from here."""

from __future__ import annotations

from pathlib import Path

from lab.config.paths import Paths
from lab.errors import InstallError
from streamlab.i18n import Catalogue

MESSAGES = Catalogue.load("lab", "commands")


def spark_home() -> Path:
    import pyspark

    return Path(pyspark.__file__).parent


def connector_jars(paths: Paths) -> list[Path]:
    """The Kafka connector and its dependencies, or InstallError before `make install`."""
    jars = sorted(paths.spark_jars.glob("*.jar"))
    if not jars:
        raise InstallError(MESSAGES("install_no_connector"))
    return jars
