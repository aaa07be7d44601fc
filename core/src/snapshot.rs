//! Snapshots: the engine's state in one checksummed, versioned file.
//!
//! Why: a service embedding the engine restarts for every deploy, crash and
//! machine move; replaying every event of the last 90 days takes minutes.
//! A snapshot holds the state together with the caller's resume token (a
//! stream offset per partition, say), so a restart loads the state and
//! resumes exactly where the state stopped. See `docs/snapshot.md` for the
//! byte layout and the versioning rule.
//!
//! Each component owns its encoding (`write_snapshot` / `read_snapshot`
//! next to it, in `ids`, `order`, `ledger`, `pending`, the protection
//! book); this module holds the frame (magic, version, configuration
//! fingerprint, token, section table, checksums), the small little-endian
//! encoder and the bounds-checked decoder they share, and the atomic file
//! helper. State derived from what a snapshot holds (day counters, the
//! rating cap's groups, category delivery norms) is rebuilt on read, not
//! trusted from the file: a loaded engine is consistent by construction.
//!
//! A damaged or hostile file gives a [`SnapshotError`], never a panic: every
//! read is bounds-checked, every length is checked against the bytes left
//! before anything is allocated, and every handle is checked to be in range.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use serde::Serialize;
use thiserror::Error;
use xxhash_rust::xxh3::xxh3_64;

use crate::config::Config;
use crate::engine::Engine;
use crate::error::ConfigError;
use crate::event::{Money, Timestamp};
use crate::time::Moment;

/// The first eight bytes of every snapshot.
pub const MAGIC: &[u8; 8] = b"TRUEXPSN";
/// The format's major version: a reader refuses a greater one.
pub const FORMAT_MAJOR: u16 = 1;
/// The format's minor version: additions an older reader of the same major
/// may skip (an unknown section is ignored).
pub const FORMAT_MINOR: u16 = 6;
/// Largest resume token a snapshot carries: 1 MiB.
pub const MAX_TOKEN_BYTES: usize = 1 << 20;
/// Largest number of sections in a snapshot's table.
pub const MAX_SECTIONS: usize = 64;

