//! Collecting decision records (docs/transactions.md#collection): deleted
//! once every key of the transaction has resolved it, kept on any doubt, and
//! never without a backend `remove`.

mod support;

use serde_json::json;
use skilift::engine::{record::Record, StoreOptions, Transaction, TRANSACTIONS_STORE};
use support::json_host::JsonFn;
use support::world::{add, give, TestSession, World};

const NS: &str = "players/global";

fn funded(w: &World, server: u32, key: &str) -> TestSession {
    let s = w.server(server, 0.0).store("players").load(key).unwrap();
    s.patch(&add(), json!([100])).unwrap();
    s
}

/// bob pays tom 10 (escrow first); returns the transaction id.
fn commit_trade(w: &World, bob: &TestSession, tom: &TestSession) -> String {
    bob.patch(&add(), json!([-10])).unwrap();
    let mut tx = Transaction::new();
    tx.record(tom, true, &give(), json!([10])).unwrap();
    tx.record(bob, false, &give(), json!([10])).unwrap();
    let id = tx.id().expect("an id once a patch is recorded").to_owned();
    assert!(w.block_on(tx.commit()).unwrap());
    id
}

fn pending_of(w: &World, key: &str) -> usize {
    let entry = w.storage.current(NS, key).expect("stored");
    Record::decode(&entry.value).unwrap().pending.len()
}

#[test]
fn the_decision_record_goes_once_every_key_has_resolved_it() {
    let w = World::new(1);
    let bob = funded(&w, 1, "bob");
    let tom = funded(&w, 1, "tom");
    let id = commit_trade(&w, &bob, &tom);
    assert!(
        w.storage.current(TRANSACTIONS_STORE, &id).is_some(),
        "decided"
    );
    w.run_for(5_000.0);
    assert_eq!((pending_of(&w, "bob"), pending_of(&w, "tom")), (0, 0));
    assert!(
        w.storage.current(TRANSACTIONS_STORE, &id).is_none(),
        "collected"
    );
    assert!(w
        .storage
        .removed()
        .contains(&(TRANSACTIONS_STORE.to_string(), id)));
}

#[test]
fn without_a_backend_remove_nothing_is_collected() {
    let w = World::new(2);
    w.storage.without_remove();
    let bob = funded(&w, 1, "bob");
    let tom = funded(&w, 1, "tom");
    let id = commit_trade(&w, &bob, &tom);
    w.run_for(5_000.0);
    assert_eq!((pending_of(&w, "bob"), pending_of(&w, "tom")), (0, 0));
    assert!(w.storage.current(TRANSACTIONS_STORE, &id).is_some());
    assert!(w.storage.removed().is_empty());
}

#[test]
fn a_key_still_holding_the_entry_keeps_the_record() {
    let w = World::new(3);
    let bob = funded(&w, 1, "bob");
    let tom = funded(&w, 1, "tom");
    w.block_on(bob.r#await());
    w.block_on(tom.r#await());
    let id = commit_trade(&w, &bob, &tom);
    // tom's final save resolves its entry; then a stale writer (a reader
    // that had not seen the decision) puts the entry back before the
    // coordinator's check, which must see it and keep the decision.
    w.block_on(tom.stop()).unwrap();
    let entry = w.storage.current(NS, "tom").unwrap();
    let mut record = Record::decode(&entry.value).unwrap();
    assert!(record.pending.is_empty(), "resolved by the final save");
    record.pending.push(skilift::engine::record::Pending {
        id: id.clone(),
        success: vec![],
        failure: vec![],
        created: 0,
    });
    w.storage.raw_set(NS, "tom", &record.encode().unwrap());
    w.run_for(5_000.0);
    assert!(
        w.storage.current(TRANSACTIONS_STORE, &id).is_some(),
        "kept: a key still holds the entry"
    );
}

#[test]
fn close_waits_for_the_collection() {
    let w = World::new(4);
    let store = w.server(1, 0.0).store("players");
    let bob = store.load("bob").unwrap();
    let tom = store.load("tom").unwrap();
    bob.patch(&add(), json!([100])).unwrap();
    let id = commit_trade(&w, &bob, &tom);
    let closing = store.clone();
    let started = w.sim.now();
    w.block_on(async move { closing.close().await }).unwrap();
    assert!(
        w.storage.current(TRANSACTIONS_STORE, &id).is_none(),
        "collected before close resolved"
    );
    // And no longer: close waits while a collection runs, up to three
    // request timeouts, and a finished one must stop counting as running.
    // (Simulated time: the simulated backend answers within a few ms.)
    let waited = w.sim.now() - started;
    let timeout = StoreOptions::<JsonFn>::new("players").request_timeout_ms;
    assert!(waited < timeout, "close took {waited} ms of simulated time");
}

/// A transaction over four keys, then every read slowed to 20 s (under the
/// 30 s request timeout): the collection reads the four keys one after the
/// other (80 s) before deleting the record, longer than one request
/// timeout after the stops. `close` waits up to three, long enough here.
#[test]
fn close_waits_up_to_three_request_timeouts_for_a_slow_collection() {
    let (w, id, waited) = close_with_slow_reads(4, 20_000.0);
    assert!(
        w.storage.current(TRANSACTIONS_STORE, &id).is_none(),
        "collected before close resolved (after {waited} ms)"
    );
    assert!((80_000.0..110_000.0).contains(&waited), "{waited}");
}

/// And not longer: six keys read in 29 s each make a 174 s collection;
/// `close` gives up three request timeouts after the stops (which take one
/// slow read), leaving the record to a later collection or as an orphan.
#[test]
fn close_stops_waiting_for_a_collection_after_three_request_timeouts() {
    let (w, id, waited) = close_with_slow_reads(6, 29_000.0);
    assert!(w.storage.current(TRANSACTIONS_STORE, &id).is_some());
    assert!((119_000.0..125_000.0).contains(&waited), "{waited}");
}

/// Commits a transaction over `keys` keys of one store, slows every read of
/// the players' store to `read_ms`, closes the store: the world, the
/// transaction id and how long `close` took (simulated ms).
fn close_with_slow_reads(keys: usize, read_ms: f64) -> (World, String, f64) {
    let w = World::new(5);
    let store = w.server(1, 0.0).store("players");
    let sessions: Vec<_> = (0..keys)
        .map(|k| store.load(&format!("p{k}")).unwrap())
        .collect();
    let mut tx = Transaction::new();
    for s in &sessions {
        tx.record(s, true, &give(), json!([1])).unwrap();
    }
    let id = tx.id().expect("an id once a patch is recorded").to_owned();
    assert!(w.block_on(tx.commit()).unwrap());
    w.storage.slow_reads(NS, read_ms);
    let started = w.sim.now();
    w.block_on(async move { store.close().await }).unwrap();
    let waited = w.sim.now() - started;
    (w, id, waited)
}
