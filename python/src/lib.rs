//! `truexp._truexp`: the Python face of truexp (PyO3, abi3).
//!
//! Why a thin layer: every number comes from the Rust engine; answers leave
//! as Arrow streams through the Arrow PyCapsule interface (no pyarrow needed
//! here) or as plain dicts, and events come in as JSON Lines or as any
//! Arrow stream producer (pyarrow, Polars, DuckDB, ...), read by
//! `truexp-arrow` exactly as the Rust API reads them.

use std::ffi::CString;
use std::io::BufReader;
use std::sync::Arc;

use arrow_array::ffi::{from_ffi, FFI_ArrowArray, FFI_ArrowSchema};
use arrow_array::ffi_stream::{ArrowArrayStreamReader, FFI_ArrowArrayStream};
use arrow_array::{RecordBatch, RecordBatchIterator, StructArray};
use arrow_schema::{ArrowError, DataType, SchemaRef};
use pyo3::exceptions::{PyException, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyCapsule, PyDict, PyString};
use truexp::{Config, Engine as Core, IngestReport as CoreReport, Timestamp};

pyo3::create_exception!(
    _truexp,
    TruexpError,
    PyException,
    "Base class of every truexp error."
);
pyo3::create_exception!(
    _truexp,
    EventError,
    TruexpError,
    "An event (a JSON line or an Arrow row) was refused: `row`, `event_id`, `field`, `message`."
);
pyo3::create_exception!(
    _truexp,
    ConfigError,
    TruexpError,
    "A configuration was refused: `key`, `message`."
);
pyo3::create_exception!(
    _truexp,
    UnknownShopError,
    TruexpError,
    "A query named a shop the engine has never seen: `shop_id`."
);
pyo3::create_exception!(
    _truexp,
    ArrowSchemaError,
    TruexpError,
    "An Arrow stream or Parquet file could not be read: `column` (may be None), `message`."
);
pyo3::create_exception!(
    _truexp,
    PluginError,
    TruexpError,
    "A plugin directory could not be loaded."
);

pyo3::create_exception!(
    _truexp,
    SnapshotError,
    TruexpError,
    "A snapshot could not be written or was refused (damaged, newer format, other configuration)."
);

fn with_attrs<E: pyo3::PyTypeInfo>(
    py: Python<'_>,
    message: String,
    attrs: &[(&str, PyObject)],
) -> PyErr {
    let err = PyErr::new::<E, _>(message);
    for (k, v) in attrs {
        let _ = err.value(py).setattr(*k, v);
    }
    err
}

fn event_error(py: Python<'_>, row: Option<u64>, e: &truexp::EventError) -> PyErr {
    let text = match row {
        Some(r) => format!("row {r}: {e}"),
        None => e.to_string(),
    };
    with_attrs::<EventError>(
        py,
        text,
        &[
            ("row", row.into_pyobject(py).unwrap().into_any().unbind()),
            (
                "event_id",
                e.event_id
                    .clone()
                    .into_pyobject(py)
                    .unwrap()
                    .into_any()
                    .unbind(),
            ),
            ("field", PyString::new(py, &e.field).into_any().unbind()),
            ("message", PyString::new(py, &e.message).into_any().unbind()),
        ],
    )
}

fn core_error(py: Python<'_>, e: truexp::Error) -> PyErr {
    match e {
        truexp::Error::Event(ev) => event_error(py, None, &ev),
        truexp::Error::Config(c) => config_error(py, &c),
        truexp::Error::UnknownShop(s) => with_attrs::<UnknownShopError>(
            py,
            format!("unknown shop `{s}`"),
            &[("shop_id", PyString::new(py, &s).into_any().unbind())],
        ),
        other => TruexpError::new_err(other.to_string()),
    }
}

fn config_error(py: Python<'_>, c: &truexp::ConfigError) -> PyErr {
    with_attrs::<ConfigError>(
        py,
        c.to_string(),
        &[
            ("key", PyString::new(py, &c.key).into_any().unbind()),
            ("message", PyString::new(py, &c.message).into_any().unbind()),
        ],
    )
}

fn arrow_error(py: Python<'_>, e: truexp_arrow::Error) -> PyErr {
    if let truexp_arrow::Error::Io(e) = &e {
        // a file that cannot be opened, read or written (its path named)
        return pyo3::exceptions::PyOSError::new_err(e.to_string());
    }
    let column = match &e {
        truexp_arrow::Error::Schema { column, .. } => Some(column.clone()),
        _ => None,
    };
    let message = match &e {
        truexp_arrow::Error::Schema { message, .. } => message.clone(),
        other => other.to_string(),
    };
    with_attrs::<ArrowSchemaError>(
        py,
        e.to_string(),
        &[
            (
                "column",
                column.into_pyobject(py).unwrap().into_any().unbind(),
            ),
            ("message", PyString::new(py, &message).into_any().unbind()),
        ],
    )
}

/// One refused event of an ingestion.
#[pyclass(module = "truexp", frozen, get_all)]
#[derive(Clone)]
struct Rejected {
    /// 1-based line number (JSON Lines) or row number (Arrow, across the stream).
    row: u64,
    /// The event id, when it could be read.
    event_id: Option<String>,
    /// The field at fault (`lines[0].quantity`, `at`, ...).
    field: String,
    /// What is wrong with it.
    message: String,
}

#[pymethods]
impl Rejected {
    /// Python's own spelling of each field (`event_id=None`, `field='at'`).
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let text =
            |s: &str| -> PyResult<String> { Ok(PyString::new(py, s).repr()?.to_str()?.to_owned()) };
        let event_id = match &self.event_id {
            Some(id) => text(id)?,
            None => "None".to_owned(),
        };
        Ok(format!(
            "Rejected(row={}, event_id={event_id}, field={}, message={})",
            self.row,
            text(&self.field)?,
            text(&self.message)?
        ))
    }
    fn __str__(&self) -> String {
        format!(
            "row {}: event {}: field `{}`: {}",
            self.row,
            self.event_id.as_deref().unwrap_or("<no id>"),
            self.field,
            self.message
        )
    }
}

