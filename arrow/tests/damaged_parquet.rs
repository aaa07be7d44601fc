//! A damaged Parquet file is an error, never a panic: one-byte damages of a
//! small file's footer (the metadata the parquet crate decodes first, where
//! its decoder has panicked on damaged input) and of its data pages are read
//! through `parquet_reader` and ingested; each ends in a refusal or in rows.
//! (The fuzz target `parquet` covers the same ground at random.)

use bytes::Bytes;
use truexp::{Engine, Event};
use truexp_arrow::{events_to_batch, ingest_batches, parquet_reader, write_parquet};

fn events() -> Vec<Event> {
    let demo = include_str!("../../examples/data/demo.jsonl");
    (demo.lines().take(400))
        .map(|l| truexp::parse_event(l).unwrap())
        .collect()
}

/// Reads `bytes` as a file of events: the report, or the error's text.
fn read(bytes: Bytes) -> Result<truexp::IngestReport, String> {
    let mut engine = Engine::default();
    parquet_reader(bytes)
        .and_then(|reader| ingest_batches(&mut engine, reader))
        .map_err(|e| e.to_string())
}

#[test]
fn every_one_byte_damage_is_an_error_or_rows() {
    let events = events();
    let batches: Vec<_> = events.chunks(100).map(events_to_batch).collect();
    let mut file = Vec::new();
    write_parquet(&mut file, &batches).unwrap();
    let whole = read(Bytes::from(file.clone())).expect("the file as written reads");
    assert_eq!(whole.lines, events.len() as u64);

    // the footer: its length is the 4 bytes before the closing magic
    let n = file.len();
    let footer = u32::from_le_bytes(file[n - 8..n - 4].try_into().unwrap()) as usize;
    // every 13th byte of the footer, every 211th of the pages (~3k files;
    // at every byte, parquet 57.3's decoder panicked on ~0.5% of them)
    let positions: Vec<usize> = ((n - 8 - footer)..n)
        .step_by(13)
        .chain((0..n - 8 - footer).step_by(211))
        .collect();
    let (mut refused, mut decoder_failed) = (0, 0);
    for &at in &positions {
        for byte in [0x00, 0xff, file[at] ^ 0x80] {
            let mut damaged = file.clone();
            damaged[at] = byte;
            match read(Bytes::from(damaged)) {
                Ok(report) => assert!(report.lines <= events.len() as u64 * 2),
                Err(e) => {
                    refused += 1;
                    decoder_failed += usize::from(e.contains("the Parquet decoder failed"));
                }
            }
        }
    }
    assert!(refused > 0, "some damage is refused");
    eprintln!(
        "{} damaged files: {refused} refused, {decoder_failed} of them by a caught decoder panic",
        positions.len() * 3
    );
}
