//! String interning for the book: order ids, SKUs and shop ids become dense `u32`s.
//!
//! Why: the book holds millions of lines; storing a `String` per line would
//! dominate memory and scatter the hot state. Each distinct string is kept
//! once, in the same compact arena interner the engine uses
//! ([`crate::ids::Interner`]: the bytes, a 4-byte end offset and an 8-byte
//! table slot per id).

use super::error::{PriceProtectionError, Result};
use crate::ids::{self, Handle};

/// The book's untyped position in one of its tables.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Pos(u32);

impl Handle for Pos {
    const KIND: &'static str = "book ids";
    fn from_index(i: u32) -> Self {
        Pos(i)
    }
    fn index(self) -> usize {
        self.0 as usize
    }
}

/// A table of distinct strings, each with a dense `u32` id (the book's
/// positions; `H` types the table where the owning engine shares it).
#[derive(Clone, Debug)]
pub(crate) struct Interner<H = Pos> {
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

    /// The id of `s`, if it was interned.
    pub(crate) fn get(&self, s: &str) -> Option<u32> {
        self.inner.get(s).map(|p| p.index() as u32)
    }

    /// The id of `s`, interning it when new.
    pub(crate) fn intern(&mut self, s: &str, what: &'static str) -> Result<u32> {
        self.inner
            .intern(s)
            .map(|p| p.index() as u32)
            .map_err(|_| PriceProtectionError::Capacity(what))
    }

    /// Adds `s`, known not to be held (the caller has just looked).
    pub(crate) fn insert_absent(&mut self, s: &str, what: &'static str) -> Result<u32> {
        self.inner
            .insert_absent(s)
            .map(|p| p.index() as u32)
            .map_err(|_| PriceProtectionError::Capacity(what))
    }

    /// Number of strings interned.
    pub(crate) fn len(&self) -> usize {
        self.inner.len()
    }

    /// The strings, in id order.
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

    /// The string of `id` (empty for an id never handed out).
    pub(crate) fn name(&self, id: u32) -> &str {
        if (id as usize) < self.len() {
            self.inner.name(H::from_index(id))
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

    #[test]
    fn interns_once() {
        let mut t: Interner = Interner::default();
        let a = t.intern("a", "x").unwrap();
        let b = t.intern("b", "x").unwrap();
        assert_eq!(t.intern("a", "x").unwrap(), a);
        assert_ne!(a, b);
        assert_eq!(t.name(b), "b");
        assert_eq!(t.name(7), "");
        assert_eq!(t.get("c"), None);
    }

    #[test]
    fn absorbs() {
        let mut a: Interner = Interner::default();
        a.intern("x", "t").unwrap();
        let mut b: Interner = Interner::default();
        b.intern("y", "t").unwrap();
        b.intern("x", "t").unwrap();
        assert!(a.can_absorb(&b));
        let ids: Vec<u32> = b.names().map(|n| a.intern(n, "t").unwrap()).collect();
        assert_eq!(ids, [1, 0]);
        assert_eq!(a.len(), 2);
    }
}
