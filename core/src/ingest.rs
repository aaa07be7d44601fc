//! Reading JSON Lines into an engine, parsing on every core.
//!
//! Why: parsing and validating a line is pure and costs more than applying
//! the event, so blocks of lines are parsed and validated on worker threads
//! while the calling thread applies finished blocks strictly in line order.
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
use crate::event::Event;

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

/// A block of whole lines and the number of its first line.
struct Block {
    first_line: u64,
    bytes: Vec<u8>,
    /// Lines of this block that were too long (already skipped): their numbers.
    too_long: Vec<u64>,
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

/// Parses every line of a block: (line number, result).
fn parse_block(block: &Block) -> Vec<(u64, Parsed)> {
    let mut out = Vec::new();
    let mut number = block.first_line;
    let mut too_long = block.too_long.iter().peekable();
    for raw in block.bytes.split_inclusive(|&b| b == b'\n') {
        while too_long.peek().is_some_and(|&&n| n == number) {
            out.push((
                number,
                Parsed::Bad(line_error(format!(
                    "line longer than {MAX_LINE_BYTES} bytes; skipped"
                ))),
            ));
            too_long.next();
            number += 1;
        }
        out.push((number, parse_line(raw)));
        number += 1;
    }
    for &n in too_long {
        out.push((
            n,
            Parsed::Bad(line_error(format!(
                "line longer than {MAX_LINE_BYTES} bytes; skipped"
            ))),
        ));
    }
    out
}

/// Reads whole lines into blocks, refusing over-long lines without holding them.
struct BlockReader<R> {
    reader: R,
    next_line: u64,
    done: bool,
}

impl<R: BufRead> BlockReader<R> {
    fn next_block(&mut self) -> Option<Block> {
        if self.done {
            return None;
        }
        let mut block = Block {
            first_line: self.next_line + 1,
            bytes: Vec::with_capacity(BLOCK_BYTES + 4096),
            too_long: Vec::new(),
            error: None,
        };
        while block.bytes.len() < BLOCK_BYTES {
            match self.read_line(&mut block) {
                Ok(true) => {}
                Ok(false) => {
                    self.done = true;
                    break;
                }
                Err(e) => {
                    self.done = true;
                    block.error = Some(format!("unreadable line: {e}"));
                    break;
                }
            }
        }
        if block.bytes.is_empty() && block.too_long.is_empty() && block.error.is_none() {
            return None;
        }
        Some(block)
    }

    /// Appends one line to the block (or notes it too long). `false` at the end.
    fn read_line(&mut self, block: &mut Block) -> std::io::Result<bool> {
        let start = block.bytes.len();
        let mut skipping = false;
        loop {
            let buf = match self.reader.fill_buf() {
                Ok(b) => b,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if buf.is_empty() {
                let any = skipping || block.bytes.len() > start;
                if any {
                    self.next_line += 1;
                    if skipping {
                        block.too_long.push(self.next_line);
                    }
                }
                return Ok(any);
            }
            let (chunk, found) = match buf.iter().position(|&b| b == b'\n') {
                Some(i) => (&buf[..=i], true),
                None => (buf, false),
            };
            let n = chunk.len();
            if !skipping {
                if block.bytes.len() - start + n > MAX_LINE_BYTES {
                    block.bytes.truncate(start);
                    skipping = true;
                } else {
                    block.bytes.extend_from_slice(chunk);
                }
            }
            self.reader.consume(n);
            if found {
                self.next_line += 1;
                if skipping {
                    block.too_long.push(self.next_line);
                }
                return Ok(true);
            }
        }
    }
}

impl Engine {
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

    /// Like [`Engine::ingest_jsonl_with_progress`] with `threads` parsing
    /// threads (1: everything on the calling thread). The report and the
    /// state do not depend on `threads`.
    pub fn ingest_jsonl_threads(
        &mut self,
        reader: impl BufRead,
        threads: usize,
        mut progress: impl FnMut(u64),
    ) -> IngestReport {
        let mut report = IngestReport::default();
        let mut blocks = BlockReader {
            reader,
            next_line: 0,
            done: false,
        };
        let mut apply = |engine: &mut Engine, block: &Block, lines: Vec<(u64, Parsed)>| {
            for (number, parsed) in lines {
                if number % 65_536 == 0 {
                    progress(number);
                }
                let event = match parsed {
                    Parsed::Blank => continue,
                    Parsed::Bad(e) => {
                        report.lines += 1;
                        report.rejected.push((number, e));
                        continue;
                    }
                    Parsed::Event(e) => e,
                };
                report.lines += 1;
                match engine.ingest_valid(event) {
                    Ok(Ingested::Duplicate) => report.duplicates += 1,
                    Ok(_) => report.accepted += 1,
                    Err(e) => report.rejected.push((number, e)),
                }
            }
            if let Some(e) = &block.error {
                report
                    .rejected
                    .push((blocks_end(block), line_error(e.clone())));
            }
        };
        if threads <= 1 {
            while let Some(block) = blocks.next_block() {
                let lines = parse_block(&block);
                apply(self, &block, lines);
            }
            return report;
        }
        let (work_tx, work_rx) = mpsc::sync_channel::<(u64, Block)>(threads * 2);
        let work_rx = Mutex::new(work_rx);
        let (done_tx, done_rx) = mpsc::channel::<(u64, Block, Vec<(u64, Parsed)>)>();
        std::thread::scope(|s| {
            for _ in 0..threads {
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
            drop(done_tx);
            let mut sent = 0u64;
            let mut applied = 0u64;
            let mut ready: BTreeMap<u64, (Block, Vec<(u64, Parsed)>)> = BTreeMap::new();
            let mut reading = true;
            loop {
                // keep the parsers fed, a bounded number of blocks ahead
                while reading && sent - applied < (threads * 4) as u64 {
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
                if applied == sent {
                    break;
                }
                let Ok((seq, block, lines)) = done_rx.recv() else {
                    break;
                };
                ready.insert(seq, (block, lines));
                while let Some((block, lines)) = ready.remove(&applied) {
                    apply(self, &block, lines);
                    applied += 1;
                }
            }
            drop(work_tx);
        });
        report
    }
}

/// The line number a read error is reported at: the line after the block.
fn blocks_end(block: &Block) -> u64 {
    let lines = block.bytes.split_inclusive(|&b| b == b'\n').count() + block.too_long.len();
    block.first_line + lines as u64
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
