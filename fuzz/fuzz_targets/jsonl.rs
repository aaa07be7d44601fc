//! JSON Lines ingest, line by line and as whole buffers.
//!
//! Checks: no panic; a refused line leaves the state unchanged; the buffer
//! path (`read_jsonl`, `Engine::ingest_jsonl_threads` on 1 and 2 threads)
//! sees the same lines, accepts, counts duplicates and refuses exactly as
//! the line-by-line path, and ends in the same state.
#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;
use truexp::{Engine, Ingested};

fuzz_target!(|data: &[u8]| {
    // line by line, as a caller feeding `ingest_json` would
    let mut one = Engine::default();
    let (mut lines, mut accepted, mut duplicates) = (0u64, 0u64, 0u64);
    let mut refused = Vec::new();
    let mut parsed_ok = Vec::new();
    let mut number = 0u64;
    let mut raw_lines: Vec<&[u8]> = data.split(|&b| b == b'\n').collect();
    if raw_lines.last().is_some_and(|l| l.is_empty()) {
        raw_lines.pop();
    }
    for raw in raw_lines {
        number += 1;
        let Ok(text) = std::str::from_utf8(raw) else {
            lines += 1;
            refused.push(number);
            parsed_ok.push((number, false));
            continue;
        };
        // the buffer reader trims each line (Unicode whitespace) first
        let text = text.trim();
        if text.is_empty() {
            continue;
        }
        lines += 1;
        parsed_ok.push((number, truexp::parse_event(text).is_ok()));
        let before = common::snapshot(&one);
        match one.ingest_json(text) {
            Ok(Ingested::Duplicate) => duplicates += 1,
            Ok(_) => accepted += 1,
            Err(e) => {
                assert_eq!(
                    before,
                    common::snapshot(&one),
                    "refused line {number} ({e}) changed the state"
                );
                refused.push(number);
            }
        }
    }

    // the reader alone: the same lines, parsed the same way
    for threads in [1, 2] {
        let mut seen = Vec::new();
        truexp::read_jsonl(data, threads, |_| {}, |n, ev| seen.push((n, ev.is_ok())));
        assert_eq!(seen, parsed_ok, "read_jsonl on {threads} thread(s)");
    }

    // whole buffers
    let reference = common::snapshot(&one);
    for threads in [1, 2] {
        let mut buf = Engine::default();
        let report = buf.ingest_jsonl_threads(data, threads, |_| {});
        assert_eq!(report.lines, lines, "lines, {threads} thread(s)");
        assert_eq!(report.accepted, accepted, "accepted, {threads} thread(s)");
        assert_eq!(
            report.duplicates, duplicates,
            "duplicates, {threads} thread(s)"
        );
        let numbers: Vec<u64> = report.rejected.iter().map(|r| r.0).collect();
        assert_eq!(numbers, refused, "refused lines, {threads} thread(s)");
        assert_eq!(
            common::snapshot(&buf),
            reference,
            "state, {threads} thread(s)"
        );
        assert_eq!(buf.deferred_errors(), one.deferred_errors());
    }

    // every query answers without panicking, on every shop
    for &as_of in &common::AS_OF {
        for shop in one.shop_ids() {
            let _ = one.explain(shop, as_of);
            let _ = one.problem_orders(shop, as_of);
        }
    }
});
