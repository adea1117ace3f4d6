//! The golden records of tests/records/golden/: one for each shape of
//! record skilift has ever written (`v1-*`), and records of engines newer
//! than this one (`future-*`): fields it does not know, a `requires` name it
//! does not know, format 2. Every later engine must read them as this test
//! says (docs/record-format.md#evolution): add a file for each new shape,
//! never change one.

mod support;

use serde_json::json;
use skilift::engine::record::{DecodeError, Record};
use skilift::engine::{Code, StoreOptions};
use support::json_host::JsonFn;
use support::world::{add, World};

const NS: &str = "players/global";

fn golden(name: &str) -> String {
    let path = format!(
        "{}/tests/records/golden/{name}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Every shape this engine, or an older one, wrote decodes, and is written
/// back byte for byte (a server that only carries a record changes nothing).
#[test]
fn every_shape_ever_written_decodes_and_encodes_to_the_same_bytes() {
    for name in [
        "v1-first",
        "v1-once",
        "v1-origin",
        "v1-compatible",
        "future-unknown-fields",
    ] {
        let text = golden(name);
        let record = Record::decode(&text).unwrap_or_else(|e| panic!("{name}: {e:?}"));
        assert_eq!(record.encode().unwrap(), text, "{name}");
    }
    let future = Record::decode(&golden("future-unknown-fields")).unwrap();
    let names: Vec<&str> = future.unknown.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(names, ["shards", "checksum"]);
}

#[test]
fn records_of_newer_engines_need_a_newer_version_and_are_not_garbage() {
    let requires = Record::decode(&golden("future-requires")).unwrap_err();
    assert_eq!(
        requires,
        DecodeError::NeedsFeatures(vec!["sharded-data".into()])
    );
    let format = Record::decode(&golden("future-format-2")).unwrap_err();
    assert_eq!(format, DecodeError::NewerFormat(2));
    for e in [requires, format] {
        assert_eq!(e.code(), Code::NeedsNewerVersion);
    }
}

/// Each golden record loaded by a session of a server that knows step `v2`
/// only: the ones it may write are patched and keep every field; the
/// others stop the session with `needs_newer_version` and stay unwritten.
#[test]
fn a_session_loads_each_golden_record_as_the_rules_say() {
    for (name, writable) in [
        ("v1-once", true),
        ("v1-origin", true),
        ("v1-compatible", true),
        ("future-unknown-fields", true),
        ("future-requires", false),
        ("future-format-2", false),
    ] {
        let w = World::new(31);
        let text = golden(name);
        w.storage.raw_set(NS, "k", &text);
        let server = w.server(1, 0.0);
        let mut options = StoreOptions::new("players");
        options
            .migrations
            .push(("v2".into(), JsonFn::mutating("v2", |_, _| Ok(()))));
        let host = server.host(json!({"coins": 0}));
        let errors = host.errors.clone();
        let store = server.store_with(host, options);
        let s = store.load("k").unwrap();
        s.patch(&add(), json!([5])).unwrap();
        w.block_on(s.stop()).unwrap();
        let stored = w.storage.current(NS, "k").unwrap().value;
        if writable {
            assert!(s.bad().is_none(), "{name}: {:?}", s.bad());
            let before = Record::decode(&text).unwrap();
            let after = Record::decode(&stored).unwrap();
            let coins = |r: &Record| {
                serde_json::from_str::<serde_json::Value>(&r.data).unwrap()["coins"]
                    .as_i64()
                    .unwrap()
            };
            assert_eq!(coins(&after), coins(&before) + 5, "{name}");
            assert_eq!(
                (&after.migrations, &after.compatible, &after.unknown, &after.origin),
                (&before.migrations, &before.compatible, &before.unknown, &before.origin),
                "{name}: steps, marks, fields of newer engines and origin are kept (old once ids are pruned)"
            );
        } else {
            assert!(s.bad().unwrap().contains("newer version"), "{name}");
            assert_eq!(stored, text, "{name} is never written");
            let codes: Vec<String> = errors.borrow().iter().map(|(c, _)| c.clone()).collect();
            assert!(
                codes.iter().any(|c| c == "needs_newer_version"),
                "{name}: {codes:?}"
            );
            assert_eq!(store.stats().needs_newer_version, 1, "{name}");
        }
    }
}