/// A snapshot could not be written or read. Nothing was loaded.
#[derive(Debug, Error)]
pub enum SnapshotError {
    /// The file does not start with `TRUEXPSN`: not a truexp snapshot.
    #[error("not a truexp snapshot: the file does not start with the magic bytes `TRUEXPSN`")]
    BadMagic,
    /// The snapshot was written by a newer format than this reader knows.
    #[error(
        "snapshot format version {found} is newer than this reader supports ({supported}.x): \
         read it with a newer truexp"
    )]
    NewerVersion {
        /// `major.minor` of the file.
        found: String,
        /// The greatest major version this reader reads.
        supported: u16,
    },
    /// The snapshot was written under another configuration.
    #[error(
        "snapshot was written under configuration fingerprint {snapshot:016x}, but the engine's \
         configuration has fingerprint {engine:016x}: load it with the configuration it was \
         written with"
    )]
    ConfigMismatch {
        /// Fingerprint stored in the snapshot.
        snapshot: u64,
        /// Fingerprint of the configuration given to the reader.
        engine: u64,
    },
    /// A section's bytes do not match its checksum (or, for `file`, the whole file's).
    #[error("snapshot section `{section}`: checksum mismatch (the file is damaged)")]
    Checksum {
        /// The section (`header`, `file`, `ids`, `orders`, ...).
        section: String,
    },
    /// The file or a section ends before what it declares.
    #[error("snapshot section `{section}`: truncated at byte {offset}")]
    Truncated {
        /// The section.
        section: String,
        /// File offset at which more bytes were needed.
        offset: u64,
    },
    /// A section holds a value the engine cannot hold (a handle out of range,
    /// a flag that is neither 0 nor 1, a missing section...).
    #[error("snapshot section `{section}`: {what}")]
    Invalid {
        /// The section.
        section: String,
        /// What is wrong.
        what: String,
    },
    /// The resume token passed to a writer is larger than [`MAX_TOKEN_BYTES`].
    #[error("resume token of {len} bytes: at most {max} bytes are allowed")]
    TokenTooLarge {
        /// Its length.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// The configuration given to the reader is not valid.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// Reading or writing failed.
    #[error("snapshot I/O: {0}")]
    Io(#[from] std::io::Error),
}

impl SnapshotError {
    pub(crate) fn invalid(section: &str, what: impl Into<String>) -> Self {
        SnapshotError::Invalid {
            section: section.to_owned(),
            what: what.into(),
        }
    }
}

/// Result of snapshot reads and writes.
pub type Result<T, E = SnapshotError> = std::result::Result<T, E>;

/// The configuration's fingerprint: xxh3-64 of its canonical JSON (fields
/// in declaration order, maps sorted by key). A snapshot stores it; a
/// reader with another configuration refuses the snapshot naming both.
pub fn config_fingerprint(cfg: &Config) -> u64 {
    let json = serde_json::to_vec(cfg).expect("a configuration always serializes");
    xxh3_64(&json)
}

/// Little-endian encoder of one section.
#[derive(Default)]
pub(crate) struct Enc {
    pub buf: Vec<u8>,
}

impl Enc {
    pub fn u8(&mut self, v: u8) {
        self.buf.push(v);
    }
    pub fn bool(&mut self, v: bool) {
        self.buf.push(u8::from(v));
    }
    pub fn u32(&mut self, v: u32) {
        self.buf.extend_from_slice(&v.to_le_bytes());
    }
    pub fn u64(&mut self, v: u64) {
        self.buf.extend_from_slice(&v.to_le_bytes());
    }
    pub fn i64(&mut self, v: i64) {
        self.buf.extend_from_slice(&v.to_le_bytes());
    }
    pub fn money(&mut self, m: Money) {
        self.i64(m.minor_units());
    }
    pub fn timestamp(&mut self, t: Timestamp) {
        self.i64(t.as_secs());
    }
    pub fn opt_timestamp(&mut self, t: Option<Timestamp>) {
        self.opt_i64(t.map(Timestamp::as_secs));
    }
    /// A length or count.
    pub fn len(&mut self, n: usize) {
        self.u64(n as u64);
    }
    /// Length-prefixed bytes.
    pub fn bytes(&mut self, b: &[u8]) {
        self.len(b.len());
        self.buf.extend_from_slice(b);
    }
    pub fn str(&mut self, s: &str) {
        self.bytes(s.as_bytes());
    }
    pub fn opt_str(&mut self, s: Option<&str>) {
        self.bool(s.is_some());
        if let Some(s) = s {
            self.str(s);
        }
    }
    pub fn opt_i64(&mut self, v: Option<i64>) {
        self.bool(v.is_some());
        if let Some(v) = v {
            self.i64(v);
        }
    }
    /// A count-prefixed column of `u32`s.
    pub fn u32s(&mut self, v: &[u32]) {
        self.len(v.len());
        self.buf.reserve(v.len() * 4);
        for &x in v {
            self.u32(x);
        }
    }
    /// A value in its serde JSON form (small metadata, enum names).
    pub fn json<T: Serialize>(&mut self, v: &T) {
        let json = serde_json::to_vec(v).expect("state values always serialize");
        self.bytes(&json);
    }
}

/// Bounds-checked little-endian decoder of one section: every read is
/// checked, every count is checked against the bytes left before anything
/// is allocated.
pub(crate) struct Dec<'a> {
    buf: &'a [u8],
    pos: usize,
    /// File offset of the section's first byte (for error messages).
    base: u64,
    pub section: &'static str,
}

impl<'a> Dec<'a> {
    pub fn new(buf: &'a [u8], base: u64, section: &'static str) -> Self {
        Dec {
            buf,
            pos: 0,
            base,
            section,
        }
    }