/// What an ingestion did: rows (or non-blank lines) read, events accepted,
/// duplicates, and every refused event with its row, id and field.
#[pyclass(module = "truexp", frozen, get_all)]
struct IngestReport {
    /// Rows (Arrow) or non-blank lines (JSON Lines) read.
    rows: u64,
    /// Events applied or kept waiting for their order.
    accepted: u64,
    /// Events whose id was already seen (nothing changed).
    duplicates: u64,
    /// Refused events.
    rejected: Vec<Rejected>,
}

#[pymethods]
impl IngestReport {
    fn __repr__(&self) -> String {
        format!(
            "IngestReport(rows={}, accepted={}, duplicates={}, rejected={})",
            self.rows,
            self.accepted,
            self.duplicates,
            self.rejected.len()
        )
    }
}

/// `err` carrying, as its `report` attribute, what the input before the
/// failure did (those rows stay ingested): where a caller resumes.
fn with_partial_report(py: Python<'_>, err: PyErr, partial: CoreReport) -> PyErr {
    let attached = report(py, partial, false)
        .and_then(|r| Py::new(py, r))
        .and_then(|r| err.value(py).setattr("report", r));
    match attached {
        Ok(()) => err,
        Err(other) => other,
    }
}

fn report(py: Python<'_>, r: CoreReport, strict: bool) -> PyResult<IngestReport> {
    if strict {
        if let Some((row, e)) = r.rejected.first() {
            return Err(event_error(py, Some(*row), e));
        }
    }
    Ok(IngestReport {
        rows: r.lines,
        accepted: r.accepted,
        duplicates: r.duplicates,
        rejected: r
            .rejected
            .into_iter()
            .map(|(row, e)| Rejected {
                row,
                event_id: e.event_id,
                field: e.field,
                message: e.message,
            })
            .collect(),
    })
}

/// An Arrow table produced by truexp: export it with the Arrow PyCapsule
/// interface (`pyarrow.table(t)`, `polars.DataFrame(t)`, `duckdb.arrow(t)`),
/// or read it as Python lists with `to_pydict()` / `to_pylist()`.
#[pyclass(module = "truexp", frozen)]
struct Table {
    schema: SchemaRef,
    batches: Vec<RecordBatch>,
}

impl Table {
    fn one(batch: RecordBatch) -> Table {
        Table {
            schema: batch.schema(),
            batches: vec![batch],
        }
    }
}

fn column_values<'py>(
    py: Python<'py>,
    array: &dyn arrow_array::Array,
) -> PyResult<Vec<Bound<'py, PyAny>>> {
    use arrow_array::cast::AsArray;
    use arrow_array::types::{Float64Type, Int32Type, Int64Type};
    let n = array.len();
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let v = if array.is_null(i) {
            py.None().into_bound(py)
        } else {
            match array.data_type() {
                DataType::Utf8 => PyString::new(py, array.as_string::<i32>().value(i)).into_any(),
                DataType::Int64 => array
                    .as_primitive::<Int64Type>()
                    .value(i)
                    .into_pyobject(py)?
                    .into_any(),
                DataType::Int32 => array
                    .as_primitive::<Int32Type>()
                    .value(i)
                    .into_pyobject(py)?
                    .into_any(),
                DataType::Float64 => array
                    .as_primitive::<Float64Type>()
                    .value(i)
                    .into_pyobject(py)?
                    .into_any(),
                DataType::Boolean => pyo3::types::PyBool::new(py, array.as_boolean().value(i))
                    .to_owned()
                    .into_any(),
                other => {
                    return Err(PyTypeError::new_err(format!(
                        "unsupported column type {other} (read the table with pyarrow instead)"
                    )))
                }
            }
        };
        out.push(v);
    }
    Ok(out)
}

#[pymethods]
impl Table {
    /// Exports the table as an Arrow C stream (`ArrowArrayStream` in a
    /// PyCapsule named "arrow_array_stream"). `requested_schema` is ignored:
    /// the columns keep their own types. Each call gives a fresh stream.
    #[pyo3(signature = (requested_schema=None))]
    fn __arrow_c_stream__<'py>(
        &self,
        py: Python<'py>,
        requested_schema: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyCapsule>> {
        let _ = requested_schema;
        let reader = RecordBatchIterator::new(
            self.batches.clone().into_iter().map(Ok::<_, ArrowError>),
            self.schema.clone(),
        );
        let stream = FFI_ArrowArrayStream::new(Box::new(reader));
        PyCapsule::new(
            py,
            stream,
            Some(CString::new("arrow_array_stream").unwrap()),
        )
    }

    /// Exports the schema (`ArrowSchema` in a PyCapsule named "arrow_schema").
    fn __arrow_c_schema__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyCapsule>> {
        let schema = FFI_ArrowSchema::try_from(self.schema.as_ref())
            .map_err(|e| PyValueError::new_err(e.to_string()))?;
        PyCapsule::new(py, schema, Some(CString::new("arrow_schema").unwrap()))
    }

    /// Number of rows.
    #[getter]
    fn num_rows(&self) -> usize {
        self.batches.iter().map(|b| b.num_rows()).sum()
    }

    /// Column names, in order.
    #[getter]
    fn column_names(&self) -> Vec<String> {
        self.schema
            .fields()
            .iter()
            .map(|f| f.name().clone())
            .collect()
    }

    fn __len__(&self) -> usize {
        self.num_rows()
    }

