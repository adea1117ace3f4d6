//! The hand-written record codec (src/engine/record/) against the serde
//! codec it replaced, kept here as the reference: on every input, valid or
//! damaged, both must agree on whether it decodes, to what, and whether a
//! refusal means "newer format" or "undecodable". Records written by the
//! serde codec are in every deployed database, so "reads the same" is the
//! property that matters, and serde_json is a well-tested judge of JSON.
//!
//! Where the two differ on purpose, the difference has its own test below:
//! a newer format number beyond u32 saturates instead of wrapping. (Deep
//! data is not one: serde_json's nesting limit does not apply to the raw
//! data, and the codec has none either; a test below holds both to it.)

use proptest::prelude::*;
use skilift::engine::record::{Applied, DecodeError, Pending, Record, StoredCall, Writer};

/// The serde codec as it was (src/engine/record.rs before the hand-written
/// codec), with its types, taught the fields added since: `compatible`,
/// `requires` (this engine knows no feature) and the unknown top-level
/// fields of newer engines, kept in order and written back before `data`.
mod reference {
    use serde::{Deserialize, Serialize};
    use serde_json::value::RawValue;
    use std::collections::BTreeMap;

    #[derive(Serialize, Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct StoredCall {
        pub action: String,
        pub args: Box<RawValue>,
    }

    #[derive(Serialize, Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct Pending {
        pub id: String,
        pub success: Vec<StoredCall>,
        pub failure: Vec<StoredCall>,
        pub created: u64,
    }

    #[derive(Serialize, Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct Writer {
        pub batch: u64,
        pub time: u64,
    }

    #[derive(Serialize, Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct Applied {
        pub time: u64,
        pub by: String,
    }

    /// The envelope's known fields, as serde reads them; the fields of
    /// newer engines are read apart (`Full`).
    #[derive(Serialize, Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct Envelope {
        pub skilift: u32,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        pub requires: Vec<String>,
        pub migrations: Vec<String>,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        pub compatible: Vec<String>,
        pub pending: Vec<Pending>,
        pub writers: BTreeMap<String, Writer>,
        #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
        pub once: BTreeMap<String, Applied>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub origin: Option<String>,
        pub data: Box<RawValue>,
    }

    /// The known fields, and the others in stored order (written back
    /// unchanged, before `data`).
    pub struct Full {
        pub envelope: Envelope,
        pub unknown: Vec<(String, Box<RawValue>)>,
    }

    /// Today's envelope fields (the generators' list: one list of names).
    use super::strategies::KNOWN_FIELDS as KNOWN;

    impl Serialize for Full {
        fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            use serde::ser::SerializeMap;
            let e = &self.envelope;
            let mut m = s.serialize_map(None)?;
            m.serialize_entry("skilift", &e.skilift)?;
            if !e.requires.is_empty() {
                m.serialize_entry("requires", &e.requires)?;
            }
            m.serialize_entry("migrations", &e.migrations)?;
            if !e.compatible.is_empty() {
                m.serialize_entry("compatible", &e.compatible)?;
            }
            m.serialize_entry("pending", &e.pending)?;
            m.serialize_entry("writers", &e.writers)?;
            if !e.once.is_empty() {
                m.serialize_entry("once", &e.once)?;
            }
            if let Some(origin) = &e.origin {
                m.serialize_entry("origin", origin)?;
            }
            for (k, v) in &self.unknown {
                m.serialize_entry(k, v)?;
            }
            m.serialize_entry("data", &e.data)?;
            m.end()
        }
    }

    /// A JSON object's fields in order, each value raw; a repeated key is
    /// an error (serde's own for a struct's field).
    struct Fields(Vec<(String, Box<RawValue>)>);

    impl<'de> Deserialize<'de> for Fields {
        fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            struct Visit;
            impl<'de> serde::de::Visitor<'de> for Visit {
                type Value = Fields;
                fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                    f.write_str("an object")
                }
                fn visit_map<A: serde::de::MapAccess<'de>>(
                    self,
                    mut map: A,
                ) -> Result<Fields, A::Error> {
                    let mut out: Vec<(String, Box<RawValue>)> = Vec::new();
                    while let Some(key) = map.next_key::<String>()? {
                        if out.iter().any(|(k, _)| *k == key) {
                            return Err(serde::de::Error::custom("duplicate field"));
                        }
                        out.push((key, map.next_value()?));
                    }
                    Ok(Fields(out))
                }
            }
            d.deserialize_map(Visit)
        }
    }

    pub enum Decoded {
        Ok(Full),
        Newer(u64),
        NeedsFeatures(Vec<String>),
        Undecodable,
    }

    pub fn decode(text: &str) -> Decoded {
        #[derive(Deserialize)]
        struct Format {
            skilift: Option<serde_json::Value>,
        }
        if !text.trim_start().starts_with('{') {
            return Decoded::Undecodable;
        }
        let Ok(format) = serde_json::from_str::<Format>(text) else {
            return Decoded::Undecodable;
        };
        match format.skilift.as_ref().and_then(|v| v.as_u64()) {
            Some(v) if v > 1 => return Decoded::Newer(v),
            Some(1) => {}
            _ => return Decoded::Undecodable,
        }
        let Ok(Fields(fields)) = serde_json::from_str::<Fields>(text) else {
            return Decoded::Undecodable;
        };
        let (known, unknown): (Vec<_>, Vec<_>) = fields
            .into_iter()
            .partition(|(k, _)| KNOWN.contains(&k.as_str()));
        if let Some((_, requires)) = known.iter().find(|(k, _)| k == "requires") {
            // This engine knows no feature: any name needs a newer one.
            match serde_json::from_str::<Vec<String>>(requires.get()) {
                Ok(names) if names.is_empty() => {}
                Ok(names) => return Decoded::NeedsFeatures(names),
                Err(_) => return Decoded::Undecodable,
            }
        }
        let known_text = format!(
            "{{{}}}",
            known
                .iter()
                .map(|(k, v)| format!("{}:{}", serde_json::to_string(k).unwrap(), v.get()))
                .collect::<Vec<_>>()
                .join(",")
        );
        match serde_json::from_str::<Envelope>(&known_text) {
            Ok(e) if e.compatible.iter().all(|c| e.migrations.contains(c)) => Decoded::Ok(Full {
                envelope: e,
                unknown,
            }),
            _ => Decoded::Undecodable,
        }
    }

    pub fn decode_decision(text: &str) -> Option<bool> {
        #[derive(Deserialize)]
        struct Decision {
            decision: String,
        }
        match serde_json::from_str::<Decision>(text)
            .ok()?
            .decision
            .as_str()
        {
            "committed" => Some(true),
            "aborted" => Some(false),
            _ => None,
        }
    }
}

