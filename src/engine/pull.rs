//! The pull: read the stored record, replay queued actions on the fresh
//! data, write it back with a compare-and-set, and repeat on conflict. Also
//! the session's background loop: pull every `pullDelay`, back off on
//! failure, make the final save on `stop`.

use std::rc::Rc;

use super::error::{Code, Error};
use super::host::{Document, Entry, Host, Runtime, Storage, StorageError};
use super::record::Pending;
use super::record::{DecodeError, Record};
use super::resolve::{decision, quarantine_reason, storage_error, Item};
use super::retry::Backoff;
use super::session::{Batch, Phase, SessionInner};
use super::signal::{race, Either};
use super::work::{Mode, Stop, Work};

/// Why a pull did not complete.
pub(crate) enum PullError<E> {
    /// The key must not be touched (quarantine): the code to report and
    /// the reason `bad()` gives.
    Bad(Code, String),
    /// Storage failed; retry later. Nothing was lost.
    Failed(Error<E>),
}

impl<E> From<StorageError<E>> for PullError<E> {
    fn from(e: StorageError<E>) -> Self {
        PullError::Failed(storage_error(e))
    }
}

/// The session's background task. Ends when the session has stopped (saved,
/// or gone bad), holding no timer afterwards.
pub(crate) async fn run<H: Host>(session: Rc<SessionInner<H>>) {
    let store = session.store.clone();
    let rt = store.host.runtime().clone();
    let mut backoff = Backoff::new(store.options.backoff_start_ms, store.options.backoff_cap_ms);
    // Actions dropped (`not_json`) after stop was requested: stop() rejects.
    let mut final_error: Option<Error<H::Error>> = None;
    loop {
        let stopping = session.state.borrow().phase == Phase::Stopping;
        // `await()` callers so far: this pull carries everything they
        // patched before calling, so its success releases them. Later
        // callers wait for the next pull.
        let waiting = std::mem::take(&mut session.state.borrow_mut().awaiters);
        let wait_ms = match pull(&session, stopping, &mut final_error).await {
            Ok(()) => {
                backoff.reset();
                release(waiting);
                let st = session.state.borrow();
                let unsaved = !st.queue.is_empty() || !st.inflight.is_empty();
                let phase = st.phase;
                drop(st);
                match phase {
                    Phase::Stopping if !unsaved => {
                        session.finish(final_error.take().map_or(Ok(()), Err));
                        return;
                    }
                    // Stop was asked for during the pull: save again now.
                    Phase::Stopping => continue,
                    _ => store.options.pull_delay_ms,
                }
            }
            Err(PullError::Bad(code, reason)) => {
                release(waiting);
                session.go_bad(code, reason);
                return;
            }
            Err(PullError::Failed(e)) => {
                // Still waiting: ahead of anyone who came during this pull.
                let mut st = session.state.borrow_mut();
                let later = std::mem::replace(&mut st.awaiters, waiting);
                st.awaiters.extend(later);
                drop(st);
                store.report(&e, Some(&session.key));
                backoff.next_delay(rt.random())
            }
        };
        if session.state.borrow().phase == Phase::Stopped {
            return;
        }
        // A stop or a transaction's prepare cuts the wait short.
        race(rt.sleep(wait_ms), session.wake.wait()).await;
    }
}

fn release(awaiters: Vec<super::signal::Sender<()>>) {
    for a in awaiters {
        a.send(());
    }
}

/// One pull. The batches it writes stay in `inflight` until known stored,
/// so a failure (even an ambiguous one) loses nothing and a retry that finds
/// them stored does not apply them twice.
async fn pull<H: Host>(
    session: &Rc<SessionInner<H>>,
    stopping: bool,
    final_error: &mut Option<Error<H::Error>>,
) -> Result<(), PullError<H::Error>> {
    let mut batches = {
        let mut st = session.state.borrow_mut();
        if !st.queue.is_empty() {
            let n = st.next_batch;
            st.next_batch += 1;
            let items = std::mem::take(&mut st.queue);
            st.inflight.push(Batch { n, items });
        }
        std::mem::take(&mut st.inflight)
    };
    let result = write_loop(session, &mut batches, stopping, final_error).await;
    if result.is_err() {
        // Keep them for the next try, ahead of nothing: only pulls take
        // from `queue` into `inflight`, and only one pull runs at a time.
        session.state.borrow_mut().inflight = batches;
    }
    result
}

