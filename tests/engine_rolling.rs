//! Rolling deploys in the engine (docs/api.md#rolling-deploys): which
//! records a server lacking some steps may write (the prefix rule of
//! `replay/quarantine.rs`), and the marks a migrating server records.

mod support;

use serde_json::json;
use skilift::engine::record::Record;
use skilift::engine::StoreOptions;
use support::json_host::JsonFn;
use support::world::{add, reported, World};

const NS: &str = "players/global";

fn step(name: &str) -> (String, JsonFn) {
    let field = name.to_owned();
    (
        name.into(),
        JsonFn::mutating(name, move |d, _| {
            d[field.as_str()] = json!(true);
            Ok(())
        }),
    )
}

/// Loads `stored` on a server with `steps` (marking `marked`), patches,
/// stops: the stored record after, and whether `needs_newer_version` was
/// reported.
fn run(stored: &str, steps: &[&str], marked: &[&str]) -> (Record, bool) {
    let w = World::new(7);
    w.storage.raw_set(NS, "k", stored);
    let server = w.server(1, 0.0);
    let mut options = StoreOptions::new("players");
    options.migrations = steps.iter().map(|s| step(s)).collect();
    options.compatible_steps = marked.iter().map(|s| s.to_string()).collect();
    let host = server.host(json!({"coins": 0}));
    let errors = host.errors.clone();
    let store = server.store_with(host, options);
    let s = store.load("k").unwrap();
    s.patch(&add(), json!([1])).unwrap();
    w.block_on(s.stop()).unwrap();
    let record = Record::decode(&w.storage.current(NS, "k").unwrap().value).unwrap();
    (record, reported(&errors, "needs_newer_version"))
}

fn record(steps: &str, marks: &str) -> String {
    format!(
        r#"{{"skilift":1,"migrations":{steps},"compatible":{marks},"pending":[],"writers":{{}},"data":{{"coins":5}}}}"#
    )
}

#[test]
fn a_server_lacking_only_marked_steps_after_its_own_writes_and_keeps_them() {
    let stored = record(r#"["a","b","c"]"#, r#"["b","c"]"#);
    let (after, stopped) = run(&stored, &["a"], &[]);
    assert!(!stopped);
    assert_eq!(after.migrations, ["a", "b", "c"]);
    assert_eq!(after.compatible, ["b", "c"]);
    assert!(after.data.contains(r#""coins":6"#), "{}", after.data);
}

#[test]
fn an_unmarked_step_or_one_after_steps_not_its_own_needs_a_newer_version() {
    for (steps, marks, ours) in [
        // `c` is not marked.
        (r#"["a","b","c"]"#, r#"["b"]"#, &["a"][..]),
        // This server's `x` is not among the record's first steps: it
        // could only run it after `b`, which it does not know.
        (r#"["a","b"]"#, r#"["b"]"#, &["a", "x"][..]),
        // Its own steps in another order.
        (r#"["b","a","c"]"#, r#"["c"]"#, &["a", "b"][..]),
    ] {
        let stored = record(steps, marks);
        let (after, stopped) = run(&stored, ours, &[]);
        assert!(stopped, "{steps} {marks} on {ours:?}");
        assert_eq!(after.encode().unwrap(), stored, "never written");
    }
}

#[test]
fn a_migrating_server_records_its_marks_and_keeps_the_old_ones() {
    let stored = record(r#"["a"]"#, r#"["a"]"#);
    let (after, stopped) = run(&stored, &["a", "b", "c"], &["c"]);
    assert!(!stopped);
    assert_eq!(after.migrations, ["a", "b", "c"]);
    // `a`'s mark stays (it is fixed when the step runs), `c`'s is added.
    assert_eq!(after.compatible, ["a", "c"]);
    let fresh = r#"{"skilift":1,"migrations":[],"pending":[],"writers":{},"data":{"coins":0}}"#;
    let (after, _) = run(fresh, &["b"], &["b"]);
    assert_eq!(
        (after.migrations, after.compatible),
        (vec!["b".to_string()], vec!["b".to_string()])
    );
}
