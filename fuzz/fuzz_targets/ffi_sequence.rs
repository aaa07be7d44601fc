//! Sequences of C ABI calls on one handle, decoded from the input with
//! `arbitrary`: new (with or without a config), ingest one JSON line, ingest
//! a JSON Lines buffer, shop score, scoreboard, explain, problem orders,
//! shop ids, counts, merge into itself, free — with NULL pointers, bad
//! UTF-8 and buffers too small.
//!
//! Checks, after every call: no crash and never `TRUEXP_RESULT_PANIC`; the
//! code is the one the header promises for NULL / bad UTF-8 / small
//! buffers; `*written` on `BUFFER_TOO_SMALL` is the size that then works;
//! a query, a refused call, a duplicate or a buffer with nothing accepted
//! leaves the state (event count, latest time, shops, scoreboard JSON)
//! exactly as it was.
#![no_main]

mod common;

use std::mem::MaybeUninit;
use std::os::raw::c_char;
use std::ptr;

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use truexp_ffi::engine::*;
use truexp_ffi::ingest::*;
use truexp_ffi::query::*;
use truexp_ffi::result::truexp_result as R;
use truexp_ffi::types::{truexp_ingest_report, truexp_ingested, truexp_shop_score};

/// Bytes for a string argument.
#[derive(Arbitrary, Debug)]
enum Text {
    /// A line of the fixture (valid events).
    Line(u16),
    /// A line of the fixture with one byte replaced.
    Flipped(u16, u16, u8),
    /// Anything, often not UTF-8.
    Raw(Vec<u8>),
    /// A known shop id, by index (wraps), or one never seen.
    Shop(u8),
    /// NULL with a length.
    Null(u8),
}

impl Text {
    fn bytes(&self) -> Option<Vec<u8>> {
        let lines: Vec<&str> = common::EVENTS.lines().collect();
        let line = |i: u16| lines[i as usize % lines.len()].as_bytes().to_vec();
        match self {
            Text::Line(i) => Some(line(*i)),
            Text::Flipped(i, at, b) => {
                let mut l = line(*i);
                let n = l.len();
                l[*at as usize % n] = *b;
                Some(l)
            }
            Text::Raw(b) => Some(b.clone()),
            Text::Shop(i) => Some(["s0", "s31", "no-such-shop", "s\u{0}0"][*i as usize % 4].into()),
            Text::Null(_) => None,
        }
    }
}

/// A caller buffer for a JSON answer.
#[derive(Arbitrary, Debug, Clone, Copy)]
enum Buf {
    /// NULL with length 0: asks for the size.
    Ask,
    /// A buffer of this many bytes.
    Sized(u8),
    /// Large enough.
    Big,
    /// NULL `written`.
    NullWritten,
}

#[derive(Arbitrary, Debug)]
enum Call {
    New,
    NewWithConfig(Config),
    IngestJson(Text, bool),
    /// Lines `from .. from + n` of the fixture, then the extra bytes.
    IngestJsonl(u16, u8, Vec<u8>, bool),
    IngestJsonlNull,
    Score(Text, i64, bool),
    Scoreboard(i64, Buf),
    Explain(Text, i64, Buf),
    ProblemOrders(Text, i64, Buf),
    ShopId(u8, Buf),
    LastRejected(Buf),
    Counts,
    MergeSelf,
    Free,
}

#[derive(Arbitrary, Debug)]
enum Config {
    Default,
    Text(Text),
    /// The default with `limits.max_pending_events` set (small: reaches the limit).
    MaxPending(u8),
}

const AS_OF: i64 = 1_786_000_000;

