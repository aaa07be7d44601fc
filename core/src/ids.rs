//! Typed dense handles for every id kind, and the interners that make them.
//!
//! Why: the engine holds millions of orders and several facts per order.
//! Keeping an `Arc<str>` (16 bytes plus a shared allocation with two
//! reference counts) in every slot made ids the largest part of the state.
//! Here each distinct id is stored once, as bytes in one arena per kind, and
//! everything else holds a 4-byte handle whose type says which kind it is
//! (an order handle cannot index the SKU table: per-handle state lives in a
//! [`Table`], or in a table that indexes by its handle alone, such as the
//! order table). Names are resolved only where they are handed out
//! (explanations, listings).
//!
//! Limits: at most `u32::MAX - 1` ids of each kind and 4 GiB of id bytes per
//! kind; past that the engine refuses the event with a capacity error.

use std::hash::Hasher;
use std::marker::PhantomData;

use crate::hashing::FastHasher;

/// A dense handle into one kind of id table.
pub trait Handle: Copy + Eq + Ord + std::fmt::Debug {
    /// What the table holds, for capacity errors ("orders", "SKUs").
    const KIND: &'static str;
    /// The handle of position `i`.
    fn from_index(i: u32) -> Self;
    /// Its position in the table.
    fn index(self) -> usize;
}

macro_rules! handles {
    ($($(#[$doc:meta])* $name:ident => $kind:literal;)*) => {$(
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(u32);

        impl Handle for $name {
            const KIND: &'static str = $kind;
            #[inline]
            fn from_index(i: u32) -> Self {
                $name(i)
            }
            #[inline]
            fn index(self) -> usize {
                self.0 as usize
            }
        }
    )*};
}

handles! {
    /// A shop.
    ShopId => "shops";
    /// An order.
    OrderId => "orders";
    /// A buyer (also a reviewer: reviews name the buyer who wrote them).
    BuyerId => "buyers";
    /// A stock-keeping unit.
    SkuId => "SKUs";
    /// A category.
    CategoryId => "categories";
    /// An order tag.
    TagId => "tags";
    /// A refund case id.
    RefundId => "refund ids";
    /// An agent certification named by chat sessions.
    CertId => "certifications";
    /// A customer-service agent named by chat sessions.
    AgentId => "agents";
    /// A chat session (its event id: sessions accumulate, so each is kept once).
    ChatId => "chat sessions";
    /// A price observation (its event id: drops accumulate in the book).
    PriceChangeId => "price changes";
    /// An event whose fact lost to another by its slot's rule.
    SupersededId => "superseded events";
}

/// Values kept per handle of one kind: a `Vec` indexed by handle, so a
/// shop's state is reached with a [`ShopId`] and nothing else.
#[derive(Clone, Debug, PartialEq)]
pub struct Table<H, T> {
    items: Vec<T>,
    _handle: PhantomData<H>,
}

impl<H, T> Default for Table<H, T> {
    fn default() -> Self {
        Table {
            items: Vec::new(),
            _handle: PhantomData,
        }
    }
}

impl<H: Handle, T> Table<H, T> {
    /// A table of `items`, the first at handle 0.
    pub fn from_vec(items: Vec<T>) -> Self {
        Table {
            items,
            _handle: PhantomData,
        }
    }

    /// An empty table with room for `n` values.
    pub fn with_capacity(n: usize) -> Self {
        Table::from_vec(Vec::with_capacity(n))
    }

    /// Room for `n` more values.
    pub fn reserve(&mut self, n: usize) {
        self.items.reserve(n);
    }

    /// Number of values.
    #[inline]
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// True when there is none.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Adds a value; its handle is the old length. A table holds no more
    /// values than its handle kind's interner has handles (`u32::MAX - 1`),
    /// which refuses the id before a value is pushed.
    pub fn push(&mut self, value: T) -> H {
        debug_assert!(
            self.items.len() < u32::MAX as usize,
            "more values than handles"
        );
        let h = H::from_index(self.items.len() as u32);
        self.items.push(value);
        h
    }

    /// The value of `h`, if there is one.
    #[inline]
    pub fn get(&self, h: H) -> Option<&T> {
        self.items.get(h.index())
    }

    /// The value of `h`, mutable, if there is one.
    #[inline]
    pub fn get_mut(&mut self, h: H) -> Option<&mut T> {
        self.items.get_mut(h.index())
    }

    /// The value of `h`, the table first grown to hold it (new values from
    /// `fill`): for a table that follows an interner lazily (a SKU's lines,
    /// a shop's policy), where a handle may be handed out before its value.
    pub fn grow_to(&mut self, h: H, fill: impl FnMut() -> T) -> &mut T {
        if h.index() >= self.items.len() {
            self.items.resize_with(h.index() + 1, fill);
        }
        &mut self.items[h.index()]
    }

    /// Every value, in handle order.
    #[inline]
    pub fn iter(&self) -> std::slice::Iter<'_, T> {
        self.items.iter()
    }

    /// Every handle, ascending.
    pub fn handles(&self) -> impl DoubleEndedIterator<Item = H> + ExactSizeIterator + use<H, T> {
        (0..self.items.len() as u32).map(H::from_index)
    }

    /// Every handle with its value, in handle order.
    pub fn enumerate(&self) -> impl DoubleEndedIterator<Item = (H, &T)> + ExactSizeIterator {
        (self.items.iter().enumerate()).map(|(i, v)| (H::from_index(i as u32), v))
    }

    /// Room held, in values.
    pub fn capacity(&self) -> usize {
        self.items.capacity()
    }
}

