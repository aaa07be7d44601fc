//! The reason writer: formats straight into the host's buffer.
//!
//! Why not return a `String`: nothing allocated on one side of the ABI may be freed
//! on the other, and a bonus call should not allocate at all. The writer truncates
//! silently at a UTF-8 character boundary, so whatever the plugin writes, the
//! host always receives valid UTF-8 of at most `reason_cap` bytes.

use std::fmt;
use std::marker::PhantomData;

/// A fixed-capacity, truncating UTF-8 text sink; use it with `write!`.
pub struct Reason<'a> {
    ptr: *mut u8,
    cap: usize,
    len: usize,
    truncated: bool,
    _buf: PhantomData<&'a mut [u8]>,
}

impl<'a> Reason<'a> {
    /// A writer over a caller buffer.
    pub fn new(buf: &'a mut [u8]) -> Reason<'a> {
        Reason {
            ptr: buf.as_mut_ptr(),
            cap: buf.len(),
            len: 0,
            truncated: false,
            _buf: PhantomData,
        }
    }

    /// A writer over raw memory (which need not be initialised).
    ///
    /// # Safety
    /// `ptr` must be valid for writes of `cap` bytes during `'a` (or `cap == 0`),
    /// and nobody else may access that memory meanwhile.
    pub(crate) unsafe fn from_raw(ptr: *mut u8, cap: usize) -> Reason<'a> {
        Reason {
            ptr,
            cap,
            len: 0,
            truncated: false,
            _buf: PhantomData,
        }
    }

    /// Bytes written so far.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether nothing was written.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Whether some text was cut off.
    pub fn is_truncated(&self) -> bool {
        self.truncated
    }

    /// The text written so far.
    pub fn as_str(&self) -> &str {
        if self.len == 0 {
            return "";
        }
        // SAFETY: bytes 0..len were written by `push` from whole `&str` prefixes
        // cut at character boundaries, so they are initialised and valid UTF-8.
        unsafe { std::str::from_utf8_unchecked(std::slice::from_raw_parts(self.ptr, self.len)) }
    }

    /// Forgets the text written so far.
    pub fn clear(&mut self) {
        self.len = 0;
        self.truncated = false;
    }

    /// Appends `s`, cutting it at the last character boundary that fits.
    pub fn push(&mut self, s: &str) {
        if self.truncated {
            return;
        }
        let room = self.cap - self.len;
        let mut n = s.len();
        if n > room {
            n = room;
            while !s.is_char_boundary(n) {
                n -= 1;
            }
            self.truncated = true;
        }
        if n == 0 {
            return;
        }
        // SAFETY: `len + n <= cap`, so the destination lies inside the `cap` writable
        // bytes promised at construction; source and destination cannot overlap
        // because we hold the only access to the destination.
        unsafe { std::ptr::copy_nonoverlapping(s.as_ptr(), self.ptr.add(self.len), n) };
        self.len += n;
    }
}

impl fmt::Write for Reason<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.push(s);
        Ok(())
    }
}

impl fmt::Debug for Reason<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Reason")
            .field("text", &self.as_str())
            .field("cap", &self.cap)
            .field("truncated", &self.truncated)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fmt::Write as _;

    #[test]
    fn truncates_at_char_boundary() {
        let mut buf = [0u8; 5];
        let mut r = Reason::new(&mut buf);
        let tail = "分数"; // two 3-byte characters
        write!(r, "ab{tail}").unwrap();
        assert_eq!(r.as_str(), "ab分");
        assert!(r.is_truncated());
        r.push("x");
        assert_eq!(r.as_str(), "ab分");
    }

    #[test]
    fn zero_capacity_is_fine() {
        let mut r = Reason::new(&mut []);
        r.push("hello");
        assert_eq!(r.as_str(), "");
        assert!(r.is_truncated());
    }
}
