//! The stored record: the envelope around a key's data (docs/record-format.md).
//!
//! ```json
//! {"skilift":1,"migrations":["add-gems"],"pending":[...],
//!  "writers":{"<session id>":{"batch":4,"time":1700000000000}},"data":{...}}
//! ```
//!
//! The data is kept as raw JSON text, so encoding a record costs one encode
//! of the data plus a few bytes, and the host decodes it into its own
//! document type. Anything that is not this envelope is undecodable.

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use std::collections::BTreeMap;

/// The format version this engine writes. A record with a higher version was
/// written by a newer engine and must not be touched.
pub const FORMAT: u32 = 1;

/// How long a writer's batch number is kept after its last write. A session
/// that retries an ambiguous write later than this could apply a batch twice;
/// see ARCHITECTURE.md ("exactly-once").
pub const WRITER_RETENTION_MS: u64 = 7 * 24 * 3600 * 1000;

/// A clock reading as whole milliseconds, as records store times.
pub fn whole_ms(ms: f64) -> u64 {
    if ms.is_finite() && ms > 0.0 {
        ms as u64
    } else {
        0
    }
}

/// One action call stored in a pending transaction: the action's permanent
/// name and its arguments as a JSON array.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StoredCall {
    pub action: String,
    pub args: Box<RawValue>,
}

impl StoredCall {
    /// A call from a name and arguments already encoded as a JSON array.
    pub fn new(action: impl Into<String>, args_json: &str) -> Result<Self, String> {
        let args = RawValue::from_string(args_json.to_owned())
            .map_err(|e| format!("arguments are not JSON: {e}"))?;
        if !args.get().trim_start().starts_with('[') {
            return Err("arguments must be a JSON array".into());
        }
        Ok(StoredCall {
            action: action.into(),
            args,
        })
    }
}

impl PartialEq for StoredCall {
    fn eq(&self, other: &Self) -> bool {
        self.action == other.action && self.args.get() == other.args.get()
    }
}

/// A transaction this key takes part in whose decision it has not applied.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pending {
    /// Transaction id; the decision record has this key.
    pub id: String,
    /// Applied to this key if the transaction commits.
    pub success: Vec<StoredCall>,
    /// Applied to this key if it aborts.
    pub failure: Vec<StoredCall>,
    /// Coordinator's clock when the transaction began (whole ms since epoch).
    pub created: u64,
}

/// The last batch a session wrote to this key, for exactly-once writes.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Writer {
    pub batch: u64,
    /// The writer's clock at its last write (whole ms since epoch).
    pub time: u64,
}

/// An exactly-once id this key has applied (`session.patchOnce`,
/// `store.updateOnce`): when, and which queued item applied it, so the
/// server that queued it can tell its own write from another's.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Applied {
    /// The applying writer's clock (whole ms since epoch).
    pub time: u64,
    /// `<session id>:<n>`: the session and its n-th exactly-once item.
    pub by: String,
}

/// A decoded record. `data` stays JSON text until the host decodes it.
#[derive(Clone, Debug, PartialEq)]
pub struct Record {
    pub data: String,
    pub migrations: Vec<String>,
    pub pending: Vec<Pending>,
    pub writers: BTreeMap<String, Writer>,
    /// Exactly-once ids applied, kept for the store's `onceRetention`.
    pub once: BTreeMap<String, Applied>,
    /// A random id given when the key was created (absent in records of
    /// older engines): a session that sees it change, or the key vanish,
    /// knows the key was removed and created again under it.
    pub origin: Option<String>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Envelope<'a> {
    skilift: u32,
    migrations: Vec<String>,
    pending: Vec<Pending>,
    writers: BTreeMap<String, Writer>,
    // Optional, so records without exactly-once ids or written before these
    // fields existed stay byte-for-byte what they were.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    once: BTreeMap<String, Applied>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    origin: Option<String>,
    #[serde(borrow)]
    data: &'a RawValue,
}

/// Why a stored value cannot be used.
#[derive(Clone, Debug, PartialEq)]
pub enum DecodeError {
    /// Not JSON, or JSON without the envelope.
    Undecodable(String),
    /// Written by a newer engine.
    NewerFormat(u32),
}

impl DecodeError {
    /// A reason for `Session::bad`.
    pub fn reason(&self) -> String {
        match self {
            DecodeError::Undecodable(why) => format!("the stored record is undecodable: {why}"),
            DecodeError::NewerFormat(v) => format!(
                "the stored record has format {v}, newer than this version of skilift understands ({FORMAT})"
            ),
        }
    }
}

