//! Shops whose standing moved between two scoreboards.
//!
//! Why: a search-ranking service does not want 50,000 scores every time; it
//! wants the shops whose overall score, stars, grade or rank changed since
//! the scoreboard it last consumed. A standing is small and serialisable, so
//! the previous one can come from this process or from a file written by an
//! earlier run (`truexp score --json`).

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::event::Timestamp;
use crate::score::{Grade, Scoreboard};

/// What a ranking consumer keeps of a shop's score.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Standing {
    /// Overall 0–5 score, two decimals.
    pub overall: f64,
    /// Stars shown to buyers.
    pub stars: f64,
    /// Grade.
    pub grade: Grade,
    /// 1-based rank in the scoreboard (best first, ties by shop id).
    pub rank: u32,
}

/// One shop whose standing changed (or that is new).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StandingChange {
    /// Shop id.
    pub shop_id: Arc<str>,
    /// Category.
    pub category: Arc<str>,
    /// The standing now.
    pub now: Standing,
    /// The standing in the previous scoreboard; `None` for a shop it lacked.
    pub before: Option<Standing>,
}

/// The standings of a scoreboard's JSON (as written by `truexp score
/// --json`, `truexp_engine_scoreboard_json` or `serde_json` of a
/// [`Scoreboard`]): its `as_of` and each shop's overall, stars and grade,
/// ranked by position. Other fields are ignored. The error says what is wrong.
pub fn standings_from_json(text: &str) -> Result<(Timestamp, BTreeMap<String, Standing>), String> {
    #[derive(Deserialize)]
    struct Shop {
        shop_id: String,
        overall: f64,
        stars: f64,
        grade: Grade,
    }
    #[derive(Deserialize)]
    struct Board {
        as_of: Timestamp,
        shops: Vec<Shop>,
    }
    let board: Board =
        serde_json::from_str(text).map_err(|e| format!("not the JSON of a scoreboard: {e}"))?;
    let mut out = BTreeMap::new();
    for (i, s) in board.shops.into_iter().enumerate() {
        let standing = Standing {
            overall: s.overall,
            stars: s.stars,
            grade: s.grade,
            rank: u32::try_from(i + 1).unwrap_or(u32::MAX),
        };
        if out.insert(s.shop_id.clone(), standing).is_some() {
            return Err(format!("shop `{}` appears twice", s.shop_id.escape_debug()));
        }
    }
    Ok((board.as_of, out))
}

impl Scoreboard {
    /// Every shop's standing, by shop id.
    pub fn standings(&self) -> BTreeMap<String, Standing> {
        self.shops
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let rank = u32::try_from(i + 1).unwrap_or(u32::MAX);
                (
                    s.shop_id.to_string(),
                    Standing {
                        overall: s.overall,
                        stars: s.stars,
                        grade: s.grade,
                        rank,
                    },
                )
            })
            .collect()
    }

    /// The shops whose overall score, stars, grade or rank differ from
    /// `previous` (standings by shop id, e.g. [`Scoreboard::standings`] of an
    /// earlier scoreboard), and shops `previous` lacks; in rank order.
    pub fn changes_since(&self, previous: &BTreeMap<String, Standing>) -> Vec<StandingChange> {
        let now = self.standings();
        self.shops
            .iter()
            .filter_map(|s| {
                let current = now[&*s.shop_id];
                let before = previous.get(&*s.shop_id).copied();
                (before != Some(current)).then(|| StandingChange {
                    shop_id: s.shop_id.clone(),
                    category: s.category.clone(),
                    now: current,
                    before,
                })
            })
            .collect()
    }
}
