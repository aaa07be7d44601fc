"""truexp: marketplace service-quality scores from genuine buyer behaviour.

The real experience score (真实体验分), problem orders (问题订单) and price
protection (价保), computed by the Rust engine. Events go in as JSON Lines
(a path or bytes), as Parquet, or as any Arrow stream producer through the
Arrow PyCapsule interface (a pyarrow Table or RecordBatchReader, a Polars
DataFrame, a DuckDB result); tables come out as :class:`Table` objects that
pyarrow, Polars and DuckDB read without copying (``pyarrow.table(t)``,
``polars.DataFrame(t)``). pyarrow is not required.

>>> import truexp
>>> engine = truexp.Engine()
>>> report = engine.ingest_jsonl("examples/data/demo.jsonl")   # doctest: +SKIP
>>> board = engine.scoreboard()                                # doctest: +SKIP
"""

from ._truexp import (
    ArrowSchemaError,
    ConfigError,
    Engine,
    EventError,
    IngestReport,
    OrderPartitions,
    PluginError,
    Rejected,
    SnapshotError,
    Table,
    TruexpError,
    UnknownShopError,
    __version__,
    default_config,
    event_schema,
    jsonl_to_parquet,
    merge_peer_stats,
)

__all__ = [
    "ArrowSchemaError",
    "ConfigError",
    "Engine",
    "EventError",
    "IngestReport",
    "OrderPartitions",
    "PluginError",
    "Rejected",
    "SnapshotError",
    "Table",
    "TruexpError",
    "UnknownShopError",
    "__version__",
    "default_config",
    "event_schema",
    "jsonl_to_parquet",
    "merge_peer_stats",
]