/// The reference's envelope in the engine's types.
fn from_reference(full: reference::Full) -> Record {
    let e = full.envelope;
    let calls = |calls: Vec<reference::StoredCall>| -> Vec<StoredCall> {
        calls
            .into_iter()
            .map(|c| StoredCall {
                action: c.action,
                args: c.args.get().to_owned(),
            })
            .collect()
    };
    Record {
        data: e.data.get().to_owned(),
        migrations: e.migrations,
        compatible: e.compatible,
        requires: e.requires,
        unknown: full
            .unknown
            .into_iter()
            .map(|(k, v)| (k, v.get().to_owned()))
            .collect(),
        pending: e
            .pending
            .into_iter()
            .map(|p| Pending {
                id: p.id,
                success: calls(p.success),
                failure: calls(p.failure),
                created: p.created,
            })
            .collect(),
        writers: e
            .writers
            .into_iter()
            .map(|(k, w)| {
                (
                    k,
                    Writer {
                        batch: w.batch,
                        time: w.time,
                    },
                )
            })
            .collect(),
        once: e
            .once
            .into_iter()
            .map(|(k, a)| {
                (
                    k,
                    Applied {
                        time: a.time,
                        by: a.by,
                    },
                )
            })
            .collect(),
        origin: e.origin,
    }
}