/// What one attempt wrote (or found already stored).
struct Written<H: Host> {
    record: Record,
    data: H::Doc,
}

async fn write_loop<H: Host>(
    session: &Rc<SessionInner<H>>,
    batches: &mut Vec<Batch<H>>,
    stopping: bool,
    final_error: &mut Option<Error<H::Error>>,
) -> Result<(), PullError<H::Error>> {
    let store = &session.store;
    let rt = store.host.runtime().clone();
    loop {
        // One deadline for the whole get → replay → put: one timer per
        // attempt instead of one per call (timers are a large part of a
        // save's cost in JS). A timed-out put may still land; exactly-once
        // batches make the retry that finds it harmless.
        let step = race(
            attempt(session, batches),
            rt.sleep(store.options.request_timeout_ms),
        );
        let outcome = match step.await {
            Either::Left(outcome) => outcome?,
            Either::Right(()) => return Err(StorageError::TimedOut.into()),
        };
        match outcome {
            Outcome::Stored => return Ok(()),
            // Another writer got there first: replay on its record.
            Outcome::Conflict => {}
            Outcome::Dropped(err) => {
                // An action made the record unencodable: it is gone from
                // `batches`; report it and build again from a fresh read.
                store.report(&err, Some(&session.key));
                if stopping {
                    final_error.get_or_insert(err);
                }
            }
        }
    }
}

/// How one attempt of a pull ended.
enum Outcome<E> {
    /// Written (or nothing to write); the cache is updated.
    Stored,
    /// The compare-and-set lost: try again on the newer record.
    Conflict,
    /// An action's result could not be encoded and was removed.
    Dropped(Error<E>),
}

/// One get, replay and conditional put.
async fn attempt<H: Host>(
    session: &Rc<SessionInner<H>>,
    batches: &mut Vec<Batch<H>>,
) -> Result<Outcome<H::Error>, PullError<H::Error>> {
    let store = &session.store;
    let storage = store.host.storage().clone();
    let entry = storage.get(&store.namespace, &session.key).await?;
    let Attempt {
        record,
        data,
        write,
    } = match build(session, entry.as_ref(), batches).await? {
        Built::Ready(a) => a,
        Built::Dropped(err) => return Ok(Outcome::Dropped(err)),
    };
    let Some(text) = write else {
        confirm(session, batches, Written { record, data });
        return Ok(Outcome::Stored);
    };
    let expected = entry.as_ref().map(|e| e.version.clone());
    let user_ids = merged_user_ids(session, entry.as_ref());
    let put = storage.put(
        &store.namespace,
        &session.key,
        text.clone(),
        expected,
        user_ids.clone(),
    );
    match put.await? {
        Some(_version) => {
            confirm(session, batches, Written { record, data });
            Ok(Outcome::Stored)
        }
        None if super::sabotage::active("last_writer_wins") => {
            // Overwrite whatever the other writer stored.
            let now = storage.get(&store.namespace, &session.key).await?;
            let put = storage.put(
                &store.namespace,
                &session.key,
                text,
                now.map(|e| e.version),
                user_ids,
            );
            if put.await?.is_some() {
                confirm(session, batches, Written { record, data });
                return Ok(Outcome::Stored);
            }
            Ok(Outcome::Conflict)
        }
        None => Ok(Outcome::Conflict),
    }
}

/// The union of the stored user ids and this session's.
fn merged_user_ids<H: Host>(session: &SessionInner<H>, entry: Option<&Entry>) -> Vec<f64> {
    let mut ids: Vec<f64> = entry.map(|e| e.user_ids.clone()).unwrap_or_default();
    for id in &session.state.borrow().user_ids {
        if !ids.contains(id) {
            ids.push(*id);
        }
    }
    ids
}

struct Attempt<H: Host> {
    record: Record,
    data: H::Doc,
    /// The text to write, or `None` when nothing changed.
    write: Option<String>,
}

enum Built<H: Host> {
    Ready(Attempt<H>),
    /// An action's result could not be encoded; it was removed.
    Dropped(Error<H::Error>),
}

