//! Reading JSON Lines into an engine, parsing on every core.
//!
//! Why: parsing and validating a line is pure and costs about as much as
//! applying the event, so blocks of lines are parsed and validated on the
//! other cores while the calling thread applies finished blocks strictly in
//! line order (one thread per core in all: the applying thread is the one
//! that must never wait for a core).
//! The engine therefore sees exactly the sequence a single thread would:
//! the report, the state and every answer are identical whatever the
//! number of threads.
//!
//! Limit: a line longer than [`MAX_LINE_BYTES`] is refused with its line
//! number (and skipped without being held in memory whole).

use std::collections::BTreeMap;
use std::io::BufRead;
use std::sync::mpsc;
use std::sync::Mutex;

use crate::engine::{Engine, Ingested};
use crate::error::EventError;
use crate::event::{Event, ValidEvent};

/// The longest line read (16 MiB); longer lines are refused.
pub const MAX_LINE_BYTES: usize = 16 << 20;

/// Lines are handed to the parsers in blocks of about this many bytes.
const BLOCK_BYTES: usize = 256 << 10;

/// The outcome of reading a JSON Lines stream.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct IngestReport {
    /// Lines read (blank lines excluded).
    pub lines: u64,
    /// Events applied or kept pending.
    pub accepted: u64,
    /// Events whose id was already seen.
    pub duplicates: u64,
    /// Refused lines: 1-based line number and why.
    pub rejected: Vec<(u64, EventError)>,
}

/// One line after parsing and validation.
enum Parsed {
    Blank,
    Event(Event),
    Bad(EventError),
}

impl Parsed {
    fn event(&self) -> Option<&Event> {
        match self {
            Parsed::Event(e) => Some(e),
            _ => None,
        }
    }
}

/// A run of whole lines, read as raw bytes (lines are found by the parsers).
struct Block {
    /// One line longer than [`MAX_LINE_BYTES`] was skipped just before these bytes.
    overlong_before: bool,
    bytes: Vec<u8>,
    /// The stream ended with a read error after this block.
    error: Option<String>,
}

fn line_error(message: String) -> EventError {
    EventError {
        event_id: None,
        field: "<line>".into(),
        message,
    }
}

pub(crate) fn overlong() -> EventError {
    line_error(format!("line longer than {MAX_LINE_BYTES} bytes; skipped"))
}

fn parse_line(raw: &[u8]) -> Parsed {
    let Ok(text) = std::str::from_utf8(raw) else {
        return Parsed::Bad(line_error(
            "unreadable line: stream did not contain valid UTF-8".into(),
        ));
    };
    let text = text.trim();
    if text.is_empty() {
        return Parsed::Blank;
    }
    match crate::jsonl::parse_unvalidated(text).and_then(|e| e.validate().map(|()| e)) {
        Ok(e) => Parsed::Event(e),
        Err(e) => Parsed::Bad(e),
    }
}

/// Parses every line of a block, in order (an overlong line first, if any).
fn parse_block(block: &Block) -> Vec<Parsed> {
    let mut out = Vec::with_capacity(block.bytes.len() / 128 + 1);
    if block.overlong_before {
        out.push(Parsed::Bad(overlong()));
    }
    out.extend(block.bytes.split_inclusive(|&b| b == b'\n').map(|raw| {
        if raw.len() > MAX_LINE_BYTES {
            Parsed::Bad(overlong())
        } else {
            parse_line(raw)
        }
    }));
    out
}

/// Cuts the stream into blocks of whole lines without looking at every
/// byte: it reads about [`BLOCK_BYTES`], cuts after the last newline and
/// carries the rest. A line over [`MAX_LINE_BYTES`] is skipped as it is read.
struct BlockReader<R> {
    reader: R,
    carry: Vec<u8>,
    done: bool,
}

/// The reader's next bytes; `None` at the end of the stream or after a read
/// error, which is kept in the block and ends the stream.
fn fill<'r>(reader: &'r mut impl BufRead, done: &mut bool, block: &mut Block) -> Option<&'r [u8]> {
    loop {
        match reader.fill_buf() {
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => {
                *done = true;
                block.error = Some(format!("unreadable line: {e}"));
                return None;
            }
            Ok([]) => {
                *done = true;
                return None;
            }
            Ok(_) => break,
        }
    }
    // asked again outside the loop (today's borrow checker cannot return a
    // borrow from inside it); the buffer is filled, so this reads nothing
    reader.fill_buf().ok()
}

