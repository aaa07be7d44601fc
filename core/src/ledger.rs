//! The shop ledger: what the engine keeps per shop.
//!
//! Why its own component: scores read shops, never orders. Each shop keeps
//! per-day counters that its orders and chats feed (see [`crate::counters`]),
//! its profile, and the list of its orders for the few queries that walk
//! them (explanations, standards, item rates). Shops are few (a name per
//! shop is handed out in every score), so a shop's id stays an `Arc<str>`.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::config::Config;
use crate::counters::{AgentCounters, DaySeries, Increment, ShopDays, TagCounters, Target};
use crate::event::{PriceProtectionPolicy, Timestamp};
use crate::ids::{
    AgentId, CapacityError, CategoryId, CertId, ChatId, EventIds, Interner, OrderId, ShopId, Table,
    TagId,
};
use crate::order::{Latest, Offer, Slot};
use crate::problem::OpenDeadlines;
use crate::time::LocalDay;

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

/// What a chat session contributed, kept so that a merge can replay it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct ChatRecord {
    pub id: ChatId,
    pub started_at: Timestamp,
    pub first_response_secs: Option<i64>,
    pub satisfaction: Option<i64>,
    pub certification: Option<CertId>,
    /// The agent who answered, when the session names one.
    pub agent: Option<AgentId>,
}

/// Everything the engine keeps about one shop.
#[derive(Clone, Debug)]
pub(crate) struct ShopState {
    pub id: Arc<str>,
    pub profile: Slot<Profile, Latest>,
    /// Smallest order category seen, used when no profile names one.
    pub order_category: Option<Arc<str>>,
    /// The handle of `order_category` in this engine's catalog, once a
    /// payment named it: a payment of that category then changes nothing
    /// without comparing names (not stored in snapshots; a read or a merge
    /// starts without it).
    pub order_category_handle: Option<CategoryId>,
    pub days: ShopDays,
    pub tags: Vec<(TagId, DaySeries<TagCounters>)>,
    pub agents: Vec<(CertId, DaySeries<AgentCounters>)>,
    pub orders: Vec<OrderId>,
    pub chats: Vec<ChatRecord>,
    /// Orders awaiting a pickup: how many per (payment time, `AWAITING_*`
    /// flags). A map, not a sorted list: payments arrive in any time order,
    /// and a list would shift on every insertion (quadratic for a shop with
    /// many unshipped orders arriving out of order).
    pub awaiting: BTreeMap<(Timestamp, u8), u32>,
    /// Orders with open cases that count once their deadlines pass: how
    /// many per (payment time, deadlines). Few: a case closes or its
    /// order leaves the windows.
    pub open_cases: BTreeMap<(Timestamp, OpenDeadlines), u32>,
    /// No fact of the shop (a payment, an order fact, a carrier scan, a
    /// chat) happened after this moment: at or after it, the shop as known
    /// at a moment is the shop as known now.
    pub last_fact_at: Timestamp,
}

impl ShopState {
    fn new(id: Arc<str>) -> Self {
        ShopState {
            id,
            profile: Slot::default(),
            order_category: None,
            order_category_handle: None,
            days: ShopDays::default(),
            tags: Vec::new(),
            agents: Vec::new(),
            orders: Vec::new(),
            chats: Vec::new(),
            awaiting: BTreeMap::new(),
            open_cases: BTreeMap::new(),
            last_fact_at: Timestamp::MIN,
        }
    }

    /// Adds (`add`) or subtracts one increment of an order paid at
    /// `paid_at` whose tags are `tags`.
    pub fn count_increment(
        &mut self,
        paid_at: Timestamp,
        tags: &[TagId],
        (target, day, n): Increment,
        add: bool,
    ) {
        let slot = match target {
            Target::Shop(c) => {
                // saturates instead of wrapping; a day would need over
                // four billion of one count to get there
                let n = u32::try_from(n).unwrap_or(u32::MAX);
                if add {
                    self.days.add(day, c, n);
                } else {
                    self.days.sub(day, c, n);
                }
                return;
            }
            Target::Tag(t, col) => &mut self.tag_series(tags[t]).slot(day)[col],
            Target::Awaiting(flags) => {
                self.note_awaiting(paid_at, flags, add);
                return;
            }
            Target::Open(open) => {
                self.note_open_cases(paid_at, open, add);
                return;
            }
        };
        if add {
            *slot += n;
        } else {
            *slot -= n;
        }
    }