/// Calls a JSON-into-buffer export the way the header says: checks the
/// size protocol and returns the code and the string on success.
fn json_call(buf: Buf, f: impl Fn(*mut c_char, usize, *mut usize) -> R) -> (R, Option<String>) {
    let mut written = usize::MAX;
    let (code, len, mut storage) = match buf {
        Buf::NullWritten => {
            let mut b = vec![0 as c_char; 4096];
            let code = f(b.as_mut_ptr(), b.len(), ptr::null_mut());
            assert_eq!(code, R::NullArgument, "NULL written");
            return (code, None);
        }
        Buf::Ask => (f(ptr::null_mut(), 0, &mut written), 0, Vec::new()),
        Buf::Sized(n) => {
            let mut b = vec![0x55 as c_char; n as usize];
            let code = f(b.as_mut_ptr(), b.len(), &mut written);
            (code, n as usize, b)
        }
        Buf::Big => {
            let mut b = vec![0x55 as c_char; 1 << 20];
            let code = f(b.as_mut_ptr(), b.len(), &mut written);
            (code, 1 << 20, b)
        }
    };
    match code {
        R::Ok => {
            assert!(written < len, "written {written} of {len}");
            assert_eq!(storage[written], 0, "no NUL");
            let bytes: Vec<u8> = storage[..written].iter().map(|&c| c as u8).collect();
            let s = String::from_utf8(bytes).expect("answers are UTF-8");
            serde_json::from_str::<serde_json::Value>(&s).expect("answers are JSON");
            (code, Some(s))
        }
        R::BufferTooSmall => {
            assert!(written > len, "needed {written}, had {len}");
            assert!(
                storage.iter().all(|&c| c == 0x55),
                "buffer touched on BUFFER_TOO_SMALL"
            );
            // the size given is the size that works
            storage = vec![0 as c_char; written];
            let mut again = 0usize;
            let code2 = f(storage.as_mut_ptr(), storage.len(), &mut again);
            assert_eq!(code2, R::Ok, "the size asked for was refused");
            assert_eq!(again + 1, written);
            (code, None)
        }
        other => (other, None),
    }
}

/// What must not change when a call changes nothing.
#[derive(Debug, PartialEq)]
struct State {
    events: (R, usize),
    latest: (R, i64),
    shops: (R, usize),
    board: (R, Option<String>),
}

fn state(e: *mut truexp_engine) -> State {
    let mut events = 0usize;
    let mut latest = 0i64;
    let mut shops = 0usize;
    State {
        events: (truexp_engine_event_count(e, &mut events), events),
        latest: (truexp_engine_latest_event_time(e, &mut latest), latest),
        shops: (truexp_engine_shop_count(e, &mut shops), shops),
        board: json_call(Buf::Big, |b, l, w| {
            truexp_engine_scoreboard_json(e, AS_OF, b, l, w)
        }),
    }
}

fn ptr_len(bytes: &Option<Vec<u8>>, text: &Text) -> (*const c_char, usize) {
    match (bytes, text) {
        (Some(b), _) => (b.as_ptr().cast(), b.len()),
        (None, Text::Null(n)) => (ptr::null(), *n as usize),
        (None, _) => (ptr::null(), 0),
    }
}

/// The code a string argument gets before anything else is looked at.
fn arg_code(bytes: &Option<Vec<u8>>) -> Option<R> {
    match bytes {
        None => Some(R::NullArgument),
        Some(b) if std::str::from_utf8(b).is_err() => Some(R::InvalidUtf8),
        Some(_) => None,
    }
}

