//! The engine: coordinates the components that hold the state, and answers
//! queries through them.
//!
//! Why this shape: each job lives in one component with its own update,
//! merge and size — ids ([`Catalog`]), orders ([`OrderState`] rows and
//! their SKU/tag lists), shops (`ShopLedger`: day counters), the rating
//! cap (`ReviewCap`), follow-ups waiting for their order (`Pending`),
//! the price-protection book and the bonus rules. The engine only routes an
//! event to them and keeps them consistent:
//!
//! - idempotent: a fact slot recognises the event it already holds, and
//!   facts that accumulate (chats, price drops) keep their event ids;
//! - order-independent: facts combine by their slot's rule (see
//!   [`crate::order`]);
//! - O(1) per event: an order's counter contribution is subtracted and
//!   re-added around each change;
//! - mergeable: two engines fed disjoint events merge into exactly the
//!   state of the union, through the same combine as ingestion.
//!
//! The components are private to this module: queries read them through
//! the shared borrows of the read-only view (`Engine::ledger`,
//! `Engine::orders`, …), so only ingestion, merge, snapshot reading and
//! configuration change them.

use std::sync::Arc;

use crate::board::Board;
use crate::bonus::BonusRule;
use crate::config::Config;
use crate::counters::{Increment, Target};
use crate::error::{ConfigError, Error, EventError};
use crate::event::{Event, OrderPaid, Timestamp};
use crate::history::HistoryCache;
use crate::ids::{
    CapacityError, Catalog, CategoryId, EventRef, Handle, OrderId, ShopId, SkuId, Table, TagId,
};
use crate::ingest::{Ahead, READ_AHEAD_FROM_ORDERS};
use crate::ledger::{ChatRecord, ShopLedger};
use crate::order::{
    Appealed, Lists, Offer, OrderFact, OrderState, OrderTable, Payment, RefundDone, RefundRequest,
    ReviewFact, Shipment,
};
use crate::pending::{Pending, Wait};
use crate::price_protection::{DropRun, LinePayout, PriceProtectionError, ProtectionBook};
use crate::problem::{self, Rules};
use crate::review_cap::{GroupKey, ReviewCap};
use crate::time::{Clock, LocalDay};

pub use crate::ingest::IngestReport;
pub use crate::ledger::Profile;

/// What happened to an accepted event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ingested {
    /// Applied to the state.
    Applied,
    /// Its id was seen before (the fact it carried is held, or lost to
    /// another by its slot's rule): nothing changed.
    Duplicate,
    /// It refers to an order not seen yet; it is applied when the order arrives.
    Pending,
}

/// The SKU and tag lists of every order.
#[derive(Clone, Debug, Default)]
pub(crate) struct OrderLists {
    pub skus: Lists<SkuId>,
    pub tags: Lists<TagId>,
}

/// The scoring engine. Cheap to query from many threads (`&self`); ingestion needs `&mut self`.
///
/// ```
/// # use truexp::Timestamp;
/// use truexp::Engine;
/// let mut engine = Engine::default();
/// let report = engine.ingest_jsonl(r#"{"type":"shop_profile","id":"p1","shop_id":"s1","at":1790000000,"category":"pet"}"#.as_bytes());
/// assert_eq!(report.accepted, 1);
/// let board = engine.scoreboard(Timestamp::constant(1_790_000_000));
/// assert_eq!(&*board.shops[0].shop_id, "s1");
/// assert!(board.shops[0].growth_stage);
/// ```
#[derive(Clone)]
pub struct Engine {
    cfg: Arc<Config>,
    clock: Clock,
    /// Every id, interned once.
    catalog: Catalog,
    /// Delivery norm (seconds) of each category handle.
    delivery_norm_secs: Vec<i64>,
    /// Shops and their day counters.
    ledger: ShopLedger,
    /// Orders, indexed by their [`OrderId`].
    orders: OrderTable,
    lists: OrderLists,
    review_cap: ReviewCap,
    pending: Pending,
    bonus_rules: Vec<Arc<dyn BonusRule>>,
    latest: Option<Timestamp>,
    book: ProtectionBook,
    deferred: Vec<EventError>,
    /// Block names of the configuration, shared by every score.
    block_names: Vec<Arc<str>>,
    /// Reused buffer for an order's counter increments (see [`Engine::apply_fact`]).
    increments: Vec<Increment>,
    increments_after: Vec<Increment>,
    /// The live scoreboard (see [`crate::board`]).
    pub(crate) board: Board,
    /// Category statistics kept for score histories (see [`crate::history`]).
    pub(crate) history: HistoryCache,
}

impl Default for Engine {
    fn default() -> Self {
        Engine::with_config(Config::default()).expect("the default configuration is valid")
    }
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("shops", &self.ledger.shops.len())
            .field("orders", &self.orders.len())
            .field("pending", &self.pending.len())
            .field("bonus_rules", &self.bonus_rules.len())
            .finish()
    }
}

/// A capacity refusal as an event error.
fn capacity(id: &str, field: &str, e: CapacityError) -> EventError {
    EventError::invalid(id, field, e.to_string())
}

impl Engine {
    // The read-only view queries use. The components are private to this
    // module, so only the engine's own paths (ingestion, merge, snapshot
    // reading, configuration) change them; every query module reads them
    // through these shared borrows and cannot write to them.

    /// The validated configuration.
    pub(crate) fn cfg(&self) -> &Config {
        &self.cfg
    }

    /// The clock mapping timestamps to local days.
    pub(crate) fn clock(&self) -> Clock {
        self.clock
    }

    /// Every interned id.
    pub(crate) fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    /// Shops and their day counters.
    pub(crate) fn ledger(&self) -> &ShopLedger {
        &self.ledger
    }

    /// Order rows.
    pub(crate) fn orders(&self) -> &OrderTable {
        &self.orders
    }

    /// Orders' SKU and tag lists.
    pub(crate) fn lists(&self) -> &OrderLists {
        &self.lists
    }

    /// The rating cap's groups.
    pub(crate) fn review_cap(&self) -> &ReviewCap {
        &self.review_cap
    }

    /// Block names of the configuration, shared by every score.
    pub(crate) fn block_names(&self) -> &[Arc<str>] {
        &self.block_names
    }

    /// Forgets which shops changed since the live scoreboard last looked:
    /// it has taken them in. The one write the scoreboard makes to the
    /// components.
    pub(crate) fn board_caught_up(&mut self) {
        self.ledger.touched.clear();
    }

    /// An engine with a validated configuration.
    pub fn with_config(cfg: Config) -> Result<Self, ConfigError> {
        cfg.validate()?;
        let block_names = cfg
            .blocks
            .iter()
            .map(|b| Arc::from(b.name.as_str()))
            .collect();
        let mut book = ProtectionBook::for_engine();
        book.set_funding(cfg.price_protection_funding);
        Ok(Engine {
            clock: Clock::new(cfg.timezone_offset_minutes),
            cfg: Arc::new(cfg),
            catalog: Catalog::default(),
            delivery_norm_secs: Vec::new(),
            ledger: ShopLedger::default(),
            orders: OrderTable::default(),
            lists: OrderLists::default(),
            review_cap: ReviewCap::default(),
            pending: Pending::default(),
            bonus_rules: Vec::new(),
            latest: None,
            book,
            deferred: Vec::new(),
            block_names,
            increments: Vec::new(),
            increments_after: Vec::new(),
            board: Board::default(),
            history: HistoryCache::default(),
        })
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.cfg
    }

