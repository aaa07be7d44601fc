//! String interning: order ids, SKUs and shop ids become dense `u32`s.
//!
//! Why: the book holds millions of lines; storing a `String` per line would
//! dominate memory and scatter the hot state. Each distinct string is kept
//! once (one shared allocation for the lookup map and the reverse table).

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::Arc;

use super::error::{PriceProtectionError, Result};

/// A small multiplicative hasher for in-process tables keyed by ids and
/// short strings. Not DoS-resistant: keys come from the marketplace's own
/// event log, and SipHash dominated the drop loop in the benchmark.
#[derive(Clone, Copy, Default)]
pub(crate) struct FastHasher(u64);

const K: u64 = 0x9E37_79B9_7F4A_7C15;

impl FastHasher {
    fn mix(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(K);
    }
}

impl Hasher for FastHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            self.mix(u64::from_le_bytes(w));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut w = [0u8; 8];
            w[..rest.len()].copy_from_slice(rest);
            self.mix(u64::from_le_bytes(w));
        }
    }

    fn write_u8(&mut self, i: u8) {
        self.mix(i as u64);
    }

    fn write_u32(&mut self, i: u32) {
        self.mix(i as u64);
    }

    fn write_u64(&mut self, i: u64) {
        self.mix(i);
    }

    fn write_usize(&mut self, i: usize) {
        self.mix(i as u64);
    }

    fn finish(&self) -> u64 {
        // Final avalanche: the multiply only carries low bits upwards, and
        // the table picks buckets from the low bits.
        let mut h = self.0;
        h ^= h >> 33;
        h = h.wrapping_mul(0xFF51_AFD7_ED55_8CCD);
        h ^= h >> 33;
        h = h.wrapping_mul(0xC4CE_B9FE_1A85_EC53);
        h ^ (h >> 33)
    }
}

/// A `HashMap` with [`FastHasher`].
pub(crate) type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<FastHasher>>;

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