    fn __repr__(&self) -> String {
        format!(
            "truexp.Table({} rows; {})",
            self.num_rows(),
            self.column_names().join(", ")
        )
    }

    /// The columns as `{name: [values...]}` (no pyarrow needed).
    fn to_pydict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        for (c, f) in self.schema.fields().iter().enumerate() {
            let mut values = Vec::new();
            for b in &self.batches {
                values.extend(column_values(py, b.column(c).as_ref())?);
            }
            d.set_item(f.name(), values)?;
        }
        Ok(d)
    }

    /// The rows as a list of `{name: value}` dicts (no pyarrow needed).
    fn to_pylist<'py>(&self, py: Python<'py>) -> PyResult<Vec<Bound<'py, PyDict>>> {
        let mut rows = Vec::new();
        for b in &self.batches {
            let cols: Vec<Vec<Bound<'py, PyAny>>> = b
                .columns()
                .iter()
                .map(|a| column_values(py, a.as_ref()))
                .collect::<PyResult<_>>()?;
            for r in 0..b.num_rows() {
                let d = PyDict::new(py);
                for (f, col) in self.schema.fields().iter().zip(&cols) {
                    d.set_item(f.name(), &col[r])?;
                }
                rows.push(d);
            }
        }
        Ok(rows)
    }
}

/// Reads an object's Arrow data: `__arrow_c_stream__` (tables, readers,
/// DataFrames, DuckDB results) or `__arrow_c_array__` (one record batch).
fn batches_of(
    obj: &Bound<'_, PyAny>,
) -> PyResult<Box<dyn Iterator<Item = Result<RecordBatch, ArrowError>> + Send>> {
    if obj.hasattr("__arrow_c_stream__")? {
        let capsule = obj.call_method0("__arrow_c_stream__")?;
        let capsule = capsule.downcast::<PyCapsule>()?;
        check_name(capsule, "arrow_array_stream")?;
        let ptr = capsule.pointer() as *mut FFI_ArrowArrayStream;
        // SAFETY: the capsule holds an ArrowArrayStream (its name says so);
        // from_raw moves it out and leaves a released stream behind, so the
        // capsule's destructor does not release it twice.
        let reader = unsafe { ArrowArrayStreamReader::from_raw(ptr) }
            .map_err(|e| ArrowSchemaError::new_err(e.to_string()))?;
        // checked: the producer's arrays are imported without validation
        return Ok(Box::new(truexp_arrow::imported(reader)));
    }
    if obj.hasattr("__arrow_c_array__")? {
        let pair = obj.call_method0("__arrow_c_array__")?;
        let (schema_cap, array_cap): (Bound<'_, PyAny>, Bound<'_, PyAny>) = pair.extract()?;
        let schema_cap = schema_cap.downcast::<PyCapsule>()?;
        let array_cap = array_cap.downcast::<PyCapsule>()?;
        check_name(schema_cap, "arrow_schema")?;
        check_name(array_cap, "arrow_array")?;
        // SAFETY: named capsules of the C data interface; the array is moved
        // out (an empty, released one left behind), the schema only borrowed.
        let batch = unsafe {
            let schema = &*(schema_cap.pointer() as *const FFI_ArrowSchema);
            let array = std::ptr::replace(
                array_cap.pointer() as *mut FFI_ArrowArray,
                FFI_ArrowArray::empty(),
            );
            from_ffi(array, schema)
        }
        .map_err(|e| ArrowSchemaError::new_err(e.to_string()))?;
        if !matches!(batch.data_type(), DataType::Struct(_)) {
            return Err(PyTypeError::new_err(format!(
                "expected a record batch (a struct array) from __arrow_c_array__, got an array of {}",
                batch.data_type()
            )));
        }
        // checked before it is read: imported without validation
        batch
            .validate_full()
            .map_err(|e| ArrowSchemaError::new_err(e.to_string()))?;
        if batch.null_count() > 0 {
            return Err(ArrowSchemaError::new_err(
                "a record batch has no null rows: the struct array from __arrow_c_array__ has some",
            ));
        }
        let batch = RecordBatch::from(StructArray::from(batch));
        return Ok(Box::new(std::iter::once(Ok(batch))));
    }
    Err(PyTypeError::new_err(format!(
        "expected an Arrow stream producer (an object with __arrow_c_stream__, e.g. a pyarrow \
         Table, a Polars DataFrame, a DuckDB result), got {}",
        obj.get_type().name()?
    )))
}

fn check_name(capsule: &Bound<'_, PyCapsule>, want: &str) -> PyResult<()> {
    let name = capsule.name()?.map(|n| n.to_string_lossy().into_owned());
    if name.as_deref() != Some(want) {
        return Err(PyValueError::new_err(format!(
            "expected a PyCapsule named {want:?}, got {name:?}"
        )));
    }
    Ok(())
}

/// Category statistics from JSON text, or a `ValueError` naming the argument.
fn parse_peers(text: &str, what: &str) -> PyResult<truexp::peers::Peers> {
    serde_json::from_str(text).map_err(|e| PyValueError::new_err(format!("{what}: {e}")))
}

/// Merges the JSON texts of parts of category statistics into one (JSON text).
#[pyfunction]
fn merge_peer_stats(parts: Vec<String>) -> PyResult<String> {
    let mut combined = truexp::peers::Peers::new();
    for (i, p) in parts.iter().enumerate() {
        let part = parse_peers(p, &format!("parts[{i}]"))?;
        truexp::peers::merge_peers(&mut combined, &part);
    }
    serde_json::to_string(&combined).map_err(|e| TruexpError::new_err(e.to_string()))
}