    /// What classifying an order needs: the configuration and category norms.
    pub(crate) fn rules(&self) -> Rules<'_> {
        Rules {
            cfg: &self.cfg,
            delivery_norm_secs: &self.delivery_norm_secs,
            regions: &self.catalog.regions,
            exclusions: &self.cfg.exclusions,
        }
    }

    /// The id of the event that established a fact.
    pub(crate) fn event_id(&self, e: EventRef) -> Arc<str> {
        Arc::from(self.catalog.events.name(e))
    }

    /// An order's id.
    pub(crate) fn order_name(&self, o: OrderId) -> &str {
        self.book.order_ids().name(o)
    }

    /// A SKU's id.
    pub(crate) fn sku_name(&self, s: SkuId) -> &str {
        self.book.sku_ids().name(s)
    }

    /// An order's handle, when its payment is held.
    pub(crate) fn find_order(&self, id: &str) -> Option<OrderId> {
        (self.book.order_ids().get(id)).filter(|o| o.index() < self.orders.len())
    }

    /// Adds an industry bonus rule (a loaded plugin or a Rust implementation).
    /// Fails when a rule of the same name is already registered.
    pub fn add_bonus_rule(&mut self, rule: Arc<dyn BonusRule>) -> Result<(), Error> {
        self.add_bonus_rules(vec![rule])
    }

    /// Adds several bonus rules (a directory of plugins), all or none: fails,
    /// adding none, when one's name is already registered or appears twice.
    pub fn add_bonus_rules(&mut self, rules: Vec<Arc<dyn BonusRule>>) -> Result<(), Error> {
        for (i, rule) in rules.iter().enumerate() {
            let mut before = self.bonus_rules.iter().chain(&rules[..i]);
            if before.any(|r| r.name() == rule.name()) {
                return Err(Error::DuplicateBonusRule(rule.name().to_owned()));
            }
        }
        self.bonus_rules.extend(rules);
        self.ledger.touched.reshaped();
        self.history.clear();
        Ok(())
    }

    /// The registered bonus rules.
    pub fn bonus_rules(&self) -> &[Arc<dyn BonusRule>] {
        &self.bonus_rules
    }

    /// Number of distinct events accepted: each order's payment and every
    /// fact slot it fills, each profile, chat session and price change, each
    /// event whose fact lost to another by its slot's rule, and each
    /// follow-up waiting for its order. O(orders).
    pub fn event_count(&self) -> usize {
        let orders: usize = self.orders.iter().map(OrderState::fact_count).sum();
        let profiles = self
            .ledger
            .shops
            .iter()
            .filter(|s| s.profile.get().is_some())
            .count();
        orders
            + profiles
            + self.catalog.superseded.len()
            + self.catalog.chats.len()
            + self.catalog.price_changes.len()
            + self.pending.len()
    }

    /// The latest timestamp any applied event carries (a natural `as_of` for
    /// batch runs). Follow-ups still waiting for their order do not count.
    pub fn latest_event_time(&self) -> Option<Timestamp> {
        self.latest
    }

    /// Number of orders held.
    pub fn order_count(&self) -> usize {
        self.orders.len()
    }

    /// Ids of every shop, sorted.
    pub fn shop_ids(&self) -> Vec<&str> {
        let mut ids: Vec<&str> = self.ledger.shops.iter().map(|s| s.id.as_ref()).collect();
        ids.sort_unstable();
        ids
    }

    /// Events still waiting for their order, each as the error it will be
    /// if the order never arrives: the event id and the `order_id` field.
    pub fn pending(&self) -> Vec<EventError> {
        let mut out: Vec<EventError> = self
            .pending
            .iter()
            .map(|(order, e)| {
                EventError::invalid(e.id(), "order_id", format!("unknown order `{order}`"))
            })
            .collect();
        out.sort_by(|a, b| a.event_id.cmp(&b.event_id));
        out
    }

    /// Approximate bytes of state held, by component: what the benchmark
    /// divides by the number of orders.
    pub fn state_bytes(&self) -> StateBytes {
        StateBytes {
            ids: self.catalog.heap_bytes(),
            orders: self.orders.heap_bytes()
                + self.lists.skus.heap_bytes()
                + self.lists.tags.heap_bytes(),
            shops: self.ledger.heap_bytes(),
            review_cap: self.review_cap.heap_bytes(),
            book: self.book.approx_heap_bytes(),
            scoreboard: self.board.heap_bytes(),
        }
    }

    /// The index of a shop, if known.
    pub(crate) fn find_shop(&self, id: &str) -> Option<ShopId> {
        self.ledger.find(id)
    }

    /// Reads (and sums, for `black_box`) what applying `event` will read
    /// first, so that its cache misses overlap other events' instead of
    /// stalling one at a time: called twice some events ahead of applying
    /// it, the second time nearer. [`Ahead::Slot`]: the table slots where
    /// its id look-ups start; [`Ahead::Row`]: the order's row and its
    /// shop's state (the look-ups then mostly hit the cache).
    ///
    /// Below [`READ_AHEAD_FROM_ORDERS`] orders the state fits in cache and
    /// this reads nothing (touching would only cost).
    pub(crate) fn touch_ahead(&self, event: &Event, stage: Ahead) -> u64 {
        if self.orders.len() < READ_AHEAD_FROM_ORDERS {
            return 0;
        }
        self.read_ahead(event, stage)
    }

    /// [`Engine::touch_ahead`], whatever the engine's size.
    fn read_ahead(&self, event: &Event, stage: Ahead) -> u64 {
        let Some(order) = event.order_id() else {
            return 0;
        };
        if stage == Ahead::Slot {
            let mut sum = self.book.order_ids().first_slot(order);
            if let Event::OrderPaid(p) = event {
                sum = sum
                    .wrapping_add(self.ledger.first_slot(&p.shop_id))
                    .wrapping_add(self.catalog.buyers.first_slot(&p.buyer_id));
                for line in &p.lines {
                    sum = sum.wrapping_add(self.book.sku_ids().first_slot(&line.sku));
                }
            }
            return sum;
        }
        let shop = match event {
            Event::OrderPaid(p) => self.ledger.find(&p.shop_id),
            _ => (self.find_order(order)).map(|o| self.orders[o].shop),
        };
        shop.map_or(0, |s| self.ledger.shops[s].last_fact_at.as_secs() as u64)
    }

    /// Parses, validates and ingests one JSON event.
    pub fn ingest_json(&mut self, line: &str) -> Result<Ingested, EventError> {
        // `ingest` validates
        let event = crate::jsonl::parse_unvalidated(line)?;
        self.ingest(event)
    }

    /// Validates and ingests one event. A refused event changes nothing.
    pub fn ingest(&mut self, event: Event) -> Result<Ingested, EventError> {
        event.validate()?;
        self.ingest_valid(&event)
    }

    /// Ingests an event validated before (on any thread). A refused event
    /// changes nothing.
    pub fn ingest_validated(
        &mut self,
        event: &crate::event::ValidEvent,
    ) -> Result<Ingested, EventError> {
        self.ingest_valid(event.event())
    }

    /// Ingests an event [`Event::validate`] accepted.
    pub(crate) fn ingest_valid(&mut self, event: &Event) -> Result<Ingested, EventError> {
        self.history.clear();
        let mut order_idx = None;
        if let Event::OrderPaid(p) = event {
            // one look-up serves the book, the repeat check and the insert
            order_idx = self.find_order(&p.order_id);
        } else if let Some(order) = event.order_id() {
            order_idx = self.find_order(order);
            if order_idx.is_none() {
                let order = order.to_owned();
                let id = event.id().to_owned();
                return match self
                    .pending
                    .wait(&order, event, self.cfg.limits.max_pending_events)
                {
                    Wait::Kept => Ok(Ingested::Pending),
                    Wait::Repeat => Ok(Ingested::Duplicate),
                    Wait::Full => Err(EventError::invalid(
                        &id,
                        "order_id",
                        format!(
                            "unknown order `{order}`, and {} follow-ups already wait for \
                             orders not seen (limits.max_pending_events)",
                            self.pending.len()
                        ),
                    )),
                };
            }
        }
        // facts that accumulate keep their event ids: a repeat is known here
        match event {
            Event::PriceChange(p) if self.catalog.price_changes.get(&p.id).is_some() => {
                return Ok(Ingested::Duplicate)
            }
            _ => {}
        }
        // the book checks what only it can (overflow, windows); a refusal
        // leaves the engine untouched. Refunds reach it in pairs, later.
        let mut new_order_of = None;
        match (event, order_idx) {
            (Event::OrderPaid(p), None) => {
                // one order-id table, the book's: it takes the id with the
                // lines and the engine's row gets the same handle; one shop
                // numbering, the ledger's. Room is checked first, then what
                // the book refuses, so a refusal leaves no trace.
                self.payment_room(p)?;
                let checked = (self.book.check_new_order(p)).map_err(|e| book_error(&p.id, e))?;
                let shop = (self.ledger.intern(&p.shop_id))
                    .map_err(|err| capacity(&p.id, "shop_id", err))?;
                (self.book.add_engine_order(p, checked, shop)).map_err(|e| book_error(&p.id, e))?;
                new_order_of = Some(shop);
            }
            // its policy is taken with the profile, below
            (Event::ShopProfile(p), _) => {
                ProtectionBook::check_profile(p).map_err(|e| book_error(&p.id, e))?;
            }
            // a payment of an order held: the engine reconciles it
            (Event::OrderPaid(_), Some(_)) => {}
            (_, Some(o)) if !is_refund(event) => self
                .book
                .apply_to_order(o, event)
                .map_err(|e| book_error(event.id(), e))?,
            _ if !is_refund(event) => self.book_apply(event)?,
            _ => {}
        }
        let outcome = match (event, new_order_of) {
            // room checked and the shop interned above: the engine's row
            (Event::OrderPaid(p), Some(shop)) => self.add_payment(p, None, shop)?,
            _ => self.apply(event, order_idx)?,
        };
        if outcome == Ingested::Applied {
            let t = event.latest_time();
            self.latest = Some(self.latest.map_or(t, |l| l.max(t)));
        }
        Ok(outcome)
    }

    /// Feeds the price-protection book. A second payment event for an order
    /// the book holds is not an error here: the engine reconciles it.
    fn book_apply(&mut self, event: &Event) -> Result<(), EventError> {
        match self.book.apply(event) {
            Ok(_) | Err(PriceProtectionError::DuplicateOrder(_)) => Ok(()),
            Err(e) => Err(book_error(event.id(), e)),
        }
    }

    /// Refusals the engine could only make after accepting an event: an
    /// event that waited for its order and was refused when it arrived
    /// (nothing it carried was applied). (Returned units the book cannot
    /// hold are capped at the line's quantity, not refused.)
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

    /// Applies a validated event the book accepted. Only a capacity limit
    /// can still refuse it, before anything changed.
    /// `order` is the follow-up's order index when the caller has looked it up.
    fn apply(&mut self, event: &Event, order_idx: Option<OrderId>) -> Result<Ingested, EventError> {
        let id = event.id();
        let (order, at, fact) = match event {
            Event::OrderPaid(e) => {
                return self.apply_payment(e, order_idx);
            }
            Event::ShopProfile(p) => {
                let shop = self
                    .ledger
                    .intern(&p.shop_id)
                    .map_err(|e| capacity(id, "shop_id", e))?;
                let profile = Profile {
                    name: p.name.clone(),
                    category: Arc::from(p.category.as_str()),
                    certifications: p.certifications.clone(),
                    services: p.services.clone(),
                    price_protection: p.price_protection.clone(),
                };
                let offer = self.ledger.shops[shop]
                    .offer_profile(p.at, id, profile, &mut self.catalog.events)
                    .map_err(|e| capacity(id, "id", e))?;
                // the book keeps the latest policy by the same order
                self.book.set_engine_policy(shop, p);
                if taken(offer) {
                    // a profile names the category and what bonus rules see
                    self.ledger.touched.reshaped();
                }
                return self.settle(id, offer).map_err(|e| capacity(id, "id", e));
            }
            Event::Chat(c) => {
                let shop = self
                    .ledger
                    .intern(&c.shop_id)
                    .map_err(|e| capacity(id, "shop_id", e))?;
                let certification = (c.agent_certification.as_deref())
                    .map(|cert| self.catalog.certs.intern(cert))
                    .transpose()
                    .map_err(|e| capacity(id, "agent_certification", e))?;
                let agent = (c.agent_id.as_deref())
                    .map(|a| self.catalog.agents.intern(a))
                    .transpose()
                    .map_err(|e| capacity(id, "agent_id", e))?;
                // chats accumulate: their ids are kept, and a repeat is known here
                let (chat, new) = self
                    .catalog
                    .chats
                    .intern_new(id)
                    .map_err(|e| capacity(id, "id", e))?;
                if !new {
                    return Ok(Ingested::Duplicate);
                }
                self.apply_chat(
                    shop,
                    ChatRecord {
                        id: chat,
                        started_at: c.started_at,
                        first_response_secs: c.first_response_secs,
                        satisfaction: c.satisfaction,
                        certification,
                        agent,
                    },
                );
                return Ok(Ingested::Applied);
            }
            Event::PriceChange(_) => {
                self.catalog
                    .price_changes
                    .intern(id)
                    .map_err(|e| capacity(id, "id", e))?;
                return Ok(Ingested::Applied);
            }
            Event::RiskVerdict(e) => (&e.order_id, e.at, OrderFact::Verdict(e.fake)),
            Event::Shipped(e) => (
                &e.order_id,
                e.at,
                OrderFact::Shipped(Shipment::new(e.pickup_at, e.tracking_valid)),
            ),
            Event::Delivered(e) => (&e.order_id, e.at, OrderFact::Delivered),
            Event::TrackingAnomaly(e) => (&e.order_id, e.at, OrderFact::Anomaly(e.fake_shipment)),
            Event::Review(e) => {
                let reviewer = self
                    .catalog
                    .buyers
                    .intern(&e.reviewer)
                    .map_err(|err| capacity(id, "reviewer", err))?;
                let stars = |s: i64| u8::try_from(s).unwrap_or(u8::MAX);
                (
                    &e.order_id,
                    e.at,
                    OrderFact::Review(ReviewFact {
                        reviewer,
                        product: stars(e.product_stars),
                        logistics: e.logistics_stars.map(stars),
                        service: e.service_stars.map(stars),
                        suspicious: e.suspicious,
                    }),
                )
            }
            Event::RefundRequested(e) => {
                let refund = self
                    .catalog
                    .refunds
                    .intern(&e.refund_id)
                    .map_err(|err| capacity(id, "refund_id", err))?;
                let sku = (e.sku.as_deref())
                    .map(|s| self.book.sku_ids_mut().intern(s))
                    .transpose()
                    .map_err(|err| capacity(id, "sku", err))?;
                (
                    &e.order_id,
                    e.at,
                    OrderFact::RefundRequested(
                        refund,
                        RefundRequest {
                            kind: e.kind,
                            reason: e.reason,
                            amount: e.amount,
                            sku,
                            units: e.units,
                        },
                    ),
                )
            }
            Event::RefundCompleted(e) => {
                let refund = self
                    .catalog
                    .refunds
                    .intern(&e.refund_id)
                    .map_err(|err| capacity(id, "refund_id", err))?;
                (
                    &e.order_id,
                    e.at,
                    OrderFact::RefundCompleted(
                        refund,
                        RefundDone {
                            amount: e.amount,
                            units_returned: e.units_returned,
                        },
                    ),
                )
            }
            Event::PlatformIntervention(e) => (&e.order_id, e.at, OrderFact::Intervention),
            Event::DisputeRuled(e) => (&e.order_id, e.at, OrderFact::Dispute(e.for_party)),
            Event::Complaint(e) => (&e.order_id, e.at, OrderFact::Complaint),
            Event::Chargeback(e) => (&e.order_id, e.at, OrderFact::Chargeback),
            Event::AtozClaim(e) => (&e.order_id, e.at, OrderFact::Atoz(e.outcome)),
            Event::SellerCancelled(e) => (&e.order_id, e.at, OrderFact::SellerCancelled),
            Event::AppealGranted(e) => {
                let Some(what) = Appealed::of(e.scope, e.reason) else {
                    let msg = "an appeal of a label names its reason".to_owned();
                    return Err(EventError::invalid(id, "reason", msg));
                };
                (&e.order_id, e.at, OrderFact::Appeal(what))
            }
        };
        let idx = match order_idx {
            Some(i) => i,
            None => (self.find_order(order)).expect("follow-ups of unknown orders wait"),
        };
        let offer = self
            .apply_fact(idx, at, id, fact)
            .map_err(|e| capacity(id, "id", e))?;
        if taken(offer) {
            if let OrderFact::RefundRequested(refund, _) | OrderFact::RefundCompleted(refund, _) =
                fact
            {
                self.refund_to_book(idx, refund);
            }
        }
        self.settle(id, offer).map_err(|e| capacity(id, "id", e))
    }

    /// What an offer of event `id` to a slot means for the caller, keeping
    /// the ids of superseded facts so that a repeat of one is still known:
    /// each distinct event is accepted once, whatever the arrival order.
    fn settle(&mut self, id: &str, offer: Offer) -> Result<Ingested, CapacityError> {
        let superseded = &mut self.catalog.superseded;
        Ok(match offer {
            Offer::Taken => Ingested::Applied,
            Offer::Replaced(old) => {
                superseded.intern(self.catalog.events.name(old))?;
                Ingested::Applied
            }
            Offer::Kept if superseded.get(id).is_some() => Ingested::Duplicate,
            Offer::Kept => {
                superseded.intern(id)?;
                Ingested::Applied
            }
            Offer::Same => Ingested::Duplicate,
        })
    }

    /// Interns what a payment names and adds (or reconciles) its order.
    /// `held` is the order's handle when the engine holds the order.
    fn apply_payment(
        &mut self,
        e: &OrderPaid,
        held: Option<OrderId>,
    ) -> Result<Ingested, EventError> {
        let id = e.id.as_str();
        // the payment event the order holds, again: a repeat only if it says
        // the same (checked before anything is interned: a refusal, or a
        // repeat, leaves no trace such as a new shop)
        if let Some(oid) = held {
            let order = &self.orders[oid];
            if self.catalog.events.name(order.paid_event) == id {
                return match self.payment_differs(order, e) {
                    None => Ok(Ingested::Duplicate),
                    Some(field) => Err(EventError::invalid(
                        id,
                        field,
                        format!(
                            "event `{}` was already applied to order `{}` with a different \
                             `{field}`; a repeated event must be identical",
                            id.escape_debug(),
                            e.order_id.escape_debug()
                        ),
                    )),
                };
            }
        }
        self.payment_room(e)?;
        let shop = self
            .ledger
            .intern(&e.shop_id)
            .map_err(|err| capacity(id, "shop_id", err))?;
        self.add_payment(e, held, shop)
    }

    /// Adds (or reconciles) the order of payment `e` of shop `shop`, its
    /// room checked (see [`Engine::payment_room`]).
    fn add_payment(
        &mut self,
        e: &OrderPaid,
        held: Option<OrderId>,
        shop: ShopId,
    ) -> Result<Ingested, EventError> {
        let id = e.id.as_str();
        let payment = self
            .payment(e, shop)
            .map_err(|err| capacity(id, "lines", err))?;
        self.insert_order(&e.order_id, held, payment, id)
            .map_err(|err| capacity(id, "order_id", err))
    }

    /// Room for a payment's ids, checked first so that a refusal leaves
    /// nothing half-interned (and the book and the engine in step).
    fn payment_room(&self, e: &OrderPaid) -> Result<(), EventError> {
        let lines = e.lines.len() + e.tags.len();
        if !self.book.order_ids().has_room(1)
            || !self.book.sku_ids().has_room(lines)
            || !self.ledger.has_room(1)
            || !self.catalog.buyers.has_room(1)
            || !self.catalog.events.has_room(1)
        {
            return Err(capacity(&e.id, "order_id", CapacityError { kind: "ids" }));
        }
        if let Some(r) = &e.region {
            if self.catalog.regions.get(r).is_none()
                && self.catalog.regions.len() >= crate::ids::MAX_REGIONS
            {
                let kind = <crate::ids::RegionId as Handle>::KIND;
                return Err(capacity(&e.id, "region", CapacityError { kind }));
            }
        }
        Ok(())
    }

    /// The first payment field in which `e` differs from what `order` holds
    /// of its payment event (line-level detail with the same SKUs and total
    /// is held by the price-protection book, not compared here).
    fn payment_differs(&self, order: &OrderState, e: &OrderPaid) -> Option<&'static str> {
        let c = &self.catalog;
        let amount = e.amount();
        let mut skus: Vec<&str> = e.lines.iter().map(|l| l.sku.as_str()).collect();
        skus.sort_unstable();
        skus.dedup();
        let held_skus: Vec<&str> = self
            .lists
            .skus
            .get(order.skus)
            .iter()
            .map(|&k| self.sku_name(k))
            .collect();
        let held_tags: Vec<&str> = self
            .lists
            .tags
            .get(order.tags)
            .iter()
            .map(|&t| c.tags.name(t))
            .collect();
        if *self.ledger.shops[order.shop].id != *e.shop_id {
            Some("shop_id")
        } else if c.buyers.name(order.buyer) != e.buyer_id {
            Some("buyer_id")
        } else if c.categories.name(order.category) != e.category {
            Some("category")
        } else if order.paid_at != e.paid_at {
            Some("paid_at")
        } else if order.ordered_at() != e.ordered_at.unwrap_or(e.paid_at) {
            Some("ordered_at")
        } else if order.ship_by() != e.ship_by {
            Some("ship_by")
        } else if order.deliver_by() != e.deliver_by {
            Some("deliver_by")
        } else if Some(order.amount) != amount || held_skus != skus {
            Some("lines")
        } else if held_tags != e.tags.iter().map(String::as_str).collect::<Vec<_>>() {
            Some("tags")
        } else if order.paid_fake != e.risk.fake {
            Some("risk")
        } else if order.region.map(|r| c.regions.name(r)) != e.region.as_deref() {
            Some("region")
        } else {
            None
        }
    }

    /// The payment fields of an order, with its ids interned.
    fn payment(&mut self, e: &OrderPaid, shop: ShopId) -> Result<Payment, CapacityError> {
        // a new order's lines are the book's last (it has just taken them,
        // SKUs interned); a replacement payment's SKUs are looked up
        let next = self.orders.len();
        let mut skus: Vec<SkuId> = if self.book.order_count() == next + 1 {
            self.book
                .line_sku_ids(OrderId::from_index(next as u32))
                .collect()
        } else {
            let mut skus = Vec::with_capacity(e.lines.len());
            for l in &e.lines {
                skus.push(self.book.sku_ids_mut().intern(&l.sku)?);
            }
            skus
        };
        debug_assert!(skus
            .iter()
            .map(|&s| self.sku_name(s))
            .eq(e.lines.iter().map(|l| l.sku.as_str())));
        let names = self.book.sku_ids();
        skus.sort_unstable_by(|&a, &b| names.name(a).cmp(names.name(b)));
        skus.dedup();
        let mut tags = Vec::with_capacity(e.tags.len());
        for t in &e.tags {
            tags.push(self.catalog.tags.intern(t)?);
        }
        Ok(Payment {
            shop,
            buyer: self.catalog.buyers.intern(&e.buyer_id)?,
            category: self.category(&e.category)?,
            ordered_at: e.ordered_at.unwrap_or(e.paid_at),
            paid_at: e.paid_at,
            ship_by: e.ship_by,
            deliver_by: e.deliver_by,
            // validation refused any payment whose amount is out of range
            amount: e.amount().unwrap_or_default(),
            tags: self.lists.tags.push(&tags)?,
            skus: self.lists.skus.push(&skus)?,
            fake: e.risk.fake,
            region: e
                .region
                .as_deref()
                .map(|r| self.catalog.region(r))
                .transpose()?,
        })
    }

    /// A category's handle; its delivery norm is resolved the first time.
    fn category(&mut self, name: &str) -> Result<CategoryId, CapacityError> {
        let c = self.catalog.categories.intern(name)?;
        if c.index() >= self.delivery_norm_secs.len() {
            let p = &self.cfg.problems;
            let hours = p
                .delivery_norm_hours
                .get(name)
                .copied()
                .unwrap_or(p.default_delivery_norm_hours);
            self.delivery_norm_secs.push(problem::hours_to_secs(hours));
        }
        Ok(c)
    }

    /// Tells the price-protection book of a refund's change: the money
    /// refunded and the units returned on each line of the order, both
    /// recomputed whole from every refund the order holds.
    fn refund_to_book(&mut self, idx: OrderId, refund: crate::ids::RefundId) {
        self.refunds_to_book(idx);
        self.returns_to_book(idx);
        // both halves handed over (kept in snapshots; nothing reads it now
        // that every change recomputes the order's returns whole)
        if let Some(case) = (self.orders[idx].rare.as_mut())
            .and_then(|r| r.refunds.iter_mut().find(|c| c.refund_id == refund))
        {
            case.in_book = case.requested.get().is_some() && case.completed.get().is_some();
        }
    }

    /// Tells the price-protection book the money refunded on each line of
    /// the order, from every completed refund the order holds (the SKU its
    /// request named, if seen): recomputed whole, so a request arriving
    /// after its completion moves the money to its line, and any arrival
    /// order or merge gives the same book. A refusal (none expected: the
    /// amounts were validated) is kept in [`Engine::deferred_errors`].
    fn refunds_to_book(&mut self, idx: OrderId) {
        let Some(rare) = self.orders[idx].rare.as_ref() else {
            return;
        };
        let mut refunds = Vec::with_capacity(rare.refunds.len());
        for case in &rare.refunds {
            if let Some(done) = case.completed.get() {
                let sku = (case.requested.get()).and_then(|r| r.value.sku);
                refunds.push((sku, done.value.amount, done.at()));
            }
        }
        if refunds.is_empty() {
            return;
        }
        if let Err(e) = self.book.set_refunds_at(idx, &refunds) {
            self.defer_book_error(idx, e);
        }
    }

    /// Tells the price-protection book the units returned on each line of
    /// the order, from every refund whose request (the SKU) and completion
    /// (units, time) it holds: recomputed whole, so a request or completion
    /// replaced by an earlier one of the same refund moves the return, and
    /// any arrival order or merge gives the same book. Not redone when a
    /// snapshot is read: the book's timelines hold the returns (a file
    /// without dates holds them at the start, which this would move).
    fn returns_to_book(&mut self, idx: OrderId) {
        let Some(rare) = self.orders[idx].rare.as_ref() else {
            return;
        };
        let mut returns = Vec::new();
        for case in &rare.refunds {
            if let (Some(req), Some(done)) = (case.requested.get(), case.completed.get()) {
                if let Some(units) = done.value.units_returned {
                    returns.push((req.value.sku, units, done.at()));
                }
            }
        }
        if let Err(e) = self.book.set_returns_at(idx, &returns) {
            self.defer_book_error(idx, e);
        }
    }

    /// Keeps a refusal of the book's, named by the order's latest refund
    /// completion by (time, event id) (whatever the arrival order), in
    /// [`Engine::deferred_errors`].
    fn defer_book_error(&mut self, idx: OrderId, e: PriceProtectionError) {
        let names = &self.catalog.events;
        let latest = (self.orders[idx].refunds().iter())
            .filter_map(|c| c.completed.get())
            .max_by(|a, b| (a.at(), names.name(a.event)).cmp(&(b.at(), names.name(b.event))));
        let id = latest.map_or("", |d| names.name(d.event));
        let err = book_error(id, e);
        self.deferred.push(err);
    }

    fn apply_chat(&mut self, shop: ShopId, c: ChatRecord) {
        self.count_chat(shop, &c);
        self.ledger.shops[shop].note_fact_at(c.started_at);
        self.ledger.shops[shop].chats.push(c);
    }

    /// Adds a chat session to its shop's day counters.
    fn count_chat(&mut self, shop: ShopId, c: &ChatRecord) {
        let day = self.clock.day(c.started_at);
        self.ledger.touched.shop(shop, day);
        self.ledger.shops[shop].count_chat(&self.cfg, day, c, true);
    }

    /// Adds an order from its payment event `id`, or reconciles a second
    /// payment event for the same order id (the smaller event id wins,
    /// whatever the arrival order; facts already gathered are kept).
    /// `held` is the order's handle when the engine holds the order.
    fn insert_order(
        &mut self,
        order_id: &str,
        held: Option<OrderId>,
        payment: Payment,
        id: &str,
    ) -> Result<Ingested, CapacityError> {
        if let Some(idx) = held {
            let held = self.catalog.events.name(self.orders[idx].paid_event);
            if id == held {
                return Ok(Ingested::Duplicate);
            }
            if id > held {
                return self.settle(id, Offer::Kept);
            }
            let held = held.to_owned();
            self.catalog.superseded.intern(&held)?;
            self.contribute(idx, false);
            self.leave_review_group(idx);
            let old = self.orders[idx].clone();
            let mut fresh = OrderState::new(payment, id, &mut self.catalog.events)?;
            let events = &mut self.catalog.events;
            let mut result = Ok(());
            let mut reapply = |at, ev, fact| {
                if ev == old.paid_event || result.is_err() {
                    return; // the old payment's own verdict goes with it
                }
                let name = events.name(ev).to_owned();
                if let Err(e) = fresh.apply(at, &name, fact, events) {
                    result = Err(e);
                }
            };
            old.for_each_fact(&mut reapply);
            old.for_each_superseded(&mut reapply);
            fresh.review_counted = false;
            if old.shop != fresh.shop {
                self.ledger.shops[old.shop].orders.retain(|&o| o != idx);
                self.ledger.shops[fresh.shop].orders.push(idx);
            }
            self.note_order_category(&fresh);
            self.ledger.shops[fresh.shop].note_fact_at(fresh.last_fact_at());
            self.orders.replace(idx, fresh);
            self.join_review_group(idx);
            self.contribute(idx, true);
            self.sync_book_fake(idx);
            result?;
            return Ok(Ingested::Applied);
        }
        let order = OrderState::new(payment, id, &mut self.catalog.events)?;
        // the book took the order's id with its lines: the next handle
        let idx =
            OrderId::from_index(u32::try_from(self.orders.len()).map_err(|_| CapacityError {
                kind: <OrderId as Handle>::KIND,
            })?);
        debug_assert_eq!(self.book.order_id(idx), order_id);
        self.note_order_category(&order);
        let shop = &mut self.ledger.shops[order.shop];
        shop.orders.push(idx);
        shop.note_fact_at(order.paid_at);
        self.orders.push(order);
        self.contribute(idx, true);
        // the book took the payment's own fake flag with the order; a verdict
        // waiting below tells it of a change
        for e in self.pending.take(order_id) {
            self.apply_waiting(e);
        }
        Ok(Ingested::Applied)
    }

    /// Applies an accepted event that waited for its order: through the book
    /// first; a refusal there (known only now) is kept in [`Engine::deferred_errors`].
    fn apply_waiting(&mut self, event: Event) {
        if !is_refund(&event) {
            if let Err(e) = self.book_apply(&event) {
                self.deferred.push(e);
                return;
            }
        }
        match self.apply(&event, None) {
            Ok(Ingested::Applied) => {
                let t = event.latest_time();
                self.latest = Some(self.latest.map_or(t, |l| l.max(t)));
            }
            Ok(_) => {}
            Err(e) => self.deferred.push(e),
        }
    }

    fn note_order_category(&mut self, order: &OrderState) {
        let shop = &mut self.ledger.shops[order.shop];
        if shop.order_category_handle == Some(order.category) {
            return; // nearly every payment: the shop's usual category
        }
        let name = self.catalog.categories.name(order.category);
        match shop.order_category.as_deref() {
            Some(held) if held == name => shop.order_category_handle = Some(order.category),
            Some(held) if held < name => {}
            _ => {
                shop.order_category = Some(Arc::from(name));
                shop.order_category_handle = Some(order.category);
                self.ledger.touched.reshaped();
            }
        }
    }

    /// Offers a fact to an order, keeping counters and the rating cap in step.
    fn apply_fact(
        &mut self,
        idx: OrderId,
        at: Timestamp,
        id: &str,
        fact: OrderFact,
    ) -> Result<Offer, CapacityError> {
        let touches_reviews = matches!(
            fact,
            OrderFact::Review(_) | OrderFact::Verdict(_) | OrderFact::Appeal(Appealed::Review)
        );
        // Most facts move one or two of an order's increments: the counters
        // change by the difference between before and after, not by taking
        // every increment out and putting it back.
        let mut before = std::mem::take(&mut self.increments);
        self.increments_of(idx, &mut before);
        if touches_reviews {
            self.leave_review_group(idx);
        }
        let offer = self.orders[idx].apply(at, id, fact, &mut self.catalog.events);
        let happened = match fact {
            OrderFact::Shipped(s) => s.pickup_at().map_or(at, |p| p.max(at)),
            _ => at,
        };
        let shop = self.orders[idx].shop;
        self.ledger.shops[shop].note_fact_at(happened);
        self.orders.note_fact_at(idx, happened);
        if touches_reviews {
            self.join_review_group(idx);
        }
        self.change_increments(idx, &before);
        self.increments = before;
        if matches!(fact, OrderFact::Verdict(_)) {
            self.sync_book_fake(idx);
        }
        offer
    }

    /// Tells the price-protection book the order's current risk verdict:
    /// fake (brushing) orders receive no protection, like they count nowhere.
    fn sync_book_fake(&mut self, idx: OrderId) {
        let fake = self.orders[idx].is_fake();
        self.book.set_fake_at(idx, fake);
    }

    /// Adds (`add`) or subtracts the order's contribution to its shop's counters.
    fn contribute(&mut self, idx: OrderId, add: bool) {
        let mut list = std::mem::take(&mut self.increments);
        self.increments_of(idx, &mut list);
        for &inc in &list {
            self.count_increment(idx, inc, add);
        }
        self.increments = list;
    }

    /// The order's increments now, into `out`.
    fn increments_of(&self, idx: OrderId, out: &mut Vec<Increment>) {
        self.order_increments(&self.orders[idx], out);
    }

    /// Moves the shop's counters from the order's increments `before` to
    /// its increments now: what both hold is left alone.
    fn change_increments(&mut self, idx: OrderId, before: &[Increment]) {
        let mut after = std::mem::take(&mut self.increments_after);
        self.increments_of(idx, &mut after);
        // a handful of entries each: a quadratic match is the fast one;
        // an entry matched is overwritten so that it matches only once
        const MATCHED: Increment = (Target::Awaiting(0), LocalDay::MIN, 0);
        for &old in before {
            match after.iter().position(|&new| new == old) {
                Some(j) => after[j] = MATCHED,
                None => self.count_increment(idx, old, false),
            }
        }
        for &new in &after {
            if new != MATCHED {
                self.count_increment(idx, new, true);
            }
        }
        self.increments_after = after;
    }

    /// Adds (`add`) or subtracts one increment of the order to its shop.
    fn count_increment(&mut self, idx: OrderId, inc: Increment, add: bool) {
        let order = &self.orders[idx];
        self.ledger.touched.shop(order.shop, inc.1);
        let tags = self.lists.tags.get(order.tags);
        self.ledger.shops[order.shop].count_increment(order.paid_at, tags, inc, add);
    }

    fn review_key(&self, idx: OrderId) -> Option<GroupKey> {
        self.rating_group(&self.orders[idx])
    }

    /// Removes an order (whose contribution is already subtracted) from its review group.
    fn leave_review_group(&mut self, idx: OrderId) {
        if let Some(key) = self.review_key(idx) {
            self.review_cap.leave(key, idx);
            self.orders[idx].review_counted = false;
            self.recount_group(key, idx);
        }
    }

    /// Puts an order (whose contribution is subtracted) into its review group.
    fn join_review_group(&mut self, idx: OrderId) {
        if let Some(key) = self.review_key(idx) {
            let (orders, events) = (&self.orders, &self.catalog.events);
            let stamp = |o: OrderId| {
                let r = orders[o]
                    .review
                    .get()
                    .expect("grouped orders hold a review");
                (r.at(), events.name(r.event))
            };
            self.review_cap
                .join(key, idx, |a, b| stamp(a).cmp(&stamp(b)));
            self.recount_group(key, idx);
        }
    }

    /// The first `max_reviews_per_buyer_month` reviews of a group count.
    /// `busy` is the order being changed: its contribution is already out.
    fn recount_group(&mut self, key: GroupKey, busy: OrderId) {
        let cap = self.cfg.max_reviews_per_buyer_month;
        let changes: Vec<(OrderId, bool)> = self
            .review_cap
            .members(key)
            .iter()
            .enumerate()
            .filter_map(|(rank, &o)| {
                let counted = rank < cap;
                (self.orders[o].review_counted != counted).then_some((o, counted))
            })
            .collect();
        for (o, counted) in changes {
            if o == busy {
                self.orders[o].review_counted = counted;
            } else {
                self.contribute(o, false);
                self.orders[o].review_counted = counted;
                self.contribute(o, true);
            }
        }
    }

    /// Merges another engine's state into this one. The result equals an
    /// engine fed the union of both event sets. Both must share one configuration.
    pub fn merge(&mut self, other: Engine) -> Result<(), Error> {
        self.history.clear();
        if self.cfg != other.cfg {
            return Err(Error::ConfigMismatch);
        }
        // the only other refusals: an order paid in both books, or a table
        // past its limit; check first so that a refused merge changes nothing
        self.book
            .check_engine_merge(&other.book)
            .map_err(|e| Error::Merge(e.to_string()))?;
        let oc = &other.catalog;
        let room = (self.book.order_ids()).has_room(other.book.order_ids().len())
            && self.ledger.has_room(other.ledger.shops.len())
            && (self.book.sku_ids()).has_room(other.book.sku_ids().len())
            && self.catalog.buyers.has_room(oc.buyers.len())
            && self.catalog.events.has_room(other.orders.len() * 16)
            && self.catalog.chats.has_room(oc.chats.len());
        if !room {
            return Err(Error::Merge(
                "the merged engine would pass an id table's limit".into(),
            ));
        }
        let waiting = self.pending_after_merge(&other);
        if waiting > self.cfg.limits.max_pending_events {
            return Err(Error::Merge(format!(
                "the merged engine would hold {waiting} follow-ups waiting for orders not seen, \
                 past limits.max_pending_events ({})",
                self.cfg.limits.max_pending_events
            )));
        }
        // the shops first (the book keys lines and policies by the ledger's
        // numbers), then the book: orders arriving below flush waiting
        // events into it
        let shops: Table<ShopId, ShopId> = (other.ledger.shops.iter())
            .map(|shop| self.ledger.intern(&shop.id))
            .collect::<Result<_, _>>()
            .map_err(merge_capacity)?;
        self.book
            .merge_engine_book(&other.book, &shops)
            .map_err(|e| Error::Merge(e.to_string()))?;
        if let Some(t) = other.latest {
            self.latest = Some(self.latest.map_or(t, |l| l.max(t)));
        }
        self.ledger.touched.reshaped();
        for rule in &other.bonus_rules {
            if !self.bonus_rules.iter().any(|r| r.name() == rule.name()) {
                self.bonus_rules.push(rule.clone());
            }
        }
        for e in other.catalog.superseded.handles() {
            self.catalog
                .superseded
                .intern(other.catalog.superseded.name(e))
                .map_err(merge_capacity)?;
        }
        for p in other.catalog.price_changes.handles() {
            self.catalog
                .price_changes
                .intern(other.catalog.price_changes.name(p))
                .map_err(merge_capacity)?;
        }
        for (s, shop) in other.ledger.shops.enumerate() {
            let idx = shops[s];
            if let Some(p) = shop.profile.get() {
                let id = other.catalog.events.name(p.event);
                let offer = self.ledger.shops[idx]
                    .offer_profile(p.at(), id, p.value.clone(), &mut self.catalog.events)
                    .map_err(merge_capacity)?;
                self.settle(id, offer).map_err(merge_capacity)?;
            }
            for chat in &shop.chats {
                let name = other.catalog.chats.name(chat.id);
                if self.catalog.chats.get(name).is_some() {
                    continue;
                }
                let mut chat = *chat;
                chat.id = self.catalog.chats.intern(name).map_err(merge_capacity)?;
                chat.certification = match chat.certification {
                    Some(c) => Some(
                        self.catalog
                            .certs
                            .intern(other.catalog.certs.name(c))
                            .map_err(merge_capacity)?,
                    ),
                    None => None,
                };
                chat.agent = match chat.agent {
                    Some(a) => Some(
                        self.catalog
                            .agents
                            .intern(other.catalog.agents.name(a))
                            .map_err(merge_capacity)?,
                    ),
                    None => None,
                };
                self.apply_chat(idx, chat);
            }
        }
        for (i, order) in other.orders.handles().zip(other.orders.iter()) {
            self.merge_order(&other, i, order).map_err(merge_capacity)?;
        }
        // a waiting event was validated when it was accepted; one whose order
        // is now known is applied as if that order had just arrived (a refusal
        // is kept in `deferred_errors`), the others wait here (room checked)
        for (order, e) in other.pending.iter() {
            if self.find_order(order).is_some() {
                self.apply_waiting(e.clone());
            } else {
                let kept = self.pending.wait(order, e, usize::MAX);
                debug_assert_ne!(kept, Wait::Full);
            }
        }
        self.deferred.extend(other.deferred.iter().cloned());
        // a verdict in one engine may concern an order of the other
        for idx in self.orders.handles() {
            self.sync_book_fake(idx);
        }
        Ok(())
    }

    /// How many follow-ups would still wait for their order after merging
    /// `other`: this engine's whose order `other` does not bring, plus
    /// `other`'s whose order neither engine has (repeats counted once).
    fn pending_after_merge(&self, other: &Engine) -> usize {
        let ours = self
            .pending
            .iter()
            .filter(|(order, _)| other.find_order(order).is_none())
            .count();
        let theirs = other
            .pending
            .iter()
            .filter(|(order, e)| {
                self.find_order(order).is_none() && !self.pending.holds(order, e.id())
            })
            .count();
        ours + theirs
    }

    /// Takes in one order of another engine: its payment, then every fact,
    /// each through the same combine as ingestion.
    fn merge_order(
        &mut self,
        other: &Engine,
        i: OrderId,
        order: &OrderState,
    ) -> Result<(), CapacityError> {
        let oc = &other.catalog;
        let name = other.order_name(i);
        let shop = self.ledger.intern(&other.ledger.shops[order.shop].id)?;
        let mut skus = Vec::new();
        for &s in other.lists.skus.get(order.skus) {
            skus.push(self.book.sku_ids_mut().intern(other.sku_name(s))?);
        }
        let mut tags = Vec::new();
        for &t in other.lists.tags.get(order.tags) {
            tags.push(self.catalog.tags.intern(oc.tags.name(t))?);
        }
        let payment = Payment {
            shop,
            buyer: self.catalog.buyers.intern(oc.buyers.name(order.buyer))?,
            category: self.category(oc.categories.name(order.category))?,
            ordered_at: order.ordered_at(),
            paid_at: order.paid_at,
            ship_by: order.ship_by(),
            deliver_by: order.deliver_by(),
            amount: order.amount,
            tags: self.lists.tags.push(&tags)?,
            skus: self.lists.skus.push(&skus)?,
            fake: order.paid_fake,
            region: (order.region)
                .map(|r| self.catalog.region(oc.regions.name(r)))
                .transpose()?,
        };
        // the book's merge brought every order id of `other`: held only
        // when this engine already has the order's row
        let held = (self.book.order_ids().get(name)).filter(|o| o.index() < self.orders.len());
        self.insert_order(name, held, payment, oc.events.name(order.paid_event))?;
        let idx = (self.book.order_ids().get(name)).expect("just inserted");
        // the book merge brought the order's lines with the returns `other`'s
        // book recorded; offering the refunds' halves below recomputes them
        // whole from the merged cases
        let mut facts = Vec::new();
        let mut collect = |at, ev, fact| {
            if ev != order.paid_event {
                facts.push((at, ev, fact));
            }
        };
        order.for_each_fact(&mut collect);
        order.for_each_superseded(&mut collect);
        for (at, ev, fact) in facts {
            let fact = match fact {
                OrderFact::Review(mut r) => {
                    r.reviewer = self.catalog.buyers.intern(oc.buyers.name(r.reviewer))?;
                    OrderFact::Review(r)
                }
                OrderFact::RefundRequested(refund, mut req) => {
                    req.sku = match req.sku {
                        Some(s) => Some(self.book.sku_ids_mut().intern(other.sku_name(s))?),
                        None => None,
                    };
                    OrderFact::RefundRequested(
                        self.catalog.refunds.intern(oc.refunds.name(refund))?,
                        req,
                    )
                }
                OrderFact::RefundCompleted(refund, done) => OrderFact::RefundCompleted(
                    self.catalog.refunds.intern(oc.refunds.name(refund))?,
                    done,
                ),
                f => f,
            };
            let id = oc.events.name(ev);
            let offer = self.apply_fact(idx, at, id, fact)?;
            if taken(offer) {
                if let OrderFact::RefundRequested(refund, _)
                | OrderFact::RefundCompleted(refund, _) = fact
                {
                    self.refund_to_book(idx, refund);
                }
            }
            self.settle(id, offer)?;
        }
        Ok(())
    }
}