impl<R: BufRead> BlockReader<R> {
    fn next_block(&mut self) -> Option<Block> {
        let mut block = Block {
            overlong_before: false,
            bytes: std::mem::take(&mut self.carry),
            error: None,
        };
        if self.done {
            return (!block.bytes.is_empty()).then_some(block);
        }
        block.bytes.reserve(BLOCK_BYTES);
        // `searched`: bytes already known to hold no newline
        let mut searched = 0;
        while let Some(buf) = fill(&mut self.reader, &mut self.done, &mut block) {
            // at most a block's worth at a time: a reader over bytes in
            // memory (`&[u8]`) hands out everything at once, which would
            // make one block of the whole input and leave the parsers idle
            let n = buf.len().min(BLOCK_BYTES);
            block.bytes.extend_from_slice(&buf[..n]);
            self.reader.consume(n);
            if block.bytes.len() < BLOCK_BYTES {
                continue;
            }
            match block.bytes[searched..].iter().rposition(|&b| b == b'\n') {
                Some(i) => {
                    self.carry = block.bytes.split_off(searched + i + 1);
                    break;
                }
                None if block.bytes.len() > MAX_LINE_BYTES => {
                    // one line, too long: drop it and what follows up to its newline
                    block.bytes.clear();
                    block.overlong_before = true;
                    if !self.skip_line(&mut block) {
                        break;
                    }
                    searched = 0;
                }
                None => searched = block.bytes.len(),
            }
        }
        if block.bytes.is_empty() && !block.overlong_before && block.error.is_none() {
            return None;
        }
        Some(block)
    }

    /// Discards input through the next newline; false at the end of the stream.
    fn skip_line(&mut self, block: &mut Block) -> bool {
        loop {
            let Some(buf) = fill(&mut self.reader, &mut self.done, block) else {
                return false;
            };
            match buf.iter().position(|&b| b == b'\n') {
                Some(i) => {
                    self.reader.consume(i + 1);
                    return true;
                }
                None => {
                    let n = buf.len();
                    self.reader.consume(n);
                }
            }
        }
    }
}

/// Reads JSON Lines on `threads` threads in all — the calling thread, which
/// reads and calls `sink`, and `threads - 1` that parse and validate blocks
/// of lines — and calls `sink(line_number, event or error)` for every
/// non-blank line, strictly in line order, on the calling thread (a read
/// error ends the stream and is reported at the line after the last one
/// read). `progress(lines_read)` is called every 65 536 lines. With
/// `threads <= 1` everything runs on the calling thread; the calls are the
/// same for any number of threads.
///
/// ```
/// let text = "{\"type\":\"delivered\",\"id\":\"d1\",\"order_id\":\"o1\",\"at\":1790000000}\n\nnot json\n";
/// let mut seen = Vec::new();
/// truexp::read_jsonl(text.as_bytes(), 2, |_| {}, |line, event| seen.push((line, event.is_ok())));
/// assert_eq!(seen, [(1, true), (3, false)]);
/// ```
pub fn read_jsonl(
    reader: impl BufRead,
    threads: usize,
    progress: impl FnMut(u64),
    mut sink: impl FnMut(u64, Result<&Event, &EventError>),
) {
    read_jsonl_ahead(reader, threads, progress, |visit| {
        if let Visit::Item((n, e)) = visit {
            sink(n, e)
        }
    })
}

/// How far ahead an event is shown before it is delivered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Ahead {
    /// Two runs ahead.
    Slot,
    /// The next run.
    Row,
}

/// Events are applied in runs of this many, each run preceded by the
/// events of the next run ([`Ahead::Row`]) and of the one after
/// ([`Ahead::Slot`]). Measured at full size (5M orders): the applying
/// thread's time −5%; a third stage reading the ids held at the slots
/// gave less.
const AHEAD: usize = 16;

