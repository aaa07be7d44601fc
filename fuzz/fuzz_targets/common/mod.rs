//! Helpers shared by the fuzz targets.
#![allow(dead_code)]

use arbitrary::{Arbitrary, Unstructured};
use serde_json::Value;
use truexp::{Engine, Scoreboard, Timestamp};

/// A small world of events cut from the demo data (`fuzz/make_seeds.py`).
pub const EVENTS: &str = include_str!("../../fixtures/events.jsonl");

/// Times the state is looked at: around the fixture's data, plus extremes.
pub const AS_OF: [Timestamp; 5] = [
    Timestamp::constant(1_786_000_000),
    Timestamp::constant(1_790_000_000),
    Timestamp::UNIX_EPOCH,
    Timestamp::MIN,
    Timestamp::MAX,
];

/// What a refused call must leave unchanged.
#[derive(Debug, PartialEq)]
pub struct Snapshot {
    events: usize,
    orders: usize,
    latest: Option<Timestamp>,
    pending: usize,
    shops: Vec<String>,
    boards: Vec<Scoreboard>,
}

pub fn snapshot(e: &Engine) -> Snapshot {
    Snapshot {
        events: e.event_count(),
        orders: e.order_count(),
        latest: e.latest_event_time(),
        pending: e.pending().len(),
        shops: e.shop_ids().into_iter().map(str::to_owned).collect(),
        boards: AS_OF[..2].iter().map(|&t| e.scoreboard(t)).collect(),
    }
}

/// A number worth trying where a config or claim holds one.
#[derive(Arbitrary, Debug)]
pub enum Num {
    Int(i64),
    Small(i8),
    Float(f64),
    Edge(u8),
}

impl Num {
    pub fn value(&self) -> Value {
        const EDGES: [i64; 10] = [
            i64::MIN,
            i64::MAX,
            i64::MIN + 1,
            i64::MAX - 1,
            0,
            -1,
            1,
            u32::MAX as i64,
            i32::MAX as i64 + 1,
            1 << 53,
        ];
        match *self {
            Num::Int(i) => Value::from(i),
            Num::Small(i) => Value::from(i),
            Num::Float(f) => serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number),
            Num::Edge(k) => Value::from(EDGES[k as usize % EDGES.len()]),
        }
    }
}

/// The JSON text of a target that reads a mode byte: mode 0, the rest as
/// raw text (`None` when it is not UTF-8); any other mode, `base` with
/// numbers replaced by choices read from the rest ([`mutate_numbers`]).
pub fn json_text(mode: u8, rest: &[u8], base: &Value) -> Option<String> {
    if mode == 0 {
        std::str::from_utf8(rest).ok().map(str::to_owned)
    } else {
        mutate_numbers(base, &mut Unstructured::new(rest))
            .ok()
            .map(|v| v.to_string())
    }
}

/// Paths of every number in `v` (object keys and array indexes).
fn number_paths(v: &Value, path: &mut Vec<PathStep>, out: &mut Vec<Vec<PathStep>>) {
    match v {
        Value::Number(_) => out.push(path.clone()),
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                path.push(PathStep::Index(i));
                number_paths(item, path, out);
                path.pop();
            }
        }
        Value::Object(map) => {
            for (k, item) in map {
                path.push(PathStep::Key(k.clone()));
                number_paths(item, path, out);
                path.pop();
            }
        }
        _ => {}
    }
}

#[derive(Clone, Debug)]
enum PathStep {
    Key(String),
    Index(usize),
}

fn at<'a>(v: &'a mut Value, path: &[PathStep]) -> &'a mut Value {
    path.iter().fold(v, |v, step| match step {
        PathStep::Key(k) => &mut v[k.as_str()],
        PathStep::Index(i) => &mut v[*i],
    })
}

/// Replaces up to 8 numbers of `base` (chosen by the input) with numbers the
/// input picks: the structured half of the `config` and `claim` targets,
/// which reaches every numeric key with valid JSON around it.
pub fn mutate_numbers(base: &Value, u: &mut Unstructured) -> arbitrary::Result<Value> {
    let mut v = base.clone();
    let mut paths = Vec::new();
    number_paths(&v, &mut Vec::new(), &mut paths);
    if paths.is_empty() {
        return Ok(v);
    }
    let n = u.int_in_range(1..=8)?;
    for _ in 0..n {
        let which = u.choose_index(paths.len())?;
        let num = Num::arbitrary(u)?;
        *at(&mut v, &paths[which]) = num.value();
    }
    Ok(v)
}
