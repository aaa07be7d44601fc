//! Turning the engine's owned `truexp::bonus::BonusInput` into the borrowed C structs.
//!
//! Why it lives in the SDK and not in the host: the host needs it to call loaded
//! tables, and plugin authors need the very same conversion to unit-test their
//! rules through the trait ([`crate::evaluate`]); one implementation keeps both honest.
//! Building pointers is safe; only dereferencing them (in the plugin) is not, and the
//! pointers stay valid as long as the [`CInput`] and the borrowed input live.

use crate::abi;
use std::marker::PhantomData;
use std::mem::MaybeUninit;
use std::ops::Deref;
use truexp::bonus::BonusInput;

/// Up to `N` items inline (no allocation per call), more on the heap.
struct SmallBuf<T: Copy, const N: usize> {
    inline: [MaybeUninit<T>; N],
    len: usize,
    heap: Vec<T>,
}

impl<T: Copy, const N: usize> SmallBuf<T, N> {
    fn collect(items: impl ExactSizeIterator<Item = T>) -> Self {
        let mut buf = SmallBuf {
            inline: [const { MaybeUninit::uninit() }; N],
            len: 0,
            heap: Vec::new(),
        };
        if items.len() > N {
            buf.heap = items.collect();
            buf.len = buf.heap.len();
        } else {
            // `take(N)` keeps a lying `ExactSizeIterator` from writing out of bounds.
            for (slot, item) in buf.inline.iter_mut().zip(items.take(N)) {
                slot.write(item);
                buf.len += 1;
            }
        }
        buf
    }

    fn as_ptr(&self) -> *const T {
        if self.heap.is_empty() {
            // The first `len` inline items are initialised (see `collect`).
            self.inline.as_ptr().cast()
        } else {
            self.heap.as_ptr()
        }
    }
}

/// The C view of one [`BonusInput`], borrowing its strings. Short lists live inline,
/// so converting a typical shop does not allocate.
pub struct CInput<'a> {
    input: &'a BonusInput,
    certifications: SmallBuf<abi::Str, 8>,
    services: SmallBuf<abi::Str, 8>,
    indicators: SmallBuf<abi::Indicator, 12>,
    tags: SmallBuf<abi::TagCount, 12>,
    agent_chats: SmallBuf<abi::AgentChats, 8>,
}

/// The top-level C struct, borrowing the [`CInput`] it came from (so it cannot
/// outlive or see a moved `CInput`). Dereferences to [`abi::BonusInput`].
pub struct CInputRef<'c> {
    raw: abi::BonusInput,
    _borrow: PhantomData<&'c ()>,
}

impl Deref for CInputRef<'_> {
    type Target = abi::BonusInput;
    fn deref(&self) -> &abi::BonusInput {
        &self.raw
    }
}

impl<'a> CInput<'a> {
    /// Builds the C arrays for `input`.
    pub fn new(input: &'a BonusInput) -> CInput<'a> {
        CInput {
            input,
            certifications: SmallBuf::collect(
                input.certifications.iter().map(|s| abi::Str::new(s)),
            ),
            services: SmallBuf::collect(input.services.iter().map(|s| abi::Str::new(s))),
            indicators: SmallBuf::collect(input.indicators.iter().map(|i| abi::Indicator {
                name: abi::Str::new(&i.name),
                value: i.value,
                sample: i.sample,
                assessed: u32::from(i.assessed),
                reserved: 0,
            })),
            tags: SmallBuf::collect(input.tags.iter().map(|t| abi::TagCount {
                tag: abi::Str::new(&t.tag),
                orders: t.orders,
                delivered: t.delivered,
                delivered_on_time: t.delivered_on_time,
                refund_only: t.refund_only,
                problem_orders: t.problem_orders,
            })),
            agent_chats: SmallBuf::collect(input.agent_chats.iter().map(|a| abi::AgentChats {
                certification: abi::Str::new(&a.certification),
                sessions: a.sessions,
                answered_within_3min: a.answered_within_3min,
                total_response_secs: a.total_response_secs,
                satisfied: a.satisfied,
                rated: a.rated,
            })),
        }
    }

    /// The top-level C struct; its pointers are valid while the borrow of `self` lives.
    pub fn abi(&self) -> CInputRef<'_> {
        let i = self.input;
        let raw = abi::BonusInput {
            struct_size: abi::BONUS_INPUT_V1_SIZE as u32,
            flags: if i.price_protection_days.is_some() {
                abi::HAS_PRICE_PROTECTION
            } else {
                0
            },
            shop_id: abi::Str::new(&i.shop_id),
            category: abi::Str::new(&i.category),
            certifications: self.certifications.as_ptr(),
            certifications_len: self.certifications.len,
            services: self.services.as_ptr(),
            services_len: self.services.len,
            price_protection_days: i.price_protection_days.unwrap_or(0),
            platform_price_protection_days: i.platform_price_protection_days,
            valid_orders: i.valid_orders,
            chat_sessions: i.chat_sessions,
            indicators: self.indicators.as_ptr(),
            indicators_len: self.indicators.len,
            tags: self.tags.as_ptr(),
            tags_len: self.tags.len,
            agent_chats: self.agent_chats.as_ptr(),
            agent_chats_len: self.agent_chats.len,
        };
        CInputRef {
            raw,
            _borrow: PhantomData,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use truexp::bonus::TagCount;

    #[test]
    fn inline_and_heap_lists_round_trip() {
        for n in [0usize, 1, 12, 13, 40] {
            let input = BonusInput {
                tags: (0..n)
                    .map(|i| TagCount {
                        tag: format!("t{i}"),
                        orders: i as u64,
                        ..Default::default()
                    })
                    .collect(),
                ..Default::default()
            };
            let c = CInput::new(&input);
            let raw = c.abi();
            assert_eq!(raw.tags_len, n);
            for i in 0..n {
                // SAFETY: `raw` borrows `c`, which holds `n` initialised tags.
                let t = unsafe { *raw.tags.add(i) };
                assert_eq!(t.orders, i as u64);
                assert_eq!(t.tag.len, format!("t{i}").len());
            }
        }
    }
}