    /// Adds (`add`) or subtracts a chat session that started on local `day`.
    pub fn count_chat(&mut self, cfg: &Config, day: LocalDay, c: &ChatRecord, add: bool) {
        use crate::counters::Counter as C;
        let in_time = c
            .first_response_secs
            .is_some_and(|s| s <= cfg.chat_response_secs);
        let satisfied = c
            .satisfaction
            .is_some_and(|s| s >= cfg.satisfied_min_rating);
        let counts = [
            (C::Chats, true),
            (C::ChatsAnsweredInTime, in_time),
            (C::ChatsRated, c.satisfaction.is_some()),
            (C::ChatsSatisfied, satisfied),
        ];
        for (counter, yes) in counts {
            if add {
                self.days.add(day, counter, u32::from(yes));
            } else {
                self.days.sub(day, counter, u32::from(yes));
            }
        }
        if let Some(cert) = c.certification {
            let a = self.agent_series(cert).slot(day);
            let each = [
                1,
                u64::from(in_time),
                c.first_response_secs.unwrap_or(0).max(0) as u64,
                u64::from(satisfied),
                u64::from(c.satisfaction.is_some()),
            ];
            for (slot, n) in a.iter_mut().zip(each) {
                if add {
                    *slot += n;
                } else {
                    *slot -= n;
                }
            }
        }
    }

    /// Notes a fact of the shop that happened at `t`.
    pub fn note_fact_at(&mut self, t: Timestamp) {
        self.last_fact_at = self.last_fact_at.max(t);
    }

    /// The shop's counters alone (no order or chat lists): the start of a
    /// copy as known at an earlier moment.
    pub fn counters_only(&self) -> ShopState {
        ShopState {
            id: self.id.clone(),
            profile: self.profile.clone(),
            order_category: self.order_category.clone(),
            order_category_handle: self.order_category_handle,
            days: self.days.clone(),
            tags: self.tags.clone(),
            agents: self.agents.clone(),
            orders: Vec::new(),
            chats: Vec::new(),
            awaiting: self.awaiting.clone(),
            open_cases: self.open_cases.clone(),
            last_fact_at: self.last_fact_at,
        }
    }

