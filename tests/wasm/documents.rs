//! The JsHost document operations, seen through the exported classes: a copy
//! for each action, deeply frozen results, JSON checks that name the path,
//! and the first difference between two runs (strict mode).

use js_sys::Array;
use skilift::bindings::WasmStore;
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::wasm_bindgen_test;

use crate::support::*;

#[wasm_bindgen_test]
async fn actions_get_a_mutable_copy_and_results_are_deeply_frozen() {
    for strict in [true, false] {
        setup(strict);
        let backend = Backend::new();
        let errors = Recorder::new();
        // defaultData hands out an object the caller keeps changing.
        let kept = js("{ coins: 0, items: [], nested: { deep: [1] } }");
        let default_data = func("kept", "return () => kept;")
            .call1(&JsValue::UNDEFINED, &kept)
            .unwrap();
        let store =
            WasmStore::new(options(&backend, &errors, &[("defaultData", default_data)])).unwrap();
        let add = add_coins();
        store.action(add.clone()).unwrap();
        let session = store.load("p1".into()).unwrap();

        func("kept", "kept.coins = 99; kept.nested.deep.push(2);")
            .call1(&JsValue::UNDEFINED, &kept)
            .unwrap();
        let before = session.data();
        assert_eq!(
            number(&before, "coins"),
            0.0,
            "defaultData's result is copied (strict {strict})"
        );
        assert_eq!(json(&get(&before, "nested.deep")), "[1]");
        assert!(deeply_frozen(&before), "default data is deeply frozen");
        // Put it back before the first pull (a microtask away) calls
        // defaultData again for the never-written key.
        func("kept", "kept.coins = 0; kept.nested.deep.pop();")
            .call1(&JsValue::UNDEFINED, &kept)
            .unwrap();

        let seen = Recorder::new();
        session.updated(seen.function()).unwrap();
        assert!(session.patch(add.clone(), args(&[5.into()])).unwrap());
        let after = session.data();
        assert_eq!(number(&after, "coins"), 5.0);
        assert_eq!(json(&get(&after, "items")), "[5]");
        // The action changed its copy in place; the old document is intact.
        assert_eq!(
            json(&before),
            r#"{"coins":0,"items":[],"nested":{"deep":[1]}}"#
        );
        assert!(deeply_frozen(&after), "an action's result is deeply frozen");
        assert_eq!(seen.count(), 2);
        assert!(
            same(&seen.last(), &after),
            "updated gets the session's document itself"
        );

        // Writing to the frozen document changes nothing (sloppy-mode assignment).
        func("d", "d.coins = 1000; try { d.items.push(1); } catch {}")
            .call1(&JsValue::UNDEFINED, &after)
            .unwrap();
        assert_eq!(number(&session.data(), "coins"), 5.0);

        settle(session.stop()).await.unwrap();
        assert_eq!(backend.data("p1").unwrap()["coins"], 5);
        assert_eq!(
            errors.count(),
            0,
            "no background errors: {}",
            json(&errors.object)
        );
    }
}

