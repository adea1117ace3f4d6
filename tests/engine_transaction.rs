//! Transactions on the simulated backend: commit, abort, presumed abort after
//! a coordinator dies, and the programming errors `commit` rejects.

mod support;

use serde_json::json;
use skilift::engine::{
    record::{decode_decision, Record},
    Code, StoreOptions, Transaction, TRANSACTIONS_STORE,
};
use support::json_host::{JsonFn, Reports};
use support::world::{add, coins, give, take, TestSession, World};

const NS: &str = "players/global";

fn stored(world: &World, key: &str) -> Record {
    Record::decode(&world.storage.current(NS, key).expect("stored").value).expect("decodes")
}

fn stored_coins(world: &World, key: &str) -> i64 {
    let data: serde_json::Value = serde_json::from_str(&stored(world, key).data).unwrap();
    data["coins"].as_i64().unwrap()
}

/// bob pays tom 10 with escrow: bob's coins leave first (plain action), the
/// transaction gives them to tom, or back to bob.
fn trade(bob: &TestSession, tom: &TestSession) -> Transaction<support::json_host::JsonHost> {
    bob.patch(&add(), json!([-10])).unwrap();
    let mut tx = Transaction::new();
    tx.record(tom, true, &give(), json!([10])).unwrap();
    tx.record(bob, false, &give(), json!([10])).unwrap();
    tx
}

fn funded(w: &World, server: u32, key: &str) -> TestSession {
    let s = w.server(server, 0.0).store("players").load(key).unwrap();
    s.patch(&add(), json!([100])).unwrap();
    s
}

#[test]
fn a_committed_trade_applies_everywhere_once() {
    let w = World::new(1);
    let bob = funded(&w, 1, "bob");
    let tom = funded(&w, 1, "tom");
    let tx = trade(&bob, &tom);
    assert!(w.block_on(tx.commit()).unwrap());
    assert_eq!(coins(&bob.data()), 90);
    assert_eq!(coins(&tom.data()), 110, "applied to the cache at once");
    let (a, b) = (bob.stop(), tom.stop());
    w.block_on(async move {
        a.await.unwrap();
        b.await.unwrap();
    });
    assert_eq!(stored_coins(&w, "bob"), 90);
    assert_eq!(stored_coins(&w, "tom"), 110);
    assert!(stored(&w, "tom").pending.is_empty(), "resolved and removed");
}

