//! The stored record: the envelope around a key's data (docs/record-format.md).
//!
//! ```json
//! {"skilift":1,"migrations":["add-gems"],"pending":[...],
//!  "writers":{"<session id>":{"batch":4,"time":1700000000000}},"data":{...}}
//! ```
//!
//! The data is kept as raw JSON text, so encoding a record costs one encode
//! of the data plus a few bytes, and the host decodes it into its own
//! document type. Anything that is not this envelope is undecodable. The
//! codec is `codec.rs`, over the hand-written JSON of `json.rs` and
//! `write.rs`.

mod codec;
mod encode;
pub mod json;
mod keyed;
mod skip;
pub mod write;

pub use keyed::Keyed;

use crate::engine::error::Code;

/// The format version this engine writes. A record with a higher version was
/// written by a newer engine and must not be touched.
pub const FORMAT: u32 = 1;

/// The `requires` feature names this engine knows (none yet). A record
/// naming any other was written by a newer engine whose new fields an older
/// one must not carry blindly (docs/record-format.md#evolution).
pub const FEATURES: &[&str] = &[];

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
#[derive(Clone, Debug, PartialEq)]
pub struct StoredCall {
    pub action: String,
    /// The arguments: the text of a JSON array (of any JSON value, as
    /// decoded; a replay that cannot decode them makes the key bad).
    pub args: String,
}

impl StoredCall {
    /// A call from a name and arguments already encoded as a JSON array.
    pub fn new(action: impl Into<String>, args_json: &str) -> Result<Self, String> {
        let args =
            codec::json_value(args_json).map_err(|e| format!("arguments are not JSON: {e}"))?;
        if !args.starts_with('[') {
            return Err("arguments must be a JSON array".into());
        }
        Ok(StoredCall {
            action: action.into(),
            args: args.to_owned(),
        })
    }
}

/// A transaction this key takes part in whose decision it has not applied.
#[derive(Clone, Debug, PartialEq)]
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
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Writer {
    pub batch: u64,
    /// The writer's clock at its last write (whole ms since epoch).
    pub time: u64,
}

/// An exactly-once id this key has applied (`session.patchOnce`,
/// `store.updateOnce`): when, and which queued item applied it, so the
/// server that queued it can tell its own write from another's.
#[derive(Clone, Debug, PartialEq)]
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
    /// The steps of `migrations` the server that ran them marked
    /// `backwardsCompatible`: a server lacking only such steps may still
    /// write the key (`replay/quarantine.rs`). Fixed when the step runs.
    pub compatible: Vec<String>,
    pub pending: Vec<Pending>,
    pub writers: Keyed<Writer>,
    /// Exactly-once ids applied, kept for the store's `onceRetention`.
    pub once: Keyed<Applied>,
    /// A random id given when the key was created (absent in records of
    /// older engines): a session that sees it change, or the key vanish,
    /// knows the key was removed and created again under it.
    pub origin: Option<String>,
    /// Feature names a reader must know (all in [`FEATURES`] once decoded).
    pub requires: Vec<String>,
    /// Top-level fields this engine does not know, as `(name, JSON text)` in
    /// stored order: written back unchanged by every write.
    pub unknown: Vec<(String, String)>,
}

/// Why a stored value cannot be used.
#[derive(Clone, Debug, PartialEq)]
pub enum DecodeError {
    /// Not JSON, or JSON without the envelope.
    Undecodable(String),
    /// Written by a newer engine: a format version above [`FORMAT`].
    NewerFormat(u32),
    /// Written by a newer engine: `requires` names features not in
    /// [`FEATURES`].
    NeedsFeatures(Vec<String>),
}

impl DecodeError {
    /// A reason for `Session::bad`.
    pub fn reason(&self) -> String {
        match self {
            DecodeError::Undecodable(why) => format!("the stored record is undecodable: {why}"),
            DecodeError::NewerFormat(v) => format!(
                "the stored record has format {v}, newer than this version of skilift understands ({FORMAT}): {NEWER}"
            ),
            DecodeError::NeedsFeatures(names) => {
                let names: Vec<String> = names.iter().map(|n| write::quoted(n)).collect();
                format!(
                    "the stored record requires {} {}, which this version of skilift does not know: {NEWER}",
                    if names.len() == 1 { "feature" } else { "features" },
                    names.join(", ")
                )
            }
        }
    }

