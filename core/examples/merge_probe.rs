//! Measures what loading with more than one applying thread would give:
//! the lines split into parts, each part loaded into its own engine on its
//! own thread (parsing included), then the engines merged into one
//! (`Engine::merge`). Prints the time of each step; with `check`, compares
//! the merged engine's scoreboard with one engine fed every line.
//!
//! Lines go to parts by a hash of their `order_id` (else `shop_id`), or
//! with `PROBE_BY_SHOP=1` by their shop (a follow-up by its order's shop,
//! learnt from the payments), as a shop-sharded engine would hold them.
//! The split reads the ids off the raw lines: a probe, not a loader.
//!
//! `alone`: the parts loaded one after another, to tell whether side by
//! side they slow each other; `pipeline`: each part loaded the library's
//! default way (a parsing thread, the caller applying), for comparison.
//!
//! cargo run --release -p truexp --example merge_probe -- EVENTS.jsonl [PARTS] [check|alone|pipeline]

use std::collections::HashMap;
use std::time::Instant;
use truexp::Engine;

const USAGE: &str = "usage: merge_probe EVENTS.jsonl [PARTS (1..=64)] [check|alone|pipeline]";
/// How a line names its order and its shop, as the generator writes them.
const ORDER: &[u8] = b"\"order_id\":\"";
const SHOP: &[u8] = b"\"shop_id\":\"";

/// The value of a line's string field `key` (`"key":"` as written).
fn field<'a>(line: &'a [u8], key: &[u8]) -> Option<&'a [u8]> {
    let at = line.windows(key.len()).position(|w| w == key)? + key.len();
    let len = line[at..].iter().position(|&b| b == b'"')?;
    Some(&line[at..at + len])
}

fn hash_part(key: &[u8], parts: usize) -> usize {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in key {
        h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    (h % parts as u64) as usize
}

/// The part of a line. By order (`PROBE_BY_SHOP` unset): the value of
/// its `order_id`, else its `shop_id`. By shop: its `shop_id`, else the
/// part of its order's shop (`orders`, from the payments).
fn part_of(line: &[u8], parts: usize, orders: Option<&HashMap<Vec<u8>, usize>>) -> usize {
    match orders {
        None => hash_part(
            field(line, ORDER)
                .or_else(|| field(line, SHOP))
                .unwrap_or(b""),
            parts,
        ),
        Some(orders) => match field(line, SHOP) {
            Some(shop) => hash_part(shop, parts),
            None => (field(line, ORDER))
                .and_then(|o| orders.get(o).copied())
                .unwrap_or(0),
        },
    }
}

fn main() {
    let mut args = std::env::args().skip(1);
    let fail = |why: String| -> ! {
        eprintln!("merge_probe: {why}\n{USAGE}");
        std::process::exit(2)
    };
    let path = args.next().unwrap_or_else(|| fail("no events file".into()));
    let parts: usize = match args.next() {
        None => 2,
        Some(v) => match v.parse() {
            Ok(n @ 1..=64) => n,
            _ => fail(format!("PARTS must be 1..=64, got `{v}`")),
        },
    };
    let mode = args.next();
    if let Some(m) = mode.as_deref() {
        if !["check", "alone", "pipeline"].contains(&m) {
            fail(format!("unknown mode `{m}`"));
        }
    }
    let check = mode.as_deref() == Some("check");
    // `alone`: the parts loaded one after another (each on its own), to
    // tell what running them side by side costs each
    let alone = mode.as_deref() == Some("alone");
    // `pipeline`: each part as the library loads by default (one thread
    // parsing while the caller applies), for comparison
    let pipeline = mode.as_deref() == Some("pipeline");
    let t = Instant::now();
    let text = std::fs::read(&path).unwrap_or_else(|e| fail(format!("{path}: {e}")));
    let mut bufs = vec![Vec::with_capacity(text.len() / parts + 4096); parts];
    let orders = std::env::var_os("PROBE_BY_SHOP").map(|_| {
        let mut orders = HashMap::new();
        for line in text.split(|&b| b == b'\n') {
            if let (Some(o), Some(s)) = (field(line, ORDER), field(line, SHOP)) {
                orders.insert(o.to_vec(), hash_part(s, parts));
            }
        }
        orders
    });
    for line in text.split_inclusive(|&b| b == b'\n') {
        bufs[part_of(line, parts, orders.as_ref())].extend_from_slice(line);
    }
    drop(orders);
    drop(text);
    eprintln!("split into {parts}: {:.1} s", t.elapsed().as_secs_f64());
    let t = Instant::now();
    let load = |buf: &[u8]| {
        let t = Instant::now();
        let mut e = Engine::default();
        let r = e.ingest_jsonl_threads(buf, if pipeline { 2 } else { 1 }, |_| {});
        if let Some((line, e)) = r.rejected.first() {
            // a refusal would make the parts' engines differ from one engine's
            fail(format!("line {line} of a part was refused: {e}"));
        }
        (e, t.elapsed().as_secs_f64())
    };
    let engines: Vec<(Engine, f64)> = if alone || pipeline {
        bufs.iter().map(|buf| load(buf)).collect()
    } else {
        std::thread::scope(|s| {
            let jobs: Vec<_> = (bufs.iter())
                .map(|buf| s.spawn(move || load(buf)))
                .collect();
            jobs.into_iter().map(|j| j.join().expect("load")).collect()
        })
    };
    let each: Vec<String> = engines.iter().map(|(_, s)| format!("{s:.1}")).collect();
    eprintln!(
        "{} load: {:.1} s (each part: {} s)",
        match (alone, pipeline) {
            (true, _) => "one after another",
            (_, true) => "parse and apply threads",
            _ => "side by side",
        },
        t.elapsed().as_secs_f64(),
        each.join(", ")
    );
    let t = Instant::now();
    let mut engines = engines.into_iter().map(|(e, _)| e);
    let mut merged = engines.next().expect("one part");
    for e in engines {
        merged.merge(e).expect("merge");
    }
    eprintln!("merge: {:.1} s", t.elapsed().as_secs_f64());
    let as_of = merged.latest_event_time().expect("events");
    let t = Instant::now();
    let board = merged.scoreboard(as_of);
    eprintln!("scoreboard: {:.1} s", t.elapsed().as_secs_f64());
    if check {
        let t = Instant::now();
        let mut one = Engine::default();
        for buf in &bufs {
            one.ingest_jsonl(&buf[..]);
        }
        eprintln!("one engine, every core: {:.1} s", t.elapsed().as_secs_f64());
        let want = one.scoreboard(as_of);
        assert_eq!(
            serde_json::to_string(&board).expect("json"),
            serde_json::to_string(&want).expect("json"),
            "the merged engine's scoreboard differs"
        );
        eprintln!("scoreboards agree");
    }
    std::mem::forget(merged);
}
