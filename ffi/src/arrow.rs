//! Arrow C stream ingestion: record batches from a C or C++ service, no JSON.
//!
//! Why the C stream interface: a service that already holds Arrow record
//! batches (Arrow C++, nanoarrow, DuckDB, Polars, a hand-built stream) hands
//! them over as one `struct ArrowArrayStream` without copying them to JSON
//! or linking an Arrow library against ours. Each row becomes the same
//! `Event` a JSON line becomes (crate `truexp-arrow`, schema in
//! `docs/arrow.md`), so validation and idempotence are identical.

use arrow_array::ffi_stream::{ArrowArrayStreamReader, FFI_ArrowArrayStream};

use crate::engine::{engine_ref, truexp_engine};
use crate::errors;
use crate::guard;
use crate::result::truexp_result;
use crate::types::truexp_ingest_report;

/// The Arrow C stream interface's `struct ArrowArrayStream`
/// (<https://arrow.apache.org/docs/format/CStreamInterface.html>), defined
/// in `truexp.h` under the standard `ARROW_C_STREAM_INTERFACE` guard.
#[repr(C)]
pub struct ArrowArrayStream {
    _opaque: [u8; 0],
}

/// Ingests every record batch of an Arrow C stream (`struct
/// ArrowArrayStream`, the Arrow C stream interface) whose rows are events in
/// the event schema of `docs/arrow.md` (one wide table with a `type` column)
/// and stores the counts in `*out_report` (`lines` counts rows).
///
/// The stream is consumed: the library moves it out of `*stream` (leaving
/// `stream->release == NULL`) and releases it before returning, whatever the
/// result (even a NULL `engine` or `out_report`). Refused rows (a missing or impossible field, an unknown type) are
/// skipped and counted like refused JSON lines; `first_rejected_line` is the
/// 1-based row number across the whole stream, the thread's last error
/// holds its detail ("row N: event ID: field `F`: ...") and
/// `truexp_last_rejected_json` lists them all (up to 1,000). A stream that fails
/// (`get_next` returns an error, with or without a message, or is NULL), a
/// batch whose data is invalid (a string that is not UTF-8, offsets or a
/// child column shorter than the batch: every batch is fully validated) or
/// a column of a type the schema cannot read gives
/// `TRUEXP_RESULT_INVALID_ARROW` with the column named in the detail; the
/// batches before it stay ingested, `*out_report` counts them (it is
/// written on this failure too), and the engine stays usable. `get_next` and `release` are called on a thread the
/// library starts for the call.
/// `stream` may not be NULL (nor already released).
///
/// Thread safety: may be called while other threads use the same engine; it takes the write lock for the whole stream, so such calls are serialised.
#[unsafe(no_mangle)]
pub extern "C" fn truexp_engine_ingest_arrow_stream(
    engine: *mut truexp_engine,
    stream: *mut ArrowArrayStream,
    out_report: *mut truexp_ingest_report,
) -> truexp_result {
    guard::call(|| {
        guard::need(stream, "stream")?;
        let raw = stream.cast::<FFI_ArrowArrayStream>();
        // SAFETY: non-NULL and, by contract, a readable `struct
        // ArrowArrayStream` (same layout as FFI_ArrowArrayStream).
        let released = unsafe { (*raw).release.is_none() };
        if released {
            return Err(errors::arrow("`stream` is already released"));
        }
        // SAFETY: as above, and live (not released): `from_raw` moves it out
        // and leaves a released stream in the caller's struct; dropping the
        // reader releases it, on every path below.
        let reader = unsafe { ArrowArrayStreamReader::from_raw(raw) }
            .map_err(|err| errors::arrow(err.to_string()))?;
        // SAFETY: NULL or a live engine, by contract.
        let e = unsafe { engine_ref(engine)? };
        guard::need(out_report, "out_report")?;
        // checked: the producer's arrays are imported without validation
        let batches = truexp_arrow::imported(reader);
        let mut report = truexp_core::IngestReport::default();
        let read =
            truexp_arrow::ingest_batches_pipelined_into(&mut *e.write()?, batches, &mut report);
        // written whatever the outcome: after a failing stream it says what
        // the batches before it did (they stay ingested)
        let out = crate::ingest::c_report(&report, "row");
        // SAFETY: non-NULL, writable by contract.
        unsafe { guard::write_out(out_report, out, "out_report")? };
        read.map_err(|err| errors::arrow(err.to_string()))
    })
}