fn to_json<'py, T: serde::Serialize>(py: Python<'py>, v: &T) -> PyResult<Bound<'py, PyAny>> {
    let text = serde_json::to_string(v).map_err(|e| TruexpError::new_err(e.to_string()))?;
    py.import("json")?.call_method1("loads", (text,))
}

/// A configuration given as None (the default), a JSON string or a dict.
fn parse_config(py: Python<'_>, config: Option<Bound<'_, PyAny>>) -> PyResult<Config> {
    let Some(c) = config.filter(|c| !c.is_none()) else {
        return Ok(Config::default());
    };
    let text: String = if let Ok(s) = c.downcast::<PyString>() {
        s.to_str()?.to_owned()
    } else if c.downcast::<PyDict>().is_ok() {
        py.import("json")?.call_method1("dumps", (c,))?.extract()?
    } else {
        return Err(PyTypeError::new_err(
            "config must be a JSON string or a dict",
        ));
    };
    Config::from_json(&text).map_err(|e| config_error(py, &e))
}

/// A truexp engine: ingest events, then ask for scores.
///
/// `config` is the engine configuration as a JSON string or a dict (see
/// `core/src/config.rs`; unknown keys are refused); `plugins` a directory of
/// bonus-rule plugins (shared libraries) to load.
#[pyclass(module = "truexp")]
struct Engine {
    inner: Core,
}

/// A moment from Python (UTC seconds), checked: outside years −9999..=9999
/// a `ValueError`.
fn moment(secs: i64) -> PyResult<Timestamp> {
    Timestamp::new(secs).map_err(|e| PyValueError::new_err(format!("as_of: {e}")))
}

impl Engine {
    fn as_of(&self, as_of: Option<i64>) -> PyResult<Timestamp> {
        match as_of {
            Some(t) => moment(t),
            None => self
                .inner
                .latest_event_time()
                .ok_or_else(|| PyValueError::new_err("the engine holds no events: pass as_of")),
        }
    }
}

#[pymethods]
impl Engine {
    #[new]
    #[pyo3(signature = (config=None, plugins=None))]
    fn new(
        py: Python<'_>,
        config: Option<Bound<'_, PyAny>>,
        plugins: Option<std::path::PathBuf>,
    ) -> PyResult<Self> {
        let cfg = parse_config(py, config)?;
        let inner = Core::with_config(cfg).map_err(|e| config_error(py, &e))?;
        let mut engine = Engine { inner };
        if let Some(dir) = plugins {
            engine.load_plugins(dir)?;
        }
        Ok(engine)
    }

    /// Writes the engine's state to `path` atomically (a temporary file,
    /// fsync, the previous file kept as `PATH.prev`, rename), with `token`
    /// (opaque bytes, at most 1 MiB: e.g. the stream offsets it reflects).
    #[pyo3(signature = (path, token=b"".as_slice()), text_signature = "($self, path, token=b'')")]
    fn write_snapshot(
        &self,
        py: Python<'_>,
        path: std::path::PathBuf,
        token: &[u8],
    ) -> PyResult<()> {
        let engine = &self.inner;
        py.allow_threads(|| truexp::snapshot::write_snapshot_file(engine, &path, token))
            .map_err(|e| SnapshotError::new_err(format!("{}: {e}", path.display())))
    }

    /// An engine restored from a snapshot file, and the token it was written
    /// with. `config` must be the configuration the snapshot was written
    /// under (it is refused otherwise); plugins are loaded again from `plugins`.
    #[staticmethod]
    #[pyo3(signature = (path, config=None, plugins=None))]
    fn from_snapshot(
        py: Python<'_>,
        path: std::path::PathBuf,
        config: Option<Bound<'_, PyAny>>,
        plugins: Option<std::path::PathBuf>,
    ) -> PyResult<(Engine, Py<pyo3::types::PyBytes>)> {
        let cfg = parse_config(py, config)?;
        let (inner, token) = py
            .allow_threads(|| truexp::snapshot::read_snapshot_file(&path, cfg))
            .map_err(|e| SnapshotError::new_err(format!("{}: {e}", path.display())))?;
        let mut engine = Engine { inner };
        if let Some(dir) = plugins {
            engine.load_plugins(dir)?;
        }
        Ok((engine, pyo3::types::PyBytes::new(py, &token).unbind()))
    }

    /// The engine's state as snapshot bytes (the format of
    /// `write_snapshot`, held in memory: to ship a state between processes,
    /// e.g. a Spark partition's engine kept as rows between steps), with
    /// `token` (opaque, at most 1 MiB).
    #[pyo3(signature = (token=b"".as_slice()), text_signature = "($self, token=b'')")]
    fn snapshot_bytes(&self, py: Python<'_>, token: &[u8]) -> PyResult<Py<pyo3::types::PyBytes>> {
        let engine = &self.inner;
        let bytes = py
            .allow_threads(|| engine.snapshot_bytes(token))
            .map_err(|e| SnapshotError::new_err(e.to_string()))?;
        Ok(pyo3::types::PyBytes::new(py, &bytes).unbind())
    }

    /// An engine restored from snapshot bytes (see `snapshot_bytes`), and
    /// the token they carry; checked as `from_snapshot` checks a file.
    #[staticmethod]
    #[pyo3(signature = (data, config=None, plugins=None))]
    fn from_snapshot_bytes(
        py: Python<'_>,
        data: &[u8],
        config: Option<Bound<'_, PyAny>>,
        plugins: Option<std::path::PathBuf>,
    ) -> PyResult<(Engine, Py<pyo3::types::PyBytes>)> {
        let cfg = parse_config(py, config)?;
        let (inner, token) = py
            .allow_threads(|| Core::from_snapshot_bytes(data, cfg))
            .map_err(|e| SnapshotError::new_err(e.to_string()))?;
        let mut engine = Engine { inner };
        if let Some(dir) = plugins {
            engine.load_plugins(dir)?;
        }
        Ok((engine, pyo3::types::PyBytes::new(py, &token).unbind()))
    }

