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
}
