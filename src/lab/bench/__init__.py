"""`make bench [QUICK=1]`: the lab's streaming benchmark, with the physical limits measured beside it.

Run on the running lab, everything co-located on one machine, all in one run, so ratios compare
like with like:
- producer: the lab's producer at full speed, and its send path alone (--replay: events made
  before the clock starts), vs Kafka's ProducerPerformance with the same record size and
  delivery settings (acks=all, idempotent, lz4, linger 20 ms) (lab.bench.kafkaperf);
- consumer ceiling: Kafka's ConsumerPerformance reading the benchmark topic;
- Spark ladder (lab.bench.drain): the engine alone (rate source -> noop), then on the same Kafka
  backlog: read and count, + from_json, + stream-static join, + 10 s window (jobs/_bench.py), and
  the windowing job. Each is a drain rate: rows / micro-batch seconds over a backlog. Each is also
  given as a ratio to the consumer ceiling, with its cost fit (lab.bench.costfit): the fixed cost
  per batch a, the per-row cost b, and the per-row ceiling 1/b, from drains under several caps;
- Kafka consumer settings (lab.bench.variants): the count and windowing stages under Kafka's
  consumer defaults and then each of the lab's (streamlab.sources.READ_OPTIONS); in a full run
  also live;
- capacity (lab.bench.backlog): the windowing job fed from a pre-filled backlog at a fixed rate
  per 1 s trigger, a load source that is never the limit, up to the rate it no longer keeps up with;
- live (lab.bench.live): the maximum sustainable throughput of the windowing job (and, in a full
  run, of the Yahoo-style window stage), found with a rising producer rate and a lag-growth check;
  event-to-result latency percentiles at fractions of it; batch phases; CPU per process; and the
  realtime job in real-time mode beside micro-batch;
- tuning (full run only): shuffle partitions and the state store provider on the window stage.

`run(rt, size_name, environ)` (lab.bench.measure) measures it all at a size of SIZES
(lab.bench.sizes): full (about an hour), quick (QUICK=1, about 15 minutes), and smoke, the test's
(tests/integration/test_bench.py): every step with tiny inputs and the Spark ladder in one driver.
It checks the plumbing and that the figures are sane; no test asserts a speed. It returns the
results' JSON file and raises lab.errors.RuntimeFailure when a part breaks.

Results go to bench/results/<UTC time>.json and .md, a chart (.png) the Markdown links, and the
same page as HTML with the chart embedded (.html) for a browser (lab.bench.files). The page is in
the learner's language (lab.bench.page, its Markdown from templates/*.md.j2, its words from
src/lab/messages/bench.toml); the JSON is the same in any language.
"""

from lab.bench.measure import run
from lab.bench.sizes import SIZES, Size

__all__ = ["SIZES", "Size", "run"]
