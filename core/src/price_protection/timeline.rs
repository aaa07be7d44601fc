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
//! - facts are walked in time order; at equal times returns come first
//!   (fewer units first), then refunds (smaller first), then payouts (in
//!   the order they were made): a refund or a return at exactly a drop's
//!   time counts as before the drop, and a return is walked before the
//!   money of its own refund;
//! - a refund or a return counts for a drop at `t` when its time is `≤ t`;
//! - every payout already made counts, whatever its drop's time (it was
//!   paid; a drop that arrives late pays only the increment over it);
//! - a later refund deducts the protection already paid first: a return
//!   takes back the protection paid on the returned units by the payouts
//!   walked before it ([`LineHistory::record_return`]'s rule), and after
//!   any refund or return, protection that would leave the buyer holding
//!   more than the line's paid amount (money refunded + protection still
//!   paid) is taken back from that refund
//!   ([`LineHistory::record_refund`]'s rule);
//! - a payout walked after a refund dated before its drop (late data: the
//!   refund reached the book after the drop ran) can leave the same excess:
//!   it is taken back from the last refund or return walked before it, so
//!   the deduction falls on the refund that should have been reduced.
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
    /// Walk order: time, then returns (fewer units first), refunds (smaller
    /// first), payouts. Returns and refunds are ordered by value so that
    /// the same facts give the same timeline (and snapshot bytes) whatever
    /// their arrival order; payouts at one time keep the order they were
    /// made in (insertion is stable), so the key is the same for all of them.
    fn key(&self) -> (Timestamp, u8, i64) {
        match self.kind {
            FactKind::Return(u) => (self.at, 0, i64::from(u)),
            FactKind::Refund(m) => (self.at, 1, m.minor_units()),
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
        if h.already_paid.is_positive() || h.protected_units > 0 {
            t.insert(Fact {
                at: Timestamp::MIN,
                kind: FactKind::Payout {
                    amount: h.already_paid,
                    units: h.protected_units as u32,
                    deduct: false,
                },
            });
        }
        if h.refunded.is_positive() {
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
            if amount.is_positive() {
                self.insert(Fact {
                    at,
                    kind: FactKind::Refund(amount),
                });
            }
        }
    }

    /// Replaces every return with `returns` (time, units); 0 units are
    /// left out.
    pub fn set_returns(&mut self, returns: impl IntoIterator<Item = (Timestamp, u32)>) {
        self.facts
            .retain(|f| !matches!(f.kind, FactKind::Return(_)));
        for (at, units) in returns {
            if units > 0 {
                self.insert(Fact {
                    at,
                    kind: FactKind::Return(units),
                });
            }
        }
    }

    /// The line as it stands now: every fact.
    pub fn now(&self, terms: &LineTerms) -> LineHistory {
        self.walk(terms, Timestamp::MAX, |_, _| {})
    }

    /// The line as it stood for a drop at `t`: refunds and returns up to
    /// `t` (inclusive), every payout made (module docs).
    pub fn as_of(&self, terms: &LineTerms, t: Timestamp) -> LineHistory {
        self.walk(terms, t, |_, _| {})
    }

    /// What the refund or return at position `i` deducts, every fact walked.
    ///
    /// A fact's deductions add up to at most the protection held before it
    /// plus what later payouts put over the paid amount — within the paid
    /// amount for facts the book recorded. The sums saturate rather than
    /// assume it: a damaged snapshot's timeline (payouts each within the
    /// amount, together past it) must not panic here.
    pub fn withheld_at(&self, terms: &LineTerms, i: usize) -> Money {
        let mut withheld = Money::ZERO;
        self.walk(terms, Timestamp::MAX, |at, d| {
            if at == i {
                withheld = withheld.saturating_add(d);
            }
        });
        withheld
    }

    /// Every refund or return that deducts protection already paid, with
    /// the amount, in walk order: `(the fact, deducted)`. Sums saturate, as
    /// in [`Self::withheld_at`].
    pub fn deductions(&self, terms: &LineTerms) -> Vec<(Fact, Money)> {
        let mut out: Vec<(usize, Money)> = Vec::new();
        self.walk(terms, Timestamp::MAX, |i, d| match out.last_mut() {
            Some((j, total)) if *j == i => *total = total.saturating_add(d),
            _ => out.push((i, d)),
        });
        // a late payout's excess falls on an earlier fact: one row per fact
        out.sort_by_key(|&(i, _)| i);
        out.dedup_by(|b, a| {
            let same = a.0 == b.0;
            if same {
                a.1 = a.1.saturating_add(b.1);
            }
            same
        });
        out.into_iter().map(|(i, d)| (self.facts[i], d)).collect()
    }

    /// Walks the facts (refunds and returns only up to `t`); `deducted`
    /// sees each positive deduction with the position of the refund or
    /// return it is taken from.
    fn walk(
        &self,
        terms: &LineTerms,
        t: Timestamp,
        mut deducted: impl FnMut(usize, Money),
    ) -> LineHistory {
        let mut h = LineHistory::default();
        // the last refund or return walked: a late payout's excess falls on it
        let mut last_back = None;
        for (i, f) in self.facts.iter().enumerate() {
            let d = match f.kind {
                FactKind::Refund(_) | FactKind::Return(_) if f.at > t => continue,
                FactKind::Refund(m) => {
                    last_back = Some(i);
                    h.add_refunded(terms, m)
                }
                FactKind::Return(u) => {
                    last_back = Some(i);
                    h.withhold_return(terms, i64::from(u))
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
                    h.already_paid = (h.already_paid.checked_add(amount.max(Money::ZERO)))
                        .map_or(paid, |p| p.min(paid));
                    let units = i64::from(units);
                    h.protected_units = if deduct {
                        h.protected_units + units // both <= u32::MAX
                    } else {
                        h.protected_units.max(units)
                    }
                    .min(terms.quantity);
                    // late data: a refund dated before the drop was not
                    // known when it paid
                    let over = h.deduct_over_paid(terms);
                    if over.is_positive() {
                        debug_assert!(last_back.is_some(), "an excess needs a refund");
                        if let Some(j) = last_back {
                            deducted(j, over);
                        }
                    }
                    continue;
                }
            };
            if d.is_positive() {
                deducted(i, d);
            }
        }
        h
    }
}

