//! Per-agent service metrics: who in a shop's customer service carries its
//! service block.
//!
//! Why its own query over the chat records, not a second set of counters:
//! a seller who sees the shop's 3-minute response rate fall asks which
//! agent (or which certified team: maternity advisors, pet doctors) it
//! was. Every number here is counted by the very rule the score's two chat
//! indicators count by (`chat_response_secs`, `satisfied_min_rating`),
//! over the same windows and as known at the same moment, so the rows add
//! up to the counters the score read. The shop already keeps one record
//! per chat session (for merges and scores as known earlier); walking it
//! for one shop costs its chats, and a session's agent costs 8 bytes of
//! that record instead of per-agent day counters in every shop.
//!
//! Definitions:
//!
//! - *sessions* and *answered within 3 minutes* are the numerator and
//!   denominator of `chat_response_3min_rate`, counted over that
//!   indicator's window; *rated* and *satisfied* those of
//!   `chat_satisfaction`, over its window. A measure the configuration does
//!   not score is counted over the last 30 local days ending on the
//!   scoring day.
//! - *response rate* = answered within 3 minutes / sessions; *satisfaction*
//!   = satisfied / rated (the good-rating share, as the score reads it).
//! - *share of the service block*: the row's part of each of the four
//!   counts (`session_share`, `answered_share`, `rated_share`,
//!   `satisfied_share`), each `None` when the shop's count is 0.
//! - a session without `agent_id` counts for the unknown agent: the row
//!   whose `agent` is `None` (`(unknown)` in the CLI), listed last; a
//!   session without `agent_certification` likewise for the certification
//!   row whose `certification` is `None`.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::config::Measure;
use crate::engine::Engine;
use crate::error::Error;
use crate::event::Timestamp;
use crate::ledger::ChatRecord;
use crate::time::LocalDay;

/// One row's counts and what follows from them.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct AgentMetrics {
    /// Agent id (in [`AgentReport::agents`]) or certification (in
    /// [`AgentReport::certifications`]); `None`: sessions that name none.
    pub key: Option<String>,
    /// Chat sessions in the response window.
    pub sessions: u64,
    /// Of them, first answered by a human within `chat_response_secs`.
    pub answered_within_3min: u64,
    /// `answered_within_3min / sessions`.
    pub response_3min_rate: Option<f64>,
    /// Rated sessions in the satisfaction window.
    pub rated: u64,
    /// Of them, rated at least `satisfied_min_rating`.
    pub satisfied: u64,
    /// `satisfied / rated`.
    pub satisfaction: Option<f64>,
    /// Share of the shop's sessions.
    pub session_share: Option<f64>,
    /// Share of the shop's sessions answered within 3 minutes.
    pub answered_share: Option<f64>,
    /// Share of the shop's rated sessions.
    pub rated_share: Option<f64>,
    /// Share of the shop's satisfied sessions.
    pub satisfied_share: Option<f64>,
}

/// A shop's per-agent and per-certification service metrics at a moment.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AgentReport {
    /// Shop id.
    pub shop_id: String,
    /// The moment (chats started after it do not count).
    pub as_of: Timestamp,
    /// Local days `[from, to]` of the response counts.
    pub response_window: [i32; 2],
    /// Local days `[from, to]` of the satisfaction counts.
    pub satisfaction_window: [i32; 2],
    /// The response threshold in seconds (`chat_response_secs`).
    pub response_within_secs: i64,
    /// The lowest satisfied rating (`satisfied_min_rating`).
    pub satisfied_min_rating: i64,
    /// The shop's totals: the counters the score's chat indicators read.
    pub total: AgentMetrics,
    /// Per agent, by agent id; the unknown agent (`key: None`) last.
    pub agents: Vec<AgentMetrics>,
    /// Per certification, by name; sessions naming none (`key: None`) last.
    pub certifications: Vec<AgentMetrics>,
}

/// The four counts of a row.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Tally {
    sessions: u64,
    answered: u64,
    rated: u64,
    satisfied: u64,
}

impl Tally {
    fn add(&mut self, o: Tally) {
        self.sessions += o.sessions;
        self.answered += o.answered;
        self.rated += o.rated;
        self.satisfied += o.satisfied;
    }

    fn metrics(self, key: Option<String>, total: Tally) -> AgentMetrics {
        let r = |n: u64, d: u64| (d > 0).then(|| n as f64 / d as f64);
        AgentMetrics {
            key,
            sessions: self.sessions,
            answered_within_3min: self.answered,
            response_3min_rate: r(self.answered, self.sessions),
            rated: self.rated,
            satisfied: self.satisfied,
            satisfaction: r(self.satisfied, self.rated),
            session_share: r(self.sessions, total.sessions),
            answered_share: r(self.answered, total.answered),
            rated_share: r(self.rated, total.rated),
            satisfied_share: r(self.satisfied, total.satisfied),
        }
    }
}