    pub fn invalid(&self, what: impl Into<String>) -> SnapshotError {
        SnapshotError::invalid(self.section, what)
    }

    fn truncated(&self) -> SnapshotError {
        SnapshotError::Truncated {
            section: self.section.to_owned(),
            offset: self.base + self.pos as u64,
        }
    }

    pub fn remaining(&self) -> usize {
        self.buf.len() - self.pos
    }

    pub fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        if self.remaining() < n {
            return Err(self.truncated());
        }
        let s = &self.buf[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N]> {
        let mut a = [0u8; N];
        a.copy_from_slice(self.take(N)?);
        Ok(a)
    }

    pub fn u8(&mut self) -> Result<u8> {
        Ok(self.take(1)?[0])
    }
    pub fn bool(&mut self) -> Result<bool> {
        match self.u8()? {
            0 => Ok(false),
            1 => Ok(true),
            b => Err(self.invalid(format!("a flag holds {b}, not 0 or 1"))),
        }
    }
    pub fn u16(&mut self) -> Result<u16> {
        Ok(u16::from_le_bytes(self.array()?))
    }
    pub fn u32(&mut self) -> Result<u32> {
        Ok(u32::from_le_bytes(self.array()?))
    }
    pub fn u64(&mut self) -> Result<u64> {
        Ok(u64::from_le_bytes(self.array()?))
    }
    pub fn i64(&mut self) -> Result<i64> {
        Ok(i64::from_le_bytes(self.array()?))
    }

    /// An amount held in state: in the money range, or refused.
    pub fn money(&mut self) -> Result<Money> {
        let v = self.i64()?;
        Money::new(v).map_err(|e| self.invalid(e.to_string()))
    }

    /// An amount held in state that is never negative (validation refuses
    /// negative money at the door), or refused.
    pub fn non_negative_money(&mut self) -> Result<Money> {
        let m = self.money()?;
        if m.is_negative() {
            return Err(self.invalid(format!("negative amount {m}")));
        }
        Ok(m)
    }

    /// A timestamp held in state: one an event could carry
    /// ([`crate::event::is_event_time`]), or refused.
    pub fn event_time(&mut self) -> Result<Timestamp> {
        let t = self.timestamp()?;
        if !crate::event::is_event_time(t) {
            return Err(self.invalid(format!("time {t} outside the accepted times")));
        }
        Ok(t)
    }

    /// A moment held in state: in [`Timestamp`]'s range, or refused.
    pub fn timestamp(&mut self) -> Result<Timestamp> {
        let v = self.i64()?;
        Timestamp::new(v).map_err(|e| self.invalid(e.to_string()))
    }

    /// An optional moment held in state.
    pub fn opt_timestamp(&mut self) -> Result<Option<Timestamp>> {
        Ok(if self.bool()? {
            Some(self.timestamp()?)
        } else {
            None
        })
    }

    /// A stored moment: none (0), or one an event could carry.
    pub fn moment(&mut self) -> Result<Moment> {
        let raw = self.u32()?;
        if raw != 0 && !crate::event::is_event_time(Timestamp::from(raw)) {
            return Err(self.invalid(format!("moment {raw} outside the accepted times")));
        }
        Ok(Moment::from_raw(raw))
    }

    /// A count of items each at least `min_bytes` long: refused (truncated)
    /// when the section cannot hold that many, so no huge allocation.
    pub fn count(&mut self, min_bytes: usize) -> Result<usize> {
        let n = self.u64()?;
        let fits = usize::try_from(n)
            .ok()
            .and_then(|n| n.checked_mul(min_bytes.max(1)))
            .is_some_and(|total| total <= self.remaining());
        if !fits {
            return Err(self.truncated());
        }
        Ok(n as usize)
    }

