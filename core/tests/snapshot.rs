//! Snapshots (issue 13): a restored engine answers every query exactly like
//! the engine it was written from, keeps ingesting as if it never stopped,
//! merges across shards, and a damaged file is refused, never a panic.
mod common;

use common::*;
use proptest::prelude::*;
use truexp::event::*;
use truexp::seeded::SeededRng;
use truexp::snapshot::{self, SnapshotError};
use truexp::{Config, Engine};

fn demo_events(n: usize) -> Vec<Event> {
    let demo = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../examples/data/demo.jsonl"
    ))
    .unwrap();
    demo.lines()
        .take(n)
        .map(|l| truexp::parse_event(l).unwrap())
        .collect()
}

fn feed(e: &mut Engine, events: &[Event]) {
    for ev in events {
        let _ = e.ingest(ev.clone());
    }
}

fn snap(e: &Engine) -> Vec<u8> {
    e.snapshot_bytes(b"offset=42").unwrap()
}

/// Equal bytes, or the first offset where they differ (not a 300 KB dump).
#[track_caller]
fn assert_same_bytes(a: &[u8], b: &[u8], what: &str) {
    if a != b {
        let at = a
            .iter()
            .zip(b)
            .position(|(x, y)| x != y)
            .unwrap_or(a.len().min(b.len()));
        panic!(
            "{what}: {} vs {} bytes, first difference at {at}",
            a.len(),
            b.len()
        );
    }
}

fn restore(bytes: &[u8]) -> Engine {
    let (e, token) = Engine::from_snapshot_bytes(bytes, Config::default()).unwrap();
    assert_eq!(token, b"offset=42");
    e
}

fn assert_same_state(a: &Engine, b: &Engine) {
    let latest = a.latest_event_time().unwrap_or(ts(T0));
    let as_ofs = [ts(T0), latest, latest.plus_days(3), latest.minus_days(40)];
    common::assert_same_state(a, b, &as_ofs, latest);
}

#[test]
fn round_trip_gives_identical_bytes_scores_and_payouts() {
    let events = demo_events(6_000);
    let mut e = Engine::default();
    feed(&mut e, &events);
    // some drops already run: their history is part of the state
    let _ = e.run_price_drops().unwrap();
    feed(&mut e, &demo_events(8_000)[6_000..]);
    let bytes = snap(&e);
    let mut r = restore(&bytes);
    assert_same_bytes(&snap(&r), &bytes, "write → read → write");
    assert_same_state(&e, &r);
    assert_eq!(e.deferred_errors(), r.deferred_errors());
    let expected = all_payouts(&mut e);
    assert!(
        expected.iter().any(|p| p.3.is_positive()),
        "the slice has payouts"
    );
    assert_eq!(all_payouts(&mut r), expected);
    assert_same_bytes(&snap(&r), &snap(&e), "after running the same drops");
}

/// A payout made before a line's first refund is dated at the start of time
/// in the line's timeline (it was paid before anything the timeline dates
/// was known). The snapshot reader once refused that time as no event's
/// (found by the fuzzer, 1d68ec8): the state must read back whole.
#[test]
fn a_payout_made_before_the_first_refund_reads_back() {
    let lines = [
        r#"{"type":"shop_profile","id":"p1","shop_id":"s","at":1790001000,"category":"apparel","price_protection":{"window_days":30,"anchor":"order"}}"#,
        r#"{"type":"order_paid","id":"e1","order_id":"o1","shop_id":"s","buyer_id":"b1","category":"apparel","lines":[{"sku":"k","quantity":2,"unit_price":10000}],"paid_at":1790002000,"ship_by":1790090000}"#,
        r#"{"type":"price_change","id":"d1","sku":"k","price":7000,"promotion":"none","at":1790005000}"#,
    ];
    let mut e = Engine::default();
    for l in lines {
        e.ingest(truexp::parse_event(l).unwrap()).unwrap();
    }
    let paid: Money = e
        .run_price_drops()
        .unwrap()
        .iter()
        .flat_map(|r| &r.payouts)
        .map(|p| p.assessment.payout)
        .sum();
    assert_eq!(paid, m(6000), "2 units, 3,000 each");
    // the first refund: the line gets a timeline, the payout at its start
    for l in [
        r#"{"type":"refund_requested","id":"q1","order_id":"o1","refund_id":"r1","at":1790100000,"kind":"return_and_refund","reason":"no_reason","amount":7000,"sku":"k","units":1}"#,
        r#"{"type":"refund_completed","id":"c1","order_id":"o1","refund_id":"r1","at":1790200000,"amount":7000,"units_returned":1}"#,
    ] {
        e.ingest(truexp::parse_event(l).unwrap()).unwrap();
    }
    let bytes = snap(&e);
    let mut r = restore(&bytes);
    assert_same_bytes(&snap(&r), &bytes, "write → read → write");
    assert_same_state(&e, &r);
    // a deeper drop pays the same increment on the unit still held
    let deeper = r#"{"type":"price_change","id":"d2","sku":"k","price":6000,"promotion":"none","at":1790300000}"#;
    for x in [&mut e, &mut r] {
        x.ingest(truexp::parse_event(deeper).unwrap()).unwrap();
    }
    let expected = all_payouts(&mut e);
    assert!(
        expected.iter().any(|p| p.3.is_positive()),
        "the drop pays: {expected:?}"
    );
    assert_eq!(all_payouts(&mut r), expected);
    assert_same_bytes(&snap(&r), &snap(&e), "after the same drop");
}

