"""Exercise 3, a reference solution: the console sink, complete mode, a checkpoint.

make check EXERCISE=3 FILE=instructors/solutions/ex3_output.py
"""


def start_output(counts, checkpoint):
    return (
        counts.writeStream.format("console")
        .outputMode("complete")
        .option("checkpointLocation", checkpoint)
        .option("truncate", "false")
        .start()
    )
