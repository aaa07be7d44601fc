//! A line's dated history: what automatic mode walks, in time order, to
//! see a line as it stood at a drop.
//!
//! Why: a payout is fixed when made (published, JD: a later refund of the
//! order deducts the protection payout first). A drop at `t` must therefore
//! be judged on the line as it stood at `t` — the refunds completed and the
//! units returned no later than `t`, and the protection already paid — and
//! not on refunds and returns that happened after it but reached the book
//! before the batch ran. Otherwise the same drop would pay differently
//! depending on when the batch runs.
//!
//! Rules of the walk ([`Timeline::as_of`]):
//! - facts are walked in time order; at equal times refunds come first,
//!   then returns (fewer units first), then payouts (in the order they were
//!   made): a refund or a return at exactly a drop's time counts as before
//!   the drop;
//! - a refund or a return counts for a drop at `t` when its time is `≤ t`;
//! - every payout already made counts, whatever its drop's time (it was
//!   paid; a drop that arrives late pays only the increment over it);
//! - a return withholds, from its refund, the protection paid on the
//!   returned units by the payouts walked before it
//!   ([`LineHistory::record_return`]'s rule).
//!
//! A line gets a timeline when its first refund or return reaches the
//! book; lines without one keep only their running totals (no refund or
//! return: nothing to date). Protection paid before the timeline existed
//! is one payout at the start of it (it was made before anything the
//! timeline dates was known).

use super::apportion::LineTerms;
use super::assess::LineHistory;
use super::error::Result;
use super::money;
use crate::event::{Money, Timestamp};

/// What happened to a line, and when.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum FactKind {
    /// Money refunded on the line (its share of a completed refund).
    Refund(Money),
    /// Units returned (on a completed refund).
    Return(u32),
    /// Protection paid by a drop: amount, units protected, and whether the
    /// policy deducted protected units then.
    Payout {
        amount: Money,
        units: u32,
        deduct: bool,
    },
}

/// One dated fact.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Fact {
    /// Refund completion time, return time, or the drop's time.
    pub at: Timestamp,
    /// What happened.
    pub kind: FactKind,
}

impl Fact {
    /// Walk order: time, then refunds (smaller first), returns (fewer units
    /// first), payouts. Refunds and returns are ordered by value so that
    /// the same facts give the same timeline (and snapshot bytes) whatever
    /// their arrival order; payouts at one time keep the order they were
    /// made in (insertion is stable), so the key is the same for all of them.
    fn key(&self) -> (Timestamp, u8, i64) {
        match self.kind {
            FactKind::Refund(m) => (self.at, 0, m),
            FactKind::Return(u) => (self.at, 1, i64::from(u)),
            FactKind::Payout { .. } => (self.at, 2, 0),
        }
    }
}

/// A line's dated facts, in walk order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Timeline {
    facts: Vec<Fact>,
}

impl Timeline {
    /// A timeline for a line that has running totals but no dates yet:
    /// returns and payouts already recorded sit at the very start.
    pub fn seeded(h: &LineHistory) -> Timeline {
        let mut t = Timeline::default();
        if h.units_returned > 0 {
            t.insert(Fact {
                at: Timestamp::MIN,
                kind: FactKind::Return(h.units_returned as u32),
            });
        }
        if h.already_paid > 0 || h.protected_units > 0 {
            t.insert(Fact {
                at: Timestamp::MIN,
                kind: FactKind::Payout {
                    amount: h.already_paid,
                    units: h.protected_units as u32,
                    deduct: false,
                },
            });
        }
        if h.refunded > 0 {
            t.insert(Fact {
                at: Timestamp::MIN,
                kind: FactKind::Refund(h.refunded),
            });
        }
        t
    }

    /// Heap bytes held.
    pub fn heap_bytes(&self) -> usize {
        self.facts.capacity() * std::mem::size_of::<Fact>()
    }

    /// The facts, in walk order.
    pub fn facts(&self) -> &[Fact] {
        &self.facts
    }

    /// Inserts a fact after every fact with a key not greater than its own.
    /// Returns its position.
    pub fn insert(&mut self, f: Fact) -> usize {
        let k = f.key();
        let i = self.facts.partition_point(|g| g.key() <= k);
        self.facts.insert(i, f);
        i
    }

    /// Replaces every refund with `refunds` (time, amount); amounts of 0
    /// are left out.
    pub fn set_refunds(&mut self, refunds: impl IntoIterator<Item = (Timestamp, Money)>) {
        self.facts
            .retain(|f| !matches!(f.kind, FactKind::Refund(_)));
        for (at, amount) in refunds {
            if amount > 0 {
                self.insert(Fact {
                    at,
                    kind: FactKind::Refund(amount),
                });
            }
        }
    }

    /// The line as it stands now: every fact.
    pub fn now(&self, terms: &LineTerms) -> LineHistory {
        self.walk(terms, Timestamp::MAX, usize::MAX).0
    }

    /// The line as it stood for a drop at `t`: refunds and returns up to
    /// `t` (inclusive), every payout made (module docs).
    pub fn as_of(&self, terms: &LineTerms, t: Timestamp) -> LineHistory {
        self.walk(terms, t, usize::MAX).0
    }

    /// What the return at position `i` withholds, walking every fact
    /// before it.
    pub fn withheld_at(&self, terms: &LineTerms, i: usize) -> Money {
        self.walk(terms, Timestamp::MAX, i).1
    }

