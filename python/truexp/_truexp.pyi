"""Type stubs of the native module ``truexp._truexp`` (re-exported by ``truexp``)."""

import os
from typing import Any, Literal, Protocol

__version__: str

class ArrowStreamExportable(Protocol):
    """Anything with the Arrow PyCapsule stream interface (pyarrow, Polars, DuckDB, ...)."""

    def __arrow_c_stream__(self, requested_schema: object | None = None) -> object: ...

class ArrowArrayExportable(Protocol):
    """Anything with the Arrow PyCapsule array interface (a pyarrow RecordBatch, ...)."""

    def __arrow_c_array__(self, requested_schema: object | None = None) -> tuple[object, object]: ...

class TruexpError(Exception):
    """Base class of every truexp error."""

class EventError(TruexpError):
    """An event (a JSON line or an Arrow row) was refused."""

    row: int | None
    """1-based line / row number, when the event came from a stream."""
    event_id: str | None
    field: str
    """The field at fault (``lines[0].quantity``, ``at``, ...)."""
    message: str

class ConfigError(TruexpError):
    """A configuration was refused."""

    key: str
    """Dotted path of the key (``blocks[1].indicators[0].weight``)."""
    message: str

class UnknownShopError(TruexpError):
    """A query named a shop the engine has never seen."""

    shop_id: str

class ArrowSchemaError(TruexpError):
    """An Arrow stream or a Parquet file could not be read: a column of a type
    the event schema cannot read, data that breaks Arrow's own rules (a
    string that is not UTF-8, a child shorter than its batch), a damaged
    Parquet file, or the producer's stream failing (its error in the
    message). A file that cannot be opened is an ``OSError`` instead."""

    column: str | None
    """The column whose type the event schema cannot read, when that was the cause."""
    message: str
    report: IngestReport
    """Raised by an ingestion: what the rows before the failure did (they stay
    ingested), to resume after them."""

class PluginError(TruexpError):
    """A plugin directory could not be loaded."""

class SnapshotError(TruexpError):
    """A snapshot could not be written, or was refused on reading (damaged,
    truncated, a newer format, written under another configuration); the
    message names the file and which."""

class Rejected:
    """One refused event of an ingestion."""

    @property
    def row(self) -> int:
        """1-based line number (JSON Lines) or row number across the stream (Arrow)."""
    @property
    def event_id(self) -> str | None: ...
    @property
    def field(self) -> str: ...
    @property
    def message(self) -> str: ...

class IngestReport:
    """What an ingestion did."""

    @property
    def rows(self) -> int:
        """Rows (Arrow) or non-blank lines (JSON Lines) read."""
    @property
    def accepted(self) -> int:
        """Events applied or kept waiting for their order."""
    @property
    def duplicates(self) -> int:
        """Events whose id was already seen."""
    @property
    def rejected(self) -> list[Rejected]: ...

class Table:
    """An Arrow table produced by truexp (Arrow PyCapsule interface)."""

    def __arrow_c_stream__(self, requested_schema: object | None = None) -> object:
        """A fresh ``ArrowArrayStream`` PyCapsule; ``requested_schema`` is ignored."""
    def __arrow_c_schema__(self) -> object:
        """The ``ArrowSchema`` PyCapsule."""
    @property
    def num_rows(self) -> int: ...
    @property
    def column_names(self) -> list[str]: ...
    def __len__(self) -> int: ...
    def to_pydict(self) -> dict[str, list[Any]]:
        """The columns as ``{name: [values...]}`` (no pyarrow needed)."""
    def to_pylist(self) -> list[dict[str, Any]]:
        """The rows as ``[{name: value}, ...]`` (no pyarrow needed)."""

class OrderPartitions:
    """Every order's partition, for runs that build one engine per partition of
    shops (the Spark job): a follow-up event names only its order and must go
    where the order's shop went. Built once per process, one probe per lookup."""

    def __init__(self) -> None: ...
    def add(self, data: ArrowStreamExportable | ArrowArrayExportable) -> int:
        """Learns ``order_id`` (strings) -> ``part`` (integers in 0..=2**31-1), no
        nulls; an order already known keeps its partition (the first wins). Returns
        how many orders were new; on an error (``ArrowSchemaError``) nothing is added."""
    def partitions_of(self, data: ArrowStreamExportable | ArrowArrayExportable) -> Table:
        """The partition of each row's ``order_id``: one Int32 column ``part``,
        null where the id is null or unknown."""
    def __len__(self) -> int: ...
    @property
    def size_bytes(self) -> int:
        """Bytes the table holds."""

