//! The plugin's safe, zero-copy view of the C input.
//!
//! Why validate everything up front: the host is another program as far as the
//! plugin knows. Every pointer, length and string is checked once on entry
//! (null with a non-zero length, misalignment, `struct_size`, UTF-8), after which
//! the accessors are plain safe borrows and cost nothing.

use crate::abi;

/// One sub-indicator.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Indicator<'a> {
    /// Indicator name.
    pub name: &'a str,
    /// Raw value.
    pub value: f64,
    /// Sample size.
    pub sample: u64,
    /// Whether it was assessed.
    pub assessed: bool,
}

/// Counts over the orders carrying one tag (all zero when no order carries it).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TagCount {
    /// Orders carrying the tag.
    pub orders: u64,
    /// Of those, delivered.
    pub delivered: u64,
    /// Of those, delivered on time.
    pub delivered_on_time: u64,
    /// Of those, with a refund-only request.
    pub refund_only: u64,
    /// Of those, problem orders.
    pub problem_orders: u64,
}

/// Chats answered by agents with one certification (all zero when none).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AgentChats {
    /// Sessions.
    pub sessions: u64,
    /// Of those, answered within 3 minutes.
    pub answered_within_3min: u64,
    /// Sum of first-response seconds.
    pub total_response_secs: u64,
    /// Sessions rated 4 or 5.
    pub satisfied: u64,
    /// Sessions with any rating.
    pub rated: u64,
}

/// Everything known about one shop for one bonus call.
#[derive(Clone, Copy, Debug)]
pub struct Input<'a> {
    raw: &'a abi::BonusInput,
    shop_id: &'a str,
    category: &'a str,
    certifications: &'a [abi::Str],
    services: &'a [abi::Str],
    indicators: &'a [abi::Indicator],
    tags: &'a [abi::TagCount],
    agent_chats: &'a [abi::AgentChats],
}

/// # Safety
/// `ptr` must be null or valid for reads of `len` elements for `'a` (when `len > 0`).
unsafe fn slice<'a, T>(
    ptr: *const T,
    len: usize,
    what: &'static str,
) -> Result<&'a [T], &'static str> {
    if len == 0 {
        return Ok(&[]);
    }
    if ptr.is_null() || !ptr.is_aligned() {
        return Err(what);
    }
    if len > isize::MAX as usize / std::mem::size_of::<T>().max(1) {
        return Err(what);
    }
    // SAFETY: non-null, aligned, size fits isize; validity for `'a` is the caller's contract.
    Ok(unsafe { std::slice::from_raw_parts(ptr, len) })
}

/// # Safety
/// `s.ptr` must be null or valid for reads of `s.len` bytes for `'a`.
unsafe fn text<'a>(s: abi::Str, what: &'static str) -> Result<&'a str, &'static str> {
    // SAFETY: forwarded contract.
    let bytes = unsafe { slice(s.ptr, s.len, what) }?;
    std::str::from_utf8(bytes).map_err(|_| what)
}

fn text_unchecked(s: &abi::Str) -> &str {
    if s.len == 0 {
        return "";
    }
    // SAFETY: every `Str` reachable from an `Input` was checked by `Input::from_raw`
    // (non-null, readable for the input's lifetime, valid UTF-8).
    unsafe { std::str::from_utf8_unchecked(std::slice::from_raw_parts(s.ptr, s.len)) }
}

