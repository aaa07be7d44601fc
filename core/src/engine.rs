//! The engine: ingests events into compact state and answers queries.
//!
//! Why this shape: ingestion must be idempotent (event ids are remembered),
//! order-independent (facts combine commutatively, see [`crate::order`]),
//! O(1) per event (an order's counter contribution is subtracted and re-added
//! around each change) and mergeable (two engines fed disjoint events merge
//! into exactly the state of the union). Events about an order that has not
//! arrived yet wait in a pending set until it does.

use std::io::BufRead;
use std::sync::Arc;

use crate::bonus::BonusRule;
use crate::config::Config;
use crate::counters::{self, AgentCounters, DayCounters, DaySeries, TagCounters, Target};
use crate::error::{ConfigError, Error, EventError};
use crate::event::{Event, PriceProtectionPolicy, Timestamp};
use crate::hashing::{FastMap, FastSet};
use crate::order::{
    OrderFact, OrderState, RefundDone, RefundRequest, ReviewFact, Shipment, Stamped,
};
use crate::price_protection::{DropRun, LinePayout, PriceProtectionError, ProtectionBook};
use crate::time::Clock;

/// What happened to an accepted event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ingested {
    /// Applied to the state.
    Applied,
    /// Its id was seen before: nothing changed.
    Duplicate,
    /// It refers to an order not seen yet; it is applied when the order arrives.
    Pending,
}

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

/// A shop's profile as the engine keeps it.
#[derive(Clone, Debug, PartialEq)]
pub struct Profile {
    /// Display name.
    pub name: Option<String>,
    /// Category.
    pub category: Arc<str>,
    /// Certifications.
    pub certifications: Vec<String>,
    /// Service offerings.
    pub services: Vec<String>,
    /// Price-protection policy.
    pub price_protection: Option<PriceProtectionPolicy>,
}

/// What a chat session contributed, kept so that a merge can replay it
/// (its event id is shared with the engine's set of seen ids).
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct ChatRecord {
    pub id: Arc<str>,
    pub started_at: Timestamp,
    pub first_response_secs: Option<i64>,
    pub satisfaction: Option<i64>,
    pub certification: Option<Arc<str>>,
}

/// Everything the engine keeps about one shop.
#[derive(Clone, Debug)]
pub(crate) struct ShopState {
    pub id: Arc<str>,
    pub profile: Option<Stamped<Profile>>,
    /// Smallest order category seen, used when no profile names one.
    pub order_category: Option<Arc<str>>,
    pub days: DaySeries<DayCounters>,
    pub tags: Vec<(Arc<str>, DaySeries<TagCounters>)>,
    pub agents: Vec<(Arc<str>, DaySeries<AgentCounters>)>,
    pub orders: Vec<u32>,
    pub chats: Vec<ChatRecord>,
    /// Orders awaiting a pickup: (payment time, `AWAITING_*` flags), sorted.
    pub awaiting: Vec<(Timestamp, u8)>,
}

impl ShopState {
    fn new(id: Arc<str>) -> Self {
        ShopState {
            id,
            profile: None,
            order_category: None,
            days: DaySeries::default(),
            tags: Vec::new(),
            agents: Vec::new(),
            orders: Vec::new(),
            chats: Vec::new(),
            awaiting: Vec::new(),
        }
    }

    /// Awaiting-pickup entries paid within `from..to` (UTC seconds, end exclusive).
    pub fn awaiting_between(&self, from: Timestamp, to: Timestamp) -> &[(Timestamp, u8)] {
        let lo = self.awaiting.partition_point(|e| e.0 < from);
        let hi = self.awaiting.partition_point(|e| e.0 < to);
        &self.awaiting[lo..hi.max(lo)]
    }

    /// [`ShopState::category`] as a shared string.
    pub fn category_arc(&self) -> Arc<str> {
        match (&self.profile, &self.order_category) {
            (Some(p), _) => p.value.category.clone(),
            (None, Some(c)) => c.clone(),
            (None, None) => Arc::from(""),
        }
    }

