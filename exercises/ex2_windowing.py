"""Exercise 2 / Ejercicio 2: count page views per country in 5-minute windows of event time.

Write `windowed_counts(page_views)`. `page_views` is the stream exercise 1 reads: one column per
field of the page view (`event_time`, `country`, ...) plus Kafka's own `timestamp`. Return one
row per (window, country) with columns `window`, `country` and `count`:
- tumbling windows of 5 minutes of **event time** (`event_time`: when the page was viewed);
- a watermark of 10 minutes on `event_time`, so that Spark can close old windows and drop events
  that arrive too late.

Escribe `windowed_counts(page_views)`. `page_views` es el stream que lee el ejercicio 1: una
columna por campo de la visita (`event_time`, `country`, ...) más el `timestamp` de Kafka.
Devuelve una fila por (ventana, país) con las columnas `window`, `country` y `count`:
- ventanas fijas de 5 minutos de **tiempo de evento** (`event_time`: cuándo se vio la página);
- una marca de agua (watermark) de 10 minutos sobre `event_time`, para que Spark cierre las
  ventanas antiguas y descarte los eventos que llegan demasiado tarde.

Check it (the lab must be up, `make up`) / Compruébalo (con el laboratorio en marcha):

    make check EXERCISE=2
"""

from pyspark.sql import functions as F  # noqa: F401 - if you write F.window, F.col / si escribes F.window, F.col
from pyspark.sql.functions import window


def windowed_counts(page_views):
    # TODO 1: `timestamp` is Kafka's: when the record was written, not when the page was viewed.
    #         Window by the event's own time, `event_time`.
    #         `timestamp` es el de Kafka: cuándo se escribió el registro, no cuándo se vio la página.
    #         Agrupa por el tiempo del propio evento, `event_time`.
    # TODO 2: count per country (the course's "key" is Kafka's key); `.count()` counts the rows.
    #         Cuenta por país ("key" es la clave de Kafka en el curso); `.count()` cuenta las filas.
    # TODO 3: first, a 10-minute watermark on event_time (`withWatermark`).
    #         Antes, una marca de agua de 10 minutos sobre event_time (`withWatermark`).

    # The course's code / El código del curso:
    return page_views.groupBy(window("timestamp", "5 minutes"), "key").agg({"value": "count"})