    /// Loads every bonus plugin of a directory (all or nothing); returns
    /// the names of the rules added.
    fn load_plugins(&mut self, dir: std::path::PathBuf) -> PyResult<Vec<String>> {
        let rules = truexp_plugin_host::load_dir(&dir)
            .map_err(|e| PluginError::new_err(format!("{}: {e}", dir.display())))?;
        let names = rules.iter().map(|r| r.name().to_owned()).collect();
        // all or none, as the CLI and the C ABI load a directory
        self.inner
            .add_bonus_rules(rules)
            .map_err(|e| PluginError::new_err(format!("{}: {e}", dir.display())))?;
        Ok(names)
    }

    /// Ingests JSON Lines from a path (str / os.PathLike) or from bytes.
    /// Bad lines are reported in the returned report and skipped; with
    /// `strict=True` the first one raises `EventError` (after the rest
    /// were ingested).
    #[pyo3(signature = (source, *, strict=false))]
    fn ingest_jsonl(
        &mut self,
        py: Python<'_>,
        source: Bound<'_, PyAny>,
        strict: bool,
    ) -> PyResult<IngestReport> {
        let r = if let Ok(b) = source.downcast::<PyBytes>() {
            let bytes = b.as_bytes().to_vec();
            let engine = &mut self.inner;
            py.allow_threads(|| engine.ingest_jsonl(bytes.as_slice()))
        } else {
            let path: std::path::PathBuf = source.extract().map_err(|_| {
                PyTypeError::new_err("source must be a path (str, os.PathLike) or bytes")
            })?;
            let f = std::fs::File::open(&path).map_err(|e| {
                pyo3::exceptions::PyOSError::new_err(format!("{}: {e}", path.display()))
            })?;
            let engine = &mut self.inner;
            py.allow_threads(|| engine.ingest_jsonl(BufReader::with_capacity(1 << 20, f)))
        };
        report(py, r, strict)
    }

    /// Ingests one event given as a JSON object (str); returns "applied",
    /// "duplicate" or "pending" (waits for its order). Raises `EventError`.
    fn ingest_json(&mut self, py: Python<'_>, line: &str) -> PyResult<&'static str> {
        match self.inner.ingest_json(line) {
            Ok(truexp::Ingested::Applied) => Ok("applied"),
            Ok(truexp::Ingested::Duplicate) => Ok("duplicate"),
            Ok(truexp::Ingested::Pending) => Ok("pending"),
            Err(e) => Err(event_error(py, None, &e)),
        }
    }

    /// Ingests events from any Arrow stream producer (the Arrow PyCapsule
    /// interface: a pyarrow Table / RecordBatchReader / RecordBatch, a
    /// Polars DataFrame, a DuckDB result, ...) in the event schema of
    /// docs/arrow.md. Refused rows are reported with their row number
    /// across the stream; `strict=True` raises the first as `EventError`.
    /// A column of an unreadable type raises `ArrowSchemaError`.
    #[pyo3(signature = (data, *, strict=false))]
    fn ingest_arrow(
        &mut self,
        py: Python<'_>,
        data: Bound<'_, PyAny>,
        strict: bool,
    ) -> PyResult<IngestReport> {
        let batches = batches_of(&data)?;
        let engine = &mut self.inner;
        let mut partial = CoreReport::default();
        let read = py.allow_threads(|| {
            truexp_arrow::ingest_batches_pipelined_into(engine, batches, &mut partial)
        });
        match read {
            Ok(()) => report(py, partial, strict),
            Err(e) => Err(with_partial_report(py, arrow_error(py, e), partial)),
        }
    }

    /// Ingests a Parquet file of events (only the event columns are read).
    #[pyo3(signature = (path, *, strict=false))]
    fn ingest_parquet(
        &mut self,
        py: Python<'_>,
        path: std::path::PathBuf,
        strict: bool,
    ) -> PyResult<IngestReport> {
        let engine = &mut self.inner;
        let mut partial = CoreReport::default();
        let read =
            py.allow_threads(|| truexp_arrow::ingest_parquet_into(engine, &path, &mut partial));
        let err = match read {
            Ok(()) => return report(py, partial, strict),
            // the file itself (missing, not Parquet): named, as ingest_jsonl names it
            Err(truexp_arrow::Error::Io(e)) => {
                pyo3::exceptions::PyOSError::new_err(format!("{}: {e}", path.display()))
            }
            Err(truexp_arrow::Error::Parquet(e)) => {
                ArrowSchemaError::new_err(format!("{}: parquet: {e}", path.display()))
            }
            Err(other) => arrow_error(py, other),
        };
        Err(with_partial_report(py, err, partial))
    }

    /// Events that wait for an order that never came, and refusals known
    /// only late, as `EventError` instances (not raised).
    fn pending(&self, py: Python<'_>) -> Vec<PyObject> {
        self.inner
            .pending()
            .iter()
            .chain(self.inner.deferred_errors())
            .map(|e| event_error(py, None, e).into_value(py).into_any())
            .collect()
    }

    /// Distinct events ingested.
    #[getter]
    fn event_count(&self) -> usize {
        self.inner.event_count()
    }

    /// The latest event time (UTC seconds), or None with no events.
    #[getter]
    fn latest_event_time(&self) -> Option<i64> {
        self.inner.latest_event_time().map(Timestamp::as_secs)
    }

    /// Ids of every shop the engine knows.
    fn shop_ids(&self) -> Vec<String> {
        self.inner
            .shop_ids()
            .into_iter()
            .map(str::to_owned)
            .collect()
    }

    /// Every shop's score, ranked, as a `Table` (columns in docs/arrow.md).
    /// `as_of` defaults to the latest event time.
    #[pyo3(signature = (as_of=None))]
    fn scoreboard(&self, py: Python<'_>, as_of: Option<i64>) -> PyResult<Table> {
        let t = self.as_of(as_of)?;
        let engine = &self.inner;
        Ok(Table::one(py.allow_threads(|| {
            truexp_arrow::scoreboard_batch(&engine.scoreboard(t), engine.config())
        })))
    }

    /// This engine's part of one round of every category's statistics at
    /// `as_of`, as JSON text (see `truexp::peers`): `stage` is `"totals"`,
    /// `"blocks"` or `"percentiles"`; `combined` the JSON of the earlier
    /// rounds merged over every part (omit it for `"totals"`). Merge parts
    /// with `truexp.merge_peer_stats`; then `scores_with_peers` scores this
    /// part's shops exactly as one engine holding every event would.
    #[pyo3(signature = (as_of, stage, combined=None))]
    fn peer_stats(
        &self,
        py: Python<'_>,
        as_of: i64,
        stage: &str,
        combined: Option<&str>,
    ) -> PyResult<String> {
        let as_of = moment(as_of)?;
        let stage: truexp::peers::Stage = serde_json::from_value(serde_json::Value::from(stage))
            .map_err(|_| {
                PyValueError::new_err(format!(
                    "stage `{stage}`: expected totals, blocks or percentiles"
                ))
            })?;
        let combined = parse_peers(combined.unwrap_or("{}"), "combined")?;
        let part = self
            .inner
            .peer_stats(as_of, stage, &combined)
            .map_err(|e| core_error(py, e))?;
        serde_json::to_string(&part).map_err(|e| TruexpError::new_err(e.to_string()))
    }

    /// Every shop of this engine scored at `as_of` from the combined
    /// statistics of `as_of` (all three rounds) and of `as_of - 1 day`
    /// (totals and blocks), as a scoreboard `Table`; `rank` is within this
    /// engine's shops (overall descending, then shop id, is the global order).
    fn scores_with_peers(
        &self,
        py: Python<'_>,
        as_of: i64,
        today: &str,
        yesterday: &str,
    ) -> PyResult<Table> {
        let as_of = moment(as_of)?;
        let today = parse_peers(today, "today")?;
        let yesterday = parse_peers(yesterday, "yesterday")?;
        let board = self
            .inner
            .scores_with_peers(as_of, &today, &yesterday)
            .map_err(|e| core_error(py, e))?;
        Ok(Table::one(truexp_arrow::scoreboard_batch(
            &board,
            self.inner.config(),
        )))
    }

    /// One shop's score with blocks, indicators and add-ons, as a dict
    /// (the JSON of `truexp::ShopScore`).
    #[pyo3(signature = (shop_id, as_of=None))]
    fn score<'py>(
        &self,
        py: Python<'py>,
        shop_id: &str,
        as_of: Option<i64>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let s = self
            .inner
            .score(shop_id, self.as_of(as_of)?)
            .map_err(|e| core_error(py, e))?;
        to_json(py, &s)
    }