    /// The shop's category: its profile's, else the smallest order category.
    pub fn category(&self) -> &str {
        match (&self.profile, &self.order_category) {
            (Some(p), _) => &p.value.category,
            (None, Some(c)) => c,
            (None, None) => "",
        }
    }

    fn tag_series(&mut self, tag: &Arc<str>) -> &mut DaySeries<TagCounters> {
        let pos = match self
            .tags
            .binary_search_by(|(t, _)| t.as_ref().cmp(tag.as_ref()))
        {
            Ok(p) => p,
            Err(p) => {
                self.tags.insert(p, (tag.clone(), DaySeries::default()));
                p
            }
        };
        &mut self.tags[pos].1
    }

    fn agent_series(&mut self, cert: &Arc<str>) -> &mut DaySeries<AgentCounters> {
        let pos = match self
            .agents
            .binary_search_by(|(t, _)| t.as_ref().cmp(cert.as_ref()))
        {
            Ok(p) => p,
            Err(p) => {
                self.agents.insert(p, (cert.clone(), DaySeries::default()));
                p
            }
        };
        &mut self.agents[pos].1
    }
}

/// A (shop, reviewer, local month) group for the per-buyer rating cap.
type ReviewGroupKey = (u32, Arc<str>, i32);

/// The scoring engine. Cheap to query from many threads (`&self`); ingestion needs `&mut self`.
///
/// ```
/// use truexp::Engine;
/// let mut engine = Engine::default();
/// let report = engine.ingest_jsonl(r#"{"type":"shop_profile","id":"p1","shop_id":"s1","at":1790000000,"category":"pet"}"#.as_bytes());
/// assert_eq!(report.accepted, 1);
/// let board = engine.scoreboard(1_790_000_000);
/// assert_eq!(&*board.shops[0].shop_id, "s1");
/// assert!(board.shops[0].growth_stage);
/// ```
#[derive(Clone)]
pub struct Engine {
    pub(crate) cfg: Arc<Config>,
    pub(crate) clock: Clock,
    strings: FastSet<Arc<str>>,
    seen: FastSet<Arc<str>>,
    pub(crate) shops: Vec<ShopState>,
    shop_index: FastMap<Arc<str>, u32>,
    pub(crate) orders: Vec<OrderState>,
    order_index: FastMap<Arc<str>, u32>,
    pending: FastMap<Arc<str>, Vec<Event>>,
    review_groups: FastMap<ReviewGroupKey, Vec<(Timestamp, Arc<str>, u32)>>,
    review_group_of: FastMap<u32, ReviewGroupKey>,
    pub(crate) bonus_rules: Vec<Arc<dyn BonusRule>>,
    latest: Option<Timestamp>,
    book: ProtectionBook,
    deferred: Vec<EventError>,
    /// Block names of the configuration, shared by every score.
    pub(crate) block_names: Vec<Arc<str>>,
}

impl Default for Engine {
    fn default() -> Self {
        Engine::with_config(Config::default()).expect("the default configuration is valid")
    }
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("shops", &self.shops.len())
            .field("orders", &self.orders.len())
            .field("events", &self.seen.len())
            .field("bonus_rules", &self.bonus_rules.len())
            .finish()
    }
}

impl Engine {
    /// An engine with a validated configuration.
    pub fn with_config(cfg: Config) -> Result<Self, ConfigError> {
        cfg.validate()?;
        let block_names = cfg
            .blocks
            .iter()
            .map(|b| Arc::from(b.name.as_str()))
            .collect();
        Ok(Engine {
            clock: Clock::new(cfg.timezone_offset_minutes),
            cfg: Arc::new(cfg),
            strings: Default::default(),
            seen: Default::default(),
            shops: Vec::new(),
            shop_index: Default::default(),
            orders: Vec::new(),
            order_index: Default::default(),
            pending: Default::default(),
            review_groups: Default::default(),
            review_group_of: Default::default(),
            bonus_rules: Vec::new(),
            latest: None,
            book: ProtectionBook::new(),
            deferred: Vec::new(),
            block_names,
        })
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.cfg
    }

