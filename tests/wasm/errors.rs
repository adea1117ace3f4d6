//! Errors across the boundary: engine errors become `SkiliftError`s (real
//! `Error`s with a stack and a `code`); exceptions from host code (actions,
//! backends, callbacks) come back as the very value that was thrown.

use js_sys::Array;
use skilift::bindings::WasmStore;
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::wasm_bindgen_test;

use crate::support::*;

#[wasm_bindgen_test]
fn engine_errors_become_skilift_errors_with_a_code() {
    setup(true);
    let backend = Backend::new();
    let errors = Recorder::new();
    let store = store(&backend, &errors);
    let session = store.load("p".into()).unwrap();

    let unregistered = add_coins();
    let error = session.patch(unregistered, args(&[1.into()])).unwrap_err();
    assert_skilift_error(&error, "action_invalid_function", "");
    let error = session.patch("addCoins".into(), Array::new()).unwrap_err();
    assert_skilift_error(&error, "action_invalid_function", "the string \"addCoins\"");

    let schema_store = WasmStore::new(options(
        &backend,
        &errors,
        &[
            ("name", "checked".into()),
            ("schema", func("v", "return v.coins >= 0;").into()),
        ],
    ))
    .unwrap();
    let spend = func("data, n", "return { ...data, coins: data.coins - n };");
    schema_store.action(spend.clone().into()).unwrap();
    let checked = schema_store.load("p".into()).unwrap();
    let error = checked.patch(spend.into(), args(&[1.into()])).unwrap_err();
    assert_skilift_error(&error, "schema_validation_error", "");
    assert_eq!(number(&checked.data(), "coins"), 0.0);

    let error = store
        .load(42.into())
        .err()
        .expect("a number key is refused");
    assert_skilift_error(&error, "invalid_options", "number 42");
    let error = store.action(JsValue::NULL).unwrap_err();
    assert_skilift_error(&error, "invalid_options", "null");
    let error = session.userid("me".into()).unwrap_err();
    assert_skilift_error(&error, "invalid_options", "");
    let error = store
        .transaction("t".into(), JsValue::UNDEFINED)
        .unwrap_err();
    assert_skilift_error(&error, "invalid_options", "undefined");
}

#[wasm_bindgen_test]
fn bad_store_options_throw_invalid_options_naming_the_option() {
    setup(true);
    let backend = Backend::new();
    let errors = Recorder::new();
    let cases: Vec<(JsValue, &str)> = vec![
        (JsValue::UNDEFINED, "options object"),
        (js("{}"), "options.name"),
        (
            options(&backend, &errors, &[("name", 1.into())]),
            "options.name",
        ),
        (
            options(&backend, &errors, &[("pulldelay", 1.into())]),
            "\"pulldelay\"",
        ),
        (
            options(&backend, &errors, &[("defaultData", js("{}"))]),
            "options.defaultData",
        ),
        (
            options(&backend, &errors, &[("backend", js("{ get() {} }"))]),
            "put()",
        ),
        (
            options(&backend, &errors, &[("backend", JsValue::NULL)]),
            "options.backend",
        ),
        (
            options(&backend, &errors, &[("pullDelay", "15".into())]),
            "options.pullDelay",
        ),
        (
            options(&backend, &errors, &[("onError", 1.into())]),
            "options.onError",
        ),
        (
            options(&backend, &errors, &[("migrations", js("[{ step: 'v2' }]"))]),
            "options.migrations[0].migrate",
        ),
        (
            js("{ get name() { throw new Error('getter'); } }"),
            "\"name\"",
        ),
    ];
    for (value, needle) in cases {
        let error = WasmStore::new(value)
            .err()
            .unwrap_or_else(|| panic!("accepted: {needle}"));
        assert_skilift_error(&error, "invalid_options", needle);
    }
}

