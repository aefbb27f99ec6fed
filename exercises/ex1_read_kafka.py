"""Exercise 1 / Ejercicio 1: read the page views from Kafka as a stream.

Write `read_page_views(spark, bootstrap, topic)`. It returns a streaming DataFrame with one
column per field of SCHEMA (below), one row per page view, read from the Kafka topic `topic` at
`bootstrap`. Some records in the topic are not valid page views (cut short, or missing fields):
keep only the rows whose REQUIRED fields are all set.

Escribe `read_page_views(spark, bootstrap, topic)`. Devuelve un DataFrame en streaming con una
columna por campo de SCHEMA (abajo), una fila por visita, leído del topic de Kafka `topic` en
`bootstrap`. Algunos registros del topic no son visitas válidas (cortados, o sin campos):
quédate solo con las filas cuyos campos REQUIRED estén todos presentes.

Check it (the lab must be up, `make up`) / Compruébalo (con el laboratorio en marcha):

    make check EXERCISE=1
"""

from pyspark.sql import functions as F  # noqa: F401 - you will need it / lo necesitarás

# The page_views topic's JSON, as a Spark DDL schema (docs/schemas.md describes each field).
# El JSON del topic page_views como esquema DDL de Spark (docs/schemas.md describe cada campo).
SCHEMA = (
    "event_id STRING, event_time TIMESTAMP, user_id STRING, session_id STRING, page STRING, "
    "product_id STRING, category STRING, referrer STRING, user_agent STRING, country STRING"
)
REQUIRED = ["event_id", "event_time", "user_id", "session_id", "page", "user_agent", "country"]


def read_page_views(spark, bootstrap, topic):
    # The course's code / El código del curso:
    raw = (
        spark.readStream.format("kafka").option("kafka.bootstrap.servers", bootstrap).option("subscribe", topic).load()
    )

    # TODO 1: the topic already holds its events when your query starts: read it from the
    #         beginning (option "startingOffsets").
    #         El topic ya tiene sus eventos cuando arranca tu consulta: léelo desde el principio.
    # TODO 2: `value` holds the JSON as bytes: cast it to a string and parse it with
    #         F.from_json(..., SCHEMA); then one column per field ("data.*").
    #         `value` trae el JSON en bytes: conviértelo a texto y parséalo con from_json.
    # TODO 3: keep only the rows whose REQUIRED fields are all set (not null).
    #         Quédate solo con las filas con todos los campos REQUIRED presentes.
    return raw