    /// Adds an industry bonus rule (a loaded plugin or a Rust implementation).
    /// Fails when a rule of the same name is already registered.
    pub fn add_bonus_rule(&mut self, rule: Arc<dyn BonusRule>) -> Result<(), Error> {
        if self.bonus_rules.iter().any(|r| r.name() == rule.name()) {
            return Err(Error::DuplicateBonusRule(rule.name().to_owned()));
        }
        self.bonus_rules.push(rule);
        Ok(())
    }

    /// The registered bonus rules.
    pub fn bonus_rules(&self) -> &[Arc<dyn BonusRule>] {
        &self.bonus_rules
    }

    /// Number of distinct events accepted (applied or pending).
    pub fn event_count(&self) -> usize {
        self.seen.len()
    }

    /// The latest timestamp any accepted event carries (a natural `as_of` for batch runs).
    pub fn latest_event_time(&self) -> Option<Timestamp> {
        self.latest
    }

    /// Number of orders held.
    pub fn order_count(&self) -> usize {
        self.orders.len()
    }

    /// Ids of every shop, sorted.
    pub fn shop_ids(&self) -> Vec<&str> {
        let mut ids: Vec<&str> = self.shops.iter().map(|s| s.id.as_ref()).collect();
        ids.sort_unstable();
        ids
    }

    /// Events still waiting for their order, each as the error it will be
    /// if the order never arrives: the event id and the `order_id` field.
    pub fn pending(&self) -> Vec<EventError> {
        let mut out: Vec<EventError> = self
            .pending
            .iter()
            .flat_map(|(order, events)| {
                events.iter().map(move |e| {
                    EventError::invalid(e.id(), "order_id", format!("unknown order `{order}`"))
                })
            })
            .collect();
        out.sort_by(|a, b| a.event_id.cmp(&b.event_id));
        out
    }

    fn intern(strings: &mut FastSet<Arc<str>>, s: &str) -> Arc<str> {
        if let Some(a) = strings.get(s) {
            return a.clone();
        }
        let a: Arc<str> = Arc::from(s);
        strings.insert(a.clone());
        a
    }

    fn shop_idx(&mut self, id: &str) -> u32 {
        if let Some(&i) = self.shop_index.get(id) {
            return i;
        }
        let a = Self::intern(&mut self.strings, id);
        let i = self.shops.len() as u32;
        self.shops.push(ShopState::new(a.clone()));
        self.shop_index.insert(a, i);
        i
    }

    /// The index of a shop, if known.
    pub(crate) fn find_shop(&self, id: &str) -> Option<u32> {
        self.shop_index.get(id).copied()
    }

    /// Parses, validates and ingests one JSON event.
    pub fn ingest_json(&mut self, line: &str) -> Result<Ingested, EventError> {
        // `ingest` validates
        let event = crate::jsonl::parse_unvalidated(line)?;
        self.ingest(event)
    }

    /// Reads JSON Lines; bad lines are reported and skipped, the rest kept.
    pub fn ingest_jsonl(&mut self, reader: impl BufRead) -> IngestReport {
        self.ingest_jsonl_with_progress(reader, |_| {})
    }

    /// Like [`Engine::ingest_jsonl`], calling `progress(lines_read)` every 65 536 lines.
    pub fn ingest_jsonl_with_progress(
        &mut self,
        mut reader: impl BufRead,
        mut progress: impl FnMut(u64),
    ) -> IngestReport {
        let mut report = IngestReport::default();
        let mut line = String::new();
        let mut number = 0u64;
        loop {
            line.clear();
            match reader.read_line(&mut line) {
                Ok(0) => break,
                Ok(_) => {}
                Err(e) => {
                    number += 1;
                    report.rejected.push((
                        number,
                        EventError {
                            event_id: None,
                            field: "<line>".into(),
                            message: format!("unreadable line: {e}"),
                        },
                    ));
                    // invalid UTF-8 consumes the line; anything else ends the stream
                    if e.kind() == std::io::ErrorKind::InvalidData {
                        continue;
                    }
                    break;
                }
            }
            number += 1;
            if number % 65_536 == 0 {
                progress(number);
            }
            let text = line.trim();
            if text.is_empty() {
                continue;
            }
            report.lines += 1;
            match self.ingest_json(text) {
                Ok(Ingested::Duplicate) => report.duplicates += 1,
                Ok(_) => report.accepted += 1,
                Err(e) => report.rejected.push((number, e)),
            }
        }
        report
    }