/// Snapshots: which component writes which section, and how a read engine
/// gets its derived state back (see [`crate::snapshot`]).
impl Engine {
    /// Every section's bytes, in file order ([`crate::snapshot::SECTIONS`]).
    pub(crate) fn snapshot_sections(&self) -> Vec<(&'static str, Vec<u8>)> {
        use crate::snapshot::{Enc, SECTIONS};
        let mut out = Vec::with_capacity(SECTIONS.len());
        for name in SECTIONS {
            let mut e = Enc::default();
            match name {
                "meta" => e.opt_timestamp(self.latest),
                "ids" => {
                    let (orders, skus) = (self.book.order_ids(), self.book.sku_ids());
                    self.catalog.write_snapshot(orders, skus, &mut e)
                }
                "orders" => {
                    self.lists.skus.write_snapshot(&mut e);
                    self.lists.tags.write_snapshot(&mut e);
                    self.orders.write_snapshot(&mut e);
                }
                "shops" => self.ledger.write_snapshot(&mut e),
                "pending" => self.pending.write_snapshot(&mut e),
                "book" => self.book.write_snapshot(&mut e, self.ledger.shop_ids()),
                "book_timelines" => self.book.write_timelines_snapshot(&mut e),
                "order_appeals" => self.orders.write_appeals_snapshot(&mut e),
                "chat_agents" => self.write_chat_agents(&mut e),
                "order_regions" => self.write_order_regions(&mut e),
                "order_superseded" => self.orders.write_superseded_snapshot(&mut e),
                "deferred" => {
                    e.len(self.deferred.len());
                    for d in &self.deferred {
                        e.opt_str(d.event_id.as_deref());
                        e.str(&d.field);
                        e.str(&d.message);
                    }
                }
                _ => unreachable!("every section is written"),
            }
            out.push((name, e.buf));
        }
        out
    }

