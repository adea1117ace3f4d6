//! Server kinds: what the code a server runs knows. An older server knows
//! the data in its first shape, `{coins, log}`, and the transaction action
//! `credit`. A newer server may know more:
//!
//! - the migration step `v2`, which changes the data's shape to
//!   `{balance, entries}`: its actions edit that shape. An older server that
//!   wrote such a record (a broken quarantine) would add `coins`/`log` beside
//!   it, so the corruption is visible in the data, not only in the step list;
//! - the transaction action `gift` (credits like `credit`), which an older
//!   server cannot apply: one that resolved a pending `gift` would drop the
//!   payee's credit.
//!
//! The oracle holds each server to what its kind knows (`Knows`).

use serde_json::{json, Value};
use skilift::engine::record::Record;

use crate::support::json_host::JsonFn;

/// What a server's code knows beyond the first version.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Kind {
    /// Knows the migration step `v2` (the second data shape).
    pub v2: bool,
    /// Knows the transaction action `gift`.
    pub gift: bool,
}

/// The migration steps and transaction actions a server knows, for the
/// oracle's quarantine check.
#[derive(Clone, Debug, Default)]
pub struct Knows {
    pub steps: Vec<String>,
    pub actions: Vec<String>,
}

/// The field names of coins and log in one shape.
fn fields(v2: bool) -> (&'static str, &'static str) {
    if v2 {
        ("balance", "entries")
    } else {
        ("coins", "log")
    }
}

/// `earn` / `spend` / `credit` / `gift` all append `[id, delta]` to the log
/// and add `delta` to coins (in the shape the server knows), so the oracle
/// can audit every change that landed. Spending never cancels: an escrow
/// that replays on fresher data must still happen, or a committed trade
/// would create coins.
fn logged(name: &str, v2: bool) -> JsonFn {
    let (coins_f, log_f) = fields(v2);
    JsonFn::mutating(name, move |d, a| {
        let delta = a[1].as_i64().ok_or("delta")?;
        let coins = d[coins_f].as_i64().unwrap_or(0) + delta;
        d[coins_f] = json!(coins);
        match d[log_f].as_array_mut() {
            Some(log) => log.push(json!([a[0].clone(), delta])),
            None => d[log_f] = json!([[a[0].clone(), delta]]),
        }
        Ok(())
    })
}

/// `v2`: `{coins, log}` becomes `{balance, entries}`.
fn v2_step() -> JsonFn {
    JsonFn::mutating("v2", |d, _| {
        let m = d.as_object_mut().ok_or("data is not an object")?;
        let coins = m.remove("coins").ok_or("no coins")?;
        let log = m.remove("log").ok_or("no log")?;
        m.insert("balance".into(), coins);
        m.insert("entries".into(), log);
        Ok(())
    })
}

/// The functions one server registers (compared by name; each kind's code
/// edits its own shape).
pub struct Actions {
    pub earn: JsonFn,
    pub spend: JsonFn,
    pub credit: JsonFn,
    pub gift: Option<JsonFn>,
}

impl Kind {
    pub fn actions(self) -> Actions {
        Actions {
            earn: logged("earn", self.v2),
            spend: logged("spend", self.v2),
            credit: logged("credit", self.v2),
            gift: self.gift.then(|| logged("gift", self.v2)),
        }
    }

    pub fn migrations(self) -> Vec<(String, JsonFn)> {
        if self.v2 {
            vec![("v2".into(), v2_step())]
        } else {
            Vec::new()
        }
    }

    /// Default data, already in the newest shape this kind knows (the
    /// engine counts every known step as done on a fresh key).
    pub fn default_data(self) -> Value {
        let (c, l) = fields(self.v2);
        let mut m = serde_json::Map::new();
        m.insert(c.into(), json!(0));
        m.insert(l.into(), json!([]));
        Value::Object(m)
    }

    pub fn knows(self) -> Knows {
        let mut actions = vec!["credit".to_string()];
        if self.gift {
            actions.push("gift".into());
        }
        Knows {
            steps: self.migrations().into_iter().map(|(s, _)| s).collect(),
            actions,
        }
    }

    /// The kind that knows everything either knows (the settler's).
    pub fn union(self, other: Kind) -> Kind {
        Kind {
            v2: self.v2 || other.v2,
            gift: self.gift || other.gift,
        }
    }
}

/// A record's data as `{coins, log}` whatever its shape, or why its data is
/// not in the shape its steps say (a record with `v2` holds exactly
/// `{balance, entries}`, one without exactly `{coins, log}`).
pub fn normalized(record: &Record) -> Result<Value, String> {
    let data: Value = serde_json::from_str(&record.data).map_err(|e| e.to_string())?;
    let v2 = record.migrations.iter().any(|s| s == "v2");
    let (c, l) = fields(v2);
    let shape_ok = data
        .as_object()
        .is_some_and(|m| m.len() == 2 && m.contains_key(c) && m.contains_key(l));
    if !shape_ok {
        return Err(format!(
            "data {data} is not in the shape of steps {:?} (want {{{c}, {l}}})",
            record.migrations
        ));
    }
    Ok(json!({"coins": data[c], "log": data[l]}))
}