    /// Validates and ingests one event. A refused event changes nothing.
    pub fn ingest(&mut self, event: Event) -> Result<Ingested, EventError> {
        event.validate()?;
        if self.seen.contains(event.id()) {
            return Ok(Ingested::Duplicate);
        }
        let waits = event.order_id().is_some_and(|order| {
            !matches!(event, Event::OrderPaid(_)) && !self.order_index.contains_key(order)
        });
        if !waits && !is_refund(&event) {
            // the book checks what only it can (overflow, windows); a refusal
            // leaves the engine untouched. Refunds reach it in pairs, later.
            self.book_apply(&event)?;
        }
        let id: Arc<str> = Arc::from(event.id());
        self.seen.insert(id.clone());
        let t = event.latest_time();
        self.latest = Some(self.latest.map_or(t, |l| l.max(t)));
        if waits {
            let order = Self::intern(&mut self.strings, event.order_id().unwrap_or(""));
            self.pending.entry(order).or_default().push(event);
            return Ok(Ingested::Pending);
        }
        self.apply(event, id);
        Ok(Ingested::Applied)
    }

    /// Feeds the price-protection book. A second payment event for an order
    /// the book holds is not an error here: the engine reconciles it.
    fn book_apply(&mut self, event: &Event) -> Result<(), EventError> {
        match self.book.apply(event) {
            Ok(_) | Err(PriceProtectionError::DuplicateOrder(_)) => Ok(()),
            Err(e) => Err(book_error(event, e)),
        }
    }

    /// Applies an accepted event that waited for its order: through the book
    /// first; a refusal there (known only now) is kept in [`Engine::deferred_errors`].
    fn apply_waiting(&mut self, event: Event, id: Arc<str>) {
        if is_refund(&event) {
            return self.apply(event, id);
        }
        match self.book_apply(&event) {
            Ok(()) => self.apply(event, id),
            Err(e) => self.deferred.push(e),
        }
    }

    /// Refusals the engine could only make after accepting an event: an
    /// event that waited for its order and was refused when it arrived
    /// (nothing it carried was applied), or a refund whose returned units the
    /// price-protection book refused once both its request and completion
    /// were known (its scoring facts stay; the book holds no return for it).
    pub fn deferred_errors(&self) -> &[EventError] {
        &self.deferred
    }

    /// The price-protection book: every order line held, shop policies and
    /// queued price drops.
    pub fn price_protection(&self) -> &ProtectionBook {
        &self.book
    }

    /// Automatic mode (自动价差计算): runs every queued price drop, in
    /// (time, event id) order, over every eligible line the engine holds,
    /// and records the payouts (a later drop pays only the increment).
    pub fn run_price_drops(&mut self) -> Result<Vec<DropRun>, PriceProtectionError> {
        self.book.run_all_drops()
    }

    /// [`Engine::run_price_drops`] without collecting: `f` sees each payout;
    /// returns how many drops ran.
    pub fn run_price_drops_with(
        &mut self,
        f: impl FnMut(&crate::event::PriceChange, &LinePayout),
    ) -> Result<usize, PriceProtectionError> {
        self.book.run_all_drops_with(f)
    }