    /// Section `chat_agents`: the agent ids, then per shop (index order)
    /// its chat count and per chat its agent (0: none, else position + 1).
    fn write_chat_agents(&self, e: &mut crate::snapshot::Enc) {
        self.catalog.agents.write_snapshot(e);
        for shop in &self.ledger.shops {
            e.len(shop.chats.len());
            for c in &shop.chats {
                e.u32(c.agent.map_or(0, |a| a.index() as u32 + 1));
            }
        }
    }

    /// Section `order_regions`: the region names, then the orders that
    /// name one (count, then order index and region position + 1 each).
    fn write_order_regions(&self, e: &mut crate::snapshot::Enc) {
        self.catalog.regions.write_snapshot(e);
        let with: Vec<(usize, crate::ids::RegionId)> = (self.orders.iter().enumerate())
            .filter_map(|(i, o)| o.region.map(|r| (i, r)))
            .collect();
        e.len(with.len());
        for (i, r) in with {
            e.u32(i as u32);
            e.u32(r.index() as u32 + 1);
        }
    }

    /// Fills this fresh engine (configuration set, nothing ingested) from
    /// verified sections, checks what ties them together, and rebuilds the
    /// derived state: category delivery norms, every shop's day counters,
    /// tag, agent and awaiting-pickup entries, and the rating cap.
    pub(crate) fn load_sections(
        mut self,
        f: &crate::snapshot::Framed<'_>,
    ) -> Result<Engine, crate::snapshot::SnapshotError> {
        use crate::order::snapshot::Bounds;

        let mut d = f.section("meta")?;
        let latest = d.opt_timestamp()?;
        d.finish()?;

        let mut d = f.section("ids")?;
        // the order ids are written here and in the book section, which
        // must agree (checked below); the engine keeps the book's
        let (mut catalog, order_ids, sku_ids) = Catalog::read_snapshot(&mut d)?;
        d.finish()?;

        let mut d = f.section("shops")?;
        let mut ledger = ShopLedger::read_snapshot(
            &mut d,
            &catalog.events,
            order_ids.len(),
            catalog.chats.len(),
            catalog.certs.len(),
        )?;
        d.finish()?;
        // minor version 3: an older file names no agents
        if let Some(mut d) = f.optional_section("chat_agents") {
            read_chat_agents(&mut d, &mut catalog, &mut ledger)?;
            d.finish()?;
        }

        let mut d = f.section("orders")?;
        let mut skus = Lists::read_snapshot(&mut d, sku_ids.len())?;
        let tags = Lists::read_snapshot(&mut d, catalog.tags.len())?;
        let bounds = Bounds {
            shops: ledger.shops.len(),
            buyers: catalog.buyers.len(),
            categories: catalog.categories.len(),
            skus: sku_ids.len(),
            refunds: catalog.refunds.len(),
            sku_items: skus.items_len(),
            tag_items: tags.items_len(),
        };
        let mut orders = OrderTable::read_snapshot(&mut d, &bounds, &catalog.events)?;
        if orders.len() != order_ids.len() {
            return Err(d.invalid(format!(
                "{} order rows for {} order ids",
                orders.len(),
                order_ids.len()
            )));
        }
        // every order in exactly one shop's list: its own
        let mut listed = vec![false; orders.len()];
        for (s, shop) in ledger.shops.enumerate() {
            for &o in &shop.orders {
                if orders[o].shop != s || std::mem::replace(&mut listed[o.index()], true) {
                    return Err(
                        d.invalid(format!("order {} listed under the wrong shop", o.index()))
                    );
                }
            }
        }
        if let Some(o) = listed.iter().position(|&l| !l) {
            return Err(d.invalid(format!("order {o} listed under no shop")));
        }
        d.finish()?;

        // minor version 2: an older file has no appeals
        if let Some(mut d) = f.optional_section("order_appeals") {
            orders.read_appeals_snapshot(&mut d, &catalog.events)?;
            d.finish()?;
        }
        // minor version 4: in an older file no order names a region
        if let Some(mut d) = f.optional_section("order_regions") {
            read_order_regions(&mut d, &mut catalog, &mut orders)?;
            d.finish()?;
        }
        // minor version 5: an older file kept no superseded facts
        if let Some(mut d) = f.optional_section("order_superseded") {
            orders.read_superseded_snapshot(&mut d, &bounds, &catalog.events)?;
            d.finish()?;
        }

        let mut d = f.section("pending")?;
        let pending = Pending::read_snapshot(&mut d, |o| order_ids.get(o).is_some())?;
        if pending.len() > self.cfg.limits.max_pending_events {
            return Err(d.invalid(format!(
                "{} waiting events, past limits.max_pending_events",
                pending.len()
            )));
        }
        d.finish()?;

        let mut d = f.section("book")?;
        let book = ProtectionBook::read_snapshot(&mut d)?;
        // the engine hands the book its order handles: the two tables must
        // hold the same orders in the same positions
        if book.order_count() != order_ids.len() {
            return Err(d.invalid(format!(
                "{} orders in the book for {} in the engine",
                book.order_count(),
                order_ids.len()
            )));
        }
        for o in order_ids.handles() {
            let (engine_id, book_id) = (order_ids.name(o), book.order_id(o));
            if engine_id != book_id {
                return Err(d.invalid(format!(
                    "order {} is `{}` in the engine and `{}` in the book",
                    o.index(),
                    engine_id.escape_debug(),
                    book_id.escape_debug()
                )));
            }
        }
        let mut book = book;
        book.number_shops_by(|name| ledger.find(name))
            .map_err(|m| d.invalid(m))?;
        // one SKU table, the book's: a file written before the engine shared
        // it numbers SKUs twice (the engine's table also holds SKUs only a
        // refund named, the book's those only a price change named), so the
        // engine's handles are renumbered into the book's
        if !sku_ids.same_ids(book.sku_ids()) {
            let mut to_book = Vec::with_capacity(sku_ids.len());
            for s in sku_ids.handles() {
                let held = book.sku_ids_mut().intern(sku_ids.name(s));
                to_book.push(held.map_err(|e| d.invalid(e.to_string()))?);
            }
            skus.map_items(|s: SkuId| to_book[s.index()]);
            orders.map_refund_skus(|s| to_book[s.index()]);
        }
        d.finish()?;
        // minor version 1: a 1.0 file has no dates (module docs of the book)
        if let Some(mut d) = f.optional_section("book_timelines") {
            book.read_timelines_snapshot(&mut d)?;
            d.finish()?;
        }

        let mut d = f.section("deferred")?;
        let n = d.count(17)?;
        let mut deferred = Vec::with_capacity(n);
        for _ in 0..n {
            deferred.push(EventError {
                event_id: d.opt_str()?.map(str::to_owned),
                field: d.str()?.to_owned(),
                message: d.str()?.to_owned(),
            });
        }
        d.finish()?;

        self.latest = latest;
        self.catalog = catalog;
        self.ledger = ledger;
        self.lists = OrderLists { skus, tags };
        self.orders = orders;
        self.pending = pending;
        self.book = book;
        self.book.set_funding(self.cfg.price_protection_funding);

        // derived state, rebuilt through the same code ingestion uses
        let p = &self.cfg.problems;
        self.delivery_norm_secs = self
            .catalog
            .categories
            .handles()
            .map(|c| {
                let name = self.catalog.categories.name(c);
                let hours = (p.delivery_norm_hours.get(name).copied())
                    .unwrap_or(p.default_delivery_norm_hours);
                problem::hours_to_secs(hours)
            })
            .collect();
        for shop in self.ledger.shops.handles() {
            let chats = std::mem::take(&mut self.ledger.shops[shop].chats);
            for c in &chats {
                self.count_chat(shop, c);
                self.ledger.shops[shop].note_fact_at(c.started_at);
            }
            self.ledger.shops[shop].chats = chats;
        }
        // shop by shop, so that a shop's day rows stay in cache while its
        // orders add to them; a review group lies within one shop, so each
        // order still joins its group after every earlier member counted
        const READ_AHEAD: usize = 4;
        for shop in self.ledger.shops.handles() {
            let count = self.ledger.shops[shop].orders.len();
            for i in 0..count {
                let idx = self.ledger.shops[shop].orders[i];
                // the shop's orders lie anywhere in the table: ask for a
                // later one's row now, so that its misses overlap this one's work
                if let Some(&ahead) = self.ledger.shops[shop].orders.get(i + READ_AHEAD) {
                    std::hint::black_box(self.orders[ahead].last_fact_at());
                }
                // the rows were read before their appeals and superseded facts
                let last = self.orders[idx].last_fact_at();
                self.orders.note_fact_at(idx, last);
                self.ledger.shops[shop].note_fact_at(last);
                self.join_review_group(idx);
                self.contribute(idx, true);
            }
        }
        for idx in self.orders.handles() {
            self.refunds_to_book(idx);
        }
        // the file's late refusals, not those the rebuild met again (the
        // book refuses the same refunds it refused when they arrived; kept
        // twice they grew the file on every write → read → write)
        self.deferred = deferred;
        Ok(self)
    }
}