/// Engines with fewer orders read nothing ahead: their state (~600 bytes
/// an order, ~150 MB here) is mostly in cache, and the touches only cost —
/// at 50k orders reading ahead made two-thread JSON Lines ingestion 14%
/// slower (181 → 206 ms, `cargo bench -p truexp --bench ingest`); at 5M it
/// saves ~5% of the applying thread. Our choice between the two measured
/// sizes; it changes no result, only the time.
pub(crate) const READ_AHEAD_FROM_ORDERS: usize = 250_000;

/// What [`with_read_ahead`] (items `&T`) and [`read_jsonl_ahead`] (items
/// `(line number, event or error)`) hand their visitors.
pub(crate) enum Visit<'a, T> {
    /// An item's event, shown some items ahead of the item.
    Ahead(&'a Event, Ahead),
    /// The next item, in order.
    Item(T),
}

/// Visits every item of `items` in order, each run of [`AHEAD`] items
/// preceded by the events of the next two runs (`event`: an item's event,
/// if it has one), so that the caller can read ahead what applying them
/// will read.
pub(crate) fn with_read_ahead<'a, T>(
    items: &'a [T],
    event: impl Fn(&'a T) -> Option<&'a Event>,
    mut visit: impl FnMut(Visit<'a, &'a T>),
) {
    for (k, item) in items.iter().enumerate() {
        if k % AHEAD == 0 {
            for (runs, stage) in [(2, Ahead::Slot), (1, Ahead::Row)] {
                let run = items.iter().skip(k + runs * AHEAD).take(AHEAD);
                for e in run.filter_map(&event) {
                    visit(Visit::Ahead(e, stage));
                }
            }
        }
        visit(Visit::Item(item));
    }
}

