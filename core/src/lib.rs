//! # truexp
//!
//! A service-quality scoring engine for online marketplaces, built from
//! genuine buyer behaviour only: the real experience score (真实体验分),
//! problem orders (问题订单) and price protection (价保).
//!
//! Where each thing is computed:
//!
//! | what | module |
//! |---|---|
//! | the event model (JSON Lines) | [`event`], parsing in [`parse_event`] |
//! | money: integer minor units, range checked when built | [`money`] |
//! | per-order state, combined out of order | [`order`] |
//! | problem-order labels and the displayed rate | [`problem`] |
//! | typed ids: every id interned once into a dense handle | [`ids`] |
//! | per-shop, per-day counters each order feeds | [`counters`] |
//! | the shop ledger (profiles, counters, order lists) | [`ledger`] |
//! | the engine: routes events to its components, merge | [`engine`] |
//! | JSON Lines read on every core, applied in line order | `ingest` |
//! | the per-buyer rating cap | `review_cap` |
//! | follow-ups waiting for their order | `pending` |
//! | indicators, blocks, add-ons, grades | [`score`] |
//! | the live scoreboard: standings kept and refreshed from what changed | [`board`] |
//! | what a shop's score needs from its category, as mergeable rounds | [`peers`] |
//! | scores as known at a past moment: later facts taken out | `known` |
//! | a shop's daily score series, each day as known then | [`history`] |
//! | explanations | [`explain`] |
//! | shops whose standing moved since a previous scoreboard | [`changes`] |
//! | problem-order rates per shop and per item (SKU) | [`rates`] |
//! | seller standards (Amazon, eBay, Tmall-like tiers) | [`standards`] |
//! | the good-service list (好服务榜单) | [`good_service`] |
//! | service → growth: repurchase and net GMV against the problem-order rate | [`impact`] |
//! | early warning: margins, in orders, before a shop loses its list place or tier | [`warning`] |
//! | what-if: the score had some orders gone differently | [`what_if`] |
//! | per-agent and per-certification service metrics (chat sessions, 3-minute response, satisfaction) | [`agents`] |
//! | industry bonus rules (plugins' safe face) | [`bonus`] |
//! | price protection | [`price_protection`] |
//! | every tunable rule | [`config`] |
//! | snapshots: the state in a checksummed, versioned file | [`snapshot`] |
//!
//! ```
//! # use truexp::Timestamp;
//! use truexp::Engine;
//! let mut engine = Engine::default();
//! let events = r#"
//! {"type":"shop_profile","id":"p1","shop_id":"s1","at":1790000000,"category":"pet"}
//! {"type":"order_paid","id":"e1","order_id":"o1","shop_id":"s1","buyer_id":"b1","category":"pet","lines":[{"sku":"k1","quantity":1,"unit_price":1990}],"paid_at":1790000000,"ship_by":1790172800}
//! {"type":"review","id":"e2","order_id":"o1","reviewer":"b1","at":1790300000,"product_stars":5}
//! "#;
//! let report = engine.ingest_jsonl(events.as_bytes());
//! assert_eq!((report.accepted, report.rejected.len()), (3, 0));
//! let score = engine.score("s1", Timestamp::constant(1_790_400_000)).unwrap();
//! assert!(score.growth_stage); // one order is too few to judge
//! assert_eq!(score.overall, 4.0);
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod agents;
pub mod board;
pub mod bonus;
pub mod changes;
pub mod config;
pub mod counters;
pub mod engine;
pub mod error;
pub mod event;
pub mod explain;
pub mod good_service;
pub mod hashing;
pub mod history;
pub mod ids;
pub mod impact;
mod ingest;
mod jsonl;
mod known;
pub mod ledger;
pub mod money;
pub mod order;
pub mod peers;
mod pending;
pub mod price_protection;
pub mod problem;
pub mod rates;
mod review_cap;
pub mod score;
pub mod seeded;
pub mod snapshot;
pub mod standards;
pub mod time;
pub mod warning;
pub mod what_if;

pub use config::Config;
pub use engine::{Engine, IngestReport, Ingested, StateBytes};
pub use error::{ConfigError, Error, EventError};
pub use event::{Event, Timestamp, ValidEvent};
pub use explain::{Explanation, ProblemOrder};
pub use ingest::{read_jsonl, MAX_LINE_BYTES};
pub use jsonl::parse_event;
pub use money::{Money, MoneyRangeError};
pub use score::{Grade, Scoreboard, ShopScore};
