//! String interning: order ids, SKUs and shop ids become dense `u32`s.
//!
//! Why: the book holds millions of lines; storing a `String` per line would
//! dominate memory and scatter the hot state. Each distinct string is kept
//! once (one shared allocation for the lookup map and the reverse table).

use std::sync::Arc;

use super::error::{PriceProtectionError, Result};
use crate::hashing::FastMap;

/// A table of distinct strings, each with a dense `u32` id.
#[derive(Clone, Debug, Default)]
pub(crate) struct Interner {
    ids: FastMap<Arc<str>, u32>,
    names: Vec<Arc<str>>,
}

impl Interner {
    /// The id of `s`, if it was interned.
    pub(crate) fn get(&self, s: &str) -> Option<u32> {
        self.ids.get(s).copied()
    }

    /// The id of `s`, interning it when new.
    pub(crate) fn intern(&mut self, s: &str, what: &'static str) -> Result<u32> {
        if let Some(id) = self.ids.get(s) {
            return Ok(*id);
        }
        let id =
            u32::try_from(self.names.len()).map_err(|_| PriceProtectionError::Capacity(what))?;
        let name: Arc<str> = Arc::from(s);
        self.ids.insert(Arc::clone(&name), id);
        self.names.push(name);
        Ok(id)
    }

    /// Like [`Self::intern`], sharing `name`'s allocation when it is new
    /// (merging books copies no string).
    pub(crate) fn intern_shared(&mut self, name: &Arc<str>, what: &'static str) -> Result<u32> {
        if let Some(id) = self.ids.get(&**name) {
            return Ok(*id);
        }
        let id =
            u32::try_from(self.names.len()).map_err(|_| PriceProtectionError::Capacity(what))?;
        self.ids.insert(Arc::clone(name), id);
        self.names.push(Arc::clone(name));
        Ok(id)
    }

    /// Number of strings interned.
    pub(crate) fn len(&self) -> usize {
        self.names.len()
    }

    /// The strings, in id order.
    pub(crate) fn names(&self) -> &[Arc<str>] {
        &self.names
    }

    /// Whether interning every string of `other` stays within `u32` ids.
    /// O(1) unless the tables are near the limit, then O(`other`).
    pub(crate) fn can_absorb(&self, other: &Interner) -> bool {
        // Ids are 0 ..= u32::MAX: at most 2^32 strings.
        let fits = |n: usize| n == 0 || u32::try_from(n - 1).is_ok();
        if self.len().checked_add(other.len()).is_some_and(fits) {
            return true;
        }
        let new = other.names.iter().filter(|n| self.get(n).is_none()).count();
        self.len().checked_add(new).is_some_and(fits)
    }

    /// Approximate heap bytes: one shared allocation per string (with its
    /// reference counts), the reverse table and the map's buckets.
    pub(crate) fn approx_heap_bytes(&self) -> usize {
        let strings: usize = self.names.iter().map(|n| n.len() + 16).sum();
        strings
            + self.names.capacity() * std::mem::size_of::<Arc<str>>()
            + self.ids.capacity() * (std::mem::size_of::<(Arc<str>, u32)>() + 1)
    }

    /// The string of `id` (empty for an id never handed out).
    pub(crate) fn name(&self, id: u32) -> &str {
        self.names.get(id as usize).map_or("", |n| n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interns_once() {
        let mut t = Interner::default();
        let a = t.intern("a", "x").unwrap();
        let b = t.intern("b", "x").unwrap();
        assert_eq!(t.intern("a", "x").unwrap(), a);
        assert_ne!(a, b);
        assert_eq!(t.name(b), "b");
        assert_eq!(t.get("c"), None);
    }

    #[test]
    fn absorbs_sharing_strings() {
        let mut a = Interner::default();
        a.intern("x", "t").unwrap();
        let mut b = Interner::default();
        b.intern("y", "t").unwrap();
        b.intern("x", "t").unwrap();
        assert!(a.can_absorb(&b));
        let ids: Vec<u32> = b
            .names()
            .iter()
            .map(|n| a.intern_shared(n, "t").unwrap())
            .collect();
        assert_eq!(ids, [1, 0]);
        assert_eq!(a.len(), 2);
        assert!(Arc::ptr_eq(&a.names()[1], &b.names()[0]));
    }
}