    /// Applies a validated, new event.
    fn apply(&mut self, event: Event, id: Arc<str>) {
        let stamp = |at: Timestamp| (at, id.clone());
        let fact = match &event {
            Event::OrderPaid(e) => {
                let shop = self.shop_idx(&e.shop_id);
                let strings = &mut self.strings;
                let order = OrderState::from_paid(e, shop, &mut |s| Self::intern(strings, s));
                self.insert_order(order);
                return;
            }
            Event::ShopProfile(p) => {
                let shop = self.shop_idx(&p.shop_id);
                let profile = Stamped {
                    at: p.at,
                    event: id.clone(),
                    value: Profile {
                        name: p.name.clone(),
                        category: Self::intern(&mut self.strings, &p.category),
                        certifications: p.certifications.clone(),
                        services: p.services.clone(),
                        price_protection: p.price_protection.clone(),
                    },
                };
                let slot = &mut self.shops[shop as usize].profile;
                if slot
                    .as_ref()
                    .is_none_or(|old| (old.at, &old.event) < (profile.at, &profile.event))
                {
                    *slot = Some(profile);
                }
                return;
            }
            Event::Chat(c) => {
                let shop = self.shop_idx(&c.shop_id);
                let record = ChatRecord {
                    id,
                    started_at: c.started_at,
                    first_response_secs: c.first_response_secs,
                    satisfaction: c.satisfaction,
                    certification: c
                        .agent_certification
                        .as_deref()
                        .map(|cert| Self::intern(&mut self.strings, cert)),
                };
                self.apply_chat(shop, record);
                return;
            }
            Event::PriceChange(_) => return,
            Event::RiskVerdict(e) => OrderFact::Verdict(mk(stamp(e.at), e.fake)),
            Event::Shipped(e) => OrderFact::Shipped(mk(
                stamp(e.at),
                Shipment {
                    pickup_at: e.pickup_at,
                    tracking_valid: e.tracking_valid,
                },
            )),
            Event::Delivered(e) => OrderFact::Delivered(mk(stamp(e.at), ())),
            Event::TrackingAnomaly(e) => OrderFact::Anomaly(mk(stamp(e.at), e.fake_shipment)),
            Event::Review(e) => OrderFact::Review(mk(
                stamp(e.at),
                ReviewFact {
                    reviewer: Self::intern(&mut self.strings, &e.reviewer),
                    product: e.product_stars,
                    logistics: e.logistics_stars,
                    service: e.service_stars,
                    suspicious: e.suspicious,
                },
            )),
            Event::RefundRequested(e) => OrderFact::RefundRequested(
                Self::intern(&mut self.strings, &e.refund_id),
                mk(
                    stamp(e.at),
                    RefundRequest {
                        kind: e.kind,
                        reason: e.reason,
                        amount: e.amount,
                        sku: e.sku.as_deref().map(|s| Self::intern(&mut self.strings, s)),
                        units: e.units,
                    },
                ),
            ),
            Event::RefundCompleted(e) => OrderFact::RefundCompleted(
                Self::intern(&mut self.strings, &e.refund_id),
                mk(
                    stamp(e.at),
                    RefundDone {
                        amount: e.amount,
                        units_returned: e.units_returned,
                    },
                ),
            ),
            Event::PlatformIntervention(e) => OrderFact::Intervention(mk(stamp(e.at), ())),
            Event::DisputeRuled(e) => OrderFact::Dispute(mk(stamp(e.at), e.for_party)),
            Event::Complaint(e) => OrderFact::Complaint(mk(stamp(e.at), ())),
            Event::Chargeback(e) => OrderFact::Chargeback(mk(stamp(e.at), ())),
            Event::AtozClaim(e) => OrderFact::Atoz(mk(stamp(e.at), e.outcome)),
            Event::SellerCancelled(e) => OrderFact::SellerCancelled(mk(stamp(e.at), ())),
        };
        let order = event.order_id().expect("order facts name an order");
        let idx = self.order_index[order];
        self.apply_fact(idx, &fact);
        if let OrderFact::RefundRequested(refund, _) | OrderFact::RefundCompleted(refund, _) = &fact
        {
            self.refund_to_book(idx, refund);
        }
    }