    pub fn bytes(&mut self) -> Result<&'a [u8]> {
        let n = self.count(1)?;
        self.take(n)
    }
    pub fn str(&mut self) -> Result<&'a str> {
        let b = self.bytes()?;
        std::str::from_utf8(b).map_err(|_| self.invalid("a string is not UTF-8"))
    }
    pub fn opt_str(&mut self) -> Result<Option<&'a str>> {
        Ok(if self.bool()? {
            Some(self.str()?)
        } else {
            None
        })
    }
    pub fn opt_i64(&mut self) -> Result<Option<i64>> {
        Ok(if self.bool()? {
            Some(self.i64()?)
        } else {
            None
        })
    }
    pub fn u32s(&mut self) -> Result<Vec<u32>> {
        let n = self.count(4)?;
        let raw = self.take(n * 4)?;
        Ok(raw
            .chunks_exact(4)
            .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect())
    }
    pub fn json<T: DeserializeOwned>(&mut self) -> Result<T> {
        let b = self.bytes()?;
        serde_json::from_slice(b).map_err(|e| self.invalid(format!("bad JSON value: {e}")))
    }
    /// A handle below `len`, else an error naming `what`.
    pub fn handle(&mut self, len: usize, what: &str) -> Result<u32> {
        let h = self.u32()?;
        if (h as usize) < len {
            Ok(h)
        } else {
            Err(self.invalid(format!("{what} handle {h} out of range (0..{len})")))
        }
    }
    /// Every byte was read.
    pub fn finish(self) -> Result<()> {
        if self.remaining() != 0 {
            return Err(self.invalid(format!("{} bytes left over", self.remaining())));
        }
        Ok(())
    }
}

/// Section names, in file order. A reader requires each of them.
/// `book_timelines` came with minor version 1: a 1.0 file has none (its
/// lines' refunds and returns are then dated at the very start);
/// `order_appeals` with minor version 2 (an older file has no appeals);
/// `chat_agents` with minor version 3 (in an older file no chat session
/// names an agent); `order_regions` with minor version 4 (in an older file
/// no order names a delivery region); `order_superseded` with minor version
/// 5 (an older file kept no replaced review, verdict, ruling or claim state).
/// Minor version 6 added no section: from it the `ids` section's SKU table
/// is the book's (the engine shares it); an older file's, numbered apart,
/// is renumbered into the book's on read.
pub(crate) const SECTIONS: [&str; 12] = [
    "meta",
    "ids",
    "orders",
    "shops",
    "pending",
    "book",
    "deferred",
    "book_timelines",
    "order_appeals",
    "chat_agents",
    "order_regions",
    "order_superseded",
];

/// Builds the file: header, section table, sections, whole-file checksum.
pub(crate) fn frame(fingerprint: u64, token: &[u8], sections: &[(&str, Vec<u8>)]) -> Vec<u8> {
    // header: magic, major, minor, header length, header checksum, then the
    // body (fingerprint, token, section table); offsets are absolute
    let mut body = Enc::default();
    body.u64(fingerprint);
    body.bytes(token);
    body.u32(sections.len() as u32);
    let table_len: usize = sections.iter().map(|(n, _)| 1 + n.len() + 24).sum();
    let header_len = 8 + 2 + 2 + 4 + 8 + body.buf.len() + table_len;
    let mut offset = header_len as u64;
    for (name, data) in sections {
        body.u8(name.len() as u8);
        body.buf.extend_from_slice(name.as_bytes());
        body.u64(offset);
        body.u64(data.len() as u64);
        body.u64(xxh3_64(data));
        offset += data.len() as u64;
    }
    let mut out = Vec::with_capacity(offset as usize + 8);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&FORMAT_MAJOR.to_le_bytes());
    out.extend_from_slice(&FORMAT_MINOR.to_le_bytes());
    out.extend_from_slice(&(header_len as u32).to_le_bytes());
    let mut covered = out.clone();
    covered.extend_from_slice(&body.buf);
    out.extend_from_slice(&xxh3_64(&covered).to_le_bytes());
    out.extend_from_slice(&body.buf);
    debug_assert_eq!(out.len(), header_len);
    for (_, data) in sections {
        out.extend_from_slice(data);
    }
    let whole = xxh3_64(&out);
    out.extend_from_slice(&whole.to_le_bytes());
    out
}

