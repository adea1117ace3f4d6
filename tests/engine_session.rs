//! Sessions end to end on the simulated backend: loading, patching, pulls,
//! stop, exactly-once writes, quarantine, migrations, strict mode, views.

mod support;

use std::cell::RefCell;
use std::rc::Rc;

use serde_json::json;
use skilift::engine::{record::Record, strict, Code, Error, StoreOptions};
use support::json_host::{JsonDoc, JsonFn, NOT_JSON};
use support::storage::Faults;
use support::world::{add, coins, give, not_json, reported, World};

const NS: &str = "players/global";

fn stored_coins(world: &World, key: &str) -> i64 {
    let entry = world.storage.current(NS, key).expect("key is stored");
    let record = Record::decode(&entry.value).expect("record decodes");
    let data: serde_json::Value = serde_json::from_str(&record.data).unwrap();
    data["coins"].as_i64().unwrap()
}

fn code<E: std::fmt::Debug>(r: Result<impl std::fmt::Debug, Error<E>>) -> Code {
    match r {
        Err(e) => e
            .code()
            .unwrap_or_else(|| panic!("host error, not an engine code: {e:?}")),
        Ok(v) => panic!("expected an error, got {v:?}"),
    }
}

#[test]
fn load_shows_default_then_stored_data_and_stop_saves() {
    let w = World::new(1);
    let s1 = w.server(1, 0.0);
    let store = s1.store("players");
    let session = store.load("alice").unwrap();
    assert!(!session.loaded());
    let seen = Rc::new(RefCell::new(Vec::new()));
    let log = seen.clone();
    session
        .updated(Rc::new(move |d: &JsonDoc| {
            log.borrow_mut().push(coins(d));
            Ok(())
        }))
        .unwrap();
    assert_eq!(
        *seen.borrow(),
        vec![0],
        "called at once with the default data"
    );
    assert!(session.patch(&add(), json!([5])).unwrap());
    assert_eq!(*seen.borrow(), vec![0, 5]);
    w.block_on(session.r#await());
    assert!(session.loaded());
    assert_eq!(
        *seen.borrow(),
        vec![0, 5],
        "a load that finds what the cache shows is no change"
    );
    let stop = session.stop();
    w.block_on(stop).unwrap();
    assert_eq!(stored_coins(&w, "alice"), 5);
    assert_eq!(
        w.sim.tasks_of(1),
        0,
        "a stopped session holds no task or timer"
    );
}

#[test]
fn patches_before_load_are_replayed_on_the_loaded_data() {
    let w = World::new(2);
    let a = w.server(1, 0.0).store("players");
    let first = a.load("bob").unwrap();
    first.patch(&add(), json!([100])).unwrap();
    w.block_on(first.stop()).unwrap();

    let b = w.server(2, 0.0).store("players");
    let second = b.load("bob").unwrap();
    second.patch(&add(), json!([1])).unwrap(); // before the load completes
    assert_eq!(coins(&second.data()), 1);
    w.block_on(second.r#await());
    assert_eq!(coins(&second.data()), 101, "replayed on the stored 100");
    w.block_on(second.stop()).unwrap();
    assert_eq!(stored_coins(&w, "bob"), 101);
}

#[test]
fn two_servers_editing_one_key_lose_nothing() {
    let w = World::new(3);
    w.storage.set_faults(Faults {
        delay: 1.0,
        max_delay_ms: 300.0,
        ..Faults::default()
    });
    let a = w.server(1, 0.0).store("players").load("carol").unwrap();
    let b = w.server(2, 0.0).store("players").load("carol").unwrap();
    for i in 0..50 {
        a.patch(&add(), json!([1])).unwrap();
        b.patch(&add(), json!([10])).unwrap();
        if i % 7 == 0 {
            w.run_for(400.0);
        }
    }
    let (sa, sb) = (a.stop(), b.stop());
    w.block_on(async move {
        sa.await.unwrap();
        sb.await.unwrap();
    });
    assert_eq!(stored_coins(&w, "carol"), 50 * 11);
}

#[test]
fn other_servers_changes_reach_the_cache_through_updated() {
    let w = World::new(4);
    let a = w.server(1, 0.0).store("players").load("dan").unwrap();
    let b = w.server(2, 0.0).store("players").load("dan").unwrap();
    b.patch(&add(), json!([7])).unwrap();
    w.block_on(b.stop()).unwrap();
    let last = Rc::new(RefCell::new(0));
    let l = last.clone();
    a.updated(Rc::new(move |d: &JsonDoc| {
        *l.borrow_mut() = coins(d);
        Ok(())
    }))
    .unwrap();
    w.run_for(3_000.0);
    assert_eq!(*last.borrow(), 7);
    w.block_on(a.stop()).unwrap();
}

#[test]
fn ambiguous_writes_never_apply_a_batch_twice() {
    let w = World::new(5);
    w.storage.set_faults(Faults {
        ambiguous: 0.5,
        ..Faults::default()
    });
    let store = w.server(1, 0.0).store("players");
    let s = store.load("erin").unwrap();
    for _ in 0..30 {
        s.patch(&add(), json!([1])).unwrap();
        w.run_for(700.0);
    }
    w.block_on(s.stop()).unwrap();
    assert!(w.storage.stats().ambiguous > 3, "faults were injected");
    assert_eq!(stored_coins(&w, "erin"), 30);
}

#[test]
fn an_outage_loses_nothing_and_is_reported() {
    let w = World::new(6);
    let server = w.server(1, 0.0);
    let (store, errors) = server.observed_store("players");
    let s = store.load("fay").unwrap();
    w.block_on(s.r#await());
    w.storage.outage(w.sim.now() + 60_000.0);
    for _ in 0..10 {
        s.patch(&add(), json!([2])).unwrap();
        w.run_for(1_000.0);
    }
    w.block_on(s.stop()).unwrap();
    assert_eq!(stored_coins(&w, "fay"), 20);
    assert!(!errors.borrow().is_empty(), "the failures were reported");
}

#[test]
fn hanging_calls_time_out_and_are_retried() {
    let w = World::new(7);
    w.storage.set_faults(Faults {
        hang: 0.3,
        ..Faults::default()
    });
    let server = w.server(1, 0.0);
    let (store, errors) = server.observed_store("players");
    let s = store.load("gus").unwrap();
    for _ in 0..10 {
        s.patch(&add(), json!([3])).unwrap();
        w.run_for(5_000.0);
    }
    w.block_on(s.stop()).unwrap();
    assert!(w.storage.stats().hung > 0);
    assert!(
        reported(&errors, "backend_failed"),
        "a timeout is reported as backend_failed"
    );
    assert_eq!(stored_coins(&w, "gus"), 30);
}

#[test]
fn undecodable_records_make_the_session_bad_and_are_never_written() {
    for garbage in [
        "not json",
        "[1,2]",
        r#"{"coins":3}"#,
        r#"{"skilift":99,"data":1}"#,
    ] {
        let w = World::new(8);
        w.storage.raw_set(NS, "hal", garbage);
        let server = w.server(1, 0.0);
        let (store, errors) = server.observed_store("players");
        let s = store.load("hal").unwrap();
        s.patch(&add(), json!([1])).unwrap();
        w.block_on(s.r#await());
        assert!(s.bad().is_some(), "{garbage}");
        assert_eq!(
            code(s.patch(&add(), json!([1]))),
            Code::SessionAlreadyStopped
        );
        w.block_on(s.stop()).unwrap();
        w.run_for(60_000.0);
        assert_eq!(w.storage.current(NS, "hal").unwrap().value, garbage);
        // A newer format is version skew, not broken data.
        let expected = if garbage.contains("99") {
            "needs_newer_version"
        } else {
            "bad_data"
        };
        assert!(reported(&errors, expected), "{garbage}");
    }
}

fn migrating_options(steps: &[&str]) -> StoreOptions<JsonFn> {
    let mut o = StoreOptions::new("players");
    for step in steps {
        let name = step.to_string();
        o.migrations.push((
            name.clone(),
            JsonFn::mutating(step, move |d, _| {
                let log = d["steps"].as_array().cloned().unwrap_or_default();
                let mut log = log;
                log.push(json!(name.clone()));
                d["steps"] = json!(log);
                Ok(())
            }),
        ));
    }
    o
}

#[test]
fn migrations_run_once_per_key_and_default_data_is_premarked() {
    let w = World::new(9);
    let server = w.server(1, 0.0);
    // An old server writes data before any migration existed.
    let old = server.store_with(server.host(json!({"coins": 1})), migrating_options(&[]));
    let s = old.load("ivy").unwrap();
    s.patch(&add(), json!([1])).unwrap();
    w.block_on(s.stop()).unwrap();
    // Two steps: both run once on ivy.
    let new = server.store_with(
        server.host(json!({"coins": 1})),
        migrating_options(&["a", "b"]),
    );
    let s = new.load("ivy").unwrap();
    w.block_on(s.r#await());
    assert_eq!(s.data().0["steps"], json!(["a", "b"]));
    w.block_on(s.stop()).unwrap();
    let s = new.load("ivy").unwrap();
    w.block_on(s.r#await());
    assert_eq!(s.data().0["steps"], json!(["a", "b"]), "not again");
    w.block_on(s.stop()).unwrap();
    // A new key starts from default data with every step marked done.
    let fresh = new.load("jon").unwrap();
    fresh.patch(&add(), json!([1])).unwrap();
    w.block_on(fresh.stop()).unwrap();
    let record = Record::decode(&w.storage.current(NS, "jon").unwrap().value).unwrap();
    assert_eq!(record.migrations, vec!["a", "b"]);
    assert!(!record.data.contains("steps"));
}

#[test]
fn an_unknown_migration_step_quarantines_the_key() {
    let w = World::new(10);
    let server = w.server(1, 0.0);
    let newer = server.store_with(
        server.host(json!({"coins": 0})),
        migrating_options(&["a", "z"]),
    );
    let s = newer.load("kim").unwrap();
    s.patch(&add(), json!([1])).unwrap();
    w.block_on(s.stop()).unwrap();
    let writes_before = w.storage.writes().len();
    let older = server.store_with(server.host(json!({"coins": 0})), migrating_options(&["a"]));
    let s = older.load("kim").unwrap();
    w.block_on(s.r#await());
    let reason = s.bad().expect("bad");
    assert!(reason.contains("\"z\""), "{reason}");
    w.run_for(10_000.0);
    assert_eq!(w.storage.writes().len(), writes_before, "never written");
}

#[test]
fn a_migration_that_throws_or_returns_nothing_makes_the_session_bad() {
    for (name, f) in [
        ("throws", JsonFn::new("throws", |_, _| Err("boom".into()))),
        ("nothing", JsonFn::new("nothing", |_, _| Ok(None))),
    ] {
        let w = World::new(11);
        let server = w.server(1, 0.0);
        let s = server.store("players").load("lee").unwrap();
        s.patch(&add(), json!([1])).unwrap();
        w.block_on(s.stop()).unwrap();
        let mut o = StoreOptions::new("players");
        o.migrations.push((name.to_string(), f));
        let host = server.host(json!({"coins": 0}));
        let errors = host.errors.clone();
        let store = server.store_with(host, o);
        let s = store.load("lee").unwrap();
        w.block_on(s.r#await());
        assert!(s.bad().expect("bad").contains(name));
        assert!(errors
            .borrow()
            .iter()
            .any(|(c, k)| c == "migration_does_not_return" && k.as_deref() == Some("lee")));
    }
}

#[test]
fn patch_errors_have_their_codes_and_change_nothing() {
    let w = World::new(12);
    let server = w.server(1, 0.0);
    let host = server
        .host(json!({"coins": 0}))
        .with_schema(|v| Ok(v["coins"].as_i64().is_some_and(|c| c >= 0)));
    let store = server.store_with(host, StoreOptions::new("players"));
    let s = store.load("mo").unwrap();
    strict::set(true);

    let unregistered = JsonFn::mutating("nope", |_, _| Ok(()));
    assert_eq!(
        code(s.patch(&unregistered, json!([]))),
        Code::ActionInvalidFunction
    );

    let counter = Rc::new(RefCell::new(0));
    let c = counter.clone();
    let impure = JsonFn::mutating("impure", move |d, _| {
        *c.borrow_mut() += 1;
        d["coins"] = json!(*c.borrow());
        Ok(())
    });
    store.action(impure.clone());
    assert_eq!(code(s.patch(&impure, json!([]))), Code::StrictImpureAction);

    let nan = not_json();
    store.action(nan.clone());
    let e = s.patch(&nan, json!([])).unwrap_err();
    assert_eq!(e.code(), Some(Code::StrictNotJsonFromAction));
    assert!(e.to_string().contains("data.bad"), "{e}");

    assert_eq!(
        code(s.patch(&add(), json!([{ NOT_JSON: 1 }]))),
        Code::StrictPassNotJsonIntoAction
    );
    assert_eq!(
        code(s.patch(&add(), json!([-5]))),
        Code::SchemaValidationError
    );

    let thrower = JsonFn::new("thrower", |_, _| Err("game bug".into()));
    store.action(thrower.clone());
    match s.patch(&thrower, json!([])) {
        Err(Error::Host(m)) => assert_eq!(m, "game bug", "carried through unchanged"),
        other => panic!("{other:?}"),
    }
    let cancel = JsonFn::new("cancel", |_, _| Ok(None));
    store.action(cancel.clone());
    assert!(!s.patch(&cancel, json!([])).unwrap());

    assert_eq!(coins(&s.data()), 0, "nothing changed");
    w.block_on(s.stop()).unwrap();
    assert!(w.storage.current(NS, "mo").is_none(), "nothing to write");
    assert_eq!(
        code(s.patch(&add(), json!([1]))),
        Code::SessionAlreadyStopped
    );
    assert_eq!(code(s.userid(1.0)), Code::SessionAlreadyStopped);
    assert_eq!(
        code(s.updated(Rc::new(|_: &JsonDoc| Ok(())))),
        Code::SessionAlreadyStopped
    );
}

/// A schema's issues are in the message, each with its path; a schema that
/// gives none leaves just the sentence.
#[test]
fn a_schema_refusal_says_why_when_the_schema_does() {
    let w = World::new(18);
    let server = w.server(1, 0.0);
    let host = server.host(json!({"coins": 0})).with_schema_issues(|v| {
        let mut issues = Vec::new();
        if v["coins"].as_i64().is_some_and(|c| c < 0) {
            issues.push("coins: must be at least 0".to_string());
        }
        if v["coins"].as_i64().is_some_and(|c| c > 100) {
            issues.push("coins: must be at most 100".to_string());
        }
        issues
    });
    let store = server.store_with(host, StoreOptions::new("players"));
    let s = store.load("sy").unwrap();
    let message = |r: Result<bool, Error<String>>| match r {
        Err(Error::Skilift { code, message }) => {
            assert_eq!(code, Code::SchemaValidationError);
            message
        }
        other => panic!("expected a schema refusal, got {other:?}"),
    };
    assert_eq!(
        message(s.patch(&add(), json!([-1]))),
        "the data produced by the action does not pass the schema of store \"players\": coins: must be at least 0"
    );
    assert_eq!(coins(&s.data()), 0, "refused, not applied");
    let plain = server
        .host(json!({"coins": 0}))
        .with_schema(|v| Ok(v["coins"].as_i64().is_some_and(|c| c >= 0)));
    let s2 = server
        .store_with(plain, StoreOptions::new("players"))
        .load("sy2")
        .unwrap();
    assert_eq!(
        message(s2.patch(&add(), json!([-1]))),
        "the data produced by the action does not pass the schema of store \"players\""
    );
}

/// Patches are checked against the schema when made and again when
/// replayed on the stored data: two servers each spend the 10 coins they
/// see; the spend saved second, replayed on the first one's result, would
/// leave -10, fails the schema, and is skipped and reported, not stored.
#[test]
fn a_patch_that_fails_the_schema_on_replay_is_skipped_not_stored() {
    let w = World::new(19);
    let open = |id: u32| {
        let server = w.server(id, 0.0);
        let host = server
            .host(json!({"coins": 0}))
            .with_schema(|v| Ok(v["coins"].as_i64().is_some_and(|c| c >= 0)));
        let errors = host.errors.clone();
        let store = server.store_with(host, StoreOptions::new("players"));
        (store.load("kay").unwrap(), errors, store)
    };
    let (a, a_errors, _sa) = open(1);
    let (b, b_errors, _sb) = open(2);
    a.patch(&add(), json!([10])).unwrap();
    w.block_on(a.r#await());
    w.block_on(b.r#await());
    w.block_on(b.r#await());
    assert_eq!(coins(&b.data()), 10, "b sees the 10 coins");
    a.patch(&add(), json!([-10])).unwrap();
    b.patch(&add(), json!([-10])).unwrap();
    w.block_on(a.r#await());
    w.block_on(b.r#await());
    assert_eq!(stored_coins(&w, "kay"), 0, "one spend stored, not two");
    // Whichever saved second had its spend refused.
    let refused = [&a_errors, &b_errors]
        .iter()
        .filter(|e| reported(e, "schema_validation_error"))
        .count();
    assert_eq!(refused, 1, "{a_errors:?} {b_errors:?}");
    assert_eq!((coins(&a.data()), coins(&b.data())), (0, 0));
}

#[test]
fn outside_strict_mode_an_unencodable_action_is_dropped_and_the_rest_saved() {
    let w = World::new(13);
    let server = w.server(1, 0.0);
    let (store, errors) = server.observed_store("players");
    let nan = not_json();
    store.action(nan.clone());
    let undo = JsonFn::mutating("undo", |d, _| {
        d.as_object_mut().unwrap().remove("bad");
        Ok(())
    });
    store.action(undo.clone());
    strict::set(false);
    let s = store.load("ned").unwrap();
    s.patch(&add(), json!([1])).unwrap();
    s.patch(&nan, json!([])).unwrap();
    s.patch(&add(), json!([2])).unwrap();
    w.run_for(2_000.0);
    assert_eq!(stored_coins(&w, "ned"), 3, "the others were saved");
    assert!(reported(&errors, "not_json"));
    // In the final save, stop() saves the rest and then rejects.
    s.patch(&nan, json!([])).unwrap();
    s.patch(&add(), json!([4])).unwrap();
    let r = w.block_on(s.stop());
    strict::set(true);
    assert_eq!(r.unwrap_err().code(), Some(Code::NotJson));
    assert_eq!(stored_coins(&w, "ned"), 7);
}

/// Only an action dropped in the final save makes `stop()` reject: one
/// dropped (and reported) while the session ran was already answered by
/// its report, and a clean final save resolves.
#[test]
fn an_action_dropped_before_stop_does_not_make_stop_reject() {
    let w = World::new(15);
    let server = w.server(1, 0.0);
    let (store, errors) = server.observed_store("players");
    let nan = not_json();
    store.action(nan.clone());
    strict::set(false);
    let s = store.load("nia").unwrap();
    s.patch(&nan, json!([])).unwrap();
    s.patch(&add(), json!([1])).unwrap();
    w.run_for(2_000.0);
    assert!(reported(&errors, "not_json"), "dropped and reported");
    s.patch(&add(), json!([2])).unwrap();
    let r = w.block_on(s.stop());
    strict::set(true);
    r.expect("a clean final save resolves");
    assert_eq!(stored_coins(&w, "nia"), 3);
}

#[test]
fn a_throwing_updated_callback_is_reported_and_does_not_poison_the_session() {
    let w = World::new(14);
    let server = w.server(1, 0.0);
    let (store, errors) = server.observed_store("players");
    let s = store.load("oz").unwrap();
    let seen = Rc::new(RefCell::new(0));
    let l = seen.clone();
    s.updated(Rc::new(|_: &JsonDoc| Err("callback bug".to_string())))
        .unwrap();
    let id = s
        .updated(Rc::new(move |d: &JsonDoc| {
            *l.borrow_mut() = coins(d);
            Ok(())
        }))
        .unwrap();
    s.patch(&add(), json!([4])).unwrap();
    assert_eq!(*seen.borrow(), 4);
    s.unbind(id);
    s.patch(&add(), json!([1])).unwrap();
    assert_eq!(*seen.borrow(), 4, "unbound");
    w.block_on(s.stop()).unwrap();
    assert_eq!(stored_coins(&w, "oz"), 5);
    assert!(reported(&errors, "callback bug"));
}

#[test]
fn user_ids_are_unioned_with_the_stored_ones() {
    let w = World::new(15);
    let a = w.server(1, 0.0).store("players").load("pam").unwrap();
    a.userid(111.0).unwrap();
    a.patch(&add(), json!([1])).unwrap();
    w.block_on(a.stop()).unwrap();
    let b = w.server(2, 0.0).store("players").load("pam").unwrap();
    b.userid(222.0).unwrap();
    b.patch(&add(), json!([1])).unwrap();
    w.block_on(b.stop()).unwrap();
    let c = w.server(3, 0.0).store("players").load("pam").unwrap();
    c.patch(&add(), json!([1])).unwrap();
    w.block_on(c.stop()).unwrap();
    let mut ids = w.storage.current(NS, "pam").unwrap().user_ids;
    ids.sort_by(f64::total_cmp);
    assert_eq!(ids, vec![111.0, 222.0]);
}

/// A user id the stored record lacks is a reason to write by itself; one it
/// already has is not (idle pulls stay reads).
#[test]
fn a_new_user_id_alone_is_written_and_a_stored_one_is_not_written_again() {
    let w = World::new(17);
    let s = w.server(1, 0.0).store("players").load("uma").unwrap();
    s.patch(&add(), json!([1])).unwrap();
    w.block_on(s.r#await());
    let writes = w.storage.writes().len();
    s.userid(7.0).unwrap();
    w.block_on(s.r#await());
    assert_eq!(
        w.storage.writes().len(),
        writes + 1,
        "the new id is written"
    );
    assert_eq!(w.storage.current(NS, "uma").unwrap().user_ids, vec![7.0]);
    w.run_for(10_000.0);
    assert_eq!(
        w.storage.writes().len(),
        writes + 1,
        "a stored id is not written again by idle pulls"
    );
    w.block_on(s.stop()).unwrap();
    assert_eq!(
        w.storage.writes().len(),
        writes + 1,
        "nor by the final save"
    );
}

#[test]
fn await_settles_at_once_on_a_stopped_session_and_stop_twice_is_harmless() {
    let w = World::new(16);
    let s = w.server(1, 0.0).store("players").load("quin").unwrap();
    s.patch(&add(), json!([1])).unwrap();
    let (a, b) = (s.stop(), s.stop());
    w.block_on(async move {
        a.await.unwrap();
        b.await.unwrap();
    });
    w.block_on(s.stop()).unwrap();
    assert_eq!(w.sim.block_on_for(7, s.r#await(), 0.0), Some(()));
    assert_eq!(stored_coins(&w, "quin"), 1);
}

#[test]
fn garbage_from_the_backend_is_reported_and_retried() {
    let w = World::new(17);
    w.storage.set_faults(Faults {
        garbage: 0.5,
        ..Faults::default()
    });
    let server = w.server(1, 0.0);
    let (store, errors) = server.observed_store("players");
    let s = store.load("rae").unwrap();
    for _ in 0..10 {
        s.patch(&add(), json!([1])).unwrap();
        w.run_for(1_000.0);
    }
    w.block_on(s.stop()).unwrap();
    assert!(s.bad().is_none());
    assert_eq!(stored_coins(&w, "rae"), 10);
    assert!(reported(&errors, "backend_invalid_response"));
}

/// A view reads a record whose steps this server knows, and refuses one
/// with a step it does not (as a session would quarantine the key).
#[test]
fn a_view_refuses_only_records_with_a_step_it_does_not_know() {
    let w = World::new(20);
    let server = w.server(1, 0.0);
    let v2 = server.store_with(server.host(json!({"coins": 1})), migrating_options(&["v2"]));
    let s = v2.load("uri").unwrap();
    s.patch(&add(), json!([1])).unwrap();
    w.block_on(s.stop()).unwrap();
    let view = v2.view("uri");
    let latest = w.block_on(async move { view.latest().await });
    assert_eq!(coins(&latest.unwrap().unwrap()), 2, "v2 is known here");
    let other = server.store_with(server.host(json!({"coins": 1})), migrating_options(&["v1"]));
    let view = other.view("uri");
    let refused = w.block_on(async move { view.latest().await });
    assert_eq!(
        code(refused),
        Code::NeedsNewerVersion,
        "v2 is unknown there"
    );
}

#[test]
fn views_read_latest_past_versions_and_times() {
    let w = World::new(18);
    let store = w.server(1, 0.0).store("players");
    let s = store.load("sam").unwrap();
    s.patch(&add(), json!([1])).unwrap();
    w.run_for(2_000.0);
    let t1 = w.sim.now();
    let v1 = w.storage.current(NS, "sam").unwrap().version;
    w.run_for(1_000.0);
    s.patch(&add(), json!([1])).unwrap();
    w.block_on(s.stop()).unwrap();
    let view = store.view("sam");
    let latest = w.block_on(async move { view.latest().await });
    assert_eq!(coins(&latest.unwrap().unwrap()), 2);
    let view = store.view("sam");
    let past = w.block_on(async move { view.version(&v1).await });
    assert_eq!(coins(&past.unwrap().unwrap()), 1);
    let view = store.view("sam");
    let at = w.block_on(async move { view.timestamp(t1).await });
    assert_eq!(coins(&at.unwrap().unwrap()), 1);
    let view = store.view("nobody");
    assert!(w
        .block_on(async move { view.latest().await })
        .unwrap()
        .is_none());

    w.storage.raw_set(NS, "junk", "junk");
    let view = store.view("junk");
    assert_eq!(
        code(w.block_on(async move { view.latest().await })),
        Code::BadData
    );
    w.storage.without_history();
    let view = store.view("sam");
    assert_eq!(
        code(w.block_on(async move { view.version("v1").await })),
        Code::HistoryUnsupported
    );
}

#[test]
fn bad_options_are_invalid_options() {
    let w = World::new(19);
    let server = w.server(1, 0.0);
    for mutate in [
        (|o: &mut StoreOptions<JsonFn>| o.name = "a/b".into()) as fn(&mut StoreOptions<JsonFn>),
        |o| o.name = String::new(),
        |o| o.scope = "x/y".into(),
        |o| o.pull_delay_ms = 0.0,
        |o| o.transaction_timeout_ms = f64::NAN,
        |o| {
            let f = JsonFn::mutating("m", |_, _| Ok(()));
            o.migrations = vec![("m".into(), f.clone()), ("m".into(), f)];
        },
    ] {
        let mut o = StoreOptions::new("players");
        mutate(&mut o);
        let r = skilift::engine::Store::new(server.host(json!({})), o);
        assert_eq!(code(r.map(|_| ())), Code::InvalidOptions);
    }
}

#[test]
fn an_action_that_fails_halfway_on_replay_leaves_no_trace() {
    // On a pull, actions run in place on a freshly decoded copy; one that
    // changes the data and then throws must not leak its half-change: the
    // pull redoes the work with a copy per action and skips it.
    let w = World::new(20);
    let server = w.server(1, 0.0);
    let (store, errors) = server.observed_store("players");
    let flaky = JsonFn::mutating("flaky", |d, _| {
        d["coins"] = json!(d["coins"].as_i64().unwrap() + 1000);
        if d["armed"] == json!(true) {
            return Err("failed halfway".into());
        }
        Ok(())
    });
    store.action(flaky.clone());
    let arm = JsonFn::mutating("arm", |d, _| {
        d["armed"] = json!(true);
        Ok(())
    });
    store.action(arm.clone());
    let s = store.load("vic").unwrap();
    w.block_on(s.r#await());
    // Another server arms the stored data; this session has not pulled since.
    let other = w.server(2, 0.0);
    let other = other.store_with(
        other.host(json!({"coins": 0})),
        StoreOptions::new("players"),
    );
    other.action(arm.clone());
    let o = other.load("vic").unwrap();
    o.patch(&arm, json!([])).unwrap();
    w.block_on(o.stop()).unwrap();
    s.patch(&add(), json!([1])).unwrap();
    s.patch(&flaky, json!([]))
        .expect("not armed in this session's cache yet");
    s.patch(&add(), json!([2])).unwrap();
    w.block_on(s.stop()).unwrap();
    assert_eq!(
        stored_coins(&w, "vic"),
        3,
        "the half-change of the failed action is gone"
    );
    assert!(reported(&errors, "failed halfway"));
}

#[test]
fn await_after_a_patch_waits_for_a_save_that_carries_it() {
    // A pull already in flight when `await` is called does not carry a
    // patch made just before; `await` waits for the next one that does.
    let w = World::new(21);
    w.storage.set_faults(Faults {
        delay: 1.0,
        max_delay_ms: 600.0,
        ..Faults::default()
    });
    let s = w.server(1, 0.0).store("players").load("xia").unwrap();
    w.block_on(s.r#await());
    for i in 1..=30 {
        s.patch(&add(), json!([1])).unwrap();
        w.block_on(s.r#await());
        assert_eq!(
            stored_coins(&w, "xia"),
            i,
            "saved by the time await settles"
        );
        w.run_for(w.sim.random() * 1_500.0);
    }
    w.block_on(s.stop()).unwrap();
}

#[test]
fn actions_are_patched_by_registration_index_and_replayed_from_it() {
    let w = World::new(1);
    let s1 = w.server(1, 0.0);
    let store = s1.store("players");
    // The standard store registered add, give and take, in that order.
    assert_eq!(
        store.action(add()),
        0,
        "registering again gives the same index"
    );
    let double = JsonFn::mutating("double", |d, _| {
        let n = d["coins"].as_i64().unwrap_or(0) * 2;
        d["coins"] = json!(n);
        Ok(())
    });
    assert_eq!(store.action(double.clone()), 3);
    assert_eq!(store.action(double), 3);
    assert_eq!(
        store.transaction("give", give()).unwrap(),
        1,
        "the same name again: the same index"
    );
    let halve = JsonFn::mutating("halve", |d, _| {
        let n = d["coins"].as_i64().unwrap_or(0) / 2;
        d["coins"] = json!(n);
        Ok(())
    });
    assert_eq!(store.transaction("halve", halve).unwrap(), 4);
    let session = store.load("alice").unwrap();
    assert_eq!(
        session.patch_registered(0, Some(json!([5]))).unwrap(),
        Some(true)
    );
    assert_eq!(session.patch_registered(3, None).unwrap(), Some(true));
    assert_eq!(
        session.patch_registered(2, Some(json!([1]))).unwrap(),
        Some(true)
    );
    assert_eq!(
        session.patch_registered(5, None).unwrap(),
        None,
        "no action has index 5"
    );
    assert_eq!(coins(&session.data()), 9);
    w.block_on(session.stop()).unwrap();
    assert_eq!(
        stored_coins(&w, "alice"),
        9,
        "the save replays each queued action by its index"
    );
}
