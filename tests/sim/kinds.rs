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
//! - the migration step `gems`, marked `backwardsCompatible`: it adds the
//!   field `gems: []`, and that server's changes also append their id to
//!   it. Older servers keep loading and writing such keys (a rolling
//!   deploy): each of their writes must keep `gems` and the step's mark.
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
    /// Knows the compatible step `gems` (an added field).
    pub gems: bool,
}

/// The steps that truly are backwards compatible (the oracle's own
/// knowledge, not the records' marks).
pub const COMPATIBLE: [&str; 1] = ["gems"];

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
fn logged(name: &str, v2: bool, gems: bool) -> JsonFn {
    let (coins_f, log_f) = fields(v2);
    JsonFn::mutating(name, move |d, a| {
        if gems {
            d["gems"]
                .as_array_mut()
                .ok_or("no gems")?
                .push(a[0].clone());
        }
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
            earn: logged("earn", self.v2, self.gems),
            spend: logged("spend", self.v2, self.gems),
            credit: logged("credit", self.v2, self.gems),
            gift: self.gift.then(|| logged("gift", self.v2, self.gems)),
        }
    }

    pub fn migrations(self) -> Vec<(String, JsonFn)> {
        let mut steps = Vec::new();
        if self.v2 {
            steps.push(("v2".into(), v2_step()));
        }
        if self.gems {
            steps.push((
                "gems".into(),
                JsonFn::mutating("gems", |d, _| {
                    d["gems"] = json!([]);
                    Ok(())
                }),
            ));
        }
        steps
    }

    /// The steps this kind marks `backwardsCompatible`.
    pub fn compatible_steps(self) -> Vec<String> {
        let steps = self.migrations().into_iter().map(|(s, _)| s);
        steps.filter(|s| COMPATIBLE.contains(&s.as_str())).collect()
    }

    /// Default data, already in the newest shape this kind knows (the
    /// engine counts every known step as done on a fresh key).
    pub fn default_data(self) -> Value {
        let (c, l) = fields(self.v2);
        let mut m = serde_json::Map::new();
        m.insert(c.into(), json!(0));
        m.insert(l.into(), json!([]));
        if self.gems {
            m.insert("gems".into(), json!([]));
        }
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
            gems: self.gems || other.gems,
        }
    }
}

/// A record's data as `{coins, log}` whatever its shape, or why its data is
/// not in the shape its steps say (a record with `v2` holds exactly
/// `{balance, entries}`, one without exactly `{coins, log}`; with `gems`,
/// also `gems`, and the step's mark).
pub fn normalized(record: &Record) -> Result<Value, String> {
    let data: Value = serde_json::from_str(&record.data).map_err(|e| e.to_string())?;
    let v2 = record.migrations.iter().any(|s| s == "v2");
    let gems = record.migrations.iter().any(|s| s == "gems");
    if gems && !record.compatible.iter().any(|s| s == "gems") {
        return Err("the compatible step `gems` lost its mark".into());
    }
    let (c, l) = fields(v2);
    let shape_ok = data.as_object().is_some_and(|m| {
        m.len() == 2 + usize::from(gems)
            && m.contains_key(c)
            && m.contains_key(l)
            && (!gems || m.get("gems").is_some_and(Value::is_array))
    });
    if !shape_ok {
        return Err(format!(
            "data {data} is not in the shape of steps {:?} (want {{{c}, {l}}})",
            record.migrations
        ));
    }
    // Every id in `gems` is a change that landed, once: a writer that lost
    // the field (or replayed over an older copy of it) shows here.
    if let Some(ids) = data["gems"].as_array() {
        let logged: Vec<&Value> = data[l]
            .as_array()
            .map_or(Vec::new(), |log| log.iter().map(|e| &e[0]).collect());
        let mut seen = std::collections::HashSet::new();
        for id in ids {
            if !logged.contains(&id) || !seen.insert(id.to_string()) {
                return Err(format!("gems id {id} is not one landed change"));
            }
        }
    }
    Ok(json!({"coins": data[c], "log": data[l]}))
}
