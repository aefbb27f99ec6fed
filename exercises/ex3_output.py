"""Exercise 3 / Ejercicio 3: write the windowed counts to the console, in complete mode, with a checkpoint.

Write `start_output(counts, checkpoint)`. `counts` is exercise 2's result (one row per window and
country). Start a streaming query that writes it to the console sink in **complete** output mode,
with its checkpoint in the folder `checkpoint`, and return the query (a StreamingQuery). Stopped
and started again with the same folder, the query must carry on where it was, not start over.

Escribe `start_output(counts, checkpoint)`. `counts` es el resultado del ejercicio 2 (una fila por
ventana y país). Arranca una consulta que lo escriba en la consola en modo de salida
**complete**, con su checkpoint en la carpeta `checkpoint`, y devuelve la consulta (un
StreamingQuery). Parada y arrancada de nuevo con la misma carpeta, debe seguir donde estaba, no
empezar de cero.

Check it (the lab must be up, `make up`) / Compruébalo (con el laboratorio en marcha):

    make check EXERCISE=3
"""


def start_output(counts, checkpoint):
    # The course's code / El código del curso:
    #     query = windowed_df.writeStream \
    #         .format("console") \
    #         .outputMode("complete") \
    #         .option("checkpointLocation", "/checkpoint") \
    #         .start()
    #
    # TODO 1: the output mode: "complete" prints every window at every batch.
    #         El modo de salida: "complete" imprime todas las ventanas en cada batch.
    # TODO 2: the checkpoint, in the folder you are given (`checkpoint`), not /checkpoint.
    #         El checkpoint, en la carpeta que recibes (`checkpoint`), no en /checkpoint.
    return counts.writeStream.format("console").start()