    /// Refreshes the engine's live scoreboard at `as_of` and returns the
    /// shops whose overall score, stars, grade or rank changed after
    /// version `since` (0: every shop), as a dict
    /// `{"as_of", "version", "since", "changes": [{"shop_id", "category", "now", "before"}]}`
    /// in rank order. Pass the returned `version` as `since` next time:
    /// only the shops touched since and their categories are rescored.
    /// Versions count per engine (again from 0 in a new engine or one read
    /// from a snapshot); a `since` above the version now answers as 0.
    #[pyo3(signature = (since=0, as_of=None))]
    fn scoreboard_changes<'py>(
        &mut self,
        py: Python<'py>,
        since: u64,
        as_of: Option<i64>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let t = self.as_of(as_of)?;
        let changes = self.inner.scoreboard_changes(t, since);
        to_json(py, &changes)
    }

    /// One shop's breakdown and the orders that cost it most, as a dict
    /// (the JSON of `truexp::Explanation`, as `truexp explain --json`).
    #[pyo3(signature = (shop_id, as_of=None))]
    fn explain<'py>(
        &self,
        py: Python<'py>,
        shop_id: &str,
        as_of: Option<i64>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let e = self
            .inner
            .explain(shop_id, self.as_of(as_of)?)
            .map_err(|e| core_error(py, e))?;
        to_json(py, &e)
    }

    /// The shop's problem orders, one row per (order, label), newest first.
    #[pyo3(signature = (shop_id, as_of=None))]
    fn problem_orders(&self, py: Python<'_>, shop_id: &str, as_of: Option<i64>) -> PyResult<Table> {
        let orders = self
            .inner
            .problem_orders(shop_id, self.as_of(as_of)?)
            .map_err(|e| core_error(py, e))?;
        Ok(Table::one(truexp_arrow::problem_orders_batch(
            shop_id, &orders,
        )))
    }

    /// A seller-standard evaluation (`preset`: amazon, ebay or tmall; or
    /// `standard`: a standard as JSON string / dict), as a dict.
    #[pyo3(signature = (shop_id, preset=None, as_of=None, standard=None))]
    fn standard<'py>(
        &self,
        py: Python<'py>,
        shop_id: &str,
        preset: Option<&str>,
        as_of: Option<i64>,
        standard: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        use truexp::standards::{presets, Standard};
        let std = match (preset, standard) {
            (Some(name), None) => presets::named(name).map_err(PyValueError::new_err)?,
            (None, Some(s)) => {
                let text: String = if let Ok(s) = s.downcast::<PyString>() {
                    s.to_str()?.to_owned()
                } else {
                    py.import("json")?.call_method1("dumps", (s,))?.extract()?
                };
                Standard::from_json(&text).map_err(|e| config_error(py, &e))?
            }
            _ => return Err(PyValueError::new_err("give either preset or standard")),
        };
        let r = self
            .inner
            .evaluate_standard(shop_id, &std, self.as_of(as_of)?)
            .map_err(|e| core_error(py, e))?;
        to_json(py, &r)
    }

    /// The good-service list (好服务榜单), optionally of one category, as a dict.
    #[pyo3(signature = (category=None, as_of=None))]
    fn good_service_list<'py>(
        &self,
        py: Python<'py>,
        category: Option<&str>,
        as_of: Option<i64>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let l = self.inner.good_service_list(self.as_of(as_of)?, category);
        to_json(py, &l)
    }

    /// What the shop would score had some orders gone differently, as a dict
    /// (as `truexp what-if --json`); the engine is not changed. `changes`:
    /// a list of `"ORDER=RESOLUTION"` strings (`refund_completed_within:24`,
    /// `dispute_won`, `picked_up_in_time`, `delivered_within:72`,
    /// `appeal_review`, `appeal_dispute`, `appeal_label:LABEL`), or a
    /// scenario dict / JSON string `{"changes": [...], "next_days": {...}}`.
    /// `next_days`: score the shop that many days later, the days ahead at
    /// its daily averages of the last 30 days.
    #[pyo3(signature = (shop_id, changes, as_of=None, next_days=None))]
    fn what_if<'py>(
        &self,
        py: Python<'py>,
        shop_id: &str,
        changes: Bound<'py, PyAny>,
        as_of: Option<i64>,
        next_days: Option<u32>,
    ) -> PyResult<Bound<'py, PyAny>> {
        use truexp::what_if::{Change, Projection, Scenario};
        let mut scenario = if let Ok(list) = changes.extract::<Vec<String>>() {
            let changes = (list.iter())
                .map(|c| c.parse::<Change>())
                .collect::<Result<Vec<_>, _>>()
                .map_err(PyValueError::new_err)?;
            Scenario {
                changes,
                next_days: None,
            }
        } else {
            let text: String = if let Ok(s) = changes.downcast::<PyString>() {
                s.to_str()?.to_owned()
            } else {
                py.import("json")?
                    .call_method1("dumps", (changes,))?
                    .extract()?
            };
            Scenario::from_json(&text).map_err(|e| core_error(py, e))?
        };
        if let Some(days) = next_days {
            scenario.next_days = Some(Projection {
                days,
                basis_days: 30,
            });
        }
        let w = self
            .inner
            .what_if(shop_id, self.as_of(as_of)?, &scenario)
            .map_err(|e| core_error(py, e))?;
        to_json(py, &w)
    }

    /// A shop's daily score series over `days` days ending at `as_of`, each
    /// day as known that day, as a dict (as `truexp history --json`).
    #[pyo3(signature = (shop_id, days=90, as_of=None))]
    fn history<'py>(
        &self,
        py: Python<'py>,
        shop_id: &str,
        days: u32,
        as_of: Option<i64>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let h = self
            .inner
            .history(shop_id, self.as_of(as_of)?, days)
            .map_err(|e| core_error(py, e))?;
        to_json(py, &h)
    }

    /// Per-agent and per-certification service metrics of a shop's chats
    /// (sessions, 3-minute human response, satisfaction, shares of the
    /// shop's chat counts), as a dict (as `truexp agents --json`).
    #[pyo3(signature = (shop_id, as_of=None))]
    fn agent_metrics<'py>(
        &self,
        py: Python<'py>,
        shop_id: &str,
        as_of: Option<i64>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let r = self
            .inner
            .agent_metrics(shop_id, self.as_of(as_of)?)
            .map_err(|e| core_error(py, e))?;
        to_json(py, &r)
    }

    /// The early warning, as a list of dicts (as `truexp at-risk --json`):
    /// every shop at risk, or the one `shop_id` at risk or not, with its
    /// margins under the good-service list and the standards named in
    /// `presets` (`"amazon,ebay,tmall"`; none by default).
    #[pyo3(signature = (shop_id=None, presets="", within_orders=2, within_points=0.05, as_of=None))]
    fn at_risk<'py>(
        &self,
        py: Python<'py>,
        shop_id: Option<&str>,
        presets: &str,
        within_orders: u64,
        within_points: f64,
        as_of: Option<i64>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let standards =
            truexp::standards::presets::by_names(presets).map_err(PyValueError::new_err)?;
        if !(within_points.is_finite() && within_points >= 0.0) {
            return Err(PyValueError::new_err(format!(
                "within_points must be a finite number >= 0, got {within_points}"
            )));
        }
        let opts = truexp::warning::WarningOptions {
            within_orders,
            within_points,
        };
        let t = self.as_of(as_of)?;
        let w = match shop_id {
            None => self.inner.at_risk(t, &standards, &opts),
            Some(s) => (self.inner.early_warning(s, t, &standards, &opts)).map(|w| vec![w]),
        }
        .map_err(|e| core_error(py, e))?;
        to_json(py, &w)
    }

    /// Automatic price protection: runs every queued price drop over the
    /// lines the engine holds and returns the payouts, one row per (drop,
    /// eligible line), zero payouts included with `zero_reason`. Drops run
    /// once: a second call returns only drops ingested since.
    fn price_protection(&mut self, py: Python<'_>) -> PyResult<Table> {
        let runs = self
            .inner
            .run_price_drops()
            .map_err(|e| TruexpError::new_err(e.to_string()))?;
        let _ = py;
        Ok(Table::one(truexp_arrow::payouts_batch(&self.inner, &runs)))
    }

    /// Protection already paid that later refunds and returns take back (a
    /// later refund deducts the protection payout first): one row per
    /// refund or return of a line already paid, by (order id, line, time),
    /// with `units_returned` (a return) or `refunded` (money refunded on
    /// the line) and `deducted`. Lines as the book holds them now: call
    /// after `price_protection()`.
    fn price_protection_deductions(&self) -> Table {
        Table::one(truexp_arrow::deductions_batch(&self.inner))
    }

    fn __repr__(&self) -> String {
        format!(
            "truexp.Engine({} events, {} shops)",
            self.inner.event_count(),
            self.inner.shop_ids().len()
        )
    }
}