    /// Awaiting-pickup entries paid within `from..to` (UTC seconds, end exclusive).
    /// Each with its number of orders.
    pub fn awaiting_between(
        &self,
        from: Timestamp,
        to: Timestamp,
    ) -> impl Iterator<Item = (u8, u32)> + '_ {
        // most shops have nothing awaiting in the range: skip the tree walk
        let some = from < to
            && self
                .awaiting
                .first_key_value()
                .is_some_and(|(k, _)| k.0 < to)
            && self
                .awaiting
                .last_key_value()
                .is_some_and(|(k, _)| k.0 >= from);
        let range = some.then(|| self.awaiting.range((from, 0)..(to, 0)));
        range
            .into_iter()
            .flatten()
            .map(|(&(_, flags), &n)| (flags, n))
    }

    /// Adds (or removes) one order awaiting a pickup.
    pub fn note_awaiting(&mut self, paid_at: Timestamp, flags: u8, add: bool) {
        note(&mut self.awaiting, (paid_at, flags), add);
    }

    /// Adds (or removes) one order with open cases.
    pub fn note_open_cases(&mut self, paid_at: Timestamp, open: OpenDeadlines, add: bool) {
        note(&mut self.open_cases, (paid_at, open), add);
    }

    /// Orders with open cases paid within `from..to` (UTC seconds, end
    /// exclusive), each entry with its number of orders.
    pub fn open_cases_between(
        &self,
        from: Timestamp,
        to: Timestamp,
    ) -> impl Iterator<Item = (Timestamp, &OpenDeadlines, u32)> + '_ {
        let lowest = OpenDeadlines::LOWEST;
        let range = (from < to && !self.open_cases.is_empty())
            .then(|| self.open_cases.range((from, lowest)..(to, lowest)));
        range
            .into_iter()
            .flatten()
            .map(|(&(paid_at, ref d), &n)| (paid_at, d, n))
    }

    /// [`ShopState::category`] as a shared string.
    pub fn category_arc(&self) -> Arc<str> {
        match (self.profile.get(), &self.order_category) {
            (Some(p), _) => p.value.category.clone(),
            (None, Some(c)) => c.clone(),
            (None, None) => Arc::from(""),
        }
    }

    /// The shop's category: its profile's, else the smallest order category.
    pub fn category(&self) -> &str {
        match (self.profile.get(), &self.order_category) {
            (Some(p), _) => &p.value.category,
            (None, Some(c)) => c,
            (None, None) => "",
        }
    }

    pub fn tag_series(&mut self, tag: TagId) -> &mut DaySeries<TagCounters> {
        series_of(&mut self.tags, tag)
    }

    pub fn agent_series(&mut self, cert: CertId) -> &mut DaySeries<AgentCounters> {
        series_of(&mut self.agents, cert)
    }

    /// Offers a profile from event `id` (the latest by `(time, id)` wins).
    pub fn offer_profile(
        &mut self,
        at: Timestamp,
        id: &str,
        profile: Profile,
        events: &mut EventIds,
    ) -> Result<Offer, CapacityError> {
        self.profile.offer(at, id, profile, events)
    }
}

/// The series of `key` in a list sorted by key, added when new.
fn series_of<K: Ord + Copy, T>(list: &mut Vec<(K, DaySeries<T>)>, key: K) -> &mut DaySeries<T>
where
    DaySeries<T>: Default,
{
    let pos = match list.binary_search_by(|(k, _)| k.cmp(&key)) {
        Ok(p) => p,
        Err(p) => {
            list.insert(p, (key, DaySeries::default()));
            p
        }
    };
    &mut list[pos].1
}

/// Every shop, by dense index, with the index by shop id.
#[derive(Clone, Debug, Default)]
pub(crate) struct ShopLedger {
    pub shops: Table<ShopId, ShopState>,
    index: Interner<ShopId>,
    /// What changed since the live scoreboard last looked.
    pub touched: Touched,
}

/// Which shops' scoring inputs changed since the live scoreboard (see
/// [`crate::board`]) last looked, and from which local day.
///
/// Why here: every change to a shop's counters, awaiting list, tag or
/// agent series goes through the engine into the ledger; marking the shop
/// at that moment costs a compare, and spares the scoreboard from looking
/// at the shops that did not change.
#[derive(Clone, Debug, Default)]
pub(crate) struct Touched {
    /// Per shop: the earliest local day touched (`None`: untouched), as
    /// far as any shop was touched (see [`Touched::earliest_day`]).
    from_day: Table<ShopId, Option<LocalDay>>,
    /// The shops touched, each once.
    pub shops: Vec<ShopId>,
    /// Bumped when what the scoreboard's layout rests on changes: a new
    /// shop, a shop's profile or category, the bonus rules, a merge.
    pub generation: u64,
}

impl Touched {
    /// Marks a shop's inputs of local day `day` (and so every window holding it) as changed.
    pub fn shop(&mut self, shop: ShopId, day: LocalDay) {
        let from = self.from_day.grow_to(shop, || None);
        if from.is_none() {
            self.shops.push(shop);
        }
        *from = Some(from.map_or(day, |f| f.min(day)));
    }