    /// Walks the facts (refunds and returns only up to `t`), stopping after
    /// position `stop`; returns the history and what the last return
    /// walked withheld.
    fn walk(&self, terms: &LineTerms, t: Timestamp, stop: usize) -> (LineHistory, Money) {
        let mut h = LineHistory::default();
        let mut withheld = 0;
        for (i, f) in self.facts.iter().enumerate() {
            match f.kind {
                FactKind::Refund(_) | FactKind::Return(_) if f.at > t => {}
                FactKind::Refund(m) => {
                    // past i64 is past the paid amount: kept at it
                    h.refunded = h
                        .refunded
                        .checked_add(m)
                        .map_or(terms.paid_amount, |r| r.min(terms.paid_amount));
                }
                FactKind::Return(u) => {
                    withheld = h.withhold_return(terms, i64::from(u));
                }
                FactKind::Payout {
                    amount,
                    units,
                    deduct,
                } => {
                    // a payout never takes the line past its paid amount
                    // when made; kept so whatever the walk order (and so a
                    // walk cannot overflow)
                    let paid = terms.paid_amount;
                    h.already_paid =
                        (h.already_paid.checked_add(amount.max(0))).map_or(paid, |p| p.min(paid));
                    let units = i64::from(units);
                    h.protected_units = if deduct {
                        h.protected_units + units // both <= u32::MAX
                    } else {
                        h.protected_units.max(units)
                    }
                    .min(terms.quantity);
                }
            }
            if i == stop {
                break;
            }
        }
        (h, withheld)
    }
}

impl LineHistory {
    /// Adds a payout of `amount` protecting `units` (see
    /// [`LineHistory::record_payout`]).
    pub(crate) fn add_paid(&mut self, amount: Money, units: i64, deduct: bool) -> Result<()> {
        if amount <= 0 {
            return Ok(());
        }
        self.already_paid = money::add(self.already_paid, amount, "already_paid")?;
        self.protected_units = if deduct {
            money::add(self.protected_units, units, "protected_units")?
        } else {
            self.protected_units.max(units)
        };
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn terms(q: i64, paid: Money) -> LineTerms {
        LineTerms {
            quantity: q,
            paid_amount: paid,
            discount_total: 0,
            platform_discount: 0,
        }
    }

    #[test]
    fn facts_after_the_drop_do_not_count_payouts_always_do() {
        let t = terms(2, 20_000);
        let mut tl = Timeline::default();
        tl.set_refunds([(100, 3_000)]);
        tl.insert(Fact {
            at: 200,
            kind: FactKind::Return(1),
        });
        tl.insert(Fact {
            at: 300,
            kind: FactKind::Payout {
                amount: 500,
                units: 1,
                deduct: false,
            },
        });
        let h = tl.as_of(&t, 99);
        assert_eq!((h.refunded, h.units_returned, h.already_paid), (0, 0, 500));
        // the tie rule: a refund at exactly the drop's time counts
        let h = tl.as_of(&t, 100);
        assert_eq!((h.refunded, h.units_returned), (3_000, 0));
        let h = tl.as_of(&t, 200);
        assert_eq!((h.refunded, h.units_returned), (3_000, 1));
        // the return came before the payout: it withheld nothing
        assert_eq!(tl.now(&t).already_paid, 500);
    }

    #[test]
    fn a_return_withholds_what_was_paid_before_it_in_time() {
        let t = terms(2, 20_000);
        let mut tl = Timeline::default();
        let r = tl.insert(Fact {
            at: 200,
            kind: FactKind::Return(1),
        });
        assert_eq!(tl.withheld_at(&t, r), 0);
        // a drop at 100 runs after the return reached the book: its payout
        // goes before the return, which now withholds half of it
        tl.insert(Fact {
            at: 100,
            kind: FactKind::Payout {
                amount: 4_000,
                units: 2,
                deduct: false,
            },
        });
        let r = tl
            .facts()
            .iter()
            .position(|f| matches!(f.kind, FactKind::Return(_)))
            .expect("the return");
        assert_eq!(tl.withheld_at(&t, r), 2_000);
        let h = tl.now(&t);
        assert_eq!(
            (h.already_paid, h.protected_units, h.units_returned),
            (2_000, 1, 1)
        );
    }

    #[test]
    fn the_same_facts_in_any_order_are_the_same_timeline() {
        let (mut a, mut b) = (Timeline::default(), Timeline::default());
        a.set_refunds([(100, 5), (100, 3), (50, 7)]);
        b.set_refunds([(50, 7), (100, 3), (100, 5)]);
        for (tl, units) in [(&mut a, [2, 1]), (&mut b, [1, 2])] {
            for u in units {
                tl.insert(Fact {
                    at: 100,
                    kind: FactKind::Return(u),
                });
            }
        }
        assert_eq!(a, b);
    }

    #[test]
    fn seeded_keeps_the_running_totals() {
        let t = terms(4, 40_000);
        let h = LineHistory {
            units_returned: 1,
            protected_units: 3,
            already_paid: 900,
            refunded: 10_000,
        };
        let tl = Timeline::seeded(&h);
        assert_eq!(tl.now(&t), h);
        assert_eq!(tl.as_of(&t, Timestamp::MIN), h);
    }
}