    /// Hands a refund to the price-protection book once both its request
    /// (which names the SKU) and its completion (which returns units) are
    /// known, request first, whatever order they arrived in. A refusal there
    /// (more units returned than held) is kept in [`Engine::deferred_errors`];
    /// the scoring facts stay.
    fn refund_to_book(&mut self, idx: u32, refund: &Arc<str>) {
        let order = &mut self.orders[idx as usize];
        let Some(case) = order.refunds.iter_mut().find(|c| c.refund_id == *refund) else {
            return;
        };
        let (Some(req), Some(done)) = (&case.requested, &case.completed) else {
            return;
        };
        if case.in_book {
            return;
        }
        case.in_book = true;
        let request = Event::RefundRequested(crate::event::RefundRequested {
            id: req.event.to_string(),
            order_id: order.id.to_string(),
            refund_id: refund.to_string(),
            at: req.at,
            kind: req.value.kind,
            reason: req.value.reason,
            amount: req.value.amount,
            sku: req.value.sku.as_deref().map(str::to_owned),
            units: req.value.units,
        });
        let completion = Event::RefundCompleted(crate::event::RefundCompleted {
            id: done.event.to_string(),
            order_id: order.id.to_string(),
            refund_id: refund.to_string(),
            at: done.at,
            amount: done.value.amount,
            units_returned: done.value.units_returned,
        });
        for e in [request, completion] {
            if let Err(err) = self.book_apply(&e) {
                self.deferred.push(err);
            }
        }
    }

    fn apply_chat(&mut self, shop: u32, c: ChatRecord) {
        use counters::Counter as C;
        let cfg = &self.cfg;
        let day = self.clock.day(c.started_at);
        let in_time = c
            .first_response_secs
            .is_some_and(|s| s <= cfg.chat_response_secs);
        let satisfied = c
            .satisfaction
            .is_some_and(|s| s >= cfg.satisfied_min_rating);
        let s = &mut self.shops[shop as usize];
        let d = s.days.slot(day);
        d[C::Chats as usize] += 1;
        d[C::ChatsAnsweredInTime as usize] += u32::from(in_time);
        d[C::ChatsRated as usize] += u32::from(c.satisfaction.is_some());
        d[C::ChatsSatisfied as usize] += u32::from(satisfied);
        if let Some(cert) = &c.certification {
            let a = s.agent_series(cert).slot(day);
            a[0] += 1;
            a[1] += u64::from(in_time);
            a[2] += c.first_response_secs.unwrap_or(0).max(0) as u64;
            a[3] += u64::from(satisfied);
            a[4] += u64::from(c.satisfaction.is_some());
        }
        s.chats.push(c);
    }

    /// Inserts a new order (or reconciles a second payment event for the same order id).
    fn insert_order(&mut self, order: OrderState) {
        if let Some(&idx) = self.order_index.get(&order.id) {
            // Two payment events for one order id: the smaller event id wins,
            // whatever the arrival order. Facts already gathered are kept.
            if order.paid_event >= self.orders[idx as usize].paid_event {
                return;
            }
            self.contribute(idx, false);
            self.leave_review_group(idx);
            let old_shop = self.orders[idx as usize].shop;
            let facts = self.orders[idx as usize].facts();
            let mut fresh = order;
            for f in &facts {
                fresh.apply(f);
            }
            if old_shop != fresh.shop {
                self.shops[old_shop as usize].orders.retain(|&o| o != idx);
                self.shops[fresh.shop as usize].orders.push(idx);
            }
            self.note_order_category(&fresh);
            self.orders[idx as usize] = fresh;
            self.join_review_group(idx);
            self.contribute(idx, true);
            return;
        }
        let idx = self.orders.len() as u32;
        self.note_order_category(&order);
        self.shops[order.shop as usize].orders.push(idx);
        self.order_index.insert(order.id.clone(), idx);
        let order_id = order.id.clone();
        self.orders.push(order);
        self.contribute(idx, true);
        if let Some(waiting) = self.pending.remove(&order_id) {
            for e in waiting {
                let id = self
                    .seen
                    .get(e.id())
                    .cloned()
                    .unwrap_or_else(|| Arc::from(e.id()));
                self.apply_waiting(e, id);
            }
        }
    }

    fn note_order_category(&mut self, order: &OrderState) {
        let shop = &mut self.shops[order.shop as usize];
        if shop
            .order_category
            .as_ref()
            .is_none_or(|c| order.category < *c)
        {
            shop.order_category = Some(order.category.clone());
        }
    }