#[wasm_bindgen_test]
async fn an_exception_thrown_by_an_action_comes_back_unchanged_and_changes_nothing() {
    for strict in [true, false] {
        setup(strict);
        let backend = Backend::new();
        let errors = Recorder::new();
        let store = store(&backend, &errors);
        let session = store.load("p".into()).unwrap();
        let seen = Recorder::new();
        session.updated(seen.function()).unwrap();
        let thrown_values = [
            js("{ mine: true }"),
            js("new RangeError('out of coins')"),
            js("(() => { class GameError extends Error {} return new GameError('no'); })()"),
            "a string".into(),
            JsValue::NULL,
        ];
        for thrown in thrown_values {
            let action = func("thrown", "return (data) => { throw thrown; };")
                .call1(&JsValue::UNDEFINED, &thrown)
                .unwrap();
            store.action(action.clone()).unwrap();
            let error = session.patch(action, Array::new()).unwrap_err();
            assert!(
                same(&error, &thrown),
                "got {error:?} instead of {thrown:?} (strict {strict})"
            );
        }
        assert_eq!(seen.count(), 1, "no change, no callback");
        assert_eq!(json(&session.data()), r#"{"coins":0,"items":[]}"#);
        settle(session.stop()).await.unwrap();
        assert_eq!(errors.count(), 0, "{}", json(&errors.object));
    }
}

#[wasm_bindgen_test]
async fn backend_failures_reach_on_error_unchanged_and_the_session_recovers() {
    setup(true);
    let backend = Backend::new();
    let errors = Recorder::new();
    let store = store(&backend, &errors);
    let sentinel = js("{ backendDown: true }");
    backend.fail_with(&sentinel);
    let session = store.load("p".into()).unwrap();
    until("onError hears of the failing get", || errors.count() > 0).await;
    let call = errors.call(0);
    assert!(
        same(&call.get(0), &sentinel),
        "onError got {:?}",
        call.get(0)
    );
    assert_eq!(
        call.get(1).as_string().as_deref(),
        Some("p"),
        "with the key"
    );
    assert!(!session.loaded());
    backend.heal();
    settle(session.r#await()).await.unwrap();
    assert!(session.loaded());
    settle(session.stop()).await.unwrap();
}

#[wasm_bindgen_test]
async fn a_backend_answering_garbage_is_reported_as_backend_invalid_response() {
    setup(true);
    let backend = Backend::new();
    let errors = Recorder::new();
    let store = store(&backend, &errors);
    backend.garbage();
    let session = store.load("p".into()).unwrap();
    until("onError hears of the garbage", || errors.count() > 0).await;
    assert_skilift_error(
        &errors.call(0).get(0),
        "backend_invalid_response",
        "entry.value must be a string",
    );
    backend.heal();
    settle(session.r#await()).await.unwrap();
    settle(session.stop()).await.unwrap();
}

#[wasm_bindgen_test]
async fn a_get_that_timed_out_gives_back_its_slot() {
    // A backend call holds a slot until it is answered or dropped
    // (src/bindings/storage_calls.rs); a call dropped at its deadline must
    // free it, or every timeout would leak one for good.
    setup(true);
    let backend = Backend::new();
    let errors = Recorder::new();
    let options = options(&backend, &errors, &[("requestTimeout", 0.05.into())]);
    let store = WasmStore::new(options).expect("valid options");
    let before = skilift::bindings::calls_in_flight();
    backend.hang();
    let session = store.load("p".into()).unwrap();
    until("two gets timing out", || errors.count() >= 2).await;
    assert_skilift_error(&errors.call(0).get(0), "backend_failed", "");
    backend.heal();
    settle(session.r#await()).await.unwrap();
    settle(session.stop()).await.unwrap();
    assert_eq!(
        skilift::bindings::calls_in_flight(),
        before,
        "every call has given its slot back"
    );
}

#[wasm_bindgen_test]
async fn a_throwing_updated_callback_goes_to_on_error_and_the_patch_still_applies() {
    setup(true);
    let backend = Backend::new();
    let errors = Recorder::new();
    let store = store(&backend, &errors);
    let add = add_coins();
    store.action(add.clone()).unwrap();
    let session = store.load("p".into()).unwrap();
    let thrower = Recorder::with_body("if (calls.length > 1) throw calls;");
    session.updated(thrower.function()).unwrap();
    let after = Recorder::new();
    session.updated(after.function()).unwrap();
    assert!(session.patch(add, args(&[3.into()])).unwrap());
    assert_eq!(after.count(), 2, "later callbacks still run");
    assert_eq!(errors.count(), 1);
    assert!(
        same(&errors.call(0).get(0), &get(&thrower.object, "calls")),
        "the thrown value itself"
    );
    assert_eq!(errors.call(0).get(1).as_string().as_deref(), Some("p"));
    settle(session.stop()).await.unwrap();
    assert_eq!(backend.data("p").unwrap()["coins"], 3);
}
