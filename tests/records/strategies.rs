//! Generators of stored records for the codec's property tests
//! (record_codec.rs, record_differential.rs).

use proptest::prelude::*;
use skilift::engine::record::{Applied, Pending, Record, StoredCall, Writer};

pub fn json_value() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        (-1e12f64..1e12).prop_map(serde_json::Value::from),
        ".*".prop_map(serde_json::Value::from),
    ];
    leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(serde_json::Value::Array),
            prop::collection::btree_map(".*", inner, 0..6)
                .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
        ]
    })
}

pub fn stored_call() -> impl Strategy<Value = StoredCall> {
    ("[a-z]{1,8}", prop::collection::vec(json_value(), 0..3)).prop_map(|(name, args)| {
        StoredCall::new(name, &serde_json::Value::Array(args).to_string()).unwrap()
    })
}

pub fn record() -> impl Strategy<Value = Record> {
    (
        json_value(),
        prop::collection::vec("[a-z-]{1,10}", 0..4),
        prop::collection::vec(
            (
                "[0-9a-f]{8}",
                prop::collection::vec(stored_call(), 0..3),
                prop::collection::vec(stored_call(), 0..3),
                0u64..2_000_000_000_000,
            ),
            0..3,
        ),
        prop::collection::btree_map("[0-9a-f]{8}", (1u64..1000, 0u64..2_000_000_000_000), 0..4),
        prop::collection::btree_map(
            ".{0,12}",
            ("[0-9a-f]{8}:[0-9]{1,3}", 0u64..2_000_000_000_000),
            0..3,
        ),
        prop::option::of("[0-9a-f]{16}"),
        prop::collection::vec(any::<bool>(), 4),
        unknown_fields(),
    )
        .prop_map(
            |(data, migrations, pending, writers, once, origin, marks, unknown)| Record {
                data: data.to_string(),
                // Marks name steps of `migrations` (the codec refuses others).
                compatible: migrations
                    .iter()
                    .zip(&marks)
                    .filter(|(_, marked)| **marked)
                    .map(|(s, _)| s.clone())
                    .collect(),
                migrations,
                pending: pending
                    .into_iter()
                    .map(|(id, success, failure, created)| Pending {
                        id,
                        success,
                        failure,
                        created,
                    })
                    .collect(),
                writers: writers
                    .into_iter()
                    .map(|(k, (batch, time))| (k, Writer { batch, time }))
                    .collect(),
                once: once
                    .into_iter()
                    .map(|(id, (by, time))| (id, Applied { time, by }))
                    .collect(),
                origin,
                // Any name would make today's engine refuse the record.
                requires: Vec::new(),
                unknown,
            },
        )
}

/// The envelope fields of today's engine: an unknown field has another name.
pub const KNOWN_FIELDS: [&str; 9] = [
    "skilift",
    "requires",
    "migrations",
    "compatible",
    "pending",
    "writers",
    "once",
    "origin",
    "data",
];

/// Top-level fields a newer engine might add: distinct names none of
/// today's, any JSON value (as compact JSON text).
pub fn unknown_fields() -> impl Strategy<Value = Vec<(String, String)>> {
    prop::collection::btree_map(
        "[a-z_\\\"é]{1,10}".prop_filter("a known field", |k| !KNOWN_FIELDS.contains(&k.as_str())),
        json_value().prop_map(|v| v.to_string()),
        0..3,
    )
    .prop_map(|m| m.into_iter().collect())
}