#[wasm_bindgen_test]
async fn strict_mode_names_the_path_of_a_result_that_is_not_json() {
    setup(true);
    let backend = Backend::new();
    let errors = Recorder::new();
    let store = store(&backend, &errors);
    let session = store.load("p1".into()).unwrap();
    let cases = [
        (
            "return { ...data, nested: { list: [1, NaN] } };",
            "data.nested.list[1]",
        ),
        ("return { ...data, when: new Date(0) };", "data.when"),
        (
            r#"return { ...data, "odd key": { f() {} } };"#,
            r#"data["odd key"].f"#,
        ),
        ("return { ...data, items: [1, , 3] };", "data.items[1]"),
        ("const d = { ...data }; d.self = d; return d;", "data.self"),
        (r#"return { ...data, s: "\uD800" };"#, "data.s"),
        ("return { ...data, big: 1n };", "data.big"),
        ("return { ...data, gone: undefined };", "data.gone"),
    ];
    for (body, path) in cases {
        let action = func("data", body);
        store.action(action.clone().into()).unwrap();
        let error = session.patch(action.into(), Array::new()).unwrap_err();
        assert_skilift_error(&error, "strict_not_json_from_action", path);
    }
    assert_eq!(
        number(&session.data(), "coins"),
        0.0,
        "refused patches change nothing"
    );
    settle(session.stop()).await.unwrap();
    assert!(backend
        .puts()
        .iter()
        .all(|p| !get(p, "value").as_string().unwrap().contains("nested")));
}

#[wasm_bindgen_test]
async fn strict_mode_names_the_path_of_an_argument_that_is_not_json() {
    setup(true);
    let backend = Backend::new();
    let errors = Recorder::new();
    let store = store(&backend, &errors);
    let add = add_coins();
    store.action(add.clone()).unwrap();
    let session = store.load("p1".into()).unwrap();
    let error = session
        .patch(add.clone(), args(&[1.into(), js("{ at: new Map() }")]))
        .unwrap_err();
    assert_skilift_error(&error, "strict_pass_not_json_into_action", "args[1].at");
    let error = session.patch(add, args(&[JsValue::UNDEFINED])).unwrap_err();
    assert_skilift_error(&error, "strict_pass_not_json_into_action", "args[0]");
    settle(session.stop()).await.unwrap();
}

#[wasm_bindgen_test]
async fn strict_mode_names_the_first_difference_of_an_impure_action() {
    setup(true);
    let backend = Backend::new();
    let errors = Recorder::new();
    let store = store(&backend, &errors);
    let session = store.load("p1".into()).unwrap();
    let make_impure = |body: &str| -> JsValue {
        // A counter outside the action: each run sees a different value.
        func(
            "",
            &format!("let runs = 0; return (data) => {{ runs++; {body} }};"),
        )
        .call0(&JsValue::UNDEFINED)
        .unwrap()
    };
    let cases = [
        ("return { ...data, stamp: runs };", "data.stamp"),
        (
            "return { ...data, items: new Array(runs).fill(0) };",
            "data.items[1]",
        ),
        (
            "return runs === 1 ? { ...data, a: 1 } : { ...data, b: 1 };",
            "data.a",
        ),
        (
            "return { ...data, items: runs === 1 ? [] : {} };",
            "data.items",
        ),
    ];
    for (body, path) in cases {
        let action = make_impure(body);
        store.action(action.clone()).unwrap();
        let error = session.patch(action, Array::new()).unwrap_err();
        assert_skilift_error(&error, "strict_impure_action", path);
    }
    // Cancelling on one run only is impure too.
    let action = make_impure("return runs === 1 ? undefined : data;");
    store.action(action.clone()).unwrap();
    let error = session.patch(action, Array::new()).unwrap_err();
    assert_skilift_error(&error, "strict_impure_action", "cancelled");
    // -0 and 0 are the same JSON: not a difference.
    let action = make_impure("return { ...data, coins: runs === 1 ? 0 : -0 };");
    store.action(action.clone()).unwrap();
    assert!(session.patch(action, Array::new()).unwrap());
    settle(session.stop()).await.unwrap();
}

#[wasm_bindgen_test]
async fn outside_strict_mode_an_unencodable_action_is_dropped_and_the_rest_saved() {
    setup(false);
    let backend = Backend::new();
    let errors = Recorder::new();
    let store = store(&backend, &errors);
    let add = add_coins();
    let bad = func("data", "return { ...data, coins: Infinity };");
    store.action(add.clone()).unwrap();
    store.action(bad.clone().into()).unwrap();
    let session = store.load("p1".into()).unwrap();
    settle(session.r#await()).await.unwrap();
    assert!(session.patch(add.clone(), args(&[1.into()])).unwrap());
    assert!(
        session.patch(bad.into(), Array::new()).unwrap(),
        "not checked outside strict mode"
    );
    assert!(session.patch(add, args(&[2.into()])).unwrap());
    // Whether a background pull or the final save meets the bad action, it
    // is dropped with not_json: reported to onError, or the reason stop rejects.
    let stopped = settle(session.stop()).await;
    let reported: Vec<JsValue> = (0..errors.count()).map(|i| errors.call(i).get(0)).collect();
    let not_json = reported
        .iter()
        .chain(stopped.as_ref().err())
        .find(|e| code(e).as_deref() == Some("not_json"));
    let not_json = not_json.unwrap_or_else(|| {
        panic!(
            "no not_json error: stop {stopped:?}, reported {}",
            json(&errors.object)
        )
    });
    assert_skilift_error(not_json, "not_json", "data.coins");
    let data = backend.data("p1").expect("the good actions were saved");
    assert_eq!(
        data["coins"], 3,
        "both good actions replayed without the bad one: {data}"
    );
    assert_eq!(data["items"], serde_json::json!([1, 2]));
}