/// A parsed, checksum-verified snapshot: its token and its sections.
pub(crate) struct Framed<'a> {
    pub token: &'a [u8],
    sections: Vec<(String, u64, &'a [u8])>,
}

impl<'a> Framed<'a> {
    /// The decoder of a section added in a later minor version, when the
    /// file has it.
    pub fn optional_section(&self, name: &'static str) -> Option<Dec<'a>> {
        self.sections
            .iter()
            .find(|(n, _, _)| n == name)
            .map(|&(_, off, data)| Dec::new(data, off, name))
    }

    /// The decoder of a required section.
    pub fn section(&self, name: &'static str) -> Result<Dec<'a>> {
        self.sections
            .iter()
            .find(|(n, _, _)| n == name)
            .map(|&(_, off, data)| Dec::new(data, off, name))
            .ok_or_else(|| SnapshotError::invalid(name, "section missing"))
    }
}

/// Checks the frame: magic, header checksum, version, configuration,
/// every section's checksum, then the whole file's.
pub(crate) fn unframe(file: &[u8], fingerprint: u64) -> Result<Framed<'_>> {
    if file.len() < 8 || &file[..8] != MAGIC {
        return Err(SnapshotError::BadMagic);
    }
    let mut d = Dec::new(file, 0, "header");
    d.take(8)?;
    let major = d.u16()?;
    let minor = d.u16()?;
    let header_len = d.u32()? as usize;
    let header_sum = d.u64()?;
    if header_len < 24 || header_len > file.len() {
        return Err(SnapshotError::Truncated {
            section: "header".into(),
            offset: file.len() as u64,
        });
    }
    let mut covered = file[..16].to_vec();
    covered.extend_from_slice(&file[24..header_len]);
    if xxh3_64(&covered) != header_sum {
        return Err(SnapshotError::Checksum {
            section: "header".into(),
        });
    }
    if major > FORMAT_MAJOR {
        return Err(SnapshotError::NewerVersion {
            found: format!("{major}.{minor}"),
            supported: FORMAT_MAJOR,
        });
    }
    if major < FORMAT_MAJOR {
        // the first format is 1: nothing older exists to migrate
        return Err(SnapshotError::invalid(
            "header",
            format!("format version {major}.{minor} is not a version truexp ever wrote"),
        ));
    }
    let mut h = Dec::new(&file[24..header_len], 24, "header");
    let stored = h.u64()?;
    if stored != fingerprint {
        return Err(SnapshotError::ConfigMismatch {
            snapshot: stored,
            engine: fingerprint,
        });
    }
    let token = h.bytes()?;
    if token.len() > MAX_TOKEN_BYTES {
        return Err(h.invalid(format!(
            "resume token of {} bytes, more than {MAX_TOKEN_BYTES}",
            token.len()
        )));
    }
    let n = h.u32()? as usize;
    if n > MAX_SECTIONS {
        return Err(h.invalid(format!("{n} sections, more than {MAX_SECTIONS}")));
    }
    // the whole-file checksum: the last 8 bytes
    if file.len() < header_len + 8 {
        return Err(SnapshotError::Truncated {
            section: "file".into(),
            offset: file.len() as u64,
        });
    }
    let body_end = file.len() - 8;
    let mut sections = Vec::with_capacity(n);
    for _ in 0..n {
        let len = h.u8()? as usize;
        let name = std::str::from_utf8(h.take(len)?)
            .map_err(|_| h.invalid("a section name is not UTF-8"))?
            .to_owned();
        let off = h.u64()?;
        let size = h.u64()?;
        let sum = h.u64()?;
        let end = off.checked_add(size).filter(|&e| e <= body_end as u64);
        let Some(end) = end.filter(|_| off >= header_len as u64) else {
            return Err(SnapshotError::Truncated {
                section: name,
                offset: file.len() as u64,
            });
        };
        let data = &file[off as usize..end as usize];
        if xxh3_64(data) != sum {
            return Err(SnapshotError::Checksum { section: name });
        }
        if sections.iter().any(|(s, _, _)| *s == name) {
            return Err(h.invalid(format!("section `{name}` twice")));
        }
        sections.push((name, off, data));
    }
    h.finish()?;
    let mut whole = [0u8; 8];
    whole.copy_from_slice(&file[body_end..]);
    if xxh3_64(&file[..body_end]) != u64::from_le_bytes(whole) {
        return Err(SnapshotError::Checksum {
            section: "file".into(),
        });
    }
    Ok(Framed { token, sections })
}

/// Recomputes every checksum of a snapshot (header, sections, whole file)
/// so that a changed section reaches the section decoders: for fuzzing and
/// damage tests of the decoders behind the checksums. A file whose frame
/// cannot be walked is returned unchanged.
#[doc(hidden)]
pub fn reseal(mut file: Vec<u8>) -> Vec<u8> {
    /// Each section's (start, end, offset of its checksum in the file).
    type Spans = Vec<(usize, usize, usize)>;
    let walk = |file: &[u8]| -> Option<(usize, Spans)> {
        let header_len = u32::from_le_bytes(file.get(12..16)?.try_into().ok()?) as usize;
        if header_len < 24 || file.len() < header_len + 8 {
            return None;
        }
        let mut d = Dec::new(file.get(24..header_len)?, 24, "header");
        d.u64().ok()?;
        d.bytes().ok()?;
        let n = d.u32().ok()?;
        let mut sections = Vec::new();
        for _ in 0..n.min(MAX_SECTIONS as u32) {
            let len = d.u8().ok()? as usize;
            d.take(len).ok()?;
            let sum_at = 24 + d.pos + 16;
            let off = usize::try_from(d.u64().ok()?).ok()?;
            let size = usize::try_from(d.u64().ok()?).ok()?;
            d.u64().ok()?;
            let end = off.checked_add(size).filter(|&e| e <= file.len() - 8)?;
            sections.push((off, end, sum_at));
        }
        Some((header_len, sections))
    };
    let Some((header_len, sections)) = walk(&file) else {
        return file;
    };
    for (off, end, sum_at) in sections {
        let sum = xxh3_64(&file[off..end]).to_le_bytes();
        file[sum_at..sum_at + 8].copy_from_slice(&sum);
    }
    let mut covered = file[..16].to_vec();
    covered.extend_from_slice(&file[24..header_len]);
    let sum = xxh3_64(&covered).to_le_bytes();
    file[16..24].copy_from_slice(&sum);
    let end = file.len() - 8;
    let whole = xxh3_64(&file[..end]).to_le_bytes();
    file[end..].copy_from_slice(&whole);
    file
}

impl Engine {
    /// The snapshot of this engine's state with the resume `token` (opaque
    /// bytes, at most [`MAX_TOKEN_BYTES`]), as bytes. The same state always
    /// gives the same bytes. Bonus rules are not part of it (add them again
    /// after reading).
    pub fn snapshot_bytes(&self, token: &[u8]) -> Result<Vec<u8>> {
        if token.len() > MAX_TOKEN_BYTES {
            return Err(SnapshotError::TokenTooLarge {
                len: token.len(),
                max: MAX_TOKEN_BYTES,
            });
        }
        let sections = self.snapshot_sections();
        Ok(frame(config_fingerprint(self.cfg()), token, &sections))
    }

