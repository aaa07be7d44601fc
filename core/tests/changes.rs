//! `Scoreboard::changes_since`: exactly the shops whose standing moved.

mod common;

use common::*;
use truexp::event::Event;

fn shops() -> Vec<Event> {
    let mut ev = healthy_shop("good", "apparel", 60, 0);
    ev.extend(healthy_shop("meh", "apparel", 50, 4));
    ev.extend(healthy_shop("bad", "apparel", 45, 2));
    ev.extend(healthy_shop("pet1", "pet", 40, 5));
    ev.extend(healthy_shop("pet2", "pet", 40, 0));
    ev
}

#[test]
fn a_scoreboard_has_no_changes_since_itself() {
    let e = engine_with(&shops());
    let board = e.scoreboard(ts(T0));
    assert!(board.changes_since(&board.standings()).is_empty());
    // everything is new against nothing
    let all = board.changes_since(&Default::default());
    assert_eq!(all.len(), board.shops.len());
    assert!(all.iter().all(|c| c.before.is_none()));
    assert_eq!(all[0].now.rank, 1);
}

#[test]
fn exactly_the_shops_whose_standing_moved_are_reported() {
    let mut e = engine_with(&shops());
    let before = e.scoreboard(ts(T0));
    let previous = before.standings();
    // bad ratings from new buyers on good orders of one apparel shop
    for i in 0..30 {
        let oid = format!("meh-o{i}");
        e.ingest(review(
            &format!("late-{i}"),
            &oid,
            &format!("other-{i}"),
            T0 - 2 * DAY,
            1,
        ))
        .unwrap();
    }
    let after = e.scoreboard(ts(T0));
    let changes = after.changes_since(&previous);
    let now = after.standings();
    for (shop, standing) in &now {
        let reported = changes.iter().find(|c| &*c.shop_id == shop);
        assert_eq!(
            reported.is_some(),
            previous.get(shop) != Some(standing),
            "{shop}"
        );
        if let Some(c) = reported {
            assert_eq!(c.before, previous.get(shop).copied());
            assert_eq!(&c.now, standing);
        }
    }
    assert!(changes.iter().any(|c| &*c.shop_id == "meh"), "{changes:?}");
    // in rank order
    assert!(changes.windows(2).all(|w| w[0].now.rank < w[1].now.rank));
}