#[test]
fn a_trade_whose_prepare_fails_aborts_and_refunds() {
    let w = World::new(2);
    let bob = funded(&w, 1, "bob");
    let tom = funded(&w, 1, "tom");
    w.block_on(bob.r#await());
    w.block_on(tom.r#await());
    w.storage.outage(w.sim.now() + 20_000.0);
    let tx = trade(&bob, &tom);
    assert!(!w.block_on(tx.commit()).unwrap());
    assert_eq!(coins(&bob.data()), 100, "refunded in the cache");
    assert_eq!(coins(&tom.data()), 100);
    let (a, b) = (bob.stop(), tom.stop());
    w.block_on(async move {
        a.await.unwrap();
        b.await.unwrap();
    });
    assert_eq!(stored_coins(&w, "bob"), 100);
    assert_eq!(stored_coins(&w, "tom"), 100);
}

#[test]
fn a_coordinator_that_dies_after_prepare_is_presumed_aborted_on_every_key() {
    let w = World::new(3);
    let bob = funded(&w, 1, "bob");
    let tom = funded(&w, 1, "tom");
    let tx = trade(&bob, &tom);
    // Run the commit until both keys hold the pending entry, then kill server 1
    // before it writes the decision.
    w.sim.spawn(
        1,
        Box::pin(async move {
            let _ = tx.commit().await;
        }),
    );
    let prepared = || {
        ["bob", "tom"].iter().all(|k| {
            w.storage
                .current(NS, k)
                .is_some_and(|e| !Record::decode(&e.value).unwrap().pending.is_empty())
        })
    };
    assert!(w.sim.run_until(prepared, 10_000.0), "both keys prepared");
    assert!(
        w.storage.keys(TRANSACTIONS_STORE).is_empty(),
        "not decided yet"
    );
    w.sim.kill(1);

    // Other servers load both keys; before the timeout nothing is decided.
    let bob2 = w.server(2, 0.0).store("players").load("bob").unwrap();
    let tom2 = w.server(3, 0.0).store("players").load("tom").unwrap();
    w.run_for(30_000.0);
    assert!(w.storage.keys(TRANSACTIONS_STORE).is_empty());
    w.run_for(40_000.0);
    let ids = w.storage.keys(TRANSACTIONS_STORE);
    assert_eq!(ids.len(), 1, "a reader wrote the decision");
    let decision = w.storage.current(TRANSACTIONS_STORE, &ids[0]).unwrap();
    assert_eq!(decode_decision(&decision.value), Some(false));
    let (a, b) = (bob2.stop(), tom2.stop());
    w.block_on(async move {
        a.await.unwrap();
        b.await.unwrap();
    });
    assert_eq!(stored_coins(&w, "bob"), 100, "escrow refunded");
    assert_eq!(stored_coins(&w, "tom"), 100);
    assert!(stored(&w, "bob").pending.is_empty());
    assert!(stored(&w, "tom").pending.is_empty());
}

#[test]
fn a_commit_after_presumed_abort_loses_and_reports_false() {
    // A reader that timed out wrote `aborted` before the coordinator decided:
    // the coordinator's create-if-absent write loses, and it reports false.
    let w = World::new(4);
    let bob = funded(&w, 1, "bob");
    let tom = funded(&w, 1, "tom");
    w.block_on(bob.r#await());
    w.block_on(tom.r#await());
    let tx = trade(&bob, &tom);
    // First, undisturbed: it commits.
    let result = w.block_on(tx.commit());
    assert!(result.unwrap(), "no reader interfered: committed");
    let ids = w.storage.keys(TRANSACTIONS_STORE);
    let committed_id = ids[0].clone();

    let bob_before = coins(&bob.data());
    let tx = trade(&bob, &tom);
    let storage = w.storage.clone();
    let planted = std::rc::Rc::new(std::cell::Cell::new(false));
    let p = planted.clone();
    // Plant "aborted" for every new transaction id the moment it appears
    // in a pending entry, before the coordinator decides.
    w.sim.spawn(
        9,
        Box::pin(async move {
            loop {
                for key in ["bob", "tom"] {
                    if let Some(e) = storage.current(NS, key) {
                        for pend in Record::decode(&e.value).unwrap().pending {
                            if pend.id != committed_id && !p.get() {
                                assert!(
                                    storage.current(TRANSACTIONS_STORE, &pend.id).is_none(),
                                    "this seed let the coordinator decide first; pick another"
                                );
                                storage.raw_set(
                                    TRANSACTIONS_STORE,
                                    &pend.id,
                                    r#"{"skilift":1,"decision":"aborted"}"#,
                                );
                                p.set(true);
                            }
                        }
                    }
                }
                if p.get() {
                    return;
                }
                support::executor::yield_now().await;
            }
        }),
    );
    assert!(!w.block_on(tx.commit()).unwrap());
    assert!(planted.get());
    assert_eq!(coins(&bob.data()), bob_before, "refunded");
    let (a, b) = (bob.stop(), tom.stop());
    w.block_on(async move {
        a.await.unwrap();
        b.await.unwrap();
    });
    assert_eq!(stored_coins(&w, "bob") + stored_coins(&w, "tom"), 200);
}

#[test]
fn transaction_programming_errors_reject_before_writing() {
    let w = World::new(5);
    let s = w.server(1, 0.0).store("players").load("ann").unwrap();
    let mut tx = Transaction::new();
    let e = tx.record(&s, true, &add(), json!([1])).unwrap_err();
    assert_eq!(e.code(), Some(Code::TransactionInvalidAction));
    let stranger = JsonFn::mutating("stranger", |_, _| Ok(()));
    let e = tx.record(&s, true, &stranger, json!([])).unwrap_err();
    assert_eq!(e.code(), Some(Code::TransactionInvalidFunction));
    let e = tx
        .record(&s, true, &give(), json!([{ "$notjson": 1 }]))
        .unwrap_err();
    assert_eq!(e.code(), Some(Code::StrictPassNotJsonIntoAction));
    let store = w.server(1, 0.0).store("players");
    let never = JsonFn::new("never", |_, _| Ok(None));
    store.transaction("never", never.clone()).unwrap();
    let s2 = store.load("ann").unwrap();
    let e = tx.record(&s2, true, &never, json!([])).unwrap_err();
    assert_eq!(e.code(), Some(Code::CannotCancelAction));

    // Sessions on different backends.
    let other = World::new(6);
    let far = other.server(1, 0.0).store("players").load("zed").unwrap();
    let mut tx = Transaction::new();
    tx.record(&s, true, &give(), json!([1])).unwrap();
    tx.record(&far, true, &take(), json!([1])).unwrap();
    let e = w.block_on(tx.commit()).unwrap_err();
    assert_eq!(e.code(), Some(Code::InvalidOptions));
    assert!(w.storage.keys(TRANSACTIONS_STORE).is_empty());

    // Names are permanent and unique.
    let e = store.transaction("give", take()).unwrap_err();
    assert_eq!(e.code(), Some(Code::InvalidOptions));
}

#[test]
fn an_empty_transaction_commits_without_storage() {
    let w = World::new(7);
    let calls = w.storage.calls();
    let tx: Transaction<support::json_host::JsonHost> = Transaction::new();
    assert!(w.block_on(tx.commit()).unwrap());
    assert_eq!(w.storage.calls(), calls);
}

#[test]
fn a_pending_transaction_with_an_unknown_action_quarantines_the_key() {
    let w = World::new(8);
    let server = w.server(1, 0.0);
    let store = server.store("players");
    let newer = JsonFn::mutating("gift-v2", |_, _| Ok(()));
    store.transaction("gift-v2", newer.clone()).unwrap();
    let s = store.load("uma").unwrap();
    w.block_on(s.r#await());
    // Prepared but never decided (storage goes away before the decision).
    let mut tx = Transaction::new();
    tx.record(&s, true, &newer, json!([])).unwrap();
    w.sim.spawn(
        1,
        Box::pin(async move {
            let _ = tx.commit().await;
        }),
    );
    let has_pending = || {
        w.storage
            .current(NS, "uma")
            .is_some_and(|e| !Record::decode(&e.value).unwrap().pending.is_empty())
    };
    assert!(w.sim.run_until(has_pending, 10_000.0));
    w.sim.kill(1);
    let writes = w.storage.writes().len();
    let old = w.server(2, 0.0).store_with(
        w.server(2, 0.0).host(json!({"coins": 0})),
        StoreOptions::new("players"),
    );
    let s = old.load("uma").unwrap();
    w.block_on(s.r#await());
    assert!(s.bad().expect("bad").contains("gift-v2"));
    w.run_for(120_000.0);
    let later: Vec<_> = w.storage.writes()[writes..]
        .iter()
        .filter(|x| x.store == NS)
        .cloned()
        .collect();
    assert!(
        later.is_empty(),
        "the quarantined key was not written: {later:?}"
    );
}

#[test]
fn a_transaction_action_that_cancels_on_replay_is_skipped_and_reported() {
    // `limited` refuses to go above 105 coins. It passes when recorded (the
    // cache has 100), but another server adds coins before the decision is
    // applied in storage, so on replay it cancels: a decided transaction
    // cannot be skipped silently, so it is reported as cannot_cancel_action.
    let w = World::new(9);
    let server = w.server(1, 0.0);
    let (store, errors) = server.observed_store("players");
    let limited = JsonFn::new("limited", |d, a| {
        let n = d["coins"].as_i64().unwrap() + a[0].as_i64().unwrap();
        Ok((n <= 105).then(|| json!({"coins": n})))
    });
    store.transaction("limited", limited.clone()).unwrap();
    let s = store.load("wes").unwrap();
    s.patch(&add(), json!([100])).unwrap();
    w.block_on(s.stop()).unwrap();

    // A session that has not pulled since another server added 50.
    let s = store.load("wes").unwrap();
    w.block_on(s.r#await());
    let other = w.server(2, 0.0).store("players").load("wes").unwrap();
    other.patch(&add(), json!([50])).unwrap();
    w.block_on(other.stop()).unwrap();
    let mut tx = Transaction::new();
    tx.record(&s, true, &limited, json!([5])).unwrap();
    assert!(w.block_on(tx.commit()).unwrap());
    w.block_on(s.stop()).unwrap();
    assert_eq!(stored_coins(&w, "wes"), 150, "skipped, not applied");
    assert!(errors
        .borrow()
        .iter()
        .any(|(c, k)| c == "cannot_cancel_action" && k.as_deref() == Some("wes")));
}

/// Every prepare lands, then the coordinator's decision write is refused
/// for a while: it retries until the decision is stored (the trade
/// commits), each refusal reaches the `onError` of every store taking part
/// once (not once per key), with no key, and each retry is counted.
#[test]
fn a_refused_decision_is_retried_reported_to_every_store_and_counted() {
    let w = World::new(21);
    let server = w.server(1, 0.0);
    let (players, player_errors) = server.observed_store("players");
    let (guilds, guild_errors) = server.observed_store("guilds");
    let bob = players.load("bob").unwrap();
    bob.patch(&add(), json!([100])).unwrap();
    let tom = players.load("tom").unwrap();
    let hall = guilds.load("hall").unwrap();
    for s in [&bob, &tom, &hall] {
        w.block_on(s.r#await());
    }
    let retries_before = players.stats().retries;
    w.storage.refuse_decisions(w.sim.now() + 5_000.0);
    let mut tx = Transaction::new();
    tx.record(&tom, true, &give(), json!([10])).unwrap();
    tx.record(&bob, true, &take(), json!([10])).unwrap();
    tx.record(&hall, true, &give(), json!([1])).unwrap();
    assert!(w.block_on(tx.commit()).unwrap(), "committed once stored");
    let refused = w.storage.stats().decisions_refused;
    assert!(refused >= 2, "the refusal was hit ({refused} times)");
    let unkeyed = |errors: &Reports| {
        let errors = errors.borrow();
        errors.iter().filter(|(_, key)| key.is_none()).count() as u64
    };
    assert_eq!(unkeyed(&player_errors), refused, "{player_errors:?}");
    assert_eq!(unkeyed(&guild_errors), refused, "{guild_errors:?}");
    assert_eq!(players.stats().retries - retries_before, refused);
    let stops = [bob.stop(), tom.stop(), hall.stop()];
    w.block_on(async move {
        for s in stops {
            s.await.unwrap();
        }
    });
    assert_eq!(stored_coins(&w, "bob"), 90);
    assert_eq!(stored_coins(&w, "tom"), 10);
}
