//! Parquet files of events (`truexp_arrow::parquet_reader`, what
//! `ingest_parquet` and the CLI read `.parquet` inputs with).
//!
//! Input: a mode byte, then either the bytes of a file (mode 0) or up to 16
//! edits (a 4-byte position, a byte) of a valid file: the fixture world's
//! events written by `truexp_arrow::write_parquet` in batches of 64 rows.
//! Checks: no panic escapes, no overflow, no huge allocation: the file is
//! refused with an error, or read and ingested, each batch whole or stopped
//! with an error; the unedited file gives the report and state
//! `Engine::ingest_jsonl` gives for the same events. (The parquet crate's own
//! panics on damaged files are caught by `parquet_reader`, and are printed.)
#![no_main]

mod common;

use std::sync::OnceLock;

use arbitrary::{Arbitrary, Unstructured};
use bytes::Bytes;
use libfuzzer_sys::fuzz_target;
use truexp::{Engine, Event};

fn events() -> &'static Vec<Event> {
    static V: OnceLock<Vec<Event>> = OnceLock::new();
    V.get_or_init(|| {
        (common::EVENTS.lines())
            .map(|l| truexp::parse_event(l).expect("fixture events parse"))
            .collect()
    })
}

fn file() -> &'static Bytes {
    static F: OnceLock<Bytes> = OnceLock::new();
    F.get_or_init(|| {
        let batches: Vec<_> = events()
            .chunks(64)
            .map(truexp_arrow::events_to_batch)
            .collect();
        let mut out = Vec::new();
        truexp_arrow::write_parquet(&mut out, &batches).expect("the fixture writes");
        Bytes::from(out)
    })
}

#[derive(Arbitrary, Debug)]
struct Edit {
    at: u32,
    byte: u8,
}

/// Reads `bytes` as a Parquet file of events into a new engine: the
/// engine, and the report (`None` when the file or a batch was refused).
fn ingest(bytes: Bytes) -> (Engine, Option<truexp::IngestReport>) {
    let mut engine = Engine::default();
    let report = truexp_arrow::parquet_reader(bytes)
        .and_then(|reader| truexp_arrow::ingest_batches_pipelined(&mut engine, reader))
        .ok();
    (engine, report)
}

fuzz_target!(|data: &[u8]| {
    // libfuzzer-sys's panic hook aborts at once; truexp-arrow catches the
    // parquet decoder's panics, so this target lets a panic unwind (one
    // that escapes still aborts: libfuzzer-sys catches it and aborts)
    static HOOK: std::sync::Once = std::sync::Once::new();
    HOOK.call_once(|| std::panic::set_hook(Box::new(|info| eprintln!("{info}"))));
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    if mode == 0 {
        let _ = ingest(Bytes::copy_from_slice(rest));
        return;
    }
    let mut u = Unstructured::new(rest);
    let Ok(edits) = u
        .arbitrary_iter::<Edit>()
        .and_then(|i| i.take(16).collect::<Result<Vec<_>, _>>())
    else {
        return;
    };
    let base = file();
    let mut bytes = base.to_vec();
    for e in &edits {
        let at = e.at as usize % bytes.len();
        bytes[at] = e.byte;
    }
    let edited = bytes != base[..];
    let (engine, report) = ingest(Bytes::from(bytes));
    if !edited {
        let jsonl: String = (events().iter())
            .map(|e| serde_json::to_string(e).expect("an event serialises") + "\n")
            .collect();
        let mut by_lines = Engine::default();
        let expected = by_lines.ingest_jsonl(jsonl.as_bytes());
        assert_eq!(
            report.as_ref(),
            Some(&expected),
            "report of the unedited file"
        );
        assert_eq!(
            common::snapshot(&engine),
            common::snapshot(&by_lines),
            "state"
        );
    }
});