/// Panics unless both codecs read `text` the same way; returns whether it decoded.
fn agree(text: &str) -> bool {
    let ours = Record::decode(text);
    match (reference::decode(text), &ours) {
        (reference::Decoded::Ok(e), Ok(r)) => {
            assert_eq!(&from_reference(e), r, "different records from {text:?}");
            true
        }
        (reference::Decoded::NeedsFeatures(theirs), Err(DecodeError::NeedsFeatures(ours))) => {
            assert_eq!(&theirs, ours, "different features from {text:?}");
            false
        }
        (reference::Decoded::Newer(_), Err(DecodeError::NewerFormat(_)))
        | (reference::Decoded::Undecodable, Err(DecodeError::Undecodable(_))) => false,
        (theirs, ours) => {
            let theirs = match theirs {
                reference::Decoded::Ok(_) => "a record".to_owned(),
                reference::Decoded::Newer(v) => format!("newer format {v}"),
                reference::Decoded::NeedsFeatures(f) => format!("needs features {f:?}"),
                reference::Decoded::Undecodable => "undecodable".to_owned(),
            };
            panic!("serde read {theirs}, the codec read {ours:?}, from {text:?}")
        }
    }
}

#[path = "records/strategies.rs"]
mod strategies;

/// Candidate values of each envelope field: right ones, wrong types, near
/// misses (a sign, a fraction, an exponent, an overflow, a lone surrogate,
/// an unknown or duplicated inner field).
fn candidates(field: &str) -> &'static [&'static str] {
    match field {
        "skilift" => &[
            "1",
            "1",
            "1",
            "2",
            "0",
            "1.0",
            "-1",
            "-0",
            "1e0",
            "\"1\"",
            "null",
            "4294967297",
            "18446744073709551616",
            "01",
        ],
        "migrations" => &[
            "[]",
            "[\"a\"]",
            "[\"a\",\"b-2\"]",
            "[1]",
            "{}",
            "[\"a\",]",
            "[\"\\ud800\"]",
            "[\"\\u00e9\\n\"]",
            "[\"\\ud83d\\ude00\"]",
            "null",
        ],
        "requires" => &[
            "[]",
            "[\"f\"]",
            "[\"f\",\"g\\u00e9\"]",
            "[1]",
            "[\"f\",]",
            "\"f\"",
            "null",
        ],
        "compatible" => &[
            "[]",
            "[]",
            "[\"a\"]",
            "[\"z\"]",
            "[\"a\",\"a\"]",
            "[1]",
            "null",
        ],
        "pending" => &[
            "[]",
            r#"[{"id":"t","success":[{"action":"give","args":[1,"x"]}],"failure":[],"created":5}]"#,
            r#"[{"id":"t","success":[],"failure":[{"action":"a","args":{}}],"created":0}]"#,
            r#"[{"id":"t","success":[],"failure":[],"created":5,"x":1}]"#,
            r#"[{"id":"t","success":[],"failure":[]}]"#,
            r#"[{"id":"t","success":[],"failure":[],"created":-5}]"#,
            r#"[{"id":"t","success":[],"failure":[],"created":5.5}]"#,
            r#"[{"id":"t","id":"u","success":[],"failure":[],"created":5}]"#,
            r#"[{"id":"t","success":[{"action":"a"}],"failure":[],"created":5}]"#,
            r#"[{"id":"t","success":[{"action":"a","args":[],"args":[]}],"failure":[],"created":5}]"#,
            "{}",
        ],
        "writers" => &[
            "{}",
            r#"{"s":{"batch":1,"time":2}}"#,
            r#"{"s":{"batch":1,"time":2},"s":{"batch":3,"time":4}}"#,
            r#"{"s":{"time":2,"batch":1},"r\u00e9":{"batch":0,"time":0}}"#,
            r#"{"s":{"batch":1}}"#,
            r#"{"s":{"batch":1,"time":2,"x":0}}"#,
            r#"{"s":{"batch":18446744073709551615,"time":2}}"#,
            r#"{"s":{"batch":18446744073709551616,"time":2}}"#,
            r#"{"s":null}"#,
            "[]",
        ],
        "once" => &[
            "{}",
            r#"{"i":{"time":1,"by":"s:1"}}"#,
            r#"{"i":{"by":"s:1","time":1},"j\"":{"time":2,"by":""}}"#,
            r#"{"i":{"time":1,"by":1}}"#,
            r#"{"i":{"time":1}}"#,
            "null",
        ],
        "origin" => &["null", "\"o\"", "\"\\ud83d\\ude00\"", "1", "\"\\udc00\""],
        "data" => &[
            "1",
            "{}",
            "[]",
            "null",
            "\"\\ud800\"",
            "01",
            "[1,]",
            "-",
            "1.",
            "1e",
            "-0.5e+7",
            "{\"a\":[true,false,null,\"\\\\\\\"\\/\\b\\f\\n\\r\\t\\u0041\"]}",
            "\"\u{1}\"",
            "{\"a\" 1}",
            "{1:2}",
            "[1 2]",
            "tru",
            "\"\\x\"",
            "\"\\u12G4\"",
            "\"\u{1f}\"",
            "\"\u{7f}\"",
        ],
        _ => &["1", "null", "{}", "\"x\""],
    }
}