/// Every order's partition, for runs that build one engine per partition of
/// shops (the Spark job): a follow-up event names only its order and must go
/// where the order's shop went. Built once per process; each lookup is one
/// probe per row (pyarrow's `index_in` hashes the whole table on every call).
#[pyclass(module = "truexp")]
struct OrderPartitions {
    inner: truexp_arrow::OrderPartitions,
}

#[pymethods]
impl OrderPartitions {
    #[new]
    fn new() -> Self {
        OrderPartitions {
            inner: truexp_arrow::OrderPartitions::default(),
        }
    }

    /// Learns the partitions in `data` (an Arrow stream producer with columns
    /// `order_id`, strings, and `part`, integers in 0..=2**31-1; no nulls).
    /// An order already known keeps its partition: the first added wins.
    /// Returns how many orders were new; on an error (`ArrowSchemaError`
    /// naming the column and row) nothing of `data` is added.
    fn add(&mut self, py: Python<'_>, data: &Bound<'_, PyAny>) -> PyResult<usize> {
        let batches = batches_of(data)?
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| ArrowSchemaError::new_err(e.to_string()))?;
        let inner = &mut self.inner;
        py.allow_threads(|| inner.add_all(&batches))
            .map_err(|e| arrow_error(py, e))
    }

    /// The partition of each row's `order_id` in `data` (an Arrow stream
    /// producer): a `Table` with one Int32 column `part`, null where the id
    /// is null or unknown, one batch per batch of `data`.
    fn partitions_of(&self, py: Python<'_>, data: &Bound<'_, PyAny>) -> PyResult<Table> {
        let schema = Arc::new(arrow_schema::Schema::new(vec![arrow_schema::Field::new(
            "part",
            arrow_schema::DataType::Int32,
            true,
        )]));
        let mut batches = Vec::new();
        for batch in batches_of(data)? {
            let batch = batch.map_err(|e| ArrowSchemaError::new_err(e.to_string()))?;
            let part = py
                .allow_threads(|| self.inner.lookup(&batch))
                .map_err(|e| arrow_error(py, e))?;
            batches.push(
                RecordBatch::try_new(schema.clone(), vec![Arc::new(part)])
                    .map_err(|e| ArrowSchemaError::new_err(e.to_string()))?,
            );
        }
        Ok(Table { schema, batches })
    }

    /// How many orders are known.
    fn __len__(&self) -> usize {
        self.inner.len()
    }

    /// Bytes the table holds.
    #[getter]
    fn size_bytes(&self) -> usize {
        self.inner.size_bytes()
    }

    fn __repr__(&self) -> String {
        format!("truexp.OrderPartitions({} orders)", self.inner.len())
    }
}

