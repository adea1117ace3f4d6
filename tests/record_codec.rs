//! Property and unit tests of the stored record format.

#[path = "records/strategies.rs"]
mod strategies;

use proptest::prelude::*;
use skilift::engine::record::{
    decode_decision, encode_decision, DecodeError, Keyed, Pending, Record, StoredCall, Writer,
    FORMAT, WRITER_RETENTION_MS,
};
use strategies::{json_value, record};

proptest! {
    #[test]
    fn encode_then_decode_is_identity(r in record()) {
        let text = r.encode().unwrap();
        let back = Record::decode(&text).unwrap();
        // The data text may be re-spaced by nobody: raw JSON is kept verbatim.
        prop_assert_eq!(back, r);
    }

    #[test]
    fn arbitrary_text_never_decodes_without_the_envelope(s in ".*") {
        prop_assert!(Record::decode(&s).is_err());
    }

    #[test]
    fn arbitrary_json_without_envelope_is_undecodable(v in json_value()) {
        let has_marker = v.get("skilift").and_then(|x| x.as_u64()).is_some();
        prop_assume!(!has_marker);
        let decoded = Record::decode(&v.to_string());
        prop_assert!(matches!(decoded, Err(DecodeError::Undecodable(_))), "{:?}", decoded);
    }
}

#[test]
fn newer_format_is_reported_as_newer_not_garbage() {
    let text = format!(
        r#"{{"skilift":{},"migrations":[],"pending":[],"writers":{{}},"data":1,"future":true}}"#,
        FORMAT + 1
    );
    assert_eq!(
        Record::decode(&text),
        Err(DecodeError::NewerFormat(FORMAT + 1))
    );
}

#[test]
fn missing_fields_and_unknown_inner_fields_are_undecodable() {
    let missing = r#"{"skilift":1,"migrations":[],"pending":[],"data":1}"#;
    let no_data = r#"{"skilift":1,"migrations":[],"pending":[],"writers":{}}"#;
    let inner = r#"{"skilift":1,"migrations":[],"pending":[],"writers":{"s":{"batch":1,"time":2,"x":0}},"data":1}"#;
    let twice = r#"{"skilift":1,"migrations":[],"pending":[],"writers":{},"data":1,"x":2,"x":2}"#;
    let stray_mark =
        r#"{"skilift":1,"migrations":["a"],"compatible":["b"],"pending":[],"writers":{},"data":1}"#;
    let bad_requires =
        r#"{"skilift":1,"requires":"f","migrations":[],"pending":[],"writers":{},"data":1}"#;
    for t in [
        missing,
        no_data,
        inner,
        twice,
        stray_mark,
        bad_requires,
        "[]",
        "null",
        "{",
        "",
    ] {
        assert!(
            matches!(Record::decode(t), Err(DecodeError::Undecodable(_))),
            "{t}"
        );
    }
}

