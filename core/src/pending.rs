//! Follow-up events waiting for their order.
//!
//! Why: a shipment, review or refund may arrive before the payment of its
//! order (streams are not ordered across topics). Such an event is checked
//! and kept here, and applied the moment its order arrives, so the result
//! does not depend on arrival order. A waiting event changes no score and
//! does not move the engine's latest event time until it is applied.
//!
//! Limit: at most [`Pending::limit`] events wait at once (configuration key
//! `limits.max_pending_events`); past that a new follow-up for an unknown
//! order is refused with an error naming it, and nothing is dropped.

use crate::event::Event;
use crate::hashing::FastMap;

/// Events waiting for their order, by order id.
#[derive(Clone, Debug, Default)]
pub(crate) struct Pending {
    by_order: FastMap<Box<str>, Vec<Event>>,
    len: usize,
}

/// Why a follow-up could not wait.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Wait {
    /// Kept.
    Kept,
    /// An event with this id already waits for this order.
    Repeat,
    /// The limit is reached.
    Full,
}

impl Pending {
    /// Number of waiting events.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Keeps `event` until its order arrives.
    pub fn wait(&mut self, order: &str, event: &Event, limit: usize) -> Wait {
        if self.holds(order, event.id()) {
            return Wait::Repeat;
        }
        if self.len >= limit {
            return Wait::Full;
        }
        self.by_order
            .entry(order.into())
            .or_default()
            .push(event.clone());
        self.len += 1;
        Wait::Kept
    }

    /// Whether an event with id `event_id` waits for `order`.
    pub fn holds(&self, order: &str, event_id: &str) -> bool {
        self.by_order
            .get(order)
            .is_some_and(|list| list.iter().any(|e| e.id() == event_id))
    }

    /// Takes the events waiting for `order`.
    pub fn take(&mut self, order: &str) -> Vec<Event> {
        let list = self.by_order.remove(order).unwrap_or_default();
        self.len -= list.len();
        list
    }

    /// Every waiting event with its order id, sorted by order id (each
    /// order's events in arrival order): the same state walks the same way
    /// whatever the map's history, so a merge of restored engines equals a
    /// merge of the engines they were written from.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Event)> {
        let mut orders: Vec<(&str, &Vec<Event>)> =
            self.by_order.iter().map(|(o, l)| (&**o, l)).collect();
        orders.sort_unstable_by_key(|(o, _)| *o);
        orders
            .into_iter()
            .flat_map(|(o, list)| list.iter().map(move |e| (o, e)))
    }
}

/// Snapshot encoding: the waiting events as JSON Lines (the event model's
/// own form), sorted by order id, each order's events in arrival order.
mod snapshot {
    use super::*;
    use crate::snapshot::{Dec, Enc, Result};

    impl Pending {
        /// Writes the waiting events.
        pub(crate) fn write_snapshot(&self, e: &mut Enc) {
            let mut lines = Vec::new();
            for (_, ev) in self.iter() {
                serde_json::to_writer(&mut lines, ev).expect("events always serialize");
                lines.push(b'\n');
            }
            e.bytes(&lines);
        }

        /// Reads the waiting events, each validated again; `known(order)`
        /// says whether an order is held (no event may wait for one).
        pub(crate) fn read_snapshot(
            d: &mut Dec<'_>,
            known: impl Fn(&str) -> bool,
        ) -> Result<Pending> {
            let text = d.str()?;
            let mut pending = Pending::default();
            for (i, line) in text.lines().enumerate() {
                let event: Event = serde_json::from_str(line)
                    .map_err(|e| d.invalid(format!("line {}: {e}", i + 1)))?;
                event
                    .validate()
                    .map_err(|e| d.invalid(format!("line {}: {e}", i + 1)))?;
                let order = match &event {
                    Event::OrderPaid(_) => None,
                    e => e.order_id(),
                }
                .ok_or_else(|| d.invalid(format!("line {}: not a follow-up event", i + 1)))?;
                if known(order) {
                    return Err(d.invalid(format!(
                        "line {}: waits for order `{order}`, which is held",
                        i + 1
                    )));
                }
                if pending.wait(order, &event, usize::MAX) != Wait::Kept {
                    return Err(d.invalid(format!("line {}: event waits twice", i + 1)));
                }
            }
            Ok(pending)
        }
    }
}