/// Rows by key, `None` last, from per-key tallies.
fn rows<K: Ord + Copy>(
    tallies: BTreeMap<Option<K>, Tally>,
    name: impl Fn(K) -> String,
    total: Tally,
) -> Vec<AgentMetrics> {
    let mut out: Vec<AgentMetrics> = (tallies.iter())
        .filter_map(|(k, t)| k.map(|k| t.metrics(Some(name(k)), total)))
        .collect();
    out.sort_by(|a, b| a.key.cmp(&b.key));
    if let Some(t) = tallies.get(&None) {
        out.push(t.metrics(None, total));
    }
    out
}

impl Engine {
    /// Local days `[from, to]` the score counts `m` over at local day `t`
    /// (the last 30 days when no indicator measures it).
    fn chat_window(&self, m: Measure, t: LocalDay) -> [i32; 2] {
        let (days, lag) = (self.indicator_configs())
            .find(|(_, ind)| ind.measure == m)
            .map_or((30, 0), |(_, ind)| (ind.window_days, ind.lag_days));
        let end = t.minus(lag as i32);
        [end.window_start(days).get(), end.get()]
    }

    /// A shop's chat sessions per agent and per certification as known at
    /// `as_of` (see the [module docs](crate::agents) for the definitions).
    ///
    /// ```
    /// # use truexp::Timestamp;
    /// use truexp::Engine;
    /// let mut engine = Engine::default();
    /// engine.ingest_jsonl(r#"{"type":"chat","id":"c1","shop_id":"s1","buyer_id":"b1","started_at":1790000000,"first_response_secs":60,"satisfaction":5,"agent_id":"amy"}
    /// {"type":"chat","id":"c2","shop_id":"s1","buyer_id":"b2","started_at":1790000100,"first_response_secs":600,"agent_id":"bob"}
    /// {"type":"chat","id":"c3","shop_id":"s1","buyer_id":"b3","started_at":1790000200}"#.as_bytes());
    /// let r = engine.agent_metrics("s1", Timestamp::constant(1_790_100_000)).unwrap();
    /// assert_eq!(r.total.sessions, 3);
    /// assert_eq!(r.agents[0].key.as_deref(), Some("amy"));
    /// assert_eq!(r.agents[0].response_3min_rate, Some(1.0));
    /// assert_eq!(r.agents[1].response_3min_rate, Some(0.0));
    /// assert_eq!(r.agents[2].key, None); // the unknown agent
    /// ```
    pub fn agent_metrics(&self, shop_id: &str, as_of: Timestamp) -> Result<AgentReport, Error> {
        let s = (self.find_shop(shop_id)).ok_or_else(|| Error::UnknownShop(shop_id.to_owned()))?;
        let shop = &self.ledger().shops[s];
        let t = self.clock().day(as_of);
        let rw = self.chat_window(Measure::ChatResponse3minRate, t);
        let sw = self.chat_window(Measure::ChatSatisfaction, t);
        let within = |w: [i32; 2], d: i32| w[0] <= d && d <= w[1];
        let tally = |c: &ChatRecord| {
            let day = self.clock().day(c.started_at).get();
            let (r, sat) = (within(rw, day), within(sw, day));
            let rated = sat && c.satisfaction.is_some();
            Tally {
                sessions: u64::from(r),
                answered: u64::from(
                    r && c
                        .first_response_secs
                        .is_some_and(|x| x <= self.cfg().chat_response_secs),
                ),
                rated: u64::from(rated),
                satisfied: u64::from(
                    rated
                        && c.satisfaction
                            .is_some_and(|x| x >= self.cfg().satisfied_min_rating),
                ),
            }
        };
        let mut total = Tally::default();
        let mut by_agent = BTreeMap::new();
        let mut by_cert = BTreeMap::new();
        for c in shop.chats.iter().filter(|c| c.started_at <= as_of) {
            let n = tally(c);
            if n == Tally::default() {
                continue;
            }
            total.add(n);
            by_agent
                .entry(c.agent)
                .or_insert_with(Tally::default)
                .add(n);
            by_cert
                .entry(c.certification)
                .or_insert_with(Tally::default)
                .add(n);
        }
        Ok(AgentReport {
            shop_id: shop_id.to_owned(),
            as_of,
            response_window: rw,
            satisfaction_window: sw,
            response_within_secs: self.cfg().chat_response_secs,
            satisfied_min_rating: self.cfg().satisfied_min_rating,
            total: total.metrics(None, total),
            agents: rows(
                by_agent,
                |a| self.catalog().agents.name(a).to_owned(),
                total,
            ),
            certifications: rows(by_cert, |c| self.catalog().certs.name(c).to_owned(), total),
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::counters::Counter;
    use crate::event::{ChatSession, Event};
    use crate::seeded::SeededRng as Rng;
    use crate::time::ts;
    use crate::Engine;

    /// On random chats, the rows of every list add up to the counters the
    /// score's chat indicators read, at several moments.
    #[test]
    fn rows_add_up_to_the_shop_counters_the_score_reads() {
        let mut rng = Rng::new(7);
        let mut engine = Engine::default();
        let t0 = 1_790_000_000;
        for i in 0..600 {
            let pick = |rng: &mut Rng, n: u64| rng.below(n);
            let agent = pick(&mut rng, 5);
            let cert = pick(&mut rng, 3);
            let rated = pick(&mut rng, 6);
            let secs = pick(&mut rng, 8);
            let at = t0 + pick(&mut rng, 70 * 86_400) as i64;
            let e = Event::Chat(ChatSession {
                id: format!("c{i}"),
                shop_id: if i % 7 == 0 { "other" } else { "s1" }.into(),
                buyer_id: format!("b{}", i % 50),
                started_at: ts(at),
                first_response_secs: (secs != 0).then_some(secs as i64 * 60),
                satisfaction: (rated != 0).then_some(rated as i64),
                agent_certification: (cert != 0).then(|| format!("cert{cert}")),
                agent_id: (agent != 0).then(|| format!("agent{agent}")),
            });
            engine.ingest(e).unwrap();
        }
        for as_of in [t0 + 20 * 86_400, t0 + 45 * 86_400 + 3_600, t0 + 80 * 86_400] {
            let r = engine.agent_metrics("s1", ts(as_of)).unwrap();
            let s = engine.find_shop("s1").unwrap();
            let shop = engine.shop_known_at(s, ts(as_of));
            let d = |n| crate::time::LocalDay::new(n).expect("a day in range");
            let [rf, rt] = r.response_window.map(d);
            let [sf, st] = r.satisfaction_window.map(d);
            let want = (
                shop.days.sum(rf, rt, Counter::Chats),
                shop.days.sum(rf, rt, Counter::ChatsAnsweredInTime),
                shop.days.sum(sf, st, Counter::ChatsRated),
                shop.days.sum(sf, st, Counter::ChatsSatisfied),
            );
            let tot = &r.total;
            assert_eq!(
                (
                    tot.sessions,
                    tot.answered_within_3min,
                    tot.rated,
                    tot.satisfied
                ),
                want
            );
            assert!(tot.sessions > 0);
            for list in [&r.agents, &r.certifications] {
                let sum = |f: fn(&super::AgentMetrics) -> u64| list.iter().map(f).sum::<u64>();
                assert_eq!(
                    (
                        sum(|m| m.sessions),
                        sum(|m| m.answered_within_3min),
                        sum(|m| m.rated),
                        sum(|m| m.satisfied)
                    ),
                    want
                );
                let shares: f64 = list.iter().filter_map(|m| m.session_share).sum();
                assert!((shares - 1.0).abs() < 1e-9);
                // sorted by key, the unknown last
                let keys: Vec<_> = list.iter().map(|m| m.key.clone()).collect();
                let mut named: Vec<_> = keys.iter().flatten().cloned().collect();
                named.sort();
                assert_eq!(keys.iter().flatten().cloned().collect::<Vec<_>>(), named);
                assert!(keys[..keys.len() - 1].iter().all(Option::is_some));
            }
        }
        assert!(engine.agent_metrics("nope", ts(t0)).is_err());
    }

    #[test]
    fn agents_survive_a_snapshot_and_a_merge() {
        let mut a = Engine::default();
        let chat = |id: &str, agent: Option<&str>| {
            Event::Chat(ChatSession {
                id: id.into(),
                shop_id: "s1".into(),
                buyer_id: "b".into(),
                started_at: ts(1_790_000_000),
                first_response_secs: Some(30),
                satisfaction: Some(5),
                agent_certification: None,
                agent_id: agent.map(Into::into),
            })
        };
        a.ingest(chat("c1", Some("amy"))).unwrap();
        a.ingest(chat("c2", None)).unwrap();
        let mut b = Engine::default();
        b.ingest(chat("c3", Some("bob"))).unwrap();
        b.ingest(chat("c4", Some("amy"))).unwrap();
        a.merge(b).unwrap();
        let as_of = 1_790_086_400;
        let before = a.agent_metrics("s1", ts(as_of)).unwrap();
        let keys: Vec<_> = before.agents.iter().map(|m| m.key.as_deref()).collect();
        assert_eq!(keys, [Some("amy"), Some("bob"), None]);
        assert_eq!(before.agents[0].sessions, 2);
        let bytes = a.snapshot_bytes(b"").unwrap();
        let (back, _) = Engine::from_snapshot_bytes(&bytes, a.config().clone()).unwrap();
        assert_eq!(back.agent_metrics("s1", ts(as_of)).unwrap(), before);
    }
}