#[test]
fn unknown_top_level_fields_are_kept_unchanged_in_their_order() {
    let text = r#"{"skilift":1,"zeta":{"b":[1, 2.50]},"migrations":["a"],"pending":[],"writers":{},"alpha":"x","data":1}"#;
    let record = Record::decode(text).unwrap();
    assert_eq!(
        record.unknown,
        vec![
            ("zeta".to_owned(), r#"{"b":[1, 2.50]}"#.to_owned()),
            ("alpha".to_owned(), r#""x""#.to_owned())
        ]
    );
    // Written back before the data, byte for byte, in the order read.
    assert_eq!(
        record.encode().unwrap(),
        r#"{"skilift":1,"migrations":["a"],"pending":[],"writers":{},"zeta":{"b":[1, 2.50]},"alpha":"x","data":1}"#
    );
}

#[test]
fn a_required_feature_this_engine_lacks_needs_a_newer_version() {
    let text = r#"{"skilift":1,"requires":["sharded-data","zz"],"migrations":[],"pending":[],"writers":{},"data":1}"#;
    let err = Record::decode(text).unwrap_err();
    assert_eq!(
        err,
        DecodeError::NeedsFeatures(vec!["sharded-data".into(), "zz".into()])
    );
    assert_eq!(err.code().as_str(), "needs_newer_version");
    assert!(
        err.reason().contains(r#""sharded-data", "zz""#),
        "{}",
        err.reason()
    );
    assert!(err.reason().contains("newer version"), "{}", err.reason());
    // Even when the rest is something this engine would refuse: a feature
    // may change what the other fields mean.
    let odd = r#"{"skilift":1,"requires":["f"],"migrations":{},"data":1}"#;
    assert!(matches!(
        Record::decode(odd),
        Err(DecodeError::NeedsFeatures(_))
    ));
    // An empty list requires nothing, and is not written back.
    let empty = r#"{"skilift":1,"requires":[],"migrations":[],"pending":[],"writers":{},"data":1}"#;
    let record = Record::decode(empty).unwrap();
    assert_eq!(
        record.encode().unwrap(),
        r#"{"skilift":1,"migrations":[],"pending":[],"writers":{},"data":1}"#
    );
    assert_eq!(
        DecodeError::NewerFormat(2).code().as_str(),
        "needs_newer_version"
    );
    assert_eq!(
        DecodeError::Undecodable(String::new()).code().as_str(),
        "bad_data"
    );
}

#[test]
fn compatible_marks_are_kept_and_left_out_when_empty() {
    let text = r#"{"skilift":1,"migrations":["a","gems"],"compatible":["gems"],"pending":[],"writers":{},"data":1}"#;
    let record = Record::decode(text).unwrap();
    assert_eq!(record.compatible, vec!["gems".to_string()]);
    assert_eq!(record.encode().unwrap(), text);
}

#[test]
fn data_is_embedded_verbatim() {
    let r = Record::new(r#"{"coins":5,"name":"é"}"#.into(), vec!["a".into()]);
    let text = r.encode().unwrap();
    assert!(text.contains(r#""data":{"coins":5,"name":"é"}"#), "{text}");
}

#[test]
fn writers_are_kept_for_the_retention_time_only() {
    let mut r = Record::new("1".into(), vec![]);
    r.mark_written("old", 3, 0.0);
    r.mark_written("new", 1, WRITER_RETENTION_MS as f64);
    assert_eq!(r.written_batch("old"), 3, "exactly at the limit it is kept");
    r.mark_written("new", 2, WRITER_RETENTION_MS as f64 + 1.0);
    assert_eq!(r.written_batch("old"), 0);
    assert_eq!(r.written_batch("new"), 2);
    assert_eq!(r.writers.len(), 1);
    let _: Keyed<Writer> = r.writers;
}

#[test]
fn times_are_stored_as_whole_milliseconds() {
    let mut r = Record::new("1".into(), vec![]);
    r.mark_written("s", 1, 1_795_845_703_278.9);
    let text = r.encode().unwrap();
    assert!(text.contains(r#""time":1795845703278}"#), "{text}");
}

#[test]
fn stored_call_arguments_must_be_a_json_array() {
    assert!(StoredCall::new("a", "[1,2]").is_ok());
    assert!(StoredCall::new("a", "{}").is_err());
    assert!(StoredCall::new("a", "[1,").is_err());
}

#[test]
fn decisions_round_trip_and_reject_anything_else() {
    assert_eq!(decode_decision(&encode_decision(true)), Some(true));
    assert_eq!(decode_decision(&encode_decision(false)), Some(false));
    assert_eq!(decode_decision(r#"{"decision":"maybe"}"#), None);
    assert_eq!(decode_decision("garbage"), None);
}

#[test]
fn an_older_or_zero_format_is_undecodable() {
    let text = r#"{"skilift":0,"migrations":[],"pending":[],"writers":{},"data":1}"#;
    assert!(matches!(
        Record::decode(text),
        Err(DecodeError::Undecodable(_))
    ));
}

#[test]
fn the_writer_retention_is_seven_days() {
    // docs/record-format.md promises 7 days; the retention test above only
    // checks the constant is used.
    assert_eq!(WRITER_RETENTION_MS, 604_800_000);
}

#[test]
fn stored_calls_differ_by_action_and_by_arguments() {
    let a = StoredCall::new("give", "[1]").unwrap();
    assert_eq!(a, StoredCall::new("give", "[1]").unwrap());
    assert_ne!(a, StoredCall::new("take", "[1]").unwrap());
    assert_ne!(a, StoredCall::new("give", "[2]").unwrap());
}

#[test]
fn decode_reasons_say_what_is_wrong() {
    let undecodable = DecodeError::Undecodable("not a JSON object".into()).reason();
    assert!(
        undecodable.contains("undecodable") && undecodable.contains("not a JSON object"),
        "{undecodable}"
    );
    let newer = DecodeError::NewerFormat(7).reason();
    assert!(
        newer.contains("format 7") && newer.contains("newer"),
        "{newer}"
    );
}

#[test]
fn a_restored_record_takes_the_old_data_and_steps_and_keeps_the_rest() {
    let mut current = Record::new(r#"{"coins":9}"#.into(), vec!["a".into(), "b".into()]);
    current.pending.push(Pending {
        id: "tx".into(),
        success: vec![],
        failure: vec![],
        created: 5,
    });
    current.mark_written("s1", 3, 1_000.0);
    current.mark_once("receipt", "s1:1", 1_000.0);
    current.origin = Some("o1".into());
    current.compatible = vec!["b".into()];
    current.unknown = vec![("future".into(), "[1]".into())];
    let mut old = Record::new(r#"{"coins":1}"#.into(), vec!["a".into()]);
    old.compatible = vec!["a".into()];
    old.unknown = vec![("past".into(), "2".into())];
    let restored = current.restored_from(&old);
    assert_eq!(restored.data, r#"{"coins":1}"#);
    assert_eq!(restored.migrations, vec!["a".to_string()]);
    // The old data's steps come with the marks they had.
    assert_eq!(restored.compatible, vec!["a".to_string()]);
    // The fields of newer engines are the key's now, not the old version's.
    assert_eq!(restored.unknown, current.unknown);
    assert_eq!(restored.pending, current.pending);
    assert_eq!(restored.writers, current.writers);
    assert_eq!(restored.once, current.once);
    assert_eq!(restored.origin, current.origin);
}

#[test]
fn once_ids_are_pruned_after_the_retention_and_absent_fields_stay_absent() {
    let mut r = Record::new("1".into(), vec![]);
    let plain = r.encode().unwrap();
    assert!(
        !plain.contains("once") && !plain.contains("origin"),
        "{plain}"
    );
    r.mark_once("old", "s:1", 1_000.0);
    r.mark_once("new", "s:2", 50_000.0);
    r.prune_once(61_000.0, 30_000.0);
    assert!(!r.once.contains_key("old") && r.once.contains_key("new"));
    r.prune_once(80_000.0, 30_000.0);
    assert!(
        r.once.contains_key("new"),
        "kept up to the retention itself"
    );
}