impl Record {
    /// A record holding `data_json` with nothing else.
    pub fn new(data_json: String, migrations: Vec<String>) -> Self {
        Record {
            data: data_json,
            migrations,
            pending: Vec::new(),
            writers: BTreeMap::new(),
            once: BTreeMap::new(),
            origin: None,
        }
    }

    /// Decodes a stored value.
    pub fn decode(text: &str) -> Result<Record, DecodeError> {
        // Look at the format first so that a newer record with fields this
        // version does not know is reported as newer, not as garbage.
        #[derive(Deserialize)]
        struct Format {
            skilift: Option<serde_json::Value>,
        }
        // serde would also read a struct from a JSON array; only an object
        // can be an envelope.
        if !text.trim_start().starts_with('{') {
            return Err(DecodeError::Undecodable("not a JSON object".into()));
        }
        let format: Format = serde_json::from_str(text)
            .map_err(|e| DecodeError::Undecodable(format!("not a JSON object ({e})")))?;
        match format.skilift.as_ref().and_then(|v| v.as_u64()) {
            Some(v) if v > u64::from(FORMAT) => return Err(DecodeError::NewerFormat(v as u32)),
            Some(v) if v == u64::from(FORMAT) => {}
            _ => {
                return Err(DecodeError::Undecodable(
                    "no skilift envelope (missing or unknown \"skilift\" format field)".into(),
                ))
            }
        }
        let envelope: Envelope = serde_json::from_str(text)
            .map_err(|e| DecodeError::Undecodable(format!("malformed envelope ({e})")))?;
        Ok(Record {
            data: envelope.data.get().to_owned(),
            migrations: envelope.migrations,
            pending: envelope.pending,
            writers: envelope.writers,
            once: envelope.once,
            origin: envelope.origin,
        })
    }

    /// Encodes for storage. `data` must already be valid JSON text (the
    /// host's encoder produced it).
    pub fn encode(&self) -> Result<String, String> {
        let data: &RawValue = serde_json::from_str(&self.data)
            .map_err(|e| format!("the data is not valid JSON ({e})"))?;
        let envelope = Envelope {
            skilift: FORMAT,
            migrations: self.migrations.clone(),
            pending: self.pending.clone(),
            writers: self.writers.clone(),
            once: self.once.clone(),
            origin: self.origin.clone(),
            data,
        };
        serde_json::to_string(&envelope).map_err(|e| e.to_string())
    }

    /// Records that `session` wrote `batch` at `now`, and forgets writers
    /// that have not written for [`WRITER_RETENTION_MS`].
    pub fn mark_written(&mut self, session: &str, batch: u64, now: f64) {
        let now = whole_ms(now);
        self.writers
            .retain(|_, w| now.saturating_sub(w.time) <= WRITER_RETENTION_MS);
        self.writers
            .insert(session.to_owned(), Writer { batch, time: now });
    }

    /// Records that the exactly-once item `by` applied `id` at `now`.
    pub fn mark_once(&mut self, id: &str, by: &str, now: f64) {
        self.once.insert(
            id.to_owned(),
            Applied {
                time: whole_ms(now),
                by: by.to_owned(),
            },
        );
    }

    /// Forgets exactly-once ids applied more than `retention_ms` before `now`.
    pub fn prune_once(&mut self, now: f64, retention_ms: f64) {
        let now = whole_ms(now);
        let keep = whole_ms(retention_ms);
        self.once.retain(|_, a| now.saturating_sub(a.time) <= keep);
    }

    /// A record restored from `old` over `self` (the key's current record),
    /// for a tool that does not know the game's migrations (`skilift
    /// restore`): `old`'s data with the steps it had, so the next pull of a
    /// server that knows the rest migrates it; everything else (pending
    /// transactions, writers, exactly-once ids, origin) stays as it is now.
    pub fn restored_from(&self, old: &Record) -> Record {
        Record {
            data: old.data.clone(),
            migrations: old.migrations.clone(),
            ..self.clone()
        }
    }

    /// The highest batch of `session` this record contains (0: none).
    pub fn written_batch(&self, session: &str) -> u64 {
        self.writers.get(session).map_or(0, |w| w.batch)
    }
}

/// Encodes a transaction decision record (stored under
/// `skilift:transactions`).
pub fn encode_decision(committed: bool) -> String {
    if committed {
        r#"{"skilift":1,"decision":"committed"}"#.into()
    } else {
        r#"{"skilift":1,"decision":"aborted"}"#.into()
    }
}

/// Decodes a decision record: `Some(true)` committed, `Some(false)` aborted.
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