/// Approximate bytes of state held, by component.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StateBytes {
    /// Id tables (every id once, and the ids of the events behind held facts).
    pub ids: usize,
    /// Order rows, their rare facts and SKU/tag lists.
    pub orders: usize,
    /// Shops: day counters, order lists, chat records.
    pub shops: usize,
    /// The rating cap's groups.
    pub review_cap: usize,
    /// The price-protection book.
    pub book: usize,
    /// The live scoreboard's kept figures (empty until it is first asked for).
    pub scoreboard: usize,
}

impl StateBytes {
    /// All components.
    pub fn total(&self) -> usize {
        self.ids + self.orders + self.shops + self.review_cap + self.book + self.scoreboard
    }
}

/// The slot took the offered fact.
fn taken(offer: Offer) -> bool {
    matches!(offer, Offer::Taken | Offer::Replaced(_))
}

fn merge_capacity(e: CapacityError) -> Error {
    Error::Merge(e.to_string())
}

/// Refund events reach the price-protection book in request–completion pairs.
fn is_refund(event: &Event) -> bool {
    matches!(event, Event::RefundRequested(_) | Event::RefundCompleted(_))
}

/// A book refusal as an error naming the event `id` and the field.
fn book_error(id: &str, e: PriceProtectionError) -> EventError {
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
    EventError::invalid(id, &field, message)
}