/// The fields an assembled envelope draws from: today's, and two unknown
/// names (one spelt with an escape, one twice as likely, so it is often
/// doubled).
fn fields() -> Vec<&'static str> {
    let unknown = ["x", "y\\u00e9", "x"];
    strategies::KNOWN_FIELDS
        .iter()
        .copied()
        .chain(unknown)
        .collect()
}

/// JSON whitespace, or none.
fn space() -> impl Strategy<Value = &'static str> {
    prop::sample::select(&["", "", "", " ", "\n", "\t", "\r\n "][..])
}

/// An envelope assembled field by field: the five required fields usually
/// present and right, sometimes missing, doubled, wrong, or joined by an
/// unknown field; keys sometimes spelled with escapes.
fn envelope_text() -> impl Strategy<Value = String> {
    let entry = (
        prop::sample::select(fields()),
        any::<prop::sample::Index>(),
        prop::bool::weighted(0.1),
        space(),
    );
    (
        prop::collection::vec(entry, 0..4),
        prop::collection::vec((prop::bool::weighted(0.1), any::<prop::sample::Index>()), 5),
        strategies::json_value(),
        space(),
    )
        .prop_map(|(extra, required, data, ws)| {
            let mut parts = Vec::new();
            for (i, name) in ["skilift", "migrations", "pending", "writers", "data"]
                .iter()
                .enumerate()
            {
                let (wrong, pick) = required[i];
                let value = if *name == "data" && !wrong {
                    data.to_string()
                } else if wrong {
                    pick.get(candidates(name)).to_string()
                } else {
                    candidates(name)[0].to_string()
                };
                parts.push(format!("{ws}\"{name}\"{ws}:{ws}{value}{ws}"));
            }
            for (name, pick, escaped, ws) in extra {
                let key = if escaped {
                    name.replacen('s', "\\u0073", 1)
                } else {
                    name.to_string()
                };
                let value = pick.get(candidates(name));
                parts.insert(
                    pick.index(parts.len() + 1),
                    format!("{ws}\"{key}\":{ws}{value}"),
                );
            }
            format!("{ws}{{{}}}{ws}", parts.join(","))
        })
}