impl<H: Handle, T> Extend<T> for Table<H, T> {
    /// Adds the values in order, each at the next handle.
    fn extend<I: IntoIterator<Item = T>>(&mut self, iter: I) {
        self.items.extend(iter);
    }
}

impl<H: Handle, T> FromIterator<T> for Table<H, T> {
    /// A table of the values in order, the first at handle 0.
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Self {
        Table::from_vec(iter.into_iter().collect())
    }
}

impl<H: Handle, T> std::ops::Index<H> for Table<H, T> {
    type Output = T;
    #[inline]
    fn index(&self, h: H) -> &T {
        &self.items[h.index()]
    }
}

impl<H: Handle, T> std::ops::IndexMut<H> for Table<H, T> {
    #[inline]
    fn index_mut(&mut self, h: H) -> &mut T {
        &mut self.items[h.index()]
    }
}

impl<'a, H: Handle, T> IntoIterator for &'a mut Table<H, T> {
    type Item = &'a mut T;
    type IntoIter = std::slice::IterMut<'a, T>;
    fn into_iter(self) -> Self::IntoIter {
        self.items.iter_mut()
    }
}

impl<'a, H: Handle, T> IntoIterator for &'a Table<H, T> {
    type Item = &'a T;
    type IntoIter = std::slice::Iter<'a, T>;
    fn into_iter(self) -> Self::IntoIter {
        self.items.iter()
    }
}

/// A delivery region named by an order's payment (a province code, say),
/// matched against the configured exclusion windows (see
/// [`crate::problem::excuse`]).
///
/// Two bytes and never zero, so `Option<RegionId>` fits in the padding of
/// [`crate::order::OrderState`]: at most [`MAX_REGIONS`] distinct regions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RegionId(std::num::NonZeroU16);

/// The most distinct regions an engine holds.
pub const MAX_REGIONS: usize = u16::MAX as usize;

impl Handle for RegionId {
    const KIND: &'static str = "regions";
    #[inline]
    fn from_index(i: u32) -> Self {
        // callers intern through `Catalog::region`, which stops at MAX_REGIONS
        let n = u16::try_from(i + 1).expect("at most 65,535 regions");
        RegionId(std::num::NonZeroU16::new(n).expect("i + 1 is never zero"))
    }
    #[inline]
    fn index(self) -> usize {
        usize::from(self.0.get()) - 1
    }
}

/// The event that established a fact: a handle into [`EventIds`].
///
/// Only events whose fact is held get one (a fact that loses to an earlier
/// shipment or a later review keeps no id), so there is no set of every
/// event id ever seen.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EventRef(std::num::NonZeroU32);

/// Hash of an id's bytes (the engine's fast hasher, so equal everywhere).
#[inline]
fn hash_bytes(s: &[u8]) -> u64 {
    let mut h = FastHasher::default();
    h.write(s);
    h.finish()
}

/// An append-only arena of strings: bytes plus end offsets.
#[derive(Clone, Debug, Default)]
struct Arena {
    text: String,
    ends: Vec<u32>,
}

impl Arena {
    fn len(&self) -> usize {
        self.ends.len()
    }

    #[inline]
    fn get(&self, i: usize) -> &str {
        let end = self.ends[i] as usize;
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        // only whole `&str`s are pushed, so every span lies on char boundaries
        &self.text[start..end]
    }