impl<'a> Input<'a> {
    /// Validates a raw input.
    ///
    /// # Safety
    /// `raw` must be null or point to a `truexp_bonus_input` of at least `struct_size`
    /// bytes whose pointers are valid (per the header) for `'a`.
    pub(crate) unsafe fn from_raw(raw: *const abi::BonusInput) -> Result<Input<'a>, &'static str> {
        if raw.is_null() || !raw.is_aligned() {
            return Err("input is null or misaligned");
        }
        // SAFETY: `struct_size` is the first field, present in every version; the
        // caller guarantees `raw` is readable.
        let size = unsafe { std::ptr::addr_of!((*raw).struct_size).read() };
        if (size as usize) < abi::BONUS_INPUT_V1_SIZE {
            return Err("input struct_size is smaller than the v1 input");
        }
        // SAFETY: at least the v1 struct is readable, checked just above.
        let r: &'a abi::BonusInput = unsafe { &*raw };
        // SAFETY: the caller guarantees every (ptr, len) in the input is valid for `'a`;
        // `slice` and `text` check null, alignment and size themselves.
        let input = unsafe {
            Input {
                raw: r,
                shop_id: text(r.shop_id, "shop_id is not valid UTF-8")?,
                category: text(r.category, "category is not valid UTF-8")?,
                certifications: slice(
                    r.certifications,
                    r.certifications_len,
                    "bad certifications array",
                )?,
                services: slice(r.services, r.services_len, "bad services array")?,
                indicators: slice(r.indicators, r.indicators_len, "bad indicators array")?,
                tags: slice(r.tags, r.tags_len, "bad tags array")?,
                agent_chats: slice(r.agent_chats, r.agent_chats_len, "bad agent_chats array")?,
            }
        };
        // SAFETY: same contract, for the strings inside the arrays.
        unsafe {
            for s in input.certifications {
                text(*s, "a certification is not valid UTF-8")?;
            }
            for s in input.services {
                text(*s, "a service is not valid UTF-8")?;
            }
            for i in input.indicators {
                text(i.name, "an indicator name is not valid UTF-8")?;
            }
            for t in input.tags {
                text(t.tag, "a tag is not valid UTF-8")?;
            }
            for a in input.agent_chats {
                text(a.certification, "an agent certification is not valid UTF-8")?;
            }
        }
        Ok(input)
    }

    /// The shop.
    pub fn shop_id(&self) -> &'a str {
        self.shop_id
    }
    /// Its category.
    pub fn category(&self) -> &'a str {
        self.category
    }
    /// Certifications the shop holds.
    pub fn certifications(&self) -> impl Iterator<Item = &'a str> + 'a {
        self.certifications.iter().map(text_unchecked)
    }
    /// Whether the shop holds `certification`.
    pub fn has_certification(&self, certification: &str) -> bool {
        self.certifications().any(|c| c == certification)
    }
    /// Service offerings.
    pub fn services(&self) -> impl Iterator<Item = &'a str> + 'a {
        self.services.iter().map(text_unchecked)
    }
    /// Whether the shop offers `service`.
    pub fn has_service(&self, service: &str) -> bool {
        self.services().any(|s| s == service)
    }
    /// The shop's price-protection window in days, if it offers one.
    pub fn price_protection_days(&self) -> Option<i64> {
        (self.raw.flags & abi::HAS_PRICE_PROTECTION != 0).then_some(self.raw.price_protection_days)
    }
    /// The platform's standard price-protection window in days.
    pub fn platform_price_protection_days(&self) -> i64 {
        self.raw.platform_price_protection_days
    }
    /// Valid paid orders in the window.
    pub fn valid_orders(&self) -> u64 {
        self.raw.valid_orders
    }
    /// Chat sessions in the window.
    pub fn chat_sessions(&self) -> u64 {
        self.raw.chat_sessions
    }
    /// All sub-indicators.
    pub fn indicators(&self) -> impl Iterator<Item = Indicator<'a>> + 'a {
        self.indicators.iter().map(|i| Indicator {
            name: text_unchecked(&i.name),
            value: i.value,
            sample: i.sample,
            assessed: i.assessed != 0,
        })
    }
    /// One sub-indicator by name.
    pub fn indicator(&self, name: &str) -> Option<Indicator<'a>> {
        self.indicators().find(|i| i.name == name)
    }
    /// Counts for one order tag (zeros when no order carries it).
    pub fn tag(&self, tag: &str) -> TagCount {
        self.tags
            .iter()
            .find(|t| text_unchecked(&t.tag) == tag)
            .map(|t| TagCount {
                orders: t.orders,
                delivered: t.delivered,
                delivered_on_time: t.delivered_on_time,
                refund_only: t.refund_only,
                problem_orders: t.problem_orders,
            })
            .unwrap_or_default()
    }
    /// Chats answered by agents holding `certification` (zeros when none).
    pub fn agent_chats(&self, certification: &str) -> AgentChats {
        self.agent_chats
            .iter()
            .find(|a| text_unchecked(&a.certification) == certification)
            .map(|a| AgentChats {
                sessions: a.sessions,
                answered_within_3min: a.answered_within_3min,
                total_response_secs: a.total_response_secs,
                satisfied: a.satisfied,
                rated: a.rated,
            })
            .unwrap_or_default()
    }
}