class Engine:
    """A truexp engine: ingest events, then ask for scores.

    ``config``: the configuration as a JSON string or a dict (a complete one:
    start from :func:`default_config`); ``plugins``: a directory of bonus
    plugins to load. Raises :class:`ConfigError` / :class:`PluginError`.

    Every ``as_of`` is whole UTC seconds since 1970 within years -9999..=9999
    (``Timestamp``'s range): outside it a query raises ``ValueError`` naming
    ``as_of``; an integer past 64 bits raises ``OverflowError``. Left out, it
    is the latest event time (``ValueError`` when the engine holds none).
    """

    def __init__(
        self,
        config: str | dict[str, Any] | None = None,
        plugins: str | os.PathLike[str] | None = None,
    ) -> None: ...
    def load_plugins(self, dir: str | os.PathLike[str]) -> list[str]:
        """Loads every plugin of a directory (all or nothing); returns the rule names."""
    def write_snapshot(self, path: str | os.PathLike[str], token: bytes = b"") -> None:
        """Writes the state to ``path`` atomically (previous file kept as
        ``PATH.prev``) with ``token`` (opaque, at most 1 MiB: e.g. the stream
        offsets the state reflects). Raises :class:`SnapshotError`."""
    @staticmethod
    def from_snapshot(
        path: str | os.PathLike[str],
        config: str | dict[str, Any] | None = None,
        plugins: str | os.PathLike[str] | None = None,
    ) -> tuple[Engine, bytes]:
        """An engine restored from a snapshot and the token it was written
        with. ``config`` must be the one the snapshot was written under;
        plugins are loaded again. Raises :class:`SnapshotError`."""
    def snapshot_bytes(self, token: bytes = b"") -> bytes:
        """The state as snapshot bytes (the file format of
        :meth:`write_snapshot`, in memory) with ``token`` (at most 1 MiB).
        Raises :class:`SnapshotError`."""
    @staticmethod
    def from_snapshot_bytes(
        data: bytes,
        config: str | dict[str, Any] | None = None,
        plugins: str | os.PathLike[str] | None = None,
    ) -> tuple[Engine, bytes]:
        """An engine restored from :meth:`snapshot_bytes` output and its
        token, checked as a file is. Raises :class:`SnapshotError`."""
    def ingest_jsonl(
        self, source: str | os.PathLike[str] | bytes, *, strict: bool = False
    ) -> IngestReport:
        """JSON Lines from a path or bytes; bad lines (a line over 16 MiB too)
        are reported and skipped. ``strict=True``: the first bad line raises
        :class:`EventError` once the whole input was read, the other lines
        ingested. A path that cannot be read raises ``OSError`` naming it."""
    def ingest_json(self, line: str) -> Literal["applied", "duplicate", "pending"]:
        """One JSON event; raises :class:`EventError`."""
    def ingest_arrow(
        self, data: ArrowStreamExportable | ArrowArrayExportable, *, strict: bool = False
    ) -> IngestReport:
        """Events in the event schema from any Arrow producer; refused rows are
        reported with their row number across the stream (``strict=True``: the
        first raises :class:`EventError` once the stream was read). A column
        the schema cannot read, invalid Arrow data or a failing stream raises
        :class:`ArrowSchemaError`; the batches before it stay ingested and its
        ``report`` counts them. An object that is not a table or stream raises
        ``TypeError``."""
    def ingest_parquet(self, path: str | os.PathLike[str], *, strict: bool = False) -> IngestReport:
        """A Parquet file of events (only the event columns are read); as
        :meth:`ingest_arrow`. A missing file raises ``OSError`` naming it."""
    def pending(self) -> list[EventError]:
        """Events still waiting for their order, and late refusals (not raised)."""
    @property
    def event_count(self) -> int: ...
    @property
    def latest_event_time(self) -> int | None: ...
    def shop_ids(self) -> list[str]: ...
    def scoreboard(self, as_of: int | None = None) -> Table:
        """Every shop, ranked (``as_of`` defaults to the latest event time)."""
    def scoreboard_changes(self, since: int = 0, as_of: int | None = None) -> dict[str, Any]:
        """Refreshes the live scoreboard; the shops whose overall, stars, grade or rank
        changed after version ``since`` (0: every shop), with the new ``version``.
        Versions count per engine (again from 0 in a new engine or one read
        from a snapshot); a ``since`` above the version now answers as 0."""
    def peer_stats(self, as_of: int, stage: str, combined: str | None = None) -> str:
        """This engine's part of one round (``"totals"``, ``"blocks"``, ``"percentiles"``)
        of every category's statistics, as JSON text; ``combined`` holds the earlier rounds."""
    def scores_with_peers(self, as_of: int, today: str, yesterday: str) -> Table:
        """This engine's shops scored from combined statistics (as one engine would)."""
    def score(self, shop_id: str, as_of: int | None = None) -> dict[str, Any]:
        """One shop's score as a dict; raises :class:`UnknownShopError`."""
    def explain(self, shop_id: str, as_of: int | None = None) -> dict[str, Any]:
        """Breakdown and costliest orders, as ``truexp explain --json``."""
    def problem_orders(self, shop_id: str, as_of: int | None = None) -> Table:
        """Problem orders, one row per (order, label), newest first."""
    def standard(
        self,
        shop_id: str,
        preset: Literal["amazon", "ebay", "tmall"] | None = None,
        as_of: int | None = None,
        standard: str | dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """A seller-standard evaluation, as ``truexp standard --json``. Raises
        :class:`UnknownShopError`, ``ValueError`` (an unknown preset, both or
        neither of ``preset`` and ``standard``) or :class:`ConfigError` (a
        standard that cannot be read, naming the key)."""
    def good_service_list(
        self, category: str | None = None, as_of: int | None = None
    ) -> dict[str, Any]:
        """The good-service list, as ``truexp list --json``."""
    def what_if(
        self,
        shop_id: str,
        changes: list[str] | str | dict[str, Any],
        as_of: int | None = None,
        next_days: int | None = None,
    ) -> dict[str, Any]:
        """The score had some orders gone differently, as ``truexp what-if --json``.

        ``changes``: ``["o17=refund_completed_within:24", "o18=dispute_won"]``
        (also ``picked_up_in_time``, ``delivered_within:HOURS``,
        ``appeal_review``, ``appeal_dispute``, ``appeal_label:LABEL``), or a
        scenario ``{"changes": [{"order_id": ..., "resolution": {"kind": ...}}]}``.
        ``next_days`` (1..=366): the score that many days later at the shop's
        daily averages of the last 30 days (it replaces a scenario's own
        ``next_days``). The engine is not changed. Raises
        :class:`UnknownShopError`, ``ValueError`` (a change that cannot be
        read) or :class:`TruexpError` (an order the shop does not hold, a
        change with nothing to resolve, a limit passed)."""
    def history(
        self, shop_id: str, days: int = 90, as_of: int | None = None
    ) -> dict[str, Any]:
        """The daily score series, each day as known that day (``truexp history --json``).
        ``days``: 1..=400 (outside: :class:`TruexpError`); raises
        :class:`UnknownShopError` for an unknown shop."""
    def agent_metrics(self, shop_id: str, as_of: int | None = None) -> dict[str, Any]:
        """Per-agent service metrics of a shop's chats, as ``truexp agents --json``."""
    def at_risk(
        self,
        shop_id: str | None = None,
        presets: str = "",
        within_orders: int = 2,
        within_points: float = 0.05,
        as_of: int | None = None,
    ) -> list[dict[str, Any]]:
        """Shops at risk (or the one shop), as ``truexp at-risk --json``.
        ``presets``: comma-separated ``amazon``, ``ebay``, ``tmall``. Raises
        ``ValueError`` (an unknown preset, ``within_points`` negative or not
        finite) or :class:`UnknownShopError`."""
    def price_protection(self) -> Table:
        """Runs the queued price drops; one row per (drop, eligible line)."""
    def price_protection_deductions(self) -> Table:
        """Protection later refunds and returns take back; one row per such refund or return."""

def event_schema() -> Table:
    """The Arrow event schema, as a table with no rows."""

def jsonl_to_parquet(source: str | os.PathLike[str], out: str | os.PathLike[str]) -> IngestReport:
    """Converts JSON Lines to Parquet in the event schema; refused lines are left out.

    Raises OSError naming the file when one cannot be opened, read or
    written, or when ``out`` is ``source``; ``out`` is then left as it was.
    """

def merge_peer_stats(parts: list[str]) -> str:
    """Merges parts of category statistics (JSON texts) into one."""

def default_config() -> dict[str, Any]:
    """The default configuration as a dict."""
