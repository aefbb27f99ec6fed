"""Exercise 4 / Ejercicio 4: the pipeline whole: your exercises 1, 2 and 3 as one streaming program.

The course's three code blocks, one after the other, make a program: read the stream from Kafka,
count per country in 5-minute windows, write to the console in complete mode with a checkpoint,
and wait with `query.awaitTermination()`. Write `main()` with your own three functions, imported
from the files beside this one. The wait that was wrong inside exercise 3's function is right here:
a script must wait while its query runs, or it would end at once.

El código de los tres bloques del curso, uno tras otro, forma un programa: leer el stream de Kafka,
contar por país en ventanas de 5 minutos, escribir en la consola en modo complete con un checkpoint,
y esperar con `query.awaitTermination()`. Escribe `main()` con tus tres funciones, importadas de los
archivos de al lado. La espera que estaba mal dentro de la función del ejercicio 3 aquí está bien:
un script debe esperar mientras corre su consulta, o terminaría enseguida.

    make check EXERCISE=4      # on a topic written live: run, stop, start again, exact counts
                               # sobre un topic escrito en vivo: ejecutar, parar, rearrancar, conteos exactos
    make submit JOB=pipeline   # on the lab's live page_views; Ctrl-C stops it / Ctrl-C lo para
"""

import os

from ex1_read_kafka import read_page_views  # noqa: F401 - you will need them / las necesitarás
from ex2_windowing import windowed_counts  # noqa: F401
from ex3_output import start_output  # noqa: F401
from pyspark.sql import SparkSession

# Where Kafka, the topic and the checkpoints are: `make submit` and `make check` set them.
# Dónde están Kafka, el topic y los checkpoints: `make submit` y `make check` los fijan.
BOOTSTRAP = os.environ.get("KAFKA_BOOTSTRAP", "localhost:9092")
TOPIC = os.environ.get("TOPIC_PAGE_VIEWS", "page_views")
CHECKPOINT = os.path.join(os.environ.get("CHECKPOINT_ROOT", "checkpoints"), "pipeline")


def main():
    spark = SparkSession.builder.appName("Streaming Example").getOrCreate()  # noqa: F841 - TODO 1 uses it
    # TODO 1: stream_df, the page views read from TOPIC at BOOTSTRAP (exercise 1).
    #         stream_df, las visitas leídas de TOPIC en BOOTSTRAP (ejercicio 1).
    # TODO 2: windowed_df, the counts per country in 5-minute windows (exercise 2).
    #         windowed_df, los conteos por país en ventanas de 5 minutos (ejercicio 2).
    # TODO 3: query, windowed_df written to the console, with its checkpoint in CHECKPOINT (exercise 3).
    #         query, windowed_df escrito en la consola, con su checkpoint en CHECKPOINT (ejercicio 3).
    # TODO 4: wait while the query runs, as the course's last line does: query.awaitTermination().
    #         Ctrl-C (make submit) interrupts the wait with KeyboardInterrupt: catch it and query.stop().
    #         Espera mientras corre la consulta, como la última línea del curso: query.awaitTermination().
    #         Ctrl-C (make submit) interrumpe la espera con KeyboardInterrupt: captúrala y query.stop().
    raise NotImplementedError("main: TODO 1-4")


if __name__ == "__main__":
    main()