#[test]
fn continuing_after_a_restore_equals_an_engine_that_never_stopped() {
    let events = demo_events(5_000);
    let mut whole = Engine::default();
    feed(&mut whole, &events);
    let mut rng = SeededRng::new(13);
    for _ in 0..4 {
        let cut = rng.below(events.len() as u64) as usize;
        let mut first = Engine::default();
        feed(&mut first, &events[..cut]);
        let mut resumed = restore(&snap(&first));
        feed(&mut resumed, &events[cut..]);
        assert_same_state(&whole, &resumed);
        assert_same_bytes(&snap(&resumed), &snap(&whole), &format!("cut at {cut}"));
    }
    let mut resumed = restore(&snap(&whole));
    assert_eq!(all_payouts(&mut resumed), all_payouts(&mut whole.clone()));
}

/// A stream with out-of-order hazards: follow-ups before their order,
/// conflicting reviews, late verdicts, chats, a refund, repeated ids.
fn tricky_events() -> Vec<Event> {
    let mut ev = healthy_shop("good", "apparel", 30, 0);
    ev.extend(healthy_shop("meh", "apparel", 25, 4));
    ev.extend(healthy_shop("pet1", "pet", 20, 5));
    ev.push(review("second-review", "meh-o1", "meh-b1", T0 - 5 * DAY, 2));
    ev.push(Event::RiskVerdict(RiskVerdict {
        id: "late-verdict".into(),
        order_id: "meh-o7".into(),
        at: ts(T0 - 3 * DAY),
        fake: true,
    }));
    ev.push(delivered("orphan-order", T0 - DAY));
    ev.push(chat("c1", "good", T0 - 2 * DAY, Some(30), Some(5)));
    ev.push(chat("c2", "meh", T0 - 2 * DAY, None, Some(2)));
    ev.extend(refund("pet1-o3", T0 - 6 * DAY, RefundReason::Quality, 20));
    ev.extend(repeat_buyer_reviews("meh"));
    ev
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(16))]

    /// Random arrival orders cut at random points: snapshot, restore,
    /// continue — the same state (and bytes) as one engine fed everything.
    #[test]
    fn any_stream_cut_anywhere_resumes_to_the_same_state(
        shuffled in Just(tricky_events()).prop_shuffle(),
        cut in 0usize..1000,
    ) {
        let cut = cut * shuffled.len() / 1000;
        let mut whole = Engine::default();
        feed(&mut whole, &shuffled);
        let mut first = Engine::default();
        feed(&mut first, &shuffled[..cut]);
        let bytes = snap(&first);
        let mut resumed = restore(&bytes);
        assert_same_bytes(&snap(&resumed), &bytes, "round trip");
        feed(&mut resumed, &shuffled[cut..]);
        assert_same_state(&whole, &resumed);
        assert_same_bytes(&snap(&resumed), &snap(&whole), "resumed");
    }
}

