//! What the engine needs from its host, as traits.
//!
//! The engine never touches JavaScript, files or sockets. Everything that
//! differs between the WebAssembly build and the native simulation comes in
//! through these traits: the document type and how actions run on it
//! ([`Host`], [`Document`]), where records live ([`Storage`], docs/backend-contract.md)
//! and time ([`Runtime`]). All of it is single-threaded: no `Send` bounds.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

use super::error::{Code, Error};
use super::record::Record;

/// A boxed future that is not `Send`; the engine runs on one thread.
pub type LocalBoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + 'a>>;

/// The game's data for one key, as the host represents it.
///
/// In WebAssembly this is a handle to a frozen JS object, so a patch never
/// converts the whole document; in the simulation it is a `serde_json::Value`.
pub trait Document: Clone + 'static {
    /// Encodes as JSON text. Fails with the path of the first value that is
    /// not plain JSON (see [`Document::json_problem`]).
    fn to_json(&self) -> Result<String, String>;
    /// Decodes JSON text (the `data` field of a record) into a shareable
    /// (frozen) document. Fails with a reason.
    fn from_json(text: &str) -> Result<Self, String>;
    /// Decodes JSON text into a document that only the caller holds, to be
    /// changed in place by [`Host::call_in_place`] and frozen by
    /// [`Host::seal`]. By default the same as `from_json`.
    fn from_json_owned(text: &str) -> Result<Self, String> {
        Self::from_json(text)
    }
    /// The shareable (frozen) document an entry's data was decoded into by
    /// the host as it was read ([`Entry::data`]), or `None` when `data` is
    /// not of this host's kind. By default `None`: the simulation's storage
    /// never decodes.
    fn from_host(data: &HostData) -> Option<Self> {
        let _ = data;
        None
    }
    /// The path (`data.items[2]`) of the first value that is not plain JSON,
    /// or `None` when the whole document is JSON.
    fn json_problem(&self) -> Option<String>;
    /// The path of the first place where two documents differ, or `None`
    /// when they are equal as JSON.
    fn first_difference(&self, other: &Self) -> Option<String>;
}

/// A stored entry as a backend returns it (docs/backend-contract.md).
#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    /// The whole record as JSON text.
    pub value: String,
    /// Opaque version token, used as `expected` by the next conditional put.
    pub version: String,
    /// When this version was written, in ms since the epoch.
    pub time: f64,
    /// GDPR user ids stored with this version.
    pub user_ids: Vec<f64>,
    /// The record's data already decoded by the host, for a pull's read
    /// ([`Storage::get_to_build`]): `value` is then the envelope with `null`
    /// in place of the data, so the data's text never enters the engine (in
    /// WebAssembly: no copy into wasm, no scan, no copy back to be parsed).
    /// The host gives it only for a record whose data is its last field and
    /// is JSON; otherwise `None`, and `value` is the whole record.
    pub data: Option<HostData>,
}

/// A value the host decoded for the engine and only the host reads
/// ([`Document::from_host`]): a JS value in WebAssembly.
#[derive(Clone)]
pub struct HostData(pub Rc<dyn std::any::Any>);

impl fmt::Debug for HostData {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("HostData")
    }
}

