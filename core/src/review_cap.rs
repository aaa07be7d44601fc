//! The per-buyer rating cap: at most N ratings of one buyer for one shop in
//! one calendar month count (Tmall counts three).
//!
//! Why a component of its own: whether a review counts depends on the other
//! reviews of its (shop, reviewer, month) group, which may arrive in any
//! order. The cap keeps each group's members sorted by `(review time, event
//! id)`; the engine asks which members count after a member joins or leaves,
//! and re-feeds the counters of those whose status changed. A group's key is
//! derived from the order's held review, so no map from order to group is kept.

use std::cmp::Ordering;

use crate::hashing::FastMap;
use crate::ids::{BuyerId, OrderId, ShopId};

/// A (shop, reviewer, local month) group.
pub(crate) type GroupKey = (ShopId, BuyerId, i32);

/// A group's orders, sorted; one member (the common case) needs no allocation.
#[derive(Clone, Debug)]
enum Members {
    One(OrderId),
    Many(Vec<OrderId>),
}

impl Members {
    fn as_slice(&self) -> &[OrderId] {
        match self {
            Members::One(o) => std::slice::from_ref(o),
            Members::Many(v) => v,
        }
    }
}

/// Every review group with more than zero members.
#[derive(Clone, Debug, Default)]
pub(crate) struct ReviewCap {
    groups: FastMap<GroupKey, Members>,
}

impl ReviewCap {
    /// Adds `order` to its group; `before(a, b)` orders two members.
    pub fn join(
        &mut self,
        key: GroupKey,
        order: OrderId,
        before: impl Fn(OrderId, OrderId) -> Ordering,
    ) {
        match self.groups.get_mut(&key) {
            None => {
                self.groups.insert(key, Members::One(order));
            }
            Some(m) => {
                let mut list = match m {
                    Members::One(o) => vec![*o],
                    Members::Many(v) => std::mem::take(v),
                };
                let pos = list.partition_point(|&o| before(o, order) == Ordering::Less);
                list.insert(pos, order);
                *m = Members::Many(list);
            }
        }
    }

    /// Removes `order` from its group.
    pub fn leave(&mut self, key: GroupKey, order: OrderId) {
        let Some(m) = self.groups.get_mut(&key) else {
            return;
        };
        let empty = match m {
            Members::One(o) => *o == order,
            Members::Many(v) => {
                v.retain(|&o| o != order);
                if let [only] = v[..] {
                    *m = Members::One(only);
                    false
                } else {
                    v.is_empty()
                }
            }
        };
        if empty {
            self.groups.remove(&key);
        }
    }

    /// The group's members in counting order (the first `cap` count).
    pub fn members(&self, key: GroupKey) -> &[OrderId] {
        self.groups.get(&key).map_or(&[], Members::as_slice)
    }

    /// Approximate heap bytes.
    pub fn heap_bytes(&self) -> usize {
        let lists: usize = self
            .groups
            .values()
            .map(|m| match m {
                Members::One(_) => 0,
                Members::Many(v) => v.capacity() * 4,
            })
            .sum();
        lists + self.groups.capacity() * (std::mem::size_of::<(GroupKey, Members)>() + 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::Handle;

    #[test]
    fn members_stay_sorted_and_groups_vanish_when_empty() {
        let mut cap = ReviewCap::default();
        let key = (ShopId::from_index(0), BuyerId::from_index(0), 7);
        let o = OrderId::from_index;
        for i in [5, 1, 3] {
            cap.join(key, o(i), |a, b| a.cmp(&b));
        }
        assert_eq!(cap.members(key), &[o(1), o(3), o(5)]);
        cap.leave(key, o(3));
        cap.leave(key, o(1));
        assert_eq!(cap.members(key), &[o(5)]);
        cap.leave(key, o(5));
        assert!(cap.groups.is_empty());
    }
}
