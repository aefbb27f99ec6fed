"""One schema definition per topic, used by the producer (to build events) and the jobs (to parse).

Values are JSON objects. `event_time` is the event's own time, a JSON string in RFC 3339 form.
The producer writes UTC with milliseconds and a `Z`, e.g. "2026-11-25T08:00:00.123Z"; the jobs
accept any RFC 3339 time (RFC3339: 0 to 9 fraction digits, `Z` or an offset such as `+01:00`).
Spark keeps microseconds and shows times in the session time zone, which the lab sets to UTC.

The definitions are plain Python (no pyspark import) so the producer can use them without Spark;
`spark_schema(topic)` builds the StructType lazily. docs/schemas.md documents every field.
"""

from __future__ import annotations

from dataclasses import dataclass

# RFC 3339's date-time, with 0 to 9 fraction digits; RFC 3339 also allows lower-case t and z.
RFC3339 = r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?(Z|[+-]\d\d:\d\d)$"


@dataclass(frozen=True)
class Field:
    name: str
    type: str  # string | int | long | double | timestamp
    required: bool = True
    doc: str = ""


@dataclass(frozen=True)
class TopicSchema:
    topic_key: str  # the .env TOPIC_* suffix: page_views, orders, payments
    key_field: str  # the Kafka message key, chosen so related events share a partition
    fields: tuple[Field, ...]
    doc: str = ""

    @property
    def names(self) -> list[str]:
        return [f.name for f in self.fields]

    @property
    def required(self) -> list[str]:
        return [f.name for f in self.fields if f.required]

    @property
    def timestamps(self) -> list[str]:
        return [f.name for f in self.fields if f.type == "timestamp"]

    def json_composer(self, quoted: tuple[str, ...] = ()):
        """A function `compose(*values) -> str`: one JSON value of this topic, the fields in schema
        order. Each value is a JSON literal (a quoted string, a number or null) or, for the fields
        named in `quoted`, text that needs no escaping (the composer adds the quotes). The producer
        builds its events with it, so their field names and order come from here. It is compiled
        from an f-string once: %-formatting each event would cost the producer about 5% of its speed."""
        unknown = set(quoted) - set(self.names)
        if unknown:
            raise ValueError(f"{self.topic_key} has no field {', '.join(sorted(unknown))}")
        if not all(name.isidentifier() for name in self.names):  # the names go into source code below
            raise ValueError(f"{self.topic_key}: field names must be identifiers")
        fields = ",".join(
            f'"{name}":"{{v{i}}}"' if name in quoted else f'"{name}":{{v{i}}}' for i, name in enumerate(self.names)
        )
        args = ", ".join(f"v{i}" for i in range(len(self.names)))
        return eval(f"lambda {args}: f'{{{{{fields}}}}}'")  # source built above from identifiers only


PAGE_VIEWS = TopicSchema(
    "page_views",
    "user_id",
    (
        Field("event_id", "string", doc="unique id of this view (UUID)"),
        Field("event_time", "timestamp", doc="when the page was viewed (UTC)"),
        Field("user_id", "string", doc="viewer, e.g. u00042; also the Kafka key"),
        Field("session_id", "string", doc="browser session id"),
        Field("page", "string", doc="path, e.g. /product/p0012"),
        Field("product_id", "string", required=False, doc="the product on a product page, else null"),
        Field("category", "string", required=False, doc="the product's category, else null"),
        Field("referrer", "string", required=False, doc="referring site, null for direct visits"),
        Field("user_agent", "string", doc="browser user agent"),
        Field("country", "string", doc="ISO 3166-1 alpha-2 country of the viewer"),
    ),
    "Clickstream: one event per page view.",
)

ORDERS = TopicSchema(
    "orders",
    "order_id",
    (
        Field("event_id", "string", doc="unique id of this event (UUID)"),
        Field("order_id", "string", doc="order id: o<seed>-<n>, e.g. o42-0000001; also the Kafka key"),
        Field("event_time", "timestamp", doc="when the order was placed (UTC)"),
        Field("user_id", "string", doc="buyer"),
        Field("product_id", "string", doc="ordered product (see the products dimension)"),
        Field("quantity", "int", doc="units ordered, 1 or more"),
        Field("unit_price", "double", doc="price of one unit"),
        Field("amount", "double", doc="quantity * unit_price, rounded to cents"),
        Field("currency", "string", doc="ISO 4217 code"),
        Field("country", "string", doc="ISO 3166-1 alpha-2 shipping country"),
    ),
    "Orders placed in the shop.",
)

PAYMENTS = TopicSchema(
    "payments",
    "order_id",
    (
        Field("event_id", "string", doc="unique id of this event (UUID)"),
        Field("payment_id", "string", doc="payment id: y<seed>-<n>, e.g. y42-0000001"),
        Field("order_id", "string", doc="the paid order, always one produced earlier; also the Kafka key"),
        Field("event_time", "timestamp", doc="when the payment was made (UTC), after the order's"),
        Field("amount", "double", doc="the order's amount"),
        Field("method", "string", doc="card, paypal, bank_transfer or gift_card"),
        Field("status", "string", doc="authorized or captured"),
    ),
    "Payments, each for an earlier order; some orders are never paid.",
)

SCHEMAS: dict[str, TopicSchema] = {s.topic_key: s for s in (PAGE_VIEWS, ORDERS, PAYMENTS)}

# Dimensions written as files for stream-static joins.
PRODUCT_FIELDS = (
    ("product_id", "string"),
    ("name", "string"),
    ("category", "string"),
    ("price", "double"),
    ("brand", "string"),
)


def spark_type(name: str):
    from pyspark.sql import types as T

    return {
        "string": T.StringType(),
        "int": T.IntegerType(),
        "long": T.LongType(),
        "double": T.DoubleType(),
        "timestamp": T.TimestampType(),
    }[name]


def spark_schema(topic_key: str, timestamps_as_text: bool = False):
    """The topic's StructType. With timestamps_as_text, timestamp fields are strings: that is how
    parsing reads JSON, since Spark's JSON reader would take a number as seconds since 1970."""
    from pyspark.sql import types as T

    def type_of(f: Field):
        return T.StringType() if timestamps_as_text and f.type == "timestamp" else spark_type(f.type)

    return T.StructType([T.StructField(f.name, type_of(f), True) for f in SCHEMAS[topic_key].fields])


def dimension_schema(fields):
    from pyspark.sql import types as T

    return T.StructType([T.StructField(n, spark_type(t), True) for n, t in fields])
