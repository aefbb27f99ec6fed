"""Exercise 3, a typical wrong answer: no checkpoint, so Spark keeps the query's progress in a
temporary folder that is deleted when the query stops; started again, it begins from nothing.

    make check EXERCISE=3 FILE=instructors/wrong-answers/ex3_no_checkpoint.py   # FAIL: no_checkpoint
"""


def start_output(counts, checkpoint):
    return counts.writeStream.format("console").outputMode("complete").start()