/// One edit of a text, at a place given as a fraction of its length.
#[derive(Clone, Debug)]
enum Edit {
    Delete,
    Insert(&'static str),
    Replace(&'static str),
}

fn edit() -> impl Strategy<Value = (prop::sample::Index, Edit)> {
    let piece = prop::sample::select(
        &[
            "{", "}", "[", "]", "\"", "\\", ",", ":", "0", "1", "-", ".", "e", "n", " ", "\u{1}",
            "\u{1f}", "\\u00", "é", "null", "\"x\":1,",
        ][..],
    );
    (
        any::<prop::sample::Index>(),
        prop_oneof![
            Just(Edit::Delete),
            piece.clone().prop_map(Edit::Insert),
            piece.prop_map(Edit::Replace),
        ],
    )
}

/// `text` with the edits applied (by characters, so it stays a `str`).
fn damaged(text: &str, edits: &[(prop::sample::Index, Edit)]) -> String {
    let mut chars: Vec<String> = text.chars().map(String::from).collect();
    for (at, e) in edits {
        let i = at.index(chars.len() + 1);
        match e {
            Edit::Delete if i < chars.len() => {
                chars.remove(i);
            }
            Edit::Insert(s) => chars.insert(i, (*s).to_owned()),
            Edit::Replace(s) if i < chars.len() => chars[i] = (*s).to_owned(),
            _ => {}
        }
    }
    chars.concat()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn both_codecs_read_assembled_envelopes_alike(text in envelope_text()) {
        agree(&text);
    }

    #[test]
    fn both_codecs_read_damaged_records_alike(
        r in strategies::record(),
        edits in prop::collection::vec(edit(), 1..3),
    ) {
        let text = r.encode().unwrap();
        prop_assert!(agree(&text), "an undamaged record decodes");
        agree(&damaged(&text, &edits));
    }

    #[test]
    fn both_codecs_write_the_same_bytes(r in strategies::record()) {
        // What the reference writes from the same record (through its types).
        let text = r.encode().unwrap();
        let reference::Decoded::Ok(envelope) = reference::decode(&text) else {
            panic!("the reference cannot read {text:?}");
        };
        prop_assert_eq!(serde_json::to_string(&envelope).unwrap(), text.clone());
        // A pull's encode, which builds the envelope in the data's own
        // allocation, writes the same bytes and leaves no data behind.
        let mut moved = r.clone();
        prop_assert_eq!(moved.encode_host_data(), text);
        prop_assert!(moved.data.is_empty());
    }

    #[test]
    fn both_codecs_read_decisions_alike(
        text in prop::sample::select(&[
            r#"{"skilift":1,"decision":"committed"}"#,
            r#"{"skilift":1,"decision":"aborted"}"#,
            r#"{"decision":"aborted","other":[1,{"x":null}]}"#,
            r#"{"decision":"maybe"}"#,
            r#"{"decision":"committed","decision":"aborted"}"#,
            r#"{"decision":1}"#,
            r#"{"skilift":1}"#,
            r#" {"decision" : "comm\u0069tted"} "#,
        ][..]),
        edits in prop::collection::vec(edit(), 0..2),
    ) {
        let text = damaged(text, &edits);
        prop_assert_eq!(
            skilift::engine::record::decode_decision(&text),
            reference::decode_decision(&text),
            "{:?}", text
        );
    }
}

/// The generators reach every outcome: decoded, newer and undecodable, each
/// often (a generator that only made garbage would prove nothing).
#[test]
fn the_assembled_envelopes_reach_every_outcome() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let (mut ok, mut newer, mut needs, mut bad, mut unknown) = (0, 0, 0, 0, 0);
    for _ in 0..2000 {
        let text = envelope_text().new_tree(&mut runner).unwrap().current();
        match Record::decode(&text) {
            Ok(r) => {
                ok += 1;
                unknown += usize::from(!r.unknown.is_empty());
            }
            Err(DecodeError::NewerFormat(_)) => newer += 1,
            Err(DecodeError::NeedsFeatures(_)) => needs += 1,
            Err(DecodeError::Undecodable(_)) => bad += 1,
        }
    }
    assert!(
        ok > 200 && newer > 10 && needs > 10 && bad > 200 && unknown > 50,
        "ok {ok} ({unknown} with unknown fields), newer {newer}, needs features {needs}, undecodable {bad}"
    );
}

#[test]
fn a_newer_format_beyond_u32_saturates_instead_of_wrapping() {
    // serde's codec said "format 1" for 2^32 + 1 (`as u32`).
    let text = r#"{"skilift":4294967297,"migrations":[],"pending":[],"writers":{},"data":1}"#;
    assert_eq!(
        Record::decode(text),
        Err(DecodeError::NewerFormat(u32::MAX))
    );
    assert!(matches!(
        reference::decode(text),
        reference::Decoded::Newer(4294967297)
    ));
}

#[test]
fn deep_data_decodes_and_encodes_without_recursion() {
    // 5,000 levels: a recursive reader would need far more stack than wasm's.
    let deep = format!("{}1{}", "[".repeat(5000), "]".repeat(5000));
    let text =
        format!(r#"{{"skilift":1,"migrations":[],"pending":[],"writers":{{}},"data":{deep}}}"#);
    assert!(agree(&text));
    let record = Record::decode(&text).unwrap();
    assert_eq!(record.data, deep);
    assert_eq!(record.encode().unwrap(), text);
    let unclosed = format!("{}1{}", "[".repeat(5000), "]".repeat(4999));
    assert!(Record::new(unclosed, vec![]).encode().is_err());
}