    /// Writes [`Engine::snapshot_bytes`] to `w`.
    pub fn write_snapshot(&self, w: &mut impl Write, token: &[u8]) -> Result<()> {
        let bytes = self.snapshot_bytes(token)?;
        w.write_all(&bytes)?;
        w.flush()?;
        Ok(())
    }

    /// Reads a snapshot written under configuration `cfg` (its fingerprint
    /// must match): the engine and the resume token. Refuses a damaged,
    /// truncated or foreign file, a newer format and another configuration,
    /// each with an error that says which; nothing is loaded then. Bonus
    /// rules are not in snapshots: add them to the engine returned.
    pub fn read_snapshot(r: &mut impl Read, cfg: Config) -> Result<(Engine, Vec<u8>)> {
        let mut file = Vec::new();
        r.read_to_end(&mut file)?;
        Engine::from_snapshot_bytes(&file, cfg)
    }

    /// [`Engine::read_snapshot`] from bytes in memory.
    pub fn from_snapshot_bytes(file: &[u8], cfg: Config) -> Result<(Engine, Vec<u8>)> {
        let engine = Engine::with_config(cfg)?;
        let framed = unframe(file, config_fingerprint(engine.cfg()))?;
        let token = framed.token.to_vec();
        let engine = engine.load_sections(&framed)?;
        Ok((engine, token))
    }
}

/// Writes `engine`'s snapshot to `path` atomically: a temporary file in the
/// same directory is written and fsynced, the current file (if any) is kept
/// as `PATH.prev`, the temporary file is renamed to `path`, and the
/// directory is fsynced. Once a first snapshot was written, `path` always
/// names a complete one, whenever the writer is killed; a writer killed
/// mid-write leaves its temporary file (`PATH.tmp<pid>-<n>`) behind, which
/// nothing reads and which may be removed. Two writers to one `path` at
/// once: the last rename wins.
pub fn write_snapshot_file(engine: &Engine, path: &Path, token: &[u8]) -> Result<()> {
    let bytes = engine.snapshot_bytes(token)?;
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = path
        .file_name()
        .ok_or_else(|| std::io::Error::other("snapshot path names no file"))?;
    // unique per process and call: two writers never share a temporary file
    static CALLS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let call = CALLS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let mut tmp_name = name.to_os_string();
    tmp_name.push(format!(".tmp{}-{call}", std::process::id()));
    let tmp = dir.join(tmp_name);
    let written = (|| -> std::io::Result<()> {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(&bytes)?;
        f.sync_all()?;
        Ok(())
    })();
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(e.into());
    }
    if path.exists() {
        // keep the current file as PATH.prev by a second link to it, so that
        // `path` itself never stops naming a complete snapshot
        let mut prev = name.to_os_string();
        prev.push(".prev");
        let prev = dir.join(prev);
        match std::fs::remove_file(&prev) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e.into()),
            _ => {}
        }
        if std::fs::hard_link(path, &prev).is_err() {
            std::fs::copy(path, &prev)?;
            std::fs::File::open(&prev)?.sync_all()?;
        }
    }
    std::fs::rename(&tmp, path)?;
    sync_dir(&dir)?;
    Ok(())
}

