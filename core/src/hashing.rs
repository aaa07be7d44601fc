//! A fast, deterministic hasher for the engine's id maps.
//!
//! Why not std's SipHash: ids are hashed several times per event and SipHash
//! took a fifth of ingest time. Ids come from the marketplace's own systems,
//! not from anonymous clients, so flooding resistance is not needed here;
//! this is the multiply-rotate scheme of rustc's FxHasher, folded 8 bytes
//! at a time.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

const SEED: u64 = 0xf135_7aea_2e62_a9c5;

/// Multiply-rotate hasher.
#[derive(Clone, Copy, Debug, Default)]
pub struct FastHasher {
    hash: u64,
}

impl FastHasher {
    #[inline]
    fn add(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(SEED);
    }
}

impl Hasher for FastHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            self.add(u64::from_le_bytes(c.try_into().expect("8 bytes")));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            self.add(tail_word(rest) ^ ((rest.len() as u64) << 59));
        }
    }

    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }

    #[inline]
    fn write_u32(&mut self, i: u32) {
        self.add(u64::from(i));
    }

    #[inline]
    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }

    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }

    #[inline]
    fn finish(&self) -> u64 {
        // Final avalanche (the 64-bit finaliser of MurmurHash3): the multiply
        // only carries low bits upwards, and the table picks buckets from the
        // low bits and tags from the top seven.
        let mut h = self.hash;
        h ^= h >> 33;
        h = h.wrapping_mul(0xFF51_AFD7_ED55_8CCD);
        h ^= h >> 33;
        h = h.wrapping_mul(0xC4CE_B9FE_1A85_EC53);
        h ^ (h >> 33)
    }
}

/// The 1..=7 bytes `rest` as a little-endian word padded with zeros,
/// read with at most two loads (ids are short: nearly every id ends in such
/// a tail, and copying it into a buffer first cost a call and a stalled load).
#[inline]
fn tail_word(rest: &[u8]) -> u64 {
    let n = rest.len();
    debug_assert!((1..8).contains(&n));
    if n >= 4 {
        // two overlapping 4-byte reads: bytes 0..4 and n-4..n
        let lo = u64::from(u32::from_le_bytes([rest[0], rest[1], rest[2], rest[3]]));
        let hi = u64::from(u32::from_le_bytes([
            rest[n - 4],
            rest[n - 3],
            rest[n - 2],
            rest[n - 1],
        ]));
        lo | (hi << (8 * (n - 4)))
    } else {
        // 1..=3 bytes: the first, the middle and the last (some the same)
        let (first, middle, last) = (rest[0], rest[n / 2], rest[n - 1]);
        u64::from(first) | (u64::from(middle) << (8 * (n / 2))) | (u64::from(last) << (8 * (n - 1)))
    }
}

/// A `HashMap` with the fast hasher.
pub type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<FastHasher>>;
/// A `HashSet` with the fast hasher.
pub type FastSet<K> = HashSet<K, BuildHasherDefault<FastHasher>>;

#[cfg(test)]
mod tests {
    use super::*;
    use std::hash::Hash;

    fn h(s: &str) -> u64 {
        let mut x = FastHasher::default();
        s.hash(&mut x);
        x.finish()
    }

    #[test]
    fn a_tail_reads_as_its_zero_padded_word() {
        let bytes: Vec<u8> = (0..8u8)
            .map(|i| i.wrapping_mul(37).wrapping_add(11))
            .collect();
        for n in 1..8 {
            let mut buf = [0u8; 8];
            buf[..n].copy_from_slice(&bytes[..n]);
            assert_eq!(tail_word(&bytes[..n]), u64::from_le_bytes(buf), "{n} bytes");
        }
    }

    #[test]
    fn different_lengths_and_tails_differ() {
        assert_ne!(h("o1"), h("o10"));
        assert_ne!(h("abcdefgh"), h("abcdefgh\0"));
        assert_eq!(h("same"), h("same"));
    }
}