    /// Appends `s`, or says which limit it would pass.
    fn push(&mut self, s: &str, kind: &'static str) -> Result<u32, CapacityError> {
        let i = u32::try_from(self.ends.len())
            .ok()
            .filter(|&i| i < u32::MAX - 1)
            .ok_or(CapacityError { kind })?;
        let end = u32::try_from(self.text.len() + s.len()).map_err(|_| CapacityError { kind })?;
        self.text.push_str(s);
        self.ends.push(end);
        Ok(i)
    }

    fn heap_bytes(&self) -> usize {
        self.text.capacity() + self.ends.capacity() * 4
    }
}

/// A table would pass its stated limit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CapacityError {
    /// Which table.
    pub kind: &'static str,
}

impl std::fmt::Display for CapacityError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.kind == RegionId::KIND {
            return write!(
                f,
                "too many regions: the engine holds at most 65,535 distinct regions"
            );
        }
        write!(
            f,
            "too many {}: the engine holds at most 4,294,967,293 and 4 GiB of id bytes of each kind",
            self.kind
        )
    }
}

/// A free table slot.
const EMPTY: u64 = u64::MAX;

/// A table slot: the top 32 bits of the id's hash (its tag) above its
/// position. A probe compares tags first and reads the arena only when
/// they agree, so a look-up costs one table read plus, on a match, the id's
/// bytes: the arena is not touched for the other ids of a probe run, nor
/// at all for most absent ids (a new order, a new buyer).
#[inline]
fn slot(hash: u64, i: u32) -> u64 {
    (hash & !u64::from(u32::MAX)) | u64::from(i)
}

/// The tag part of a hash, as [`slot`] stores it.
#[inline]
fn tag(hash: u64) -> u64 {
    hash & !u64::from(u32::MAX)
}

/// Distinct strings of one kind, each with a dense handle of type `H`.
///
/// An open-addressing table of 8-byte tagged slots over the arena, filled
/// to at most 2/3: about `len + 4 + 12..24` bytes per id, against ~70 for an
/// `Arc<str>` map entry.
#[derive(Clone, Debug)]
pub struct Interner<H> {
    arena: Arena,
    /// Tagged positions ([`slot`]), `EMPTY` where free; length a power of two.
    table: Vec<u64>,
    _handle: PhantomData<H>,
}

impl<H> Default for Interner<H> {
    fn default() -> Self {
        Interner {
            arena: Arena::default(),
            table: Vec::new(),
            _handle: PhantomData,
        }
    }
}

impl<H: Handle> Interner<H> {
    /// Number of ids held.
    pub fn len(&self) -> usize {
        self.arena.len()
    }

    /// True when no id is held.
    pub fn is_empty(&self) -> bool {
        self.arena.len() == 0
    }

    /// The id's text.
    #[inline]
    pub fn name(&self, h: H) -> &str {
        self.arena.get(h.index())
    }