/// Builds the record to write from a fresh entry and the batches.
async fn build<H: Host>(
    session: &Rc<SessionInner<H>>,
    entry: Option<&Entry>,
    batches: &mut Vec<Batch<H>>,
) -> Result<Built<H>, PullError<H::Error>> {
    let store = &session.store;
    let host = &store.host;
    let now = host.runtime().now_ms();
    let mut record = match entry {
        None => {
            let data = host
                .default_data()
                .map_err(|e| PullError::Failed(Error::Host(e)))?;
            let json = data.to_json().map_err(|path| {
                PullError::Failed(Error::new(
                    Code::NotJson,
                    format!("defaultData returned a value that is not JSON at {path}"),
                ))
            })?;
            // Default data is already in the latest shape: every step counts as done.
            let steps = store
                .options
                .migrations
                .iter()
                .map(|(s, _)| s.clone())
                .collect();
            Record::new(json, steps)
        }
        Some(e) => match Record::decode(&e.value) {
            Ok(r) => r,
            Err(err @ (DecodeError::Undecodable(_) | DecodeError::NewerFormat(_))) => {
                return Err(PullError::Bad(Code::BadData, err.reason()))
            }
        },
    };
    if let Some(reason) = quarantine_reason(store, &record) {
        return Err(PullError::Bad(Code::BadData, reason));
    }
    // Exactly-once: batches this session already stored (an ambiguous write
    // that did land) are dropped, not applied again.
    if !super::sabotage::active("exactly_once") {
        let stored = record.written_batch(&session.id);
        let (done, todo): (Vec<_>, Vec<_>) = std::mem::take(batches)
            .into_iter()
            .partition(|b| b.n <= stored);
        *batches = todo;
        for b in done {
            ack_prepares(session, &b.items);
        }
    }
    // Look up decisions first (they await storage); the data work after
    // this is synchronous.
    let mut decided = Vec::new();
    let mut undecided = Vec::new();
    for pending in std::mem::take(&mut record.pending) {
        match decision(store, &pending).await? {
            Some(committed) => decided.push((pending, committed)),
            None => undecided.push(pending),
        }
    }
    record.pending = undecided;

    let computed = match compute(session, &record, &decided, batches, Mode::InPlace) {
        Err(Stop::Redo) => compute(session, &record, &decided, batches, Mode::Safe),
        other => other,
    };
    let base = record;
    let (mut record, data, mut changed) = match computed {
        Ok(c) => c,
        Err(Stop::Bad(code, reason)) => return Err(PullError::Bad(code, reason)),
        Err(Stop::Redo) => {
            return Err(PullError::Failed(Error::new(
                Code::Internal,
                "internal: safe replay asked to be redone",
            )))
        }
    };
    if let Some(last) = batches.last() {
        record.mark_written(&session.id, last.n, now);
        changed = true;
    }
    let ids_changed = {
        let st = session.state.borrow();
        let stored = entry.map(|e| &e.user_ids);
        st.user_ids
            .iter()
            .any(|id| !stored.is_some_and(|s| s.contains(id)))
    };
    if !changed && !ids_changed {
        return Ok(Built::Ready(Attempt {
            record,
            data: host.seal(data),
            write: None,
        }));
    }
    match data.to_json() {
        Ok(json) => record.data = json,
        Err(path) => return drop_unencodable(session, &base, &decided, batches, path),
    }
    let text = record.encode().map_err(|why| {
        PullError::Failed(Error::new(
            Code::NotJson,
            format!("cannot encode the record: {why}"),
        ))
    })?;
    Ok(Built::Ready(Attempt {
        record,
        data: host.seal(data),
        write: Some(text),
    }))
}

/// The new record and data from a decoded record, the decided pending
/// transactions and the batches. `changed`: whether anything but the
/// batches changed the record (migrations, resolved transactions).
fn compute<H: Host>(
    session: &SessionInner<H>,
    base: &Record,
    decided: &[(Pending, bool)],
    batches: &[Batch<H>],
    mode: Mode,
) -> Result<(Record, H::Doc, bool), Stop> {
    let store = &session.store;
    let mut record = base.clone();
    let mut work = Work::decode(store, &session.key, mode, &record.data)?;
    let mut changed = work.migrate(&mut record)?;
    for (pending, committed) in decided {
        work.decided(pending, *committed)?;
        changed = true;
    }
    for batch in batches {
        replay(session, &mut work, &mut record, &batch.items)?;
    }
    let data = work.into_data().ok_or(Stop::Redo)?;
    Ok((record, data, changed))
}