/// The Arrow schema of events (docs/arrow.md), as a `Table` with no rows:
/// `pyarrow.schema(truexp.event_schema())` or `pyarrow.table(...)`.
#[pyfunction]
fn event_schema() -> Table {
    Table {
        schema: truexp_arrow::event_schema(),
        batches: vec![RecordBatch::new_empty(truexp_arrow::event_schema())],
    }
}

/// Converts JSON Lines to Parquet in the event schema; returns the events
/// written and the refused lines (left out). Raises `OSError` naming the
/// file when one cannot be opened, read or written, or when `out` is
/// `source`; `out` is then left as it was (written under a temporary name,
/// renamed when complete).
#[pyfunction]
fn jsonl_to_parquet(
    py: Python<'_>,
    source: std::path::PathBuf,
    out: std::path::PathBuf,
) -> PyResult<IngestReport> {
    let r = py
        .allow_threads(|| truexp_arrow::jsonl_file_to_parquet(&source, &out))
        .map_err(|e| arrow_error(py, e))?;
    report(
        py,
        CoreReport {
            lines: r.rows + r.rejected.len() as u64,
            accepted: r.rows,
            duplicates: 0,
            rejected: r.rejected,
        },
        false,
    )
}

/// The default configuration (Tmall-like) as a dict: change keys and pass
/// it to `Engine(config=...)`.
#[pyfunction]
fn default_config(py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
    to_json(py, &Config::default())
}

#[pymodule]
fn _truexp(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add_class::<Engine>()?;
    m.add_class::<Table>()?;
    m.add_class::<OrderPartitions>()?;
    m.add_class::<IngestReport>()?;
    m.add_class::<Rejected>()?;
    m.add_function(wrap_pyfunction!(event_schema, m)?)?;
    m.add_function(wrap_pyfunction!(jsonl_to_parquet, m)?)?;
    m.add_function(wrap_pyfunction!(default_config, m)?)?;
    m.add_function(wrap_pyfunction!(merge_peer_stats, m)?)?;
    m.add("TruexpError", py.get_type::<TruexpError>())?;
    m.add("EventError", py.get_type::<EventError>())?;
    m.add("SnapshotError", py.get_type::<SnapshotError>())?;
    m.add("ConfigError", py.get_type::<ConfigError>())?;
    m.add("UnknownShopError", py.get_type::<UnknownShopError>())?;
    m.add("ArrowSchemaError", py.get_type::<ArrowSchemaError>())?;
    m.add("PluginError", py.get_type::<PluginError>())?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