    /// Every handle, in the order they were made.
    pub fn handles(&self) -> impl ExactSizeIterator<Item = H> + '_ {
        (0..self.len() as u32).map(H::from_index)
    }

    /// The handle of `s`, if held.
    #[inline]
    pub fn get(&self, s: &str) -> Option<H> {
        self.find(s, hash_bytes(s.as_bytes())).map(H::from_index)
    }

    /// The position of `s` (whose hash is `hash`), if held.
    #[inline]
    fn find(&self, s: &str, hash: u64) -> Option<u32> {
        if self.table.is_empty() {
            return None;
        }
        let mask = self.table.len() - 1;
        let mut pos = hash as usize & mask;
        loop {
            let entry = self.table[pos];
            if entry == EMPTY {
                return None;
            }
            // the low half of a slot is the position
            let i = entry as u32;
            if tag(entry) == tag(hash) && self.arena.get(i as usize) == s {
                return Some(i);
            }
            pos = (pos + 1) & mask;
        }
    }

    /// The table slot where a look-up of `s` starts (0 when the table is
    /// empty), read ahead of the look-up so that its cache miss overlaps
    /// others (reading the id held there too measured slower).
    #[inline]
    pub fn first_slot(&self, s: &str) -> u64 {
        if self.table.is_empty() {
            return 0;
        }
        self.table[hash_bytes(s.as_bytes()) as usize & (self.table.len() - 1)]
    }

    /// The handle of `s`, made when new.
    #[inline]
    pub fn intern(&mut self, s: &str) -> Result<H, CapacityError> {
        if let Some(h) = self.get(s) {
            return Ok(h);
        }
        self.insert_new(s)
    }

    /// The handle of `s`, made when new; `true` when it was new.
    #[inline]
    pub fn intern_new(&mut self, s: &str) -> Result<(H, bool), CapacityError> {
        if let Some(h) = self.get(s) {
            return Ok((h, false));
        }
        self.insert_new(s).map(|h| (h, true))
    }

    /// Adds `s`, known not to be held (the caller has just looked): one
    /// probe instead of two.
    pub fn insert_absent(&mut self, s: &str) -> Result<H, CapacityError> {
        debug_assert!(self.get(s).is_none());
        self.insert_new(s)
    }

    /// Whether `n` more ids still fit.
    pub fn has_room(&self, n: usize) -> bool {
        self.len()
            .checked_add(n)
            .is_some_and(|total| total < (u32::MAX - 1) as usize)
    }

    fn insert_new(&mut self, s: &str) -> Result<H, CapacityError> {
        // keep the load at most 2/3: short probe runs, mostly in one cache line
        if (self.len() + 1) * 3 > self.table.len() * 2 {
            self.grow();
        }
        let i = self.arena.push(s, H::KIND)?;
        place(&mut self.table, hash_bytes(s.as_bytes()), i);
        Ok(H::from_index(i))
    }

    fn grow(&mut self) {
        let mut table = vec![EMPTY; (self.table.len() * 2).max(16)];
        for i in 0..self.arena.len() {
            place(
                &mut table,
                hash_bytes(self.arena.get(i).as_bytes()),
                i as u32,
            );
        }
        self.table = table;
    }

    /// Heap bytes held.
    pub fn heap_bytes(&self) -> usize {
        self.arena.heap_bytes() + self.table.capacity() * 8
    }

    /// Whether `other` holds the same ids at the same handles.
    pub fn same_ids(&self, other: &Interner<H>) -> bool {
        self.arena.ends == other.arena.ends && self.arena.text == other.arena.text
    }
}

/// Puts position `i` (of an id hashing to `hash`) in the first free slot of
/// its probe run.
#[inline]
fn place(table: &mut [u64], hash: u64, i: u32) {
    let mask = table.len() - 1;
    let mut pos = hash as usize & mask;
    while table[pos] != EMPTY {
        pos = (pos + 1) & mask;
    }
    table[pos] = slot(hash, i);
}

/// The table length that holds `n` ids at a load of at most 2/3.
fn table_len_for(n: usize) -> usize {
    (n * 3 / 2 + 1).next_power_of_two().max(16)
}

/// The ids of the events whose facts are held, in one arena (no lookup
/// table: a fact's event is compared only with the fact it competes with).
#[derive(Clone, Debug, Default)]
pub struct EventIds {
    arena: Arena,
}

impl EventIds {
    /// Stores an event id.
    pub fn push(&mut self, id: &str) -> Result<EventRef, CapacityError> {
        let i = self.arena.push(id, "event ids")?;
        // positions stay below u32::MAX - 1, so i + 1 is never zero
        Ok(EventRef(
            std::num::NonZeroU32::new(i + 1).expect("arena positions are below u32::MAX"),
        ))
    }

    /// Whether `n` more ids still fit.
    pub fn has_room(&self, n: usize) -> bool {
        self.arena
            .len()
            .checked_add(n)
            .is_some_and(|total| total < (u32::MAX - 1) as usize)
    }

    /// The event id's text.
    #[inline]
    pub fn name(&self, e: EventRef) -> &str {
        self.arena.get(e.0.get() as usize - 1)
    }

    /// Heap bytes held.
    pub fn heap_bytes(&self) -> usize {
        self.arena.heap_bytes()
    }
}

/// Every id table the engine keeps, one per kind.
#[derive(Clone, Debug, Default)]
pub struct Catalog {
    /// Buyer and reviewer ids.
    pub buyers: Interner<BuyerId>,
    /// Categories.
    pub categories: Interner<CategoryId>,
    /// Order tags.
    pub tags: Interner<TagId>,
    /// Refund case ids.
    pub refunds: Interner<RefundId>,
    /// Agent certifications.
    pub certs: Interner<CertId>,
    /// Chat sessions seen (by event id).
    pub chats: Interner<ChatId>,
    /// Customer-service agents named by chat sessions (snapshot section
    /// `chat_agents`, not `ids`: files of format 1.2 and older have none).
    pub agents: Interner<AgentId>,
    /// Price changes seen (by event id).
    pub price_changes: Interner<PriceChangeId>,
    /// Events whose fact lost to another by its slot's rule (rare: two
    /// shipments of one order, a review rewritten), so that their repeat is
    /// still recognised.
    pub superseded: Interner<SupersededId>,
    /// Delivery regions named by payments (snapshot section
    /// `order_regions`: files of format 1.3 and older have none).
    pub regions: Interner<RegionId>,
    /// Ids of the events whose facts are held.
    pub events: EventIds,
}

