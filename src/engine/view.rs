//! Reading a key without loading a session: the latest data or a past version.

use std::rc::Rc;

use super::context::Context;
use super::error::{Code, Error};
use super::host::{storage_error, Entry, Host, Storage};
use super::record::Record;
use super::replay::quarantine::steps_reason;
use super::replay::work::{Mode, Stop, Work};
use super::timeout::with_timeout;
use crate::engine::record::write::quoted;

/// A read-only view of one key (docs/api.md).
pub struct View<H: Host> {
    context: Rc<Context<H>>,
    key: String,
}

impl<H: Host> View<H> {
    pub(crate) fn new(context: Rc<Context<H>>, key: String) -> Self {
        View { context, key }
    }

    /// The current data, with missing migrations applied in memory (nothing
    /// is written); `None` if the key was never written.
    pub async fn latest(&self) -> Result<Option<H::Doc>, Error<H::Error>> {
        let s = &self.context;
        let get = s.host.storage().get(&s.namespace, &self.key);
        let entry = s
            .counted(with_timeout(&**s.host.runtime(), s.options.request_timeout_ms, get).await)
            .map_err(storage_error)?;
        self.decode(entry)
    }

    /// The data as of version token `version`.
    pub async fn version(&self, version: &str) -> Result<Option<H::Doc>, Error<H::Error>> {
        let s = &self.context;
        self.require_history()?;
        let get = s
            .host
            .storage()
            .get_version(&s.namespace, &self.key, version);
        let entry = s
            .counted(with_timeout(&**s.host.runtime(), s.options.request_timeout_ms, get).await)
            .map_err(storage_error)?;
        self.decode(entry)
    }

    /// The data that was current at `time_ms` (ms since the epoch).
    pub async fn timestamp(&self, time_ms: f64) -> Result<Option<H::Doc>, Error<H::Error>> {
        let s = &self.context;
        self.require_history()?;
        if !time_ms.is_finite() {
            return Err(Error::new(
                Code::InvalidOptions,
                format!(
                    "timestamp needs a finite time, got {}",
                    crate::engine::error::number_text(time_ms)
                ),
            ));
        }
        let get = s
            .host
            .storage()
            .get_at_time(&s.namespace, &self.key, time_ms);
        let entry = s
            .counted(with_timeout(&**s.host.runtime(), s.options.request_timeout_ms, get).await)
            .map_err(storage_error)?;
        self.decode(entry)
    }

    fn require_history(&self) -> Result<(), Error<H::Error>> {
        if self.context.host.storage().has_history() {
            Ok(())
        } else {
            Err(Error::new(
                Code::HistoryUnsupported,
                "this backend keeps no history; View.version and View.timestamp need a backend with getVersion and getAtTime",
            ))
        }
    }

    fn decode(&self, entry: Option<Entry>) -> Result<Option<H::Doc>, Error<H::Error>> {
        let Some(entry) = entry else { return Ok(None) };
        let bad =
            |code: Code, why: String| Error::new(code, format!("key {}: {why}", quoted(&self.key)));
        let mut record = Record::decode(&entry.value).map_err(|e| bad(e.code(), e.reason()))?;
        // The data as this server's actions would see it: a record whose
        // extra steps are all compatible is shown as stored.
        if let Some(why) = steps_reason(&self.context.options.migrations, &record) {
            return Err(bad(Code::NeedsNewerVersion, why));
        }
        let stop = |s: Stop| match s {
            Stop::Bad(_, why) => bad(Code::BadData, why),
            Stop::Redo => bad(Code::BadData, "the data could not be migrated".into()),
        };
        let mut work =
            Work::decode(&self.context, &self.key, Mode::Safe, &record.data).map_err(stop)?;
        work.migrate(&mut record).map_err(stop)?;
        Ok(work.into_data())
    }
}