#[test]
fn shard_snapshots_merge_into_the_union() {
    let events = demo_events(6_000);
    let mut union = Engine::default();
    feed(&mut union, &events);
    let mut shards: Vec<Engine> = (0..3)
        .map(|k| {
            let mut e = Engine::default();
            let part: Vec<Event> = events.iter().skip(k).step_by(3).cloned().collect();
            feed(&mut e, &part);
            restore(&snap(&e))
        })
        .collect();
    let mut direct: Option<Engine> = None;
    for k in 0..3 {
        let mut e = Engine::default();
        let part: Vec<Event> = events.iter().skip(k).step_by(3).cloned().collect();
        feed(&mut e, &part);
        match &mut direct {
            None => direct = Some(e),
            Some(d) => d.merge(e).unwrap(),
        }
    }
    let direct = direct.unwrap();
    let mut merged = shards.remove(0);
    for s in shards {
        merged.merge(s).unwrap();
    }
    assert_same_state(&union, &merged);
    // a merge of restored shards is the merge of the shards themselves
    assert_same_bytes(&snap(&merged), &snap(&direct), "merge of restored shards");
    assert_eq!(all_payouts(&mut merged), all_payouts(&mut union));
}

fn small_snapshot() -> Vec<u8> {
    let mut e = Engine::default();
    feed(&mut e, &tricky_events()[..40]);
    feed(&mut e, &demo_events(30));
    snap(&e)
}

#[test]
fn every_truncation_is_refused() {
    let bytes = small_snapshot();
    for len in 0..bytes.len() {
        match Engine::from_snapshot_bytes(&bytes[..len], Config::default()) {
            Err(SnapshotError::BadMagic)
            | Err(SnapshotError::Truncated { .. })
            | Err(SnapshotError::Checksum { .. }) => {}
            Err(e) => panic!("truncated at {len}: unexpected error {e}"),
            Ok(_) => panic!("truncated at {len}: loaded"),
        }
    }
}

#[test]
fn every_flipped_byte_is_refused_naming_a_section() {
    let bytes = small_snapshot();
    let mut rng = SeededRng::new(7);
    for i in 0..bytes.len() {
        let mut damaged = bytes.clone();
        damaged[i] ^= 1 << rng.below(8);
        let err = Engine::from_snapshot_bytes(&damaged, Config::default())
            .err()
            .unwrap_or_else(|| panic!("flip at {i}: loaded"));
        let named = match &err {
            SnapshotError::BadMagic => i < 8,
            SnapshotError::Checksum { section } | SnapshotError::Truncated { section, .. } => {
                !section.is_empty()
            }
            _ => false,
        };
        assert!(named, "flip at {i}: {err}");
    }
}

#[test]
fn foreign_files_and_other_configurations_are_refused_by_name() {
    let bytes = small_snapshot();
    let mut other = bytes.clone();
    other[..8].copy_from_slice(b"NOTASNAP");
    let err = Engine::from_snapshot_bytes(&other, Config::default()).unwrap_err();
    assert!(matches!(err, SnapshotError::BadMagic), "{err}");
    assert!(err.to_string().contains("TRUEXPSN"));

    let mut cfg = Config::default();
    cfg.max_reviews_per_buyer_month += 1;
    let err = Engine::from_snapshot_bytes(&bytes, cfg.clone()).unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, SnapshotError::ConfigMismatch { .. }), "{msg}");
    assert!(msg.contains(&format!("{:016x}", snapshot::config_fingerprint(&cfg))));
    assert!(msg.contains(&format!(
        "{:016x}",
        snapshot::config_fingerprint(&Config::default())
    )));
    // an engine under that configuration writes snapshots it reads back
    let e = Engine::with_config(cfg.clone()).unwrap();
    let (_, token) = Engine::from_snapshot_bytes(&e.snapshot_bytes(b"").unwrap(), cfg).unwrap();
    assert!(token.is_empty());
}