impl Catalog {
    /// Heap bytes held by every table.
    pub fn heap_bytes(&self) -> usize {
        self.buyers.heap_bytes()
            + self.categories.heap_bytes()
            + self.tags.heap_bytes()
            + self.refunds.heap_bytes()
            + self.certs.heap_bytes()
            + self.chats.heap_bytes()
            + self.agents.heap_bytes()
            + self.price_changes.heap_bytes()
            + self.superseded.heap_bytes()
            + self.regions.heap_bytes()
            + self.events.heap_bytes()
    }

    /// The handle of region `name`, made when new, unless that would pass
    /// [`MAX_REGIONS`].
    pub fn region(&mut self, name: &str) -> Result<RegionId, CapacityError> {
        if let Some(r) = self.regions.get(name) {
            return Ok(r);
        }
        if self.regions.len() >= MAX_REGIONS {
            return Err(CapacityError {
                kind: RegionId::KIND,
            });
        }
        self.regions.insert_absent(name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interning_is_dense_and_stable() {
        let mut t: Interner<OrderId> = Interner::default();
        let ids: Vec<OrderId> = (0..1000)
            .map(|i| t.intern(&format!("o{i}")).unwrap())
            .collect();
        for (i, id) in ids.iter().enumerate() {
            assert_eq!(id.index(), i);
            assert_eq!(t.name(*id), format!("o{i}"));
            assert_eq!(t.get(&format!("o{i}")), Some(*id));
            assert_eq!(t.intern(&format!("o{i}")).unwrap(), *id);
        }
        assert_eq!(t.get("o1000"), None);
        assert_eq!(t.get(""), None);
        let empty = t.intern("").unwrap();
        assert_eq!(t.name(empty), "");
        assert_eq!(t.len(), 1001);
    }

    #[test]
    fn lookups_hold_through_every_growth() {
        // 100k ids pass through a dozen table sizes; every id is found at
        // its handle after each, and ids never added are not
        let mut t: Interner<BuyerId> = Interner::default();
        for i in 0..100_000u32 {
            assert_eq!(t.intern(&format!("b{i}")).unwrap().index(), i as usize);
            if i.is_power_of_two() {
                assert!(
                    (0..=i).all(|j| t.get(&format!("b{j}")).map(|h| h.index()) == Some(j as usize))
                );
            }
        }
        assert!((0..100_000).all(|j| t.get(&format!("x{j}")).is_none()));
        assert!(t.table.len() >= 100_000 * 3 / 2, "load stays at most 2/3");
        assert_eq!(t.intern_new("b99999").unwrap(), (BuyerId(99_999), false));
    }

    #[test]
    fn event_ids_round_trip() {
        let mut e = EventIds::default();
        let a = e.push("e1").unwrap();
        let b = e.push("ünïcode").unwrap();
        assert_eq!((e.name(a), e.name(b)), ("e1", "ünïcode"));
    }

    #[test]
    fn a_table_is_indexed_by_the_handles_it_hands_out() {
        let mut t: Table<ShopId, &str> = Table::default();
        let (a, b) = (t.push("a"), t.push("b"));
        assert_eq!((a.index(), b.index()), (0, 1));
        t[b] = "B";
        assert_eq!((t[a], t[b], t.get(ShopId::from_index(2))), ("a", "B", None));
        assert_eq!(t.handles().collect::<Vec<_>>(), [a, b]);
        assert_eq!(t.enumerate().collect::<Vec<_>>(), [(a, &"a"), (b, &"B")]);
        let u: Table<ShopId, char> = "xy".chars().collect();
        assert_eq!((u[a], u[b], u.len()), ('x', 'y', 2));
    }

    #[test]
    fn hot_handles_are_four_bytes() {
        assert_eq!(std::mem::size_of::<OrderId>(), 4);
        assert_eq!(std::mem::size_of::<EventRef>(), 4);
    }
}

/// Snapshot encoding: each arena as its end offsets (a `u32` column) and
/// its bytes, in handle order; lookup tables are rebuilt on read.
mod snapshot {
    use super::*;
    use crate::snapshot::{Dec, Enc, Result};

    impl Arena {
        fn write(&self, e: &mut Enc) {
            e.u32s(&self.ends);
            e.str(&self.text);
        }

        fn read(d: &mut Dec<'_>, kind: &str) -> Result<Arena> {
            let ends = d.u32s()?;
            let text = d.str()?;
            if ends.len() >= (u32::MAX - 1) as usize {
                return Err(d.invalid(format!("too many {kind}")));
            }
            let mut prev = 0u32;
            for &end in &ends {
                if end < prev || end as usize > text.len() || !text.is_char_boundary(end as usize) {
                    return Err(d.invalid(format!("{kind}: id end offset {end} out of place")));
                }
                prev = end;
            }
            if prev as usize != text.len() {
                return Err(d.invalid(format!("{kind}: bytes after the last id")));
            }
            Ok(Arena {
                text: text.to_owned(),
                ends,
            })
        }
    }

    impl<H: Handle> Interner<H> {
        /// Writes the ids in handle order.
        pub(crate) fn write_snapshot(&self, e: &mut Enc) {
            self.arena.write(e);
        }

        /// Reads ids written by [`Interner::write_snapshot`]; a repeated id is refused.
        pub(crate) fn read_snapshot(d: &mut Dec<'_>) -> Result<Self> {
            let arena = Arena::read(d, H::KIND)?;
            let mut ids = Interner {
                table: vec![EMPTY; table_len_for(arena.len())],
                arena,
                _handle: PhantomData,
            };
            for i in 0..ids.arena.len() {
                let s = ids.arena.get(i);
                let hash = hash_bytes(s.as_bytes());
                // positions below i are placed: a match is a repeat
                if ids.find(s, hash).is_some() {
                    return Err(d.invalid(format!("{}: id `{s}` twice", H::KIND)));
                }
                place(&mut ids.table, hash, i as u32);
            }
            Ok(ids)
        }
    }

    impl EventIds {
        /// An event reference from its snapshot form (position + 1), checked.
        pub(crate) fn checked_ref(&self, raw: u32) -> Option<EventRef> {
            std::num::NonZeroU32::new(raw)
                .filter(|r| r.get() as usize <= self.arena.len())
                .map(EventRef)
        }
    }

    impl EventRef {
        /// Its snapshot form: position + 1.
        pub(crate) fn raw(self) -> u32 {
            self.0.get()
        }
    }

    /// A catalog read, with the order ids and SKUs its file holds.
    pub(crate) type CatalogRead = (Catalog, Interner<OrderId>, Interner<SkuId>);

    impl Catalog {
        /// Writes every id table, with the order ids and SKUs (which the
        /// engine's price-protection book holds) in their places.
        pub(crate) fn write_snapshot(
            &self,
            orders: &Interner<OrderId>,
            skus: &Interner<SkuId>,
            e: &mut Enc,
        ) {
            orders.write_snapshot(e);
            self.buyers.write_snapshot(e);
            skus.write_snapshot(e);
            self.categories.write_snapshot(e);
            self.tags.write_snapshot(e);
            self.refunds.write_snapshot(e);
            self.certs.write_snapshot(e);
            self.chats.write_snapshot(e);
            self.price_changes.write_snapshot(e);
            self.superseded.write_snapshot(e);
            self.events.arena.write(e);
        }

        /// Reads what [`Catalog::write_snapshot`] wrote: the catalog, the
        /// order ids and the SKUs.
        pub(crate) fn read_snapshot(d: &mut Dec<'_>) -> Result<CatalogRead> {
            let orders = Interner::read_snapshot(d)?;
            let buyers = Interner::read_snapshot(d)?;
            let skus = Interner::read_snapshot(d)?;
            let catalog = Catalog {
                buyers,
                categories: Interner::read_snapshot(d)?,
                tags: Interner::read_snapshot(d)?,
                refunds: Interner::read_snapshot(d)?,
                certs: Interner::read_snapshot(d)?,
                chats: Interner::read_snapshot(d)?,
                agents: Interner::default(),
                regions: Interner::default(),
                price_changes: Interner::read_snapshot(d)?,
                superseded: Interner::read_snapshot(d)?,
                events: EventIds {
                    arena: Arena::read(d, "event ids")?,
                },
            };
            Ok((catalog, orders, skus))
        }
    }
}