    fn apply_fact(&mut self, idx: u32, fact: &OrderFact) {
        let touches_reviews = matches!(fact, OrderFact::Review(_) | OrderFact::Verdict(_));
        self.contribute(idx, false);
        if touches_reviews {
            self.leave_review_group(idx);
        }
        self.orders[idx as usize].apply(fact);
        if touches_reviews {
            self.join_review_group(idx);
        }
        self.contribute(idx, true);
    }

    /// Adds (`add`) or subtracts the order's contribution to its shop's counters.
    fn contribute(&mut self, idx: u32, add: bool) {
        let order = &self.orders[idx as usize];
        let shop = &mut self.shops[order.shop as usize];
        counters::contributions(order, &self.cfg, &self.clock, |target, day, n| {
            let slot = match target {
                Target::Shop(c) => {
                    let slot = &mut shop.days.slot(day)[c as usize];
                    // saturates instead of wrapping; a day would need over
                    // four billion of one count to get there
                    let n = u32::try_from(n).unwrap_or(u32::MAX);
                    *slot = if add {
                        slot.saturating_add(n)
                    } else {
                        slot.saturating_sub(n)
                    };
                    return;
                }
                Target::Tag(t, col) => &mut shop.tag_series(&order.tags[t]).slot(day)[col],
                Target::Awaiting(flags) => {
                    let entry = (order.paid_at, flags);
                    let pos = shop.awaiting.partition_point(|e| *e < entry);
                    if add {
                        shop.awaiting.insert(pos, entry);
                    } else {
                        debug_assert_eq!(shop.awaiting.get(pos), Some(&entry));
                        shop.awaiting.remove(pos);
                    }
                    return;
                }
            };
            if add {
                *slot += n;
            } else {
                *slot -= n;
            }
        });
    }

    fn review_key(&self, idx: u32) -> Option<ReviewGroupKey> {
        let o = &self.orders[idx as usize];
        o.honest_review()
            .map(|r| (o.shop, r.value.reviewer.clone(), self.clock.month(r.at)))
    }

    /// Removes an order (whose contribution is already subtracted) from its review group.
    fn leave_review_group(&mut self, idx: u32) {
        if let Some(key) = self.review_group_of.remove(&idx) {
            if let Some(group) = self.review_groups.get_mut(&key) {
                group.retain(|&(_, _, o)| o != idx);
            }
            self.orders[idx as usize].review_counted = false;
            self.recount_group(&key, idx);
        }
    }

    /// Puts an order (whose contribution is subtracted) into its review group.
    fn join_review_group(&mut self, idx: u32) {
        if let Some(key) = self.review_key(idx) {
            let r = self.orders[idx as usize]
                .review
                .as_ref()
                .expect("keyed reviews exist");
            let entry = (r.at, r.event.clone(), idx);
            let group = self.review_groups.entry(key.clone()).or_default();
            let pos = group.partition_point(|e| (e.0, &e.1) < (entry.0, &entry.1));
            group.insert(pos, entry);
            self.review_group_of.insert(idx, key.clone());
            self.recount_group(&key, idx);
        }
    }

    /// The first `max_reviews_per_buyer_month` reviews of a group count.
    /// `busy` is the order being changed: its contribution is already out.
    fn recount_group(&mut self, key: &ReviewGroupKey, busy: u32) {
        let cap = self.cfg.max_reviews_per_buyer_month;
        let Some(group) = self.review_groups.get(key) else {
            return;
        };
        let changes: Vec<(u32, bool)> = group
            .iter()
            .enumerate()
            .filter_map(|(rank, &(_, _, o))| {
                let counted = rank < cap;
                (self.orders[o as usize].review_counted != counted).then_some((o, counted))
            })
            .collect();
        if group.is_empty() {
            self.review_groups.remove(key);
        }
        for (o, counted) in changes {
            if o == busy {
                self.orders[o as usize].review_counted = counted;
            } else {
                self.contribute(o, false);
                self.orders[o as usize].review_counted = counted;
                self.contribute(o, true);
            }
        }
    }