#[cfg(unix)]
fn sync_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::File::open(dir)?.sync_all()
}

#[cfg(not(unix))]
fn sync_dir(_dir: &Path) -> std::io::Result<()> {
    Ok(())
}

/// Reads the snapshot at `path` (see [`Engine::read_snapshot`]).
pub fn read_snapshot_file(path: &Path, cfg: Config) -> Result<(Engine, Vec<u8>)> {
    let file = std::fs::read(path)?;
    Engine::from_snapshot_bytes(&file, cfg)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn engine() -> Engine {
        let mut e = Engine::default();
        e.ingest_json(
            r#"{"type":"shop_profile","id":"p1","shop_id":"s1","at":1790000000,"category":"pet"}"#,
        )
        .unwrap();
        e.ingest_json(r#"{"type":"order_paid","id":"e1","order_id":"o1","shop_id":"s1","buyer_id":"b1","category":"pet","lines":[{"sku":"k1","quantity":1,"unit_price":1990}],"paid_at":1790000000,"ship_by":1790172800}"#)
            .unwrap();
        e
    }

    /// The file with another major version and a header checksum that matches it.
    fn with_major(mut file: Vec<u8>, major: u16) -> Vec<u8> {
        file[8..10].copy_from_slice(&major.to_le_bytes());
        reseal(file)
    }

    #[test]
    fn a_newer_major_version_is_refused_by_name() {
        let file = engine().snapshot_bytes(b"t").unwrap();
        let err = Engine::from_snapshot_bytes(&with_major(file.clone(), 2), Config::default())
            .unwrap_err();
        assert!(
            matches!(&err, SnapshotError::NewerVersion { found, supported: 1 } if found == "2.6"),
            "{err}"
        );
        assert!(err.to_string().contains("version 2.6 is newer"), "{err}");
        let err = Engine::from_snapshot_bytes(&with_major(file, 0), Config::default()).unwrap_err();
        assert!(
            err.to_string().contains("not a version truexp ever wrote"),
            "{err}"
        );
    }

    #[test]
    fn tokens_are_limited_and_returned_as_given() {
        let e = engine();
        let big = vec![7u8; MAX_TOKEN_BYTES + 1];
        assert!(matches!(
            e.snapshot_bytes(&big),
            Err(SnapshotError::TokenTooLarge { .. })
        ));
        let token = vec![0xffu8; MAX_TOKEN_BYTES];
        let file = e.snapshot_bytes(&token).unwrap();
        let (back, t) = Engine::from_snapshot_bytes(&file, Config::default()).unwrap();
        assert_eq!(t, token);
        assert_eq!(back.snapshot_bytes(&token).unwrap(), file);
    }

    #[test]
    fn an_unknown_section_of_a_newer_minor_is_skipped_and_a_missing_one_refused() {
        let e = engine();
        let mut sections = e.snapshot_sections();
        sections.push(("future", vec![1, 2, 3]));
        let fp = config_fingerprint(&Config::default());
        assert!(Engine::from_snapshot_bytes(&frame(fp, b"", &sections), Config::default()).is_ok());
        sections.retain(|(n, _)| *n != "book");
        let err =
            Engine::from_snapshot_bytes(&frame(fp, b"", &sections), Config::default()).unwrap_err();
        assert_eq!(err.to_string(), "snapshot section `book`: section missing");
    }

    #[test]
    fn times_no_event_could_carry_are_refused_naming_the_section() {
        use crate::event::{MAX_TIME, MIN_TIME};
        let time = |t: i64| Dec::new(&t.to_le_bytes(), 0, "book").event_time();
        assert_eq!(time(i64::from(MIN_TIME)).unwrap(), MIN_TIME);
        for bad in [MAX_TIME, MIN_TIME.minus_secs(1), Timestamp::UNIX_EPOCH] {
            let err = time(i64::from(bad)).unwrap_err().to_string();
            assert!(
                err.contains("book") && err.contains(&format!("time {bad} outside")),
                "{err}"
            );
        }
        let err = time(i64::MIN).unwrap_err().to_string();
        assert!(
            err.contains("book") && err.contains("outside the timestamp range"),
            "{err}"
        );
        let moment = |m: u32| Dec::new(&m.to_le_bytes(), 0, "orders").moment();
        assert_eq!(moment(0).unwrap(), Moment::NONE);
        assert_eq!(moment(i64::from(MIN_TIME) as u32).unwrap().get(), MIN_TIME);
        let err = moment(1).unwrap_err().to_string();
        assert!(
            err.contains("orders") && err.contains("moment 1 outside"),
            "{err}"
        );
    }

    #[test]
    fn huge_declared_counts_are_refused_before_allocating() {
        let mut bytes = Vec::new();
        bytes.extend_from_slice(&u64::MAX.to_le_bytes());
        let mut d = Dec::new(&bytes, 100, "orders");
        assert!(matches!(
            d.count(1),
            Err(SnapshotError::Truncated { offset: 108, .. })
        ));
    }
}