/// Replays queued items. A plain action that throws, cancels or fails the
/// schema on the fresh data is skipped (in safe mode, and reported); a
/// prepare adds a pending entry, or applies at once if its decision is known.
fn replay<H: Host>(
    session: &SessionInner<H>,
    work: &mut Work<'_, H>,
    record: &mut Record,
    items: &[Item<H>],
) -> Result<(), Stop> {
    for item in items {
        match item {
            Item::Action { func, args } => work.action(func, args)?,
            Item::Prepare(pending) => match session.store.known_decision(&pending.id) {
                Some(committed) => work.decided(pending, committed)?,
                None => record.pending.push(pending.clone()),
            },
        }
    }
    Ok(())
}

/// Finds the first queued action whose result is not JSON, removes it, and
/// returns the `not_json` error to report. Everything else is kept.
fn drop_unencodable<H: Host>(
    session: &SessionInner<H>,
    base: &Record,
    decided: &[(Pending, bool)],
    batches: &mut [Batch<H>],
    path: String,
) -> Result<Built<H>, PullError<H::Error>> {
    let store = &session.store;
    let unencodable = || {
        PullError::Failed(Error::new(
            Code::NotJson,
            format!("the data is not JSON at {path} after migrations or transactions; nothing was written"),
        ))
    };
    let mut record = base.clone();
    let mut work =
        Work::decode(store, &session.key, Mode::Safe, &record.data).map_err(|_| unencodable())?;
    work.migrate(&mut record).map_err(|_| unencodable())?;
    for (pending, committed) in decided {
        let _ = work.decided(pending, *committed);
    }
    for batch in batches.iter_mut() {
        for i in 0..batch.items.len() {
            let item = std::slice::from_ref(&batch.items[i]);
            let _ = replay(session, &mut work, &mut record, item);
            let problem = work.data().and_then(|d| d.json_problem());
            if let (Some(path), Item::Action { .. }) = (problem, &batch.items[i]) {
                batch.items.remove(i);
                return Ok(Built::Dropped(Error::new(
                    Code::NotJson,
                    format!("an action produced data that is not JSON at {path}; the action was dropped and the rest saved"),
                )));
            }
        }
    }
    // Not caused by a queued action: a migration or transaction action made
    // it. Writing is impossible; retrying will not help, but losing data is
    // worse, so keep everything and report.
    Err(unencodable())
}

/// Sends the acknowledgements of prepares that are now stored.
fn ack_prepares<H: Host>(session: &SessionInner<H>, items: &[Item<H>]) {
    for item in items {
        if let Item::Prepare(p) = item {
            let ack = session.state.borrow_mut().acks.remove(&p.id);
            if let Some(ack) = ack {
                ack.send(());
            }
        }
    }
}

/// After a successful pull: the batches are stored; the cache becomes the
/// stored data plus whatever was patched while the pull was in flight.
fn confirm<H: Host>(
    session: &Rc<SessionInner<H>>,
    batches: &mut Vec<Batch<H>>,
    written: Written<H>,
) {
    for b in std::mem::take(batches) {
        ack_prepares(session, &b.items);
    }
    let store = &session.store;
    let Written { record, data } = written;
    loop {
        let queued: Vec<Item<H>> = session.state.borrow().queue.clone();
        let mut work = Work::new(store, &session.key, Mode::Safe, data.clone());
        // Decisions that arrived while this pull was in flight.
        for pending in &record.pending {
            if let Some(committed) = store.known_decision(&pending.id) {
                let _ = work.decided(pending, committed);
            }
        }
        // Replaying queued prepares adds pending entries to a record; this
        // one only exists for that and is dropped.
        let mut unsaved = Record::new(String::new(), Vec::new());
        let _ = replay(session, &mut work, &mut unsaved, &queued);
        let Some(cache) = work.into_data() else {
            return;
        };
        let mut st = session.state.borrow_mut();
        if st.queue.len() != queued.len() {
            // An action patched this session while it replayed (the JS host
            // refuses that; another host might not): replay again with it.
            continue;
        }
        st.loaded = true;
        // Only a real change is news: a load that finds what the cache
        // already shows (the default data plus the same patches) is not.
        let changed = st.cache.first_difference(&cache).is_some();
        st.cache = cache.clone();
        drop(st);
        if changed {
            session.notify(&cache);
        }
        return;
    }
}
