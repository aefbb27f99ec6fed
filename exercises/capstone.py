"""Capstone / Proyecto final: your own pipeline, from the lab's topics: the revenue of paid orders,
per country, in 5-minute windows. A join, a window, a watermark and a sink.

Write two functions. `main` (at the end, given) wires them to the lab, so the file runs like any
of the lab's jobs:

    make check EXERCISE=capstone      # checks it end to end, with a restart, on a deterministic input
    make submit JOB=capstone          # runs it on the live lab (Parquet in .lab/run/outputs/capstone)
    make report JOB=capstone          # its performance report: the course's third deliverable

1. `paid_revenue(orders, payments)`: two streams of parsed events (docs/schemas.md: `orders` and
   `payments`). Return one row per (5-minute window of the order's `event_time`, `country`) with
   `paid_orders` (how many orders were paid) and `revenue` (the sum of those orders' `amount`). An
   order is paid when a payment with its `order_id` came within 10 minutes after the order. Give
   both streams a 10-minute watermark on `event_time`: the join and the window need it to close.
2. `start_sink(result, output, checkpoint)`: write `result` as Parquet files into the folder
   `output`, in append mode (each window once, when the watermark closes it), with its checkpoint
   in the folder `checkpoint`. Return the query.

Escribe dos funciones. `main` (al final, ya escrita) las conecta al laboratorio:
1. `paid_revenue(orders, payments)`: una fila por (ventana de 5 minutos del `event_time` del
   pedido, `country`) con `paid_orders` (cuántos pedidos se pagaron) y `revenue` (la suma de su
   `amount`). Un pedido está pagado si llegó un pago con su `order_id` en los 10 minutos siguientes
   al pedido. Da a los dos streams una marca de agua de 10 minutos sobre `event_time`.
2. `start_sink(result, output, checkpoint)`: escribe `result` en Parquet en la carpeta `output`,
   en modo append, con su checkpoint en la carpeta `checkpoint`. Devuelve la consulta.
"""

import sys

from pyspark.sql import functions as F  # noqa: F401 - you will need it / lo necesitarás


def paid_revenue(orders, payments):
    # TODO 1: a 10-minute watermark on each stream's event_time.
    #         Una marca de agua de 10 minutos sobre el event_time de cada stream.
    # TODO 2: both streams have event_id, event_time, order_id and amount: rename the payment's
    #         columns first (e.g. payments.select(F.col("order_id").alias("paid_order_id"), ...)).
    #         Los dos streams tienen event_id, event_time, order_id y amount: renombra antes los del pago.
    # TODO 3: join each order with its payment: same order_id, paid between the order's time and
    #         10 minutes later (F.expr("... BETWEEN ... AND ... + INTERVAL 10 MINUTES")).
    #         Une cada pedido con su pago: mismo order_id, pagado en los 10 minutos siguientes.
    # TODO 4: group by window(order's event_time, "5 minutes") and country:
    #         F.count(F.lit(1)).alias("paid_orders"), F.sum("amount").alias("revenue").
    raise NotImplementedError("paid_revenue: TODO 1-4")


def start_sink(result, output, checkpoint):
    # TODO 5: Parquet into `output`, append mode, checkpoint in `checkpoint`; return the query.
    #         .queryName("capstone") names it in the metrics and in `make report`.
    #         Parquet en `output`, modo append, checkpoint en `checkpoint`; devuelve la consulta.
    #         .queryName("capstone") le da nombre en las métricas y en `make report`.
    raise NotImplementedError("start_sink: TODO 5")


def main(argv=None):
    """Run the pipeline on the lab's topics, with the lab's metrics (make report JOB=capstone)."""
    from streamlab import options, runner, sinks, sources

    opts = options.parse(options.parser("capstone", __doc__, default_sink="parquet"), argv)

    def start(spark):
        orders, bad_orders = sources.events(spark, "orders", opts, topic=opts.config.topic("orders"))
        payments, bad_payments = sources.events(spark, "payments", opts, topic=opts.config.topic("payments"))
        output, checkpoint = sinks.default_output(opts, "capstone"), sinks.checkpoint_dir(opts, "capstone", "capstone")
        return [
            start_sink(paid_revenue(orders, payments), output, checkpoint),
            sinks.quarantine(bad_orders, opts, "capstone", "orders"),
            sinks.quarantine(bad_payments, opts, "capstone", "payments"),
        ]

    return runner.run("capstone", opts, start)


if __name__ == "__main__":
    sys.exit(main())