    /// Merges another engine's state into this one. The result equals an
    /// engine fed the union of both event sets. Both must share one configuration.
    pub fn merge(&mut self, other: Engine) -> Result<(), Error> {
        if self.cfg != other.cfg {
            return Err(Error::ConfigMismatch);
        }
        // the only other refusal: an order paid in both books; check first so
        // that a refused merge changes nothing
        self.book
            .check_merge(&other.book)
            .map_err(|e| Error::Merge(e.to_string()))?;
        // the book first: orders arriving below flush waiting events into it
        self.book
            .merge(&other.book)
            .map_err(|e| Error::Merge(e.to_string()))?;
        if let Some(t) = other.latest {
            self.latest = Some(self.latest.map_or(t, |l| l.max(t)));
        }
        for rule in &other.bonus_rules {
            if !self.bonus_rules.iter().any(|r| r.name() == rule.name()) {
                self.bonus_rules.push(rule.clone());
            }
        }
        for shop in &other.shops {
            let idx = self.shop_idx(&shop.id);
            if let Some(p) = &shop.profile {
                let slot = &mut self.shops[idx as usize].profile;
                if slot
                    .as_ref()
                    .is_none_or(|old| (old.at, &old.event) < (p.at, &p.event))
                {
                    *slot = Some(p.clone());
                }
            }
            for chat in &shop.chats {
                if !self.seen.contains(chat.id.as_ref()) {
                    let mut chat = chat.clone();
                    chat.certification = chat
                        .certification
                        .map(|cert| Self::intern(&mut self.strings, &cert));
                    self.apply_chat(idx, chat);
                }
            }
        }
        for order in &other.orders {
            let shop_id = &other.shops[order.shop as usize].id;
            let shop = self.shop_idx(shop_id);
            match self.order_index.get(&order.id).copied() {
                Some(idx) => {
                    let mut base = order.clone();
                    base.shop = shop;
                    base.review_counted = false;
                    self.insert_order(base);
                    for fact in order.facts() {
                        self.apply_fact(idx, &fact);
                    }
                }
                None => {
                    let mut fresh = order.clone();
                    fresh.shop = shop;
                    fresh.review_counted = false;
                    let id = fresh.id.clone();
                    // take it in without its review, then let the review join the cap group
                    let review = fresh.review.take();
                    self.insert_order(fresh);
                    if let Some(r) = review {
                        let idx = self.order_index[&id];
                        self.apply_fact(idx, &OrderFact::Review(r));
                    }
                }
            }
        }
        for (_, events) in other.pending {
            for e in events {
                if self.seen.contains(e.id()) {
                    continue;
                }
                let id: Arc<str> = Arc::from(e.id());
                self.seen.insert(id.clone());
                if self.order_index.contains_key(e.order_id().unwrap_or("")) {
                    self.apply_waiting(e, id);
                } else {
                    let order = Self::intern(&mut self.strings, e.order_id().unwrap_or(""));
                    self.pending.entry(order).or_default().push(e);
                }
            }
        }
        for id in &other.seen {
            if !self.seen.contains(id.as_ref()) {
                self.seen.insert(id.clone());
            }
        }
        Ok(())
    }
}

/// Refund events reach the price-protection book in request–completion pairs.
fn is_refund(event: &Event) -> bool {
    matches!(event, Event::RefundRequested(_) | Event::RefundCompleted(_))
}

/// A book refusal as an event error naming the event and the field.
fn book_error(event: &Event, e: PriceProtectionError) -> EventError {
    let (field, message) = match &e {
        PriceProtectionError::Invalid { field, .. }
        | PriceProtectionError::Overflow { field }
        | PriceProtectionError::ForeignSku { field, .. } => (field.clone(), e.to_string()),
        PriceProtectionError::Event(inner) => return inner.clone(),
        PriceProtectionError::UnknownOrder(_) | PriceProtectionError::DuplicateOrder(_) => {
            ("order_id".to_owned(), e.to_string())
        }
        PriceProtectionError::Capacity(_) => ("id".to_owned(), e.to_string()),
    };
    EventError::invalid(event.id(), &field, message)
}

fn mk<T>((at, event): (Timestamp, Arc<str>), value: T) -> Stamped<T> {
    Stamped { at, event, value }
}
