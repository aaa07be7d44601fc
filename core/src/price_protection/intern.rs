//! String interning for the book: order ids, SKUs and shop ids become
//! dense typed handles ([`OrderId`](crate::ids::OrderId), [`SkuId`](crate::ids::SkuId),
//! [`ShopId`](crate::ids::ShopId)).
//!
//! Why: the book holds millions of lines; storing a `String` per line would
//! dominate memory and scatter the hot state. Each distinct string is kept
//! once, in the same compact arena interner the engine uses
//! ([`crate::ids::Interner`]: the bytes, a 4-byte end offset and an 8-byte
//! table slot per id); this wrapper speaks the book's errors.

use super::error::{PriceProtectionError, Result};
use crate::ids::{self, Handle};

/// A table of distinct strings, each with a dense handle `H` (inside an
/// engine, the order-id and SKU tables are the engine's).
#[derive(Clone, Debug)]
pub(crate) struct Interner<H> {
    inner: ids::Interner<H>,
}

impl<H> Default for Interner<H> {
    fn default() -> Self {
        Interner {
            inner: ids::Interner::default(),
        }
    }
}

impl<H: Handle> Interner<H> {
    /// The typed table, for the owning engine.
    pub(crate) fn ids(&self) -> &ids::Interner<H> {
        &self.inner
    }

    /// The typed table, for the owning engine to add ids the book has not
    /// seen (a SKU only a refund names).
    pub(crate) fn ids_mut(&mut self) -> &mut ids::Interner<H> {
        &mut self.inner
    }

    /// The handle of `s`, if it was interned.
    pub(crate) fn get(&self, s: &str) -> Option<H> {
        self.inner.get(s)
    }

    /// The handle of `s`, interning it when new.
    pub(crate) fn intern(&mut self, s: &str, what: &'static str) -> Result<H> {
        (self.inner.intern(s)).map_err(|_| PriceProtectionError::Capacity(what))
    }

    /// Adds `s`, known not to be held (the caller has just looked).
    pub(crate) fn insert_absent(&mut self, s: &str, what: &'static str) -> Result<H> {
        (self.inner.insert_absent(s)).map_err(|_| PriceProtectionError::Capacity(what))
    }

    /// Number of strings interned.
    pub(crate) fn len(&self) -> usize {
        self.inner.len()
    }

    /// The strings, in handle order.
    pub(crate) fn names(&self) -> impl Iterator<Item = &str> + '_ {
        self.inner.handles().map(|h| self.inner.name(h))
    }

    /// Whether interning every string of `other` stays within the limit.
    /// O(1) unless the tables are near the limit, then O(`other`).
    pub(crate) fn can_absorb(&self, other: &Interner<H>) -> bool {
        if self.inner.has_room(other.len()) {
            return true;
        }
        let new = other.names().filter(|n| self.get(n).is_none()).count();
        self.inner.has_room(new)
    }

    /// Heap bytes held.
    pub(crate) fn approx_heap_bytes(&self) -> usize {
        self.inner.heap_bytes()
    }

    /// The string of `h` (empty for a handle never handed out).
    pub(crate) fn name(&self, h: H) -> &str {
        if h.index() < self.len() {
            self.inner.name(h)
        } else {
            ""
        }
    }
}

impl<H: Handle> Interner<H> {
    /// Writes the strings in id order (a snapshot section's part).
    pub(crate) fn write_snapshot(&self, e: &mut crate::snapshot::Enc) {
        self.inner.write_snapshot(e);
    }

    /// Reads what [`Interner::write_snapshot`] wrote.
    pub(crate) fn read_snapshot(d: &mut crate::snapshot::Dec<'_>) -> crate::snapshot::Result<Self> {
        Ok(Interner {
            inner: ids::Interner::read_snapshot(d)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::SkuId;

    #[test]
    fn interns_once() {
        let mut t: Interner<SkuId> = Interner::default();
        let a = t.intern("a", "x").unwrap();
        let b = t.intern("b", "x").unwrap();
        assert_eq!(t.intern("a", "x").unwrap(), a);
        assert_ne!(a, b);
        assert_eq!(t.name(b), "b");
        assert_eq!(t.name(SkuId::from_index(7)), "");
        assert_eq!(t.get("c"), None);
    }

    #[test]
    fn absorbs() {
        let mut a: Interner<SkuId> = Interner::default();
        a.intern("x", "t").unwrap();
        let mut b: Interner<SkuId> = Interner::default();
        b.intern("y", "t").unwrap();
        b.intern("x", "t").unwrap();
        assert!(a.can_absorb(&b));
        let ids: Vec<usize> = b
            .names()
            .map(|n| a.intern(n, "t").unwrap().index())
            .collect();
        assert_eq!(ids, [1, 0]);
        assert_eq!(a.len(), 2);
    }
}
