//! The snapshot reader (`Engine::from_snapshot_bytes`) on damaged and
//! hostile files.
//!
//! Input: a mode byte, then either raw bytes read as a snapshot (mode 0),
//! or edits (position, byte) applied to a valid snapshot of a small world
//! of demo events whose checksums are then recomputed
//! (`truexp::snapshot::reseal`), so that the edits reach the section
//! decoders behind the checksums. Checks: no panic, no overflow, no huge
//! allocation; a file that loads gives an engine whose queries (scoreboard,
//! explain, problem orders, price-protection deductions), further
//! ingestion and price-drop runs work,
//! and whose snapshot reads back to the same bytes.
#![no_main]

mod common;

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use truexp::{Config, Engine};

fn valid() -> &'static [u8] {
    static V: OnceLock<Vec<u8>> = OnceLock::new();
    V.get_or_init(|| {
        let mut e = Engine::default();
        let _ = e.ingest_jsonl_threads(common::EVENTS.as_bytes(), 1, |_| {});
        e.snapshot_bytes(b"fuzz").expect("a snapshot is written")
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let file = if mode == 0 {
        rest.to_vec()
    } else {
        let mut file = valid().to_vec();
        for edit in rest.chunks_exact(4) {
            let pos = u32::from_le_bytes([edit[0], edit[1], edit[2], 0]) as usize;
            if pos < file.len() {
                file[pos] = edit[3];
            }
        }
        truexp::snapshot::reseal(file)
    };
    let Ok((mut engine, token)) = Engine::from_snapshot_bytes(&file, Config::default()) else {
        return;
    };
    let again = engine.snapshot_bytes(&token).expect("a loaded token fits");
    let (back, _) = Engine::from_snapshot_bytes(&again, Config::default())
        .expect("a snapshot of a loaded engine reads back");
    assert!(
        back.snapshot_bytes(&token).unwrap() == again,
        "write → read → write changed the bytes"
    );
    let latest = engine.latest_event_time().unwrap_or(common::AS_OF[1]);
    for as_of in [latest, common::AS_OF[0]] {
        let _ = engine.scoreboard(as_of);
        for shop in engine.shop_ids() {
            let _ = engine.explain(shop, as_of).expect("known shop explains");
            let _ = engine
                .problem_orders(shop, as_of)
                .expect("known shop lists problem orders");
        }
    }
    // the book's dated histories walked whole (every deduction)
    let _ = engine.price_protection().deduction_records();
    let _ = engine.ingest_jsonl_threads(common::EVENTS.as_bytes(), 1, |_| {});
    let _ = engine.run_price_drops();
    let _ = engine.price_protection().deduction_records();
    let _ = engine.scoreboard(latest);
});
