"""Exercise 3, a typical wrong answer: update mode prints only the windows that changed in each
batch; the exercise asks for complete mode, which prints them all.

    make check EXERCISE=3 FILE=instructors/wrong-answers/ex3_update_mode.py   # FAIL: output_mode
"""


def start_output(counts, checkpoint):
    return counts.writeStream.format("console").outputMode("update").option("checkpointLocation", checkpoint).start()
