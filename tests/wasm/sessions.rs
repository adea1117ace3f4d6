//! A store on a JS backend object: load, patch, updated, stop, userid,
//! patches before the load, two sessions on one key, views, a transaction.

use js_sys::Array;
use skilift::bindings::WasmTransaction;
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::wasm_bindgen_test;

use crate::support::*;

#[wasm_bindgen_test]
async fn load_patch_updated_stop_round_trip_through_the_js_backend() {
    setup(true);
    let backend = Backend::new();
    let errors = Recorder::new();
    let store = store(&backend, &errors);
    assert_eq!(store.name(), "players");
    let add = add_coins();
    store.action(add.clone()).unwrap();
    let cancel = func("data", "return undefined;");
    store.action(cancel.clone().into()).unwrap();

    let session = store.load("player_1".into()).unwrap();
    assert_eq!(session.key(), "player_1");
    assert!(!session.loaded(), "load returns at once");
    settle(session.r#await()).await.unwrap();
    assert!(session.loaded());
    assert_eq!(session.bad(), None);

    let seen = Recorder::new();
    let id = session.updated(seen.function()).unwrap();
    assert_eq!(seen.count(), 1, "updated calls back at once");
    assert_eq!(json(&seen.last()), r#"{"coins":0,"items":[]}"#);

    assert!(session.patch(add.clone(), args(&[10.into()])).unwrap());
    assert_eq!(seen.count(), 2);
    assert_eq!(number(&seen.last(), "coins"), 10.0);
    assert!(
        !session.patch(cancel.into(), Array::new()).unwrap(),
        "a cancelled patch returns false"
    );
    assert_eq!(seen.count(), 2, "and calls nobody");

    session.unbind(id);
    session.unbind(id); // twice is harmless
    session.unbind(-1.0);
    assert!(session.patch(add.clone(), args(&[5.into()])).unwrap());
    assert_eq!(seen.count(), 2, "an unbound callback is not called");

    session.userid(7.0.into()).unwrap();
    let first = session.stop();
    let second = session.stop();
    settle(first).await.unwrap();
    settle(second).await.unwrap();

    let record = backend.record("players/global", "player_1").expect("saved");
    assert_eq!(record["skilift"], 1);
    assert_eq!(
        record["data"],
        serde_json::json!({ "coins": 15, "items": [10, 5] })
    );
    assert!(
        record["writers"].as_object().is_some_and(|w| w.len() == 1),
        "{record}"
    );
    let last_put = backend.puts().pop().unwrap();
    assert_eq!(json(&get(&last_put, "userIds")), "[7]");
    assert_eq!(errors.count(), 0, "{}", json(&errors.object));

    // After stop: patch, updated and userid throw session_already_stopped.
    for error in [
        session.patch(add, args(&[1.into()])).unwrap_err(),
        session.updated(seen.function()).unwrap_err(),
        session.userid(8.0.into()).unwrap_err(),
    ] {
        assert_skilift_error(&error, "session_already_stopped", "");
    }
    // await settles at once on a stopped session.
    settle(session.r#await()).await.unwrap();
    assert_eq!(number(&session.data(), "coins"), 15.0);
}

#[wasm_bindgen_test]
async fn patches_made_before_the_load_are_replayed_on_the_loaded_data() {
    setup(true);
    let backend = Backend::new();
    let errors = Recorder::new();
    let add = add_coins();

    let first = store(&backend, &errors);
    first.action(add.clone()).unwrap();
    let s1 = first.load("p".into()).unwrap();
    s1.patch(add.clone(), args(&[100.into()])).unwrap();
    settle(s1.stop()).await.unwrap();

    let second = store(&backend, &errors);
    second.action(add.clone()).unwrap();
    let s2 = second.load("p".into()).unwrap();
    assert!(!s2.loaded());
    let seen = Recorder::new();
    s2.updated(seen.function()).unwrap();
    s2.patch(add, args(&[1.into()])).unwrap();
    assert_eq!(
        number(&s2.data(), "coins"),
        1.0,
        "applied to the default data at once"
    );
    settle(s2.r#await()).await.unwrap();
    assert_eq!(
        number(&s2.data(), "coins"),
        101.0,
        "replayed on the stored data"
    );
    assert_eq!(
        number(&seen.last(), "coins"),
        101.0,
        "updated saw the loaded data"
    );
    settle(second.close()).await.unwrap();
    assert_eq!(
        backend.data("p").unwrap()["items"],
        serde_json::json!([100, 1])
    );
    assert_eq!(errors.count(), 0, "{}", json(&errors.object));
}

#[wasm_bindgen_test]
async fn two_sessions_on_one_key_lose_no_change() {
    setup(true);
    let backend = Backend::new();
    let errors = Recorder::new();
    let add = add_coins();
    let (a, b) = (store(&backend, &errors), store(&backend, &errors));
    a.action(add.clone()).unwrap();
    b.action(add.clone()).unwrap();
    let (sa, sb) = (a.load("k".into()).unwrap(), b.load("k".into()).unwrap());
    for i in 0..5 {
        sa.patch(add.clone(), args(&[1.into()])).unwrap();
        sb.patch(add.clone(), args(&[10.into()])).unwrap();
        sleep(if i % 2 == 0 { 0.0 } else { 60.0 }).await;
    }
    // Both final saves start now (the promises run on their own); await each.
    let (stop_a, stop_b) = (sa.stop(), sb.stop());
    settle(stop_a).await.unwrap();
    settle(stop_b).await.unwrap();
    assert_eq!(backend.data("k").unwrap()["coins"], 55);
    let latest = settle(a.view("k".into()).unwrap().latest()).await.unwrap();
    assert_eq!(number(&latest, "coins"), 55.0);
    assert!(deeply_frozen(&latest));
}

#[wasm_bindgen_test]
async fn views_read_without_a_session_and_history_needs_a_backend_that_keeps_it() {
    setup(true);
    let backend = Backend::new();
    let errors = Recorder::new();
    let store = store(&backend, &errors);
    let view = store.view("nobody".into()).unwrap();
    assert!(settle(view.latest()).await.unwrap().is_undefined());
    let error = settle(view.version("1".into()).unwrap()).await.unwrap_err();
    assert_skilift_error(&error, "history_unsupported", "");
    let error = settle(view.timestamp(0.0.into()).unwrap())
        .await
        .unwrap_err();
    assert_skilift_error(&error, "history_unsupported", "");
    let error = view.timestamp("yesterday".into()).unwrap_err();
    assert_skilift_error(&error, "invalid_options", "the string \"yesterday\"");
    let error = store
        .view(JsValue::NULL)
        .err()
        .expect("a null key is refused");
    assert_skilift_error(&error, "invalid_options", "null");
}

#[wasm_bindgen_test]
async fn a_transaction_commits_on_both_keys() {
    setup(true);
    let backend = Backend::new();
    let errors = Recorder::new();
    let store = store(&backend, &errors);
    let give = func("data, n", "return { ...data, coins: data.coins + n };");
    store
        .transaction("give".into(), give.clone().into())
        .unwrap();
    let (tom, bob) = (
        store.load("tom".into()).unwrap(),
        store.load("bob".into()).unwrap(),
    );
    let tx = WasmTransaction::new();
    tx.record(&tom, true, give.clone().into(), args(&[5.into()]))
        .unwrap();
    tx.record(&bob, false, give.clone().into(), args(&[5.into()]))
        .unwrap();
    assert_eq!(settle(tx.commit()).await.unwrap(), JsValue::TRUE);
    assert_eq!(number(&tom.data(), "coins"), 5.0);
    assert_eq!(number(&bob.data(), "coins"), 0.0);
    let error = settle(tx.commit()).await.unwrap_err();
    assert_skilift_error(&error, "invalid_options", "already run");
    // A plain action cannot take part in a transaction.
    let plain = add_coins();
    store.action(plain.clone()).unwrap();
    let tx = WasmTransaction::new();
    let error = tx.record(&tom, true, plain, args(&[1.into()])).unwrap_err();
    assert_skilift_error(&error, "transaction_invalid_action", "");
    let error = tx
        .record(&tom, true, JsValue::from(3), Array::new())
        .unwrap_err();
    assert_skilift_error(&error, "transaction_invalid_function", "number 3");
    settle(store.close()).await.unwrap();
    assert_eq!(backend.data("tom").unwrap()["coins"], 5);
    assert_eq!(errors.count(), 0, "{}", json(&errors.object));
}