    /// `bad_data` for a value that is not a record, `needs_newer_version`
    /// for one a newer engine wrote.
    pub fn code(&self) -> Code {
        match self {
            DecodeError::Undecodable(_) => Code::BadData,
            DecodeError::NewerFormat(_) | DecodeError::NeedsFeatures(_) => Code::NeedsNewerVersion,
        }
    }
}

/// What every version-skew reason ends with: what the game should do.
pub const NEWER: &str =
    "a server running a newer version wrote it; move this player to a server running the newer version";

impl Record {
    /// A record holding `data_json` with nothing else.
    pub fn new(data_json: String, migrations: Vec<String>) -> Self {
        Record {
            data: data_json,
            migrations,
            compatible: Vec::new(),
            pending: Vec::new(),
            writers: Keyed::new(),
            once: Keyed::new(),
            origin: None,
            requires: Vec::new(),
            unknown: Vec::new(),
        }
    }

    /// Decodes a stored value.
    pub fn decode(text: &str) -> Result<Record, DecodeError> {
        codec::decode(text)
    }

    /// Encodes for storage. `data` must already be valid JSON text (the
    /// host's encoder produced it; it is checked all the same).
    pub fn encode(&self) -> Result<String, String> {
        let data = codec::json_value(&self.data)
            .map_err(|e| format!("the data is not valid JSON ({e})"))?;
        Ok(encode::encode(self, data))
    }

    /// [`Record::encode`] without checking `data`, for a pull: its data was
    /// just written by the host's `Document::to_json`, which returns JSON
    /// text by contract (JSON.stringify; serde_json in the simulation), and
    /// checking it again was a tenth of the save's CPU in wasm.
    /// The data text is moved into the result (`data` is left empty).
    pub fn encode_host_data(&mut self) -> String {
        let data = std::mem::take(&mut self.data);
        encode::encode_around(self, data)
    }

    /// What a record's text ends with after its data.
    pub const TAIL: &'static str = "}";

    /// The record's text up to its data (`..."data":`): the text is this,
    /// then the data's JSON, then [`Record::TAIL`].
    pub fn head(&self) -> String {
        encode::head(self, 0)
    }

    /// Records that `session` wrote `batch` at `now`, and forgets writers
    /// that have not written for [`WRITER_RETENTION_MS`].
    pub fn mark_written(&mut self, session: &str, batch: u64, now: f64) {
        // What exactly-once rests on: a batch this record holds already
        // would be applied twice.
        debug_assert!(
            batch > self.written_batch(session),
            "invariant: writer {session} wrote batch {batch} over its batch {}",
            self.written_batch(session)
        );
        let now = whole_ms(now);
        self.writers
            .retain(|_, w| now.saturating_sub(w.time) <= WRITER_RETENTION_MS);
        self.writers
            .insert(session.to_owned(), Writer { batch, time: now });
    }

    /// Drops the entries of `finished` writers: sessions known to have
    /// ended with everything stored, which will never look for their batch
    /// again (`retired.rs`).
    pub fn forget_writers(&mut self, finished: &[String]) {
        if !finished.is_empty() {
            self.writers
                .retain(|id, _| !finished.iter().any(|f| f == id));
        }
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
    /// restore`): `old`'s data with the steps it had (and their marks), so
    /// the next pull of a server that knows the rest migrates it; everything
    /// else (pending transactions, writers, exactly-once ids, origin, the
    /// fields of newer engines) stays as it is now.
    pub fn restored_from(&self, old: &Record) -> Record {
        Record {
            data: old.data.clone(),
            migrations: old.migrations.clone(),
            compatible: old.compatible.clone(),
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
    // Other fields are ignored; a second `decision` is not a decision.
    let mut reader = json::Reader::new(text);
    let mut decision = None;
    let mut twice = false;
    reader
        .object(|r, key| {
            if key == "decision" {
                twice |= decision.is_some();
                decision = Some(r.string()?);
            } else {
                r.value()?;
            }
            Ok(())
        })
        .and_then(|()| reader.end())
        .ok()?;
    match decision?.as_ref() {
        "committed" if !twice => Some(true),
        "aborted" if !twice => Some(false),
        _ => None,
    }
}