/// The engine hands its price-protection book its own order handles, so a
/// file whose book holds the orders in other positions must be refused (a
/// fuzzed file once loaded and then broke ingestion).
#[test]
fn a_book_whose_orders_disagree_with_the_engine_is_refused() {
    let mut e = Engine::default();
    feed(
        &mut e,
        &[
            order("order-a", "s1", "b1", T0),
            order("order-b", "s1", "b2", T0 + HOUR),
        ],
    );
    let file = e.snapshot_bytes(b"").unwrap();
    // the last copy of the two ids is the book's own table: swap them there
    let ids = b"order-aorder-b";
    let at = file
        .windows(ids.len())
        .rposition(|w| w == ids)
        .expect("the book holds the order ids");
    let first = file.windows(ids.len()).position(|w| w == ids).unwrap();
    assert!(first < at, "the engine's ids come first");
    let mut swapped = file.clone();
    swapped[at..at + ids.len()].copy_from_slice(b"order-border-a");
    let err = Engine::from_snapshot_bytes(&snapshot::reseal(swapped), Config::default())
        .unwrap_err()
        .to_string();
    assert!(err.contains("in the book"), "{err}");
    assert!(err.contains("order-a") && err.contains("order-b"), "{err}");
}

#[test]
fn the_file_helper_keeps_the_previous_snapshot() {
    let dir = std::env::temp_dir().join(format!("truexp-snap-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("state.snapshot");
    let mut e = Engine::default();
    feed(&mut e, &demo_events(100));
    snapshot::write_snapshot_file(&e, &path, b"first").unwrap();
    feed(&mut e, &demo_events(200)[100..]);
    snapshot::write_snapshot_file(&e, &path, b"second").unwrap();
    let (now, token) = snapshot::read_snapshot_file(&path, Config::default()).unwrap();
    assert_eq!(token, b"second");
    assert_eq!(now.order_count(), e.order_count());
    let prev = dir.join("state.snapshot.prev");
    let (_, token) = snapshot::read_snapshot_file(&prev, Config::default()).unwrap();
    assert_eq!(token, b"first");
    // no temporary file left behind
    let names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|d| d.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn the_golden_demo_snapshot_still_reads_and_scores_like_a_fresh_ingest() {
    let golden = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/demo.snapshot");
    let mut fresh = Engine::default();
    feed(&mut fresh, &demo_events(GOLDEN_EVENTS));
    if std::env::var_os("TRUEXP_BLESS").is_some() {
        fresh
            .write_snapshot(&mut std::fs::File::create(golden).unwrap(), b"demo")
            .unwrap();
    }
    let bytes = std::fs::read(golden).expect("tests/data/demo.snapshot (TRUEXP_BLESS=1 writes it)");
    let (restored, token) = Engine::from_snapshot_bytes(&bytes, Config::default())
        .expect("the committed golden snapshot reads: a format change must keep reading it or bump the major version");
    assert_eq!(token, b"demo");
    assert_same_state(&fresh, &restored);
    assert_same_bytes(
        &fresh.snapshot_bytes(b"demo").unwrap(),
        &bytes,
        "the same state no longer gives the same bytes: the format changed (bump the version, keep reading the old one, re-bless)",
    );
}

/// Minor version 1 added the book's dated histories (`book_timelines`): a
/// 1.0 file, written before, still reads, and its state scores and pays
/// like a fresh ingest (a 1.0 file's refunds are dated again from the
/// engine's refund facts; its returns sit at the start of their lines'
/// histories).
#[test]
fn the_format_1_0_golden_snapshot_still_reads() {
    an_older_golden_snapshot_reads_as_a_fresh_ingest("demo-1.0.snapshot", [1, 0, 0, 0]);
}

/// Minor version 2 added appeals (`order_appeals`): a 1.1 file, written
/// before, has none and still reads as the same state.
#[test]
fn the_format_1_1_golden_snapshot_still_reads() {
    an_older_golden_snapshot_reads_as_a_fresh_ingest("demo-1.1.snapshot", [1, 0, 1, 0]);
}

/// `tests/data/NAME`, of format `version` (major, minor little-endian),
/// reads as the state of a fresh ingest of the same demo lines.
fn an_older_golden_snapshot_reads_as_a_fresh_ingest(name: &str, version: [u8; 4]) {
    let golden = format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"));
    let mut fresh = Engine::default();
    feed(&mut fresh, &demo_events(GOLDEN_EVENTS));
    let bytes = std::fs::read(&golden).expect("the golden file");
    assert_eq!(&bytes[8..12], &version, "{name}: format version");
    let (mut restored, token) =
        Engine::from_snapshot_bytes(&bytes, Config::default()).expect("an older snapshot reads");
    assert_eq!(token, b"demo");
    assert_same_state(&fresh, &restored);
    // the price-protection book too: every payout of every queued drop
    assert_eq!(
        all_payouts(&mut restored),
        all_payouts(&mut fresh),
        "{name}: payouts"
    );
    // and the same bytes once written again (SKUs renumbered into one
    // table), but for a 1.0 file: its returns are dated at the start
    if version != [1, 0, 0, 0] {
        assert_same_bytes(
            &restored.snapshot_bytes(b"demo").unwrap(),
            &fresh.snapshot_bytes(b"demo").unwrap(),
            name,
        );
    }
}

/// Minor version 3 added the chats' agents (`chat_agents`): a 1.2 file,
/// written before, still reads (its chat sessions name no agent, as the
/// demo's do).
#[test]
fn the_format_1_2_golden_snapshot_still_reads() {
    an_older_golden_snapshot_reads_as_a_fresh_ingest("demo-1.2.snapshot", [1, 0, 2, 0]);
}

/// Minor version 4 added the orders' delivery regions (`order_regions`): a
/// 1.3 file, written before, still reads (its orders name no region, as
/// the demo's do).
#[test]
fn the_format_1_3_golden_snapshot_still_reads() {
    an_older_golden_snapshot_reads_as_a_fresh_ingest("demo-1.3.snapshot", [1, 0, 3, 0]);
}

/// Minor version 5 added the facts a later one replaced
/// (`order_superseded`): a 1.4 file, written before, still reads (the
/// demo's first lines replace no review, ruling or claim state).
#[test]
fn the_format_1_4_golden_snapshot_still_reads() {
    an_older_golden_snapshot_reads_as_a_fresh_ingest("demo-1.4.snapshot", [1, 0, 4, 0]);
}

/// Minor version 6 shares one SKU table between the engine and its book: a
/// 1.5 file numbers the engine's SKUs apart from the book's (the demo's
/// price changes name SKUs before any order does, so the two differ) and
/// still reads as the same state, its SKU handles renumbered.
#[test]
fn the_format_1_5_golden_snapshot_still_reads() {
    an_older_golden_snapshot_reads_as_a_fresh_ingest("demo-1.5.snapshot", [1, 0, 5, 0]);
}

/// The golden snapshot holds the state of the first this many demo lines.
const GOLDEN_EVENTS: usize = 3_000;

/// The demo's first lines after a chat of each of its first six shops, in
/// reverse: the shop ledger numbers those shops before any profile or
/// order names them, in the other order.
fn chats_first_events() -> Vec<Event> {
    let chats = (0..6).rev().map(|s| {
        truexp::parse_event(&format!(
            r#"{{"type":"chat","id":"first-chat-{s}","shop_id":"s{s}","buyer_id":"b1","started_at":1750982400,"first_response_secs":30}}"#
        ))
        .unwrap()
    });
    chats.chain(demo_events(GOLDEN_EVENTS)).collect()
}

/// The price-protection book keys its lines and policies by the shop
/// ledger's numbers. A file written before (format 1.6, by 04c41bb) numbers
/// the book's shops apart, in the order payments and profiles named them;
/// here the ledger's first six shops are numbered in reverse (a chat named
/// each first). It reads as the same state, the book's shops renumbered:
/// the same payouts, and the same bytes once written again.
#[test]
fn a_book_numbering_shops_apart_from_the_ledger_reads_renumbered() {
    let events = chats_first_events();
    let mut fresh = Engine::default();
    for (i, ev) in events.iter().enumerate().take(6) {
        assert!(fresh.ingest(ev.clone()).is_ok(), "chat {i}");
    }
    feed(&mut fresh, &events[6..]);
    let golden = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/demo-shops-apart-1.6.snapshot"
    );
    let bytes = std::fs::read(golden).expect("the golden file");
    let (mut restored, _) =
        Engine::from_snapshot_bytes(&bytes, Config::default()).expect("an older snapshot reads");
    assert_same_state(&fresh, &restored);
    let paid = all_payouts(&mut fresh);
    assert!(!paid.is_empty(), "the drops pay someone");
    assert_eq!(all_payouts(&mut restored), paid);
    assert_same_bytes(
        &restored.snapshot_bytes(b"demo").unwrap(),
        &fresh.snapshot_bytes(b"demo").unwrap(),
        "written again",
    );
    // the old file's book section differs: its shops were numbered apart
    assert_ne!(
        bytes,
        fresh.snapshot_bytes(b"demo").unwrap(),
        "the fixture numbers the book's shops as the ledger does"
    );
}

/// Behind the checksums: a byte changed inside a section and the checksums
/// recomputed (what a hostile file, or a bug, could hand the decoders) is
/// refused or loads an engine whose every query answers — never a panic.
#[test]
fn resealed_damage_inside_sections_never_panics() {
    let bytes = small_snapshot();
    let mut rng = SeededRng::new(99);
    let mut loaded = 0;
    // every byte of the header and sampled bytes of the sections
    let step = (bytes.len() / 2_000).max(1);
    for i in (0..bytes.len() - 8).filter(|&i| i < 400 || i % step == 0) {
        let mut damaged = bytes.clone();
        damaged[i] = rng.next_u64() as u8;
        let damaged = snapshot::reseal(damaged);
        if let Ok((e, _)) = Engine::from_snapshot_bytes(&damaged, Config::default()) {
            loaded += 1;
            let latest = e.latest_event_time().unwrap_or(ts(T0));
            let _ = e.scoreboard(latest);
            for shop in e.shop_ids() {
                let _ = e.explain(shop, latest);
                let _ = e.problem_orders(shop, latest);
            }
            let mut e = e;
            feed(&mut e, &tricky_events()[40..]);
            let _ = e.run_price_drops();
            let _ = e.snapshot_bytes(b"").unwrap();
        }
    }
    // most single-byte changes of a value are still a valid state
    assert!(loaded > 0);
}

/// The writer the crash test kills: writes snapshots of two states in turn
/// to the path in `TRUEXP_SNAPSHOT_CHILD`, forever. Without the variable
/// (a normal test run) it returns at once.
#[test]
fn crash_child_writes_snapshots_until_killed() {
    let Some(path) = std::env::var_os("TRUEXP_SNAPSHOT_CHILD") else {
        return;
    };
    let path = std::path::PathBuf::from(path);
    let mut small = Engine::default();
    feed(&mut small, &demo_events(500));
    let mut big = Engine::default();
    feed(&mut big, &demo_events(4_000));
    for i in 0u64.. {
        let e = if i % 2 == 0 { &big } else { &small };
        snapshot::write_snapshot_file(e, &path, &i.to_le_bytes()).unwrap();
    }
}

/// Issue 13: a writer killed (SIGKILL) at random points, a bounded number of
/// times, always leaves a loadable snapshot at PATH (once one was written)
/// and at PATH.prev (once two were).
#[cfg(unix)]
#[test]
fn a_writer_killed_at_random_points_leaves_a_loadable_snapshot() {
    use std::process::{Command, Stdio};
    let dir = std::env::temp_dir().join(format!("truexp-crash-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("state.snapshot");
    let prev = dir.join("state.snapshot.prev");
    let mut rng = SeededRng::new(2026);
    let mut last_token: Option<Vec<u8>> = None;
    for round in 0..8 {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args([
                "crash_child_writes_snapshots_until_killed",
                "--exact",
                "--test-threads=1",
            ])
            .env("TRUEXP_SNAPSHOT_CHILD", &path)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // the child first builds its two engines (debug build: ~1 s), then writes
        std::thread::sleep(std::time::Duration::from_millis(800 + rng.below(1_500)));
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        let torn = std::fs::read_dir(&dir)
            .unwrap()
            .filter(|d| {
                d.as_ref()
                    .unwrap()
                    .file_name()
                    .to_string_lossy()
                    .contains(".tmp")
            })
            .count();
        eprintln!("round {round}: killed; unfinished temporary files: {torn}");
        for p in [&path, &prev] {
            if p.exists() {
                let (_, token) = snapshot::read_snapshot_file(p, Config::default())
                    .unwrap_or_else(|e| panic!("round {round}: {} unreadable: {e}", p.display()));
                assert_eq!(token.len(), 8);
            }
        }
        if let Some(t) = &last_token {
            assert!(
                path.exists(),
                "round {round}: the snapshot vanished (last token {t:?})"
            );
        }
        if path.exists() {
            last_token = Some(
                snapshot::read_snapshot_file(&path, Config::default())
                    .unwrap()
                    .1,
            );
        }
    }
    assert!(
        last_token.is_some(),
        "the child never finished one snapshot"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
