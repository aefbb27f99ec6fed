"""Exercise 3, a typical wrong answer: the course's code as it is, `query.awaitTermination()`
included. In a script that line keeps the program alive while the query runs (exercise 4); in a
function that must return the query, it never returns.

    make check EXERCISE=3 FILE=instructors/wrong-answers/ex3_await_termination.py   # FAIL: await_termination
"""


def start_output(counts, checkpoint):
    query = counts.writeStream.format("console").outputMode("complete").option("checkpointLocation", checkpoint).start()
    query.awaitTermination()
    return query