/// Reads what [`Engine::write_order_regions`] wrote into the orders
/// already read: each order at most once, in index order.
fn read_order_regions(
    d: &mut crate::snapshot::Dec<'_>,
    catalog: &mut Catalog,
    orders: &mut OrderTable,
) -> Result<(), crate::snapshot::SnapshotError> {
    catalog.regions = crate::ids::Interner::read_snapshot(d)?;
    let regions = catalog.regions.len();
    if regions > crate::ids::MAX_REGIONS {
        return Err(d.invalid(format!("{regions} regions, more than 65,535")));
    }
    let n = d.count(8)?;
    let mut last = None;
    for _ in 0..n {
        let o = OrderId::from_index(d.handle(orders.len(), "order")?);
        if last.is_some_and(|l| l >= o) {
            return Err(d.invalid("order regions not in order index order"));
        }
        last = Some(o);
        let r = d.u32()? as usize;
        orders[o].region = match r {
            r if (1..=regions).contains(&r) => Some(crate::ids::RegionId::from_index(r as u32 - 1)),
            r => return Err(d.invalid(format!("region handle {r} out of range (1..={regions})"))),
        };
    }
    Ok(())
}

/// Reads what [`Engine::write_chat_agents`] wrote into the chats already read.
fn read_chat_agents(
    d: &mut crate::snapshot::Dec<'_>,
    catalog: &mut Catalog,
    ledger: &mut ShopLedger,
) -> Result<(), crate::snapshot::SnapshotError> {
    catalog.agents = crate::ids::Interner::read_snapshot(d)?;
    let agents = catalog.agents.len();
    for shop in &mut ledger.shops {
        let n = d.count(4)?;
        if n != shop.chats.len() {
            return Err(d.invalid(format!(
                "{n} chat agents for a shop of {} chats",
                shop.chats.len()
            )));
        }
        for c in &mut shop.chats {
            let a = d.u32()? as usize;
            c.agent = match a {
                0 => None,
                a if a <= agents => Some(crate::ids::AgentId::from_index(a as u32 - 1)),
                a => return Err(d.invalid(format!("agent handle {a} out of range (0..={agents})"))),
            };
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A bonus rule that gives nothing, under a name.
    struct Named(&'static str);

    impl BonusRule for Named {
        fn name(&self) -> &str {
            self.0
        }
        fn applies_to(&self, _: &str) -> bool {
            true
        }
        fn bonus(&self, _: &crate::bonus::BonusInput) -> Result<crate::bonus::Bonus, String> {
            Err("none".into())
        }
    }

    #[test]
    fn bonus_rules_are_added_all_or_none() {
        let names = |e: &Engine| -> Vec<String> {
            e.bonus_rules()
                .iter()
                .map(|r| r.name().to_owned())
                .collect()
        };
        let rules = |list: &[&'static str]| -> Vec<Arc<dyn BonusRule>> {
            list.iter()
                .map(|&n| Arc::new(Named(n)) as Arc<dyn BonusRule>)
                .collect()
        };
        let mut engine = Engine::default();
        engine.add_bonus_rule(Arc::new(Named("pet"))).unwrap();
        // one already registered, or the same name twice in one call: none
        // of the others is added
        for (list, clash) in [(&["jewelry", "pet"], "pet"), (&["x", "x"], "x")] {
            let err = engine.add_bonus_rules(rules(list)).unwrap_err();
            assert!(
                matches!(err, Error::DuplicateBonusRule(ref n) if n == clash),
                "{err}"
            );
            assert_eq!(names(&engine), ["pet"]);
        }
        engine
            .add_bonus_rules(vec![Arc::new(Named("jewelry")), Arc::new(Named("x"))])
            .unwrap();
        assert_eq!(names(&engine), ["pet", "jewelry", "x"]);
    }

    /// Reading ahead reads the state it is meant to, at any size, before
    /// and after the event it reads for, and never fails on ids it does not
    /// know yet.
    #[test]
    fn reading_ahead_finds_the_shop_of_an_order() {
        let lines = [
            r#"{"type":"order_paid","id":"p1","order_id":"o1","shop_id":"s1","buyer_id":"b1","category":"c","paid_at":1790000000,"ship_by":1790100000,"lines":[{"sku":"k1","quantity":1,"unit_price":500}]}"#,
            r#"{"type":"shipped","id":"sh1","order_id":"o1","at":1790003600,"pickup_at":1790004000}"#,
            r#"{"type":"delivered","id":"d1","order_id":"o1","at":1790090000}"#,
            r#"{"type":"delivered","id":"d2","order_id":"unknown","at":1790090000}"#,
        ];
        let events: Vec<Event> = lines
            .iter()
            .map(|l| crate::parse_event(l).expect("a valid test event"))
            .collect();
        let mut engine = Engine::default();
        for e in &events {
            // nothing known yet: every read finds nothing, and fails nowhere
            engine.read_ahead(e, Ahead::Slot);
            assert_eq!(engine.read_ahead(e, Ahead::Row), 0);
        }
        engine.ingest(events[0].clone()).expect("payment");
        engine.ingest(events[1].clone()).expect("shipment");
        let shop = engine.find_shop("s1").expect("s1");
        let last = engine.ledger.shops[shop].last_fact_at.as_secs() as u64;
        assert_ne!(last, 0);
        // the order's follow-up finds its shop through the order's row
        assert_eq!(engine.read_ahead(&events[2], Ahead::Row), last);
        assert_eq!(engine.read_ahead(&events[0], Ahead::Row), last);
        assert_eq!(engine.read_ahead(&events[3], Ahead::Row), 0);
        // below the size where it pays, nothing is read
        assert!(engine.orders.len() < READ_AHEAD_FROM_ORDERS);
        assert_eq!(engine.touch_ahead(&events[2], Ahead::Row), 0);
    }
}