    /// The earliest local day of shop `shop` touched since the last
    /// [`Touched::clear`] (`None`: untouched).
    pub fn earliest_day(&self, shop: ShopId) -> Option<LocalDay> {
        self.from_day.get(shop).copied().flatten()
    }

    /// Heap bytes held.
    pub fn heap_bytes(&self) -> usize {
        self.from_day.capacity() * std::mem::size_of::<Option<LocalDay>>()
            + self.shops.capacity() * 4
    }

    /// Marks the layout as changed: the next scoreboard starts afresh.
    pub fn reshaped(&mut self) {
        self.generation += 1;
    }

    /// Forgets what was touched (the scoreboard has taken it in).
    pub fn clear(&mut self) {
        for &s in &self.shops {
            self.from_day[s] = None;
        }
        self.shops.clear();
    }
}

impl ShopLedger {
    /// The index of a shop, if known.
    pub fn find(&self, id: &str) -> Option<ShopId> {
        self.index.get(id)
    }

    /// Whether `n` more shops fit.
    pub fn has_room(&self, n: usize) -> bool {
        self.index.has_room(n)
    }

    /// The shop ids, numbered as the ledger numbers them.
    pub fn shop_ids(&self) -> &Interner<ShopId> {
        &self.index
    }

    /// See [`Interner::first_slot`].
    pub fn first_slot(&self, id: &str) -> u64 {
        self.index.first_slot(id)
    }

    /// The index of a shop, added when new.
    pub fn intern(&mut self, id: &str) -> Result<ShopId, CapacityError> {
        if let Some(s) = self.index.get(id) {
            return Ok(s);
        }
        // the interner numbers shops as they come, in step with `shops`
        let s = self.index.insert_absent(id)?;
        let pushed = self.shops.push(ShopState::new(Arc::from(id)));
        debug_assert_eq!(s, pushed);
        self.touched.reshaped();
        Ok(s)
    }

    /// Approximate heap bytes: counters, lists and the index.
    pub fn heap_bytes(&self) -> usize {
        let per_shop: usize = self
            .shops
            .iter()
            .map(|s| {
                s.id.len()
                    + 16
                    + s.days.heap_bytes()
                    + s.tags.iter().map(|t| 40 + t.1.heap_bytes()).sum::<usize>()
                    + s.agents
                        .iter()
                        .map(|t| 40 + t.1.heap_bytes())
                        .sum::<usize>()
                    + s.orders.capacity() * 4
                    + s.chats.capacity() * std::mem::size_of::<ChatRecord>()
                    // a B-tree entry: key, count and about a third of a node's overhead
                    + s.awaiting.len() * 32
                    + s.open_cases.len() * 64
            })
            .sum();
        per_shop
            + self.shops.capacity() * std::mem::size_of::<ShopState>()
            + self.index.heap_bytes()
            + self.touched.heap_bytes()
    }
}

/// Snapshot encoding of the ledger: per shop, in index order, its id,
/// profile, order category, order list and chat records. Day counters,
/// tag and agent series and awaiting-pickup entries are derived from the
/// orders and chats, so the engine rebuilds them on read instead of
/// trusting them from the file.
mod snapshot {
    use super::*;
    use crate::ids::Handle;
    use crate::order::snapshot::{opt_non_negative, read_slot, write_slot};
    use crate::snapshot::{Dec, Enc, Result};

    fn strings(d: &mut Dec<'_>) -> Result<Vec<String>> {
        let n = d.count(8)?;
        (0..n).map(|_| d.str().map(str::to_owned)).collect()
    }

    fn write_strings(e: &mut Enc, v: &[String]) {
        e.len(v.len());
        for s in v {
            e.str(s);
        }
    }