/// [`read_jsonl`], with events shown ahead of their delivery.
fn read_jsonl_ahead(
    reader: impl BufRead,
    threads: usize,
    mut progress: impl FnMut(u64),
    mut sink: impl FnMut(Visit<'_, (u64, Result<&Event, &EventError>)>),
) {
    let mut blocks = BlockReader {
        reader,
        carry: Vec::new(),
        done: false,
    };
    let mut number = 0u64;
    let mut deliver = |block: &Block, lines: &[Parsed]| {
        with_read_ahead(lines, Parsed::event, |visit| {
            let parsed = match visit {
                Visit::Ahead(e, stage) => return sink(Visit::Ahead(e, stage)),
                Visit::Item(parsed) => parsed,
            };
            number += 1;
            if number % 65_536 == 0 {
                progress(number);
            }
            match parsed {
                Parsed::Blank => {}
                Parsed::Bad(e) => sink(Visit::Item((number, Err(e)))),
                Parsed::Event(e) => sink(Visit::Item((number, Ok(e)))),
            }
        });
        if let Some(e) = &block.error {
            sink(Visit::Item((number + 1, Err(&line_error(e.clone())))));
        }
    };
    if threads <= 1 {
        while let Some(block) = blocks.next_block() {
            let lines = parse_block(&block);
            deliver(&block, &lines);
        }
        return;
    }
    // the calling thread applies; the others parse
    let parsers = threads - 1;
    let (work_tx, work_rx) = mpsc::sync_channel::<(u64, Block)>(parsers * 2);
    let work_rx = Mutex::new(work_rx);
    let (done_tx, done_rx) = mpsc::channel::<(u64, Block, Vec<Parsed>)>();
    // parsed events are freed off the calling thread
    let (drop_tx, drop_rx) = mpsc::channel::<Vec<Parsed>>();
    std::thread::scope(|s| {
        for _ in 0..parsers {
            let done_tx = done_tx.clone();
            let work_rx = &work_rx;
            s.spawn(move || loop {
                let next = work_rx.lock().map(|rx| rx.recv());
                let Ok(Ok((seq, block))) = next else {
                    return;
                };
                let lines = parse_block(&block);
                if done_tx.send((seq, block, lines)).is_err() {
                    return;
                }
            });
        }
        s.spawn(move || {
            for parsed in drop_rx {
                drop(parsed);
            }
        });
        drop(done_tx);
        let mut sent = 0u64;
        let mut delivered = 0u64;
        let mut ready: BTreeMap<u64, (Block, Vec<Parsed>)> = BTreeMap::new();
        let mut reading = true;
        loop {
            // keep the parsers fed, a bounded number of blocks ahead
            while reading && sent - delivered < (parsers * 4) as u64 {
                match blocks.next_block() {
                    Some(block) => {
                        if work_tx.send((sent, block)).is_err() {
                            reading = false;
                        }
                        sent += 1;
                    }
                    None => reading = false,
                }
            }
            if delivered == sent {
                break;
            }
            let Ok((seq, block, lines)) = done_rx.recv() else {
                break;
            };
            ready.insert(seq, (block, lines));
            while let Some((block, lines)) = ready.remove(&delivered) {
                deliver(&block, &lines);
                let _ = drop_tx.send(lines);
                delivered += 1;
            }
        }
        drop(work_tx);
        drop(drop_tx);
    });
}

impl Engine {
    /// Ingests events validated before (on any thread), in order: the same
    /// state and outcomes as [`Engine::ingest_validated`] on each, faster
    /// for a long run (what applying an event reads is read some events
    /// ahead, so that cache misses overlap). `done` gets each item's
    /// outcome in order; an `Err` item is handed back as it is.
    pub fn ingest_validated_all(
        &mut self,
        events: &[Result<ValidEvent, EventError>],
        mut done: impl FnMut(Result<Ingested, EventError>),
    ) {
        fn valid(r: &Result<ValidEvent, EventError>) -> Option<&Event> {
            r.as_ref().ok().map(ValidEvent::event)
        }
        with_read_ahead(events, valid, |visit| match visit {
            Visit::Ahead(e, stage) => {
                std::hint::black_box(self.touch_ahead(e, stage));
            }
            Visit::Item(Ok(e)) => done(self.ingest_valid(e.event())),
            Visit::Item(Err(e)) => done(Err(e.clone())),
        });
    }

    /// Reads JSON Lines; bad lines are reported and skipped, the rest kept.
    /// Parses on every available core; the result is the same as on one.
    pub fn ingest_jsonl(&mut self, reader: impl BufRead) -> IngestReport {
        self.ingest_jsonl_with_progress(reader, |_| {})
    }

    /// Like [`Engine::ingest_jsonl`], calling `progress(lines_read)` every 65 536 lines.
    pub fn ingest_jsonl_with_progress(
        &mut self,
        reader: impl BufRead,
        progress: impl FnMut(u64),
    ) -> IngestReport {
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
        self.ingest_jsonl_threads(reader, threads, progress)
    }

    /// Like [`Engine::ingest_jsonl_with_progress`] on `threads` threads in
    /// all: the calling thread applies, `threads - 1` parse (1: everything on
    /// the calling thread). The report and the state do not depend on `threads`.
    pub fn ingest_jsonl_threads(
        &mut self,
        reader: impl BufRead,
        threads: usize,
        progress: impl FnMut(u64),
    ) -> IngestReport {
        let mut report = IngestReport::default();
        read_jsonl_ahead(reader, threads, progress, |visit| {
            let (number, parsed) = match visit {
                Visit::Ahead(e, stage) => {
                    std::hint::black_box(self.touch_ahead(e, stage));
                    return;
                }
                Visit::Item(line) => line,
            };
            report.lines += 1;
            let outcome = parsed
                .map_err(Clone::clone)
                .and_then(|e| self.ingest_valid(e));
            match outcome {
                Ok(Ingested::Duplicate) => report.duplicates += 1,
                Ok(_) => report.accepted += 1,
                Err(e) => report.rejected.push((number, e)),
            }
        });
        report
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overlong_lines_are_refused_by_number_and_the_rest_kept() {
        let mut text = String::from("\n");
        text.push_str(&"x".repeat(MAX_LINE_BYTES + 10));
        text.push('\n');
        text.push_str(
            r#"{"type":"shop_profile","id":"p1","shop_id":"s1","at":1790000000,"category":"pet"}"#,
        );
        for threads in [1, 2] {
            let mut e = Engine::default();
            let r = e.ingest_jsonl_threads(text.as_bytes(), threads, |_| {});
            assert_eq!(r.accepted, 1);
            assert_eq!(r.rejected.len(), 1);
            assert_eq!(r.rejected[0].0, 2);
            assert!(r.rejected[0].1.message.contains("longer than"));
        }
    }

    #[test]
    fn a_line_without_end_is_skipped_as_it_streams() {
        use std::io::Read;
        let profile =
            r#"{"type":"shop_profile","id":"p1","shop_id":"s1","at":1790000000,"category":"pet"}"#;
        for threads in [1, 2] {
            // 40 MiB with no newline, then one good line; never held whole
            let stream = std::io::repeat(b'x')
                .take(40 << 20)
                .chain(std::io::Cursor::new(format!("\n{profile}\n")));
            let mut e = Engine::default();
            let r = e.ingest_jsonl_threads(std::io::BufReader::new(stream), threads, |_| {});
            assert_eq!((r.lines, r.accepted), (2, 1));
            assert_eq!(r.rejected[0].0, 1);
            assert!(r.rejected[0].1.message.contains("longer than"));
        }
    }

    #[test]
    fn bytes_in_memory_are_cut_into_blocks() {
        // a `&[u8]` reader hands out everything at once: still blocks of
        // about BLOCK_BYTES, cut after a newline, and no line lost or split
        let line = r#"{"type":"delivered","id":"d1","order_id":"o1","at":1790000000}"#;
        let text = format!("{line}\n").repeat(3 * BLOCK_BYTES / line.len());
        let mut blocks = BlockReader {
            reader: text.as_bytes(),
            carry: Vec::new(),
            done: false,
        };
        let mut sizes = Vec::new();
        while let Some(b) = blocks.next_block() {
            assert!(b.bytes.ends_with(b"\n"));
            sizes.push(b.bytes.len());
        }
        assert!(sizes.len() >= 3, "{sizes:?}");
        assert!(sizes.iter().all(|&n| n <= 2 * BLOCK_BYTES), "{sizes:?}");
        assert_eq!(sizes.iter().sum::<usize>(), text.len());
    }

    #[test]
    fn read_ahead_visits_every_item_once_in_order_each_shown_before_it() {
        let events: Vec<Option<Event>> = (0..100)
            .map(|i| {
                (i % 7 != 3).then(|| {
                    crate::parse_event(&format!(
                        r#"{{"type":"delivered","id":"d{i}","order_id":"o{i}","at":1790000000}}"#
                    ))
                    .unwrap()
                })
            })
            .collect();
        let mut items = Vec::new();
        let mut shown: Vec<(String, Ahead, usize)> = Vec::new();
        with_read_ahead(&events, Option::as_ref, |visit| match visit {
            Visit::Ahead(e, stage) => shown.push((e.id().to_owned(), stage, items.len())),
            Visit::Item(item) => items.push(item.as_ref().map(|e| e.id().to_owned())),
        });
        let expected: Vec<_> = events
            .iter()
            .map(|e| e.as_ref().map(|e| e.id().to_owned()))
            .collect();
        assert_eq!(items, expected);
        for (i, id) in expected.iter().enumerate() {
            let Some(id) = id else { continue };
            let seen: Vec<_> = shown.iter().filter(|(s, _, _)| s == id).collect();
            // the first run is applied unseen, the second seen once
            let stages = if i < AHEAD {
                0
            } else if i < 2 * AHEAD {
                1
            } else {
                2
            };
            assert_eq!(seen.len(), stages, "{id}");
            assert!(seen
                .iter()
                .all(|&&(_, _, before)| before <= i && i - before < 3 * AHEAD));
            if stages == 2 {
                assert_eq!((seen[0].1, seen[1].1), (Ahead::Slot, Ahead::Row));
            }
        }
    }

    #[test]
    fn threads_do_not_change_the_report() {
        let mut text = String::new();
        for i in 0..5000 {
            text.push_str(&format!(
                r#"{{"type":"shop_profile","id":"p{i}","shop_id":"s{}","at":{},"category":"pet"}}"#,
                i % 7,
                1_790_000_000 + i
            ));
            text.push('\n');
            if i % 100 == 0 {
                text.push_str("{bad\n\n");
            }
        }
        let mut one = Engine::default();
        let a = one.ingest_jsonl_threads(text.as_bytes(), 1, |_| {});
        let mut four = Engine::default();
        let b = four.ingest_jsonl_threads(text.as_bytes(), 4, |_| {});
        assert_eq!(a, b);
        assert_eq!(a.rejected.len(), 50);
    }
}
