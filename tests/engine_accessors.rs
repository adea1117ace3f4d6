//! The small things the larger tests leave loose (found by `npm run
//! mutants`): a session's key and state accessors, callback ids, and a
//! transaction that patches one session twice.

mod support;

use std::cell::RefCell;
use std::rc::Rc;

use serde_json::json;
use skilift::engine::{record::Record, Transaction};
use support::json_host::JsonDoc;
use support::world::{add, coins, give, World};

#[test]
fn a_session_knows_its_key_and_whether_it_stopped() {
    let w = World::new(1);
    let store = w.server(1, 0.0).store("players");
    let s = store.load("ann").unwrap();
    assert_eq!(s.key(), "ann");
    assert!(!s.stopped());
    let same = s.clone();
    assert!(s.same(&same));
    assert!(
        !s.same(&store.load("ann").unwrap()),
        "another load is another session"
    );
    w.block_on(s.stop()).unwrap();
    assert!(s.stopped());
}

#[test]
fn unbinding_one_callback_leaves_the_others() {
    let w = World::new(2);
    let s = w.server(1, 0.0).store("players").load("ben").unwrap();
    let seen = Rc::new(RefCell::new(Vec::new()));
    let (a, b, c) = (seen.clone(), seen.clone(), seen.clone());
    let first = s
        .updated(Rc::new(move |d: &JsonDoc| {
            a.borrow_mut().push(("first", coins(d)));
            Ok(())
        }))
        .unwrap();
    let second = s
        .updated(Rc::new(move |d: &JsonDoc| {
            b.borrow_mut().push(("second", coins(d)));
            Ok(())
        }))
        .unwrap();
    let third = s
        .updated(Rc::new(move |d: &JsonDoc| {
            c.borrow_mut().push(("third", coins(d)));
            Ok(())
        }))
        .unwrap();
    assert!(
        first != second && second != third && first != third,
        "ids are distinct"
    );
    s.unbind(second);
    seen.borrow_mut().clear();
    s.patch(&add(), json!([1])).unwrap();
    assert_eq!(*seen.borrow(), vec![("first", 1), ("third", 1)]);
    w.block_on(s.stop()).unwrap();
}

#[test]
fn a_transaction_that_patches_one_session_twice_stores_one_part() {
    let w = World::new(3);
    let store = w.server(1, 0.0).store("players");
    let bob = store.load("bob").unwrap();
    let tom = store.load("tom").unwrap();
    let mut tx = Transaction::new();
    tx.record(&tom, true, &give(), json!([1])).unwrap();
    tx.record(&tom, true, &give(), json!([2])).unwrap();
    tx.record(&bob, false, &give(), json!([5])).unwrap();
    // Hold the decision back so the pending entries can be seen.
    w.storage.stall_commits(1.0, 60_000.0, 60_000.0);
    let commit = tx.commit();
    w.sim.spawn(
        1,
        Box::pin(async move {
            let _ = commit.await;
        }),
    );
    w.run_for(3_000.0);
    let entry = w
        .storage
        .current("players/global", "tom")
        .expect("prepared");
    let record = Record::decode(&entry.value).unwrap();
    assert_eq!(record.pending.len(), 1, "one part per session");
    assert_eq!(record.pending[0].success.len(), 2, "both calls in it");
}

#[test]
fn a_view_refuses_a_record_with_a_step_this_store_does_not_know_unless_marked_compatible() {
    let w = World::new(4);
    let store = w.server(1, 0.0).store("players");
    w.storage.raw_set(
        "players/global",
        "newer",
        r#"{"skilift":1,"migrations":["v9"],"pending":[],"writers":{},"data":{"coins":1}}"#,
    );
    w.storage.raw_set(
        "players/global",
        "known",
        r#"{"skilift":1,"migrations":[],"pending":[],"writers":{},"data":{"coins":2}}"#,
    );
    w.storage.raw_set(
        "players/global",
        "compatible",
        r#"{"skilift":1,"migrations":["v9"],"compatible":["v9"],"pending":[],"writers":{},"data":{"coins":3,"gems":1}}"#,
    );
    let (newer, known) = (store.view("newer"), store.view("known"));
    let refused = w.block_on(async move { newer.latest().await.map(|_| ()).map_err(|e| e.code()) });
    assert_eq!(refused, Err(Some(skilift::engine::Code::NeedsNewerVersion)));
    // A step the newer server marked compatible: shown as stored.
    let compatible = store.view("compatible");
    let shown = w.block_on(async move { compatible.latest().await.map_err(|e| e.code()) });
    assert_eq!(shown.ok().flatten().map(|d| coins(&d)), Some(3));
    let read = w.block_on(async move {
        known
            .latest()
            .await
            .map(|d| d.map(|d| coins(&d)))
            .map_err(|e| e.code())
    });
    assert_eq!(read, Ok(Some(2)));
}