    impl ShopLedger {
        /// Writes every shop in index order.
        pub(crate) fn write_snapshot(&self, e: &mut Enc) {
            e.len(self.shops.len());
            for s in &self.shops {
                e.str(&s.id);
                write_slot(e, &s.profile, |e, p| {
                    e.opt_str(p.name.as_deref());
                    e.str(&p.category);
                    write_strings(e, &p.certifications);
                    write_strings(e, &p.services);
                    e.json(&p.price_protection);
                });
                e.opt_str(s.order_category.as_deref());
                let orders: Vec<u32> = s.orders.iter().map(|o| o.index() as u32).collect();
                e.u32s(&orders);
                e.len(s.chats.len());
                for c in &s.chats {
                    e.u32(c.id.index() as u32);
                    e.timestamp(c.started_at);
                    e.opt_i64(c.first_response_secs);
                    e.opt_i64(c.satisfaction);
                    e.bool(c.certification.is_some());
                    if let Some(cert) = c.certification {
                        e.u32(cert.index() as u32);
                    }
                }
            }
        }

        /// Reads the shops (without their derived counters). Orders are
        /// checked below `orders`, chats below `chats` and each held by
        /// one shop, certifications below `certs`.
        pub(crate) fn read_snapshot(
            d: &mut Dec<'_>,
            events: &EventIds,
            orders: usize,
            chats: usize,
            certs: usize,
        ) -> Result<ShopLedger> {
            let n = d.count(20)?;
            let mut ledger = ShopLedger::default();
            let mut chat_seen = vec![false; chats];
            for _ in 0..n {
                let id = d.str()?;
                if ledger.find(id).is_some() {
                    return Err(d.invalid(format!("shop `{id}` twice")));
                }
                let i = ledger.intern(id).map_err(|e| d.invalid(e.to_string()))?;
                let profile = read_slot(d, events, |d| {
                    Ok(Profile {
                        name: d.opt_str()?.map(str::to_owned),
                        category: Arc::from(d.str()?),
                        certifications: strings(d)?,
                        services: strings(d)?,
                        price_protection: d.json()?,
                    })
                })?;
                let order_category = d.opt_str()?.map(Arc::from);
                let shop_orders = d.u32s()?;
                if let Some(&bad) = shop_orders.iter().find(|&&o| o as usize >= orders) {
                    return Err(d.invalid(format!("order handle {bad} out of range (0..{orders})")));
                }
                let n_chats = d.count(19)?;
                let mut records = Vec::with_capacity(n_chats);
                for _ in 0..n_chats {
                    let id = d.handle(chats, "chat")?;
                    if std::mem::replace(&mut chat_seen[id as usize], true) {
                        return Err(d.invalid(format!("chat session {id} held twice")));
                    }
                    records.push(ChatRecord {
                        id: ChatId::from_index(id),
                        started_at: d.event_time()?,
                        first_response_secs: opt_non_negative(d)?,
                        satisfaction: match d.opt_i64()? {
                            Some(s) if !(1..=5).contains(&s) => {
                                return Err(
                                    d.invalid(format!("chat satisfaction {s} outside 1..=5"))
                                )
                            }
                            s => s,
                        },
                        certification: if d.bool()? {
                            Some(CertId::from_index(d.handle(certs, "certification")?))
                        } else {
                            None
                        },
                        // section `chat_agents` (format 1.3) fills it in
                        agent: None,
                    });
                }
                let shop = &mut ledger.shops[i];
                shop.profile = profile;
                shop.order_category = order_category;
                shop.orders = shop_orders.into_iter().map(OrderId::from_index).collect();
                shop.chats = records;
            }
            if let Some(missing) = chat_seen.iter().position(|&seen| !seen) {
                return Err(d.invalid(format!("chat session {missing} held by no shop")));
            }
            Ok(ledger)
        }
    }
}

/// Adds one to (or takes one from) `key`'s count in a counted set,
/// dropping keys that fall to zero.
fn note<K: Ord>(map: &mut BTreeMap<K, u32>, key: K, add: bool) {
    if add {
        *map.entry(key).or_insert(0) += 1;
    } else if let Some(n) = map.get_mut(&key) {
        *n -= 1;
        if *n == 0 {
            map.remove(&key);
        }
    } else {
        debug_assert!(false, "removing an entry never added");
    }
}