fuzz_target!(|calls: Vec<Call>| {
    let mut engine: *mut truexp_engine = ptr::null_mut();
    for call in calls.iter().take(64) {
        let before = state(engine);
        // whether the call may change the state
        let mut changes = false;
        let code = match call {
            Call::New | Call::NewWithConfig(_) => {
                let mut fresh: *mut truexp_engine = ptr::null_mut();
                let code = match call {
                    Call::NewWithConfig(cfg) => {
                        let json = match cfg {
                            Config::Default => {
                                Some(serde_json::to_vec(&truexp::Config::default()).unwrap())
                            }
                            Config::Text(t) => t.bytes(),
                            Config::MaxPending(n) => {
                                let mut c = truexp::Config::default();
                                c.limits.max_pending_events = *n as usize;
                                Some(serde_json::to_vec(&c).unwrap())
                            }
                        };
                        let (p, l) = match (&json, cfg) {
                            (Some(j), _) => (j.as_ptr().cast(), j.len()),
                            (None, Config::Text(Text::Null(n))) => (ptr::null(), *n as usize),
                            (None, _) => (ptr::null(), 0),
                        };
                        let code = truexp_engine_new_with_config(p, l, &mut fresh);
                        if let Some(c) = arg_code(&json) {
                            assert_eq!(code, c);
                        }
                        code
                    }
                    _ => truexp_engine_new(&mut fresh),
                };
                if code == R::Ok {
                    assert!(!fresh.is_null());
                    truexp_engine_free(engine);
                    engine = fresh;
                    changes = true;
                } else {
                    assert!(fresh.is_null(), "*out written on failure");
                    assert_eq!(truexp_engine_new(ptr::null_mut()), R::NullArgument);
                }
                code
            }
            Call::IngestJson(text, want_outcome) => {
                let bytes = text.bytes();
                let (p, l) = ptr_len(&bytes, text);
                let mut outcome = u32::MAX;
                let out = if *want_outcome {
                    &mut outcome as *mut u32
                } else {
                    ptr::null_mut()
                };
                let code = truexp_engine_ingest_json(engine, p, l, out);
                if let Some(c) = arg_code(&bytes) {
                    assert_eq!(code, c);
                } else if engine.is_null() {
                    assert_eq!(code, R::NullArgument);
                }
                if code == R::Ok {
                    changes = !*want_outcome || outcome != truexp_ingested::Duplicate as u32;
                } else {
                    assert!(outcome == u32::MAX, "outcome written on failure");
                }
                code
            }
            Call::IngestJsonl(from, n, extra, null_report) => {
                let lines: Vec<&str> = common::EVENTS.lines().collect();
                let from = *from as usize % lines.len();
                let to = (from + *n as usize % 64).min(lines.len());
                let mut buf = lines[from..to].join("\n").into_bytes();
                buf.push(b'\n');
                buf.extend_from_slice(extra);
                let mut report = truexp_ingest_report {
                    lines: u64::MAX,
                    ..Default::default()
                };
                let out = if *null_report {
                    ptr::null_mut()
                } else {
                    &mut report as *mut _
                };
                let code = truexp_engine_ingest_jsonl(engine, buf.as_ptr().cast(), buf.len(), out);
                if engine.is_null() || *null_report {
                    assert_eq!(code, R::NullArgument);
                    assert_eq!(report.lines, u64::MAX);
                }
                if code == R::Ok {
                    assert_eq!(
                        report.accepted + report.duplicates + report.rejected,
                        report.lines
                    );
                    assert_eq!(report.rejected == 0, report.first_rejected_line == 0);
                    // the thread's list of refused lines is this call's
                    // (over 1 MiB only with inputs far above the default size)
                    let (code, listed) =
                        json_call(Buf::Big, |b, l, w| truexp_last_rejected_json(b, l, w));
                    assert!(matches!(code, R::Ok | R::BufferTooSmall), "{code:?}");
                    if let Some(text) = listed {
                        let listed: serde_json::Value = serde_json::from_str(&text).unwrap();
                        assert_eq!(listed["unit"], "line");
                        assert_eq!(listed["rejected"], report.rejected);
                        let refusals = listed["refusals"].as_array().unwrap();
                        assert_eq!(refusals.len() as u64, report.rejected.min(1_000));
                        if let Some(first) = refusals.first() {
                            assert_eq!(first["number"], report.first_rejected_line);
                        }
                    }
                    changes = report.accepted > 0;
                }
                code
            }
            Call::IngestJsonlNull => {
                let mut report = truexp_ingest_report::default();
                let code = truexp_engine_ingest_jsonl(engine, ptr::null(), 10, &mut report);
                assert_eq!(code, R::NullArgument);
                code
            }
            Call::Score(shop, as_of, null_out) => {
                let bytes = shop.bytes();
                let (p, l) = ptr_len(&bytes, shop);
                let mut out = MaybeUninit::<truexp_shop_score>::uninit();
                let o = if *null_out {
                    ptr::null_mut()
                } else {
                    out.as_mut_ptr()
                };
                let code = truexp_engine_shop_score(engine, p, l, *as_of, o);
                if *null_out || engine.is_null() {
                    assert_eq!(code, R::NullArgument);
                } else if let Some(c) = arg_code(&bytes) {
                    assert_eq!(code, c);
                }
                if code == R::Ok {
                    // SAFETY: written on success.
                    let s = unsafe { out.assume_init() };
                    assert!(s.block_count <= s.block_total);
                    assert!(
                        (0.0..=5.0).contains(&s.overall) || s.overall.is_nan(),
                        "{s:?}"
                    );
                }
                code
            }
            Call::Scoreboard(as_of, buf) => {
                json_call(*buf, |b, l, w| {
                    truexp_engine_scoreboard_json(engine, *as_of, b, l, w)
                })
                .0
            }
            Call::Explain(shop, as_of, buf) | Call::ProblemOrders(shop, as_of, buf) => {
                let bytes = shop.bytes();
                let (p, l) = ptr_len(&bytes, shop);
                let explain = matches!(call, Call::Explain(..));
                let code = json_call(*buf, |b, len, w| {
                    if explain {
                        truexp_engine_explain_json(engine, p, l, *as_of, b, len, w)
                    } else {
                        truexp_engine_problem_orders_json(engine, p, l, *as_of, b, len, w)
                    }
                })
                .0;
                if !matches!(buf, Buf::NullWritten) && !engine.is_null() {
                    if let Some(c) = arg_code(&bytes) {
                        assert_eq!(code, c);
                    }
                }
                code
            }
            Call::ShopId(i, buf) => json_call_raw(*buf, |b, l, w| {
                truexp_engine_shop_id(engine, *i as usize, b, l, w)
            }),
            Call::LastRejected(buf) => {
                json_call(*buf, |b, l, w| truexp_last_rejected_json(b, l, w)).0
            }
            Call::Counts => {
                let mut n = 0usize;
                let code = truexp_engine_event_count(engine, ptr::null_mut());
                assert_eq!(code, R::NullArgument);
                truexp_engine_shop_count(engine, &mut n)
            }
            Call::MergeSelf => {
                let code = truexp_engine_merge(engine, engine);
                if engine.is_null() {
                    assert_eq!(code, R::NullArgument);
                } else {
                    assert_eq!(code, R::Ok, "merging an engine into itself is a no-op");
                }
                assert_eq!(truexp_engine_merge(engine, ptr::null()), R::NullArgument);
                code
            }
            Call::Free => {
                truexp_engine_free(engine);
                engine = ptr::null_mut();
                changes = true;
                R::Ok
            }
        };
        assert_ne!(code, R::Panic, "{call:?} panicked");
        if !changes {
            assert_eq!(
                before,
                state(engine),
                "{call:?} gave {code:?} and changed the state"
            );
        }
    }
    truexp_engine_free(engine);
});

/// Like [`json_call`] for a plain string answer (a shop id).
fn json_call_raw(buf: Buf, f: impl Fn(*mut c_char, usize, *mut usize) -> R) -> R {
    let mut written = usize::MAX;
    let (code, len, storage) = match buf {
        Buf::NullWritten => {
            let mut b = vec![0 as c_char; 64];
            return f(b.as_mut_ptr(), b.len(), ptr::null_mut());
        }
        Buf::Ask => (f(ptr::null_mut(), 0, &mut written), 0, Vec::new()),
        Buf::Sized(n) => {
            let mut b = vec![0x55 as c_char; n as usize];
            (f(b.as_mut_ptr(), b.len(), &mut written), n as usize, b)
        }
        Buf::Big => {
            let mut b = vec![0x55 as c_char; 4096];
            (f(b.as_mut_ptr(), b.len(), &mut written), 4096, b)
        }
    };
    match code {
        R::Ok => {
            assert!(written < len);
            assert_eq!(storage[written], 0);
        }
        R::BufferTooSmall => assert!(written > len),
        _ => {}
    }
    code
}