impl PartialEq for HostData {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

/// Why a storage call did not give an answer.
#[derive(Clone, Debug)]
pub enum StorageError<E> {
    /// The backend rejected (its exception is carried as it is).
    Failed(E),
    /// The backend answered something of the wrong shape.
    Invalid(String),
    /// No answer within the request timeout.
    TimedOut,
}

/// A future that resolves to a storage answer.
pub type StorageFuture<T, E> = LocalBoxFuture<'static, Result<T, StorageError<E>>>;

/// The host-supplied backend (docs/backend-contract.md).
pub trait Storage: 'static {
    /// A record's text as the backend is handed it: a `String` here, a JS
    /// string in WebAssembly, so that a record built around the host's JSON
    /// text of the data (`Host::record_text`) never crosses into wasm.
    type Text: From<String> + Clone + 'static;
    /// A host exception (a JS value in WebAssembly).
    type Error: Clone + fmt::Debug + 'static;
    /// The current entry of a key, or `None` if it was never written.
    fn get(&self, store: &str, key: &str) -> StorageFuture<Option<Entry>, Self::Error>;
    /// `get` for a caller that holds the record of version `known` decoded
    /// already: an entry of that version may come back with an empty
    /// `value`, which saves carrying the text (a version names one value:
    /// docs/backend-contract.md, guarantee 3). By default `get`.
    fn get_unless(
        &self,
        store: &str,
        key: &str,
        known: &str,
    ) -> StorageFuture<Option<Entry>, Self::Error> {
        let _ = known;
        self.get(store, key)
    }
    /// A pull's read: `get_unless(known)`, or `get` when it holds no record.
    /// The host may hand the entry's data decoded already ([`Entry::data`]).
    /// By default `get_unless`/`get`.
    fn get_to_build(
        &self,
        store: &str,
        key: &str,
        known: Option<&str>,
    ) -> StorageFuture<Option<Entry>, Self::Error> {
        match known {
            Some(version) => self.get_unless(store, key, version),
            None => self.get(store, key),
        }
    }
    /// Atomic compare-and-set: writes only if the current version is
    /// `expected` (`None`: the key must not exist). `Some(new version)` when
    /// written, `None` when another writer got there first.
    fn put(
        &self,
        store: &str,
        key: &str,
        value: Self::Text,
        expected: Option<String>,
        user_ids: Vec<f64>,
    ) -> StorageFuture<Option<String>, Self::Error>;
    /// Whether `get_version` and `get_at_time` are supported.
    fn has_history(&self) -> bool;
    /// A past version of a key (only called when `has_history`).
    fn get_version(
        &self,
        store: &str,
        key: &str,
        version: &str,
    ) -> StorageFuture<Option<Entry>, Self::Error>;
    /// The version that was current at `time_ms` (only called when `has_history`).
    fn get_at_time(
        &self,
        store: &str,
        key: &str,
        time_ms: f64,
    ) -> StorageFuture<Option<Entry>, Self::Error>;
    /// Whether two handles are the same backend (transactions need one).
    fn same_backend(&self, other: &Self) -> bool;
    /// Whether `remove` is supported (the backend contract's optional
    /// `remove`): decision records are collected only where it is.
    fn has_remove(&self) -> bool {
        false
    }
    /// Erases a key and every version of it (only called when `has_remove`).
    fn remove(&self, _store: &str, _key: &str) -> StorageFuture<(), Self::Error> {
        Box::pin(std::future::ready(Err(StorageError::Invalid(
            "this backend has no remove".into(),
        ))))
    }
}

/// Time, timers, tasks and randomness.
pub trait Runtime: 'static {
    /// Milliseconds since the epoch on this host's clock.
    fn now_ms(&self) -> f64;
    /// Resolves after `ms`. Dropping the future must cancel the timer, so a
    /// stopped session holds none.
    fn sleep(&self, ms: f64) -> LocalBoxFuture<'static, ()>;
    /// Runs a task in the background until it finishes.
    fn spawn(&self, task: LocalBoxFuture<'static, ()>);
    /// A uniformly distributed number in `[0, 1)`.
    fn random(&self) -> f64;
}

/// Why [`Host::call_strict`] refused an action (strict.rs words each one).
#[derive(Clone, Debug, PartialEq)]
pub enum StrictFailure<E> {
    /// The action threw (its exception, unchanged).
    Host(E),
    /// An argument is not JSON, at this path (`args[0].when`).
    ArgsNotJson(String),
    /// The result is not JSON, at this path (`data.items[2]`).
    ResultNotJson(String),
    /// The two runs' results differ, first at this path.
    Differ(String),
    /// One run cancelled (returned undefined) and the other did not.
    OneCancelled,
}

/// What the store's schema says of a document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// It passes (or the store has no schema).
    Valid,
    /// It is refused. Each entry describes one problem in the user's terms
    /// (`data.inventory[3].count: expected a number`); empty when the
    /// schema gives no reasons (a plain predicate that answered `false`).
    Invalid(Vec<String>),
}