impl LineHistory {
    /// Adds a payout of `amount` protecting `units` (see
    /// [`LineHistory::record_payout`]).
    pub(crate) fn add_paid(&mut self, amount: Money, units: i64, deduct: bool) -> Result<()> {
        if !amount.is_positive() {
            return Ok(());
        }
        self.already_paid = money::add(self.already_paid, amount, "already_paid")?;
        self.protected_units = if deduct {
            money::add_i64(self.protected_units, units, "protected_units")?
        } else {
            self.protected_units.max(units)
        };
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::m;
    use crate::time::ts;

    fn terms(q: i64, paid: Money) -> LineTerms {
        LineTerms {
            quantity: q,
            paid_amount: paid,
            discount_total: m(0),
            platform_discount: m(0),
        }
    }

    /// Payouts each within the line's amount but together past it (no
    /// book records that; a damaged snapshot can carry it): walking them
    /// saturates the deduction totals instead of panicking.
    #[test]
    fn deductions_of_impossible_payouts_stop_at_the_range() {
        let t = terms(1, Money::MAX);
        let mut tl = Timeline::default();
        tl.set_refunds([(ts(100), Money::MAX)]);
        for at in [200, 300] {
            tl.insert(payout(ts(at), Money::MAX, 1));
        }
        let d = tl.deductions(&t);
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].1, Money::MAX);
        assert_eq!(tl.withheld_at(&t, 0), Money::MAX);
    }

    #[test]
    fn facts_after_the_drop_do_not_count_payouts_always_do() {
        let t = terms(2, m(20_000));
        let mut tl = Timeline::default();
        tl.set_refunds([(ts(100), m(3_000))]);
        tl.insert(Fact {
            at: ts(200),
            kind: FactKind::Return(1),
        });
        tl.insert(Fact {
            at: ts(300),
            kind: FactKind::Payout {
                amount: m(500),
                units: 1,
                deduct: false,
            },
        });
        let h = tl.as_of(&t, ts(99));
        assert_eq!(
            (h.refunded, h.units_returned, h.already_paid),
            (m(0), 0, m(500))
        );
        // the tie rule: a refund at exactly the drop's time counts
        let h = tl.as_of(&t, ts(100));
        assert_eq!((h.refunded, h.units_returned), (m(3_000), 0));
        let h = tl.as_of(&t, ts(200));
        assert_eq!((h.refunded, h.units_returned), (m(3_000), 1));
        // the return came before the payout: it withheld nothing
        assert_eq!(tl.now(&t).already_paid, m(500));
    }

    #[test]
    fn a_return_withholds_what_was_paid_before_it_in_time() {
        let t = terms(2, m(20_000));
        let mut tl = Timeline::default();
        let r = tl.insert(Fact {
            at: ts(200),
            kind: FactKind::Return(1),
        });
        assert_eq!(tl.withheld_at(&t, r), m(0));
        // a drop at 100 runs after the return reached the book: its payout
        // goes before the return, which now withholds half of it
        tl.insert(Fact {
            at: ts(100),
            kind: FactKind::Payout {
                amount: m(4_000),
                units: 2,
                deduct: false,
            },
        });
        let r = tl
            .facts()
            .iter()
            .position(|f| matches!(f.kind, FactKind::Return(_)))
            .expect("the return");
        assert_eq!(tl.withheld_at(&t, r), m(2_000));
        let h = tl.now(&t);
        assert_eq!(
            (h.already_paid, h.protected_units, h.units_returned),
            (m(2_000), 1, 1)
        );
    }

    #[test]
    fn the_same_facts_in_any_order_are_the_same_timeline() {
        let (mut a, mut b) = (Timeline::default(), Timeline::default());
        a.set_refunds([(ts(100), m(5)), (ts(100), m(3)), (ts(50), m(7))]);
        b.set_refunds([(ts(50), m(7)), (ts(100), m(3)), (ts(100), m(5))]);
        for (tl, units) in [(&mut a, [2, 1]), (&mut b, [1, 2])] {
            for u in units {
                tl.insert(Fact {
                    at: ts(100),
                    kind: FactKind::Return(u),
                });
            }
        }
        assert_eq!(a, b);
    }

    fn payout(at: Timestamp, amount: Money, units: u32) -> Fact {
        Fact {
            at,
            kind: FactKind::Payout {
                amount,
                units,
                deduct: false,
            },
        }
    }

    #[test]
    fn a_later_refund_deducts_what_would_leave_the_buyer_over_paid() {
        // one unit paid 10,000; a drop at 100 paid 4,000
        let t = terms(1, m(10_000));
        let mut tl = Timeline::default();
        tl.insert(payout(ts(100), m(4_000), 1));
        // a refund-only of 3,000 at 200 leaves room: 3,000 + 4,000 <= 10,000
        tl.set_refunds([(ts(200), m(3_000))]);
        assert!(tl.deductions(&t).is_empty());
        assert_eq!(tl.now(&t).already_paid, m(4_000));
        // 8,000 in all: 8,000 + 4,000 is 2,000 over what was paid
        tl.set_refunds([(ts(200), m(3_000)), (ts(300), m(5_000))]);
        let d = tl.deductions(&t);
        assert_eq!(d.len(), 1);
        assert_eq!((d[0].0.at, d[0].1), (ts(300), m(2_000)));
        let h = tl.now(&t);
        assert_eq!((h.refunded, h.already_paid), (m(8_000), m(2_000)));
        // the whole line refunded: every payout comes back
        tl.set_refunds([(ts(300), m(10_000))]);
        assert_eq!(tl.deductions(&t)[0].1, m(4_000));
        assert_eq!(tl.now(&t).already_paid, m(0));
        // a refund before the payout deducts nothing from itself (the drop
        // was judged on the line as it stood, refund included)
        let mut tl = Timeline::default();
        tl.set_refunds([(ts(50), m(8_000))]);
        tl.insert(payout(ts(100), m(2_000), 1));
        assert!(tl.deductions(&t).is_empty());
    }

    #[test]
    fn a_late_refund_is_the_one_reduced() {
        // the drop at 100 paid 10,000 before the book knew of a refund of
        // 3,000 completed at 50: that refund owes the excess back
        let t = terms(1, m(10_000));
        let mut tl = Timeline::default();
        tl.insert(payout(ts(100), m(10_000), 1));
        tl.set_refunds([(ts(50), m(3_000))]);
        let d = tl.deductions(&t);
        assert_eq!(d.len(), 1);
        assert_eq!(
            (d[0].0.kind, d[0].1),
            (FactKind::Refund(m(3_000)), m(3_000))
        );
        assert_eq!(tl.now(&t).already_paid, m(7_000));
    }

    #[test]
    fn a_return_and_its_money_deduct_once() {
        // two units paid 10,000 in all, 4,000 protection on both; one unit
        // returned with its 5,000 at 200: the return takes back the
        // protection on its unit (2,000), its money nothing more
        let t = terms(2, m(10_000));
        let mut tl = Timeline::default();
        tl.insert(payout(ts(100), m(4_000), 2));
        tl.set_refunds([(ts(200), m(5_000))]);
        let r = tl.insert(Fact {
            at: ts(200),
            kind: FactKind::Return(1),
        });
        assert_eq!(tl.withheld_at(&t, r), m(2_000));
        let d = tl.deductions(&t);
        assert_eq!(d.len(), 1);
        assert_eq!((d[0].0.kind, d[0].1), (FactKind::Return(1), m(2_000)));
        // the other unit back too, with the rest of the money: all of it
        tl.set_refunds([(ts(200), m(5_000)), (ts(300), m(5_000))]);
        tl.insert(Fact {
            at: ts(300),
            kind: FactKind::Return(1),
        });
        let total: Money = tl.deductions(&t).iter().map(|d| d.1).sum();
        assert_eq!(total, m(4_000));
        assert_eq!(tl.now(&t).already_paid, m(0));
    }

    proptest::proptest! {
        /// Whatever the facts and their arrival order: deductions are
        /// never negative, payouts made = deductions + protection still
        /// paid, the buyer never ends holding more than the paid amount
        /// (money given back + protection), and the same facts in another
        /// order give the same deductions.
        #[test]
        fn deductions_conserve_money(
            q in 1i64..5,
            paid in 1i64..50_000,
            facts in proptest::collection::vec((0i64..10, 0u8..3, 0i64..20_000), 0..12),
            rotate in 0usize..12,
        ) {
            let t = terms(q, m(paid));
            let mut budget = paid;
            let mut returned = 0i64;
            let mut list = Vec::new();
            let mut refunds = Vec::new();
            for (at, kind, v) in facts {
                match kind {
                    0 => refunds.push((at, v)),
                    1 => {
                        let u = (v % 3).min(q - returned);
                        if u > 0 {
                            returned += u;
                            list.push(Fact { at: ts(at), kind: FactKind::Return(u as u32) });
                        }
                    }
                    _ => {
                        let amount = v.min(budget);
                        budget -= amount;
                        list.push(payout(ts(at), m(amount), (v % (q + 1)) as u32));
                    }
                }
            }
            let paid_out: Money = list.iter().map(|f| match f.kind {
                FactKind::Payout { amount, .. } => amount,
                _ => m(0),
            }).sum();
            let build = |facts: &[Fact], refunds: &[(i64, i64)]| {
                let mut tl = Timeline::default();
                for f in facts {
                    tl.insert(*f);
                }
                tl.set_refunds(refunds.iter().map(|&(at, v)| (ts(at), m(v))));
                tl
            };
            let a = build(&list, &refunds);
            let mut other = list.clone();
            other.reverse();
            let n = other.len();
            other.rotate_left(rotate.min(n));
            let mut other_refunds = refunds.clone();
            other_refunds.reverse();
            let b = build(&other, &other_refunds);
            let d = a.deductions(&t);
            proptest::prop_assert_eq!(&d, &b.deductions(&t));
            proptest::prop_assert!(d.iter().all(|x| x.1 > m(0)));
            let h = a.now(&t);
            let deducted: Money = d.iter().map(|x| x.1).sum();
            proptest::prop_assert_eq!(paid_out, deducted + h.already_paid);
            let share = crate::price_protection::money::mul_div_floor(m(paid), h.units_returned, q);
            proptest::prop_assert!(h.refunded.max(share) + h.already_paid <= m(paid));
        }
    }

    #[test]
    fn seeded_keeps_the_running_totals() {
        let t = terms(4, m(40_000));
        let h = LineHistory {
            units_returned: 1,
            protected_units: 3,
            already_paid: m(900),
            refunded: m(10_000),
        };
        let tl = Timeline::seeded(&h);
        assert_eq!(tl.now(&t), h);
        assert_eq!(tl.as_of(&t, Timestamp::MIN), h);
    }
}
