"""The run that lab.spark.cds archives the classes of: what a lab job loads at start, in local mode, with
no broker (the Kafka connector's own classes are not archivable anyway: they come with --jars).
Not a learner's job. Argument: a scratch folder for the checkpoint."""

import sys
import time

from pyspark.sql import SparkSession
from pyspark.sql import functions as F
from pyspark.sql.streaming import StreamingQueryListener


class Quiet(StreamingQueryListener):
    def onQueryStarted(self, event):
        pass

    def onQueryProgress(self, event):
        event.progress.json  # noqa: B018 - loads the progress classes, as the lab's listener does

    def onQueryIdle(self, event):
        pass

    def onQueryTerminated(self, event):
        pass


def main(scratch: str) -> None:
    spark = SparkSession.builder.appName("cds-archive").config("spark.sql.session.timeZone", "UTC").getOrCreate()
    spark.streams.addListener(Quiet())
    schema = "user_id STRING, country STRING, event_time STRING"
    events = (
        spark.readStream.format("rate")
        .option("rowsPerSecond", 1000)
        .load()
        .select(
            F.to_json(
                F.struct(
                    F.col("value").cast("string").alias("user_id"),
                    F.lit("ES").alias("country"),
                    F.date_format("timestamp", "yyyy-MM-dd'T'HH:mm:ss'Z'").alias("event_time"),
                )
            ).alias("value")
        )
        .select(F.from_json("value", schema).alias("e"))
        .select("e.*", F.col("e.event_time").try_cast("timestamp").alias("ts"))
        .withWatermark("ts", "1 minute")
        .groupBy(F.window("ts", "5 minutes"), "country")
        .count()
    )
    batches = []
    query = (
        events.writeStream.outputMode("update")
        .foreachBatch(lambda df, batch_id: batches.append(df.count()))
        .option("checkpointLocation", f"{scratch}/ckpt")
        .trigger(processingTime="1 second")
        .start()
    )
    deadline = time.monotonic() + 180
    while len(batches) < 3 and query.isActive and time.monotonic() < deadline:
        query.awaitTermination(1)
    query.stop()
    spark.range(1000).groupBy((F.col("id") % 7).alias("k")).count().collect()
    spark.stop()


if __name__ == "__main__":
    main(sys.argv[1])