/// Everything the engine needs from its host for one store.
pub trait Host: 'static {
    /// The game's data.
    type Doc: Document;
    /// A registered action or migration function.
    type Func: Clone + PartialEq + 'static;
    /// The arguments of one action call.
    type Args: Clone + 'static;
    /// A host exception, carried through the engine unchanged.
    type Error: Clone + fmt::Debug + 'static;
    /// Where records live.
    type Storage: Storage<Error = Self::Error>;
    /// Time and tasks.
    type Runtime: Runtime;

    /// The backend.
    fn storage(&self) -> &Rc<Self::Storage>;
    /// The clock and task spawner.
    fn runtime(&self) -> &Rc<Self::Runtime>;
    /// Runs `func` on a copy of `data` (the host makes the copy and freezes
    /// the result). `Ok(None)` means the action cancelled itself.
    fn call(
        &self,
        func: &Self::Func,
        data: &Self::Doc,
        args: &Self::Args,
    ) -> Result<Option<Self::Doc>, Self::Error>;
    /// Runs `func` on `data`, which the caller owns and will not use again:
    /// the host may let the action change it in place instead of copying.
    /// On an error or a cancel the data may be half-changed; the engine then
    /// discards it. By default the same as [`Host::call`].
    fn call_in_place(
        &self,
        func: &Self::Func,
        data: Self::Doc,
        args: &Self::Args,
    ) -> Result<Option<Self::Doc>, Self::Error> {
        self.call(func, &data, args)
    }
    /// Runs `func` the strict way (docs/errors.md, strict mode): the
    /// arguments must be JSON, the action runs twice on `data`, what it
    /// returns must be JSON and both results equal. Returns the first result.
    /// By default composed of the steps above; a host where each step is a
    /// call into another runtime does it in one call instead.
    fn call_strict(
        &self,
        func: &Self::Func,
        data: &Self::Doc,
        args: &Self::Args,
    ) -> Result<Option<Self::Doc>, StrictFailure<Self::Error>> {
        if let Err(path) = self.args_to_json(args) {
            return Err(StrictFailure::ArgsNotJson(path));
        }
        let first = self.call(func, data, args).map_err(StrictFailure::Host)?;
        let second = self.call(func, data, args).map_err(StrictFailure::Host)?;
        match (&first, &second) {
            (None, None) => Ok(None),
            (Some(a), Some(b)) => {
                if let Some(path) = a.json_problem() {
                    return Err(StrictFailure::ResultNotJson(path));
                }
                if let Some(path) = a.first_difference(b) {
                    return Err(StrictFailure::Differ(path));
                }
                Ok(first)
            }
            _ => Err(StrictFailure::OneCancelled),
        }
    }
    /// A working copy of the shareable document `data` that
    /// [`Host::call_in_place`] may change without changing `data`, to be
    /// [sealed](Host::seal) once the replay is done (a pull that starts from
    /// the record it knows). A host whose documents are immutable values
    /// must not hand out `data` itself: a copy, or a copy-on-write draft.
    /// `None`: no copy can be made now; the replay then runs in safe mode,
    /// which needs none.
    fn own(&self, data: &Self::Doc) -> Option<Self::Doc>;
    /// Makes an owned document shareable (deeply frozen). By default nothing.
    fn seal(&self, data: Self::Doc) -> Self::Doc {
        data
    }
    /// The data of a key that has never been written.
    fn default_data(&self) -> Result<Self::Doc, Self::Error>;
    /// The store's schema check; [`Verdict::Valid`] when there is none.
    fn check_schema(&self, data: &Self::Doc) -> Result<Verdict, Self::Error>;
    /// Encodes arguments as a JSON array, or the path of the first non-JSON value.
    fn args_to_json(&self, args: &Self::Args) -> Result<String, String>;
    /// Decodes arguments stored in a pending transaction.
    fn args_from_json(&self, json: &str) -> Result<Self::Args, String>;
    /// The empty argument list, for migrations.
    fn no_args(&self) -> Self::Args;
    /// The text to store for `record` with `data` as its data, or the path
    /// of the first value of `data` that is not plain JSON. The envelope is
    /// the engine's: [`Record::head`], the JSON text of `data`, then
    /// [`Record::TAIL`]; a host only joins them where the data text lives
    /// (in JS: in JS, so the text never crosses the boundary twice).
    /// `base`: a document known to be plain JSON that `data` may share
    /// parts with (the known record's data), so a host that checks `data`
    /// as it encodes it need not check those parts again.
    fn record_text(
        &self,
        record: &mut Record,
        data: &Self::Doc,
        base: Option<&Self::Doc>,
    ) -> Result<<Self::Storage as Storage>::Text, String> {
        let _ = base;
        record.data = data.to_json()?;
        Ok(record.encode_host_data().into())
    }
    /// Reports a background failure (the store's `onError`). Must not panic.
    fn report(&self, error: &Error<Self::Error>, key: Option<&str>);
}

/// The error to report for a storage call that gave no answer.
pub(crate) fn storage_error<E>(err: StorageError<E>) -> Error<E> {
    match err {
        StorageError::Failed(e) => Error::Host(e),
        StorageError::Invalid(why) => Error::new(
            Code::BackendInvalidResponse,
            format!("the backend answered something of the wrong shape: {why}"),
        ),
        StorageError::TimedOut => Error::new(
            Code::BackendFailed,
            "the backend did not answer within the request timeout",
        ),
    }
}
