//! The simulated game: servers with their own sessions and clocks on one
//! faulty backend, players earning and spending coins on several servers at
//! once, trades through transactions with escrow, servers killed mid-run,
//! coordinators that stall past the transaction timeout, and sometimes
//! newer servers that know a migration step (a new data shape) or a
//! transaction action the others do not (`kinds.rs`). Everything the
//! workload does is written down for the oracle.

use std::cell::RefCell;
use std::rc::Rc;

use serde_json::{json, Value};
use skilift::engine::{Code, Store, StoreOptions, Transaction};

use crate::kinds::{normalized, Actions, Kind};
use crate::oracle::{Ledger, SessionEnd, Trade};
use crate::support::executor::Sim;
use crate::support::json_host::JsonHost;
use crate::support::runtime::SimRuntime;
use crate::support::storage::{Faults, SimStorage};

pub const STORE: &str = "players";
/// Every server's `prepareTimeout` and `backoffCap` (the liveness bound
/// depends on them).
pub const PREPARE_TIMEOUT_MS: f64 = 3_000.0;
pub const BACKOFF_CAP_MS: f64 = 8_000.0;

pub type SimSession = skilift::engine::Session<JsonHost>;

/// A live session the workload may patch.
pub struct Live {
    pub session: SimSession,
    pub key: String,
    pub server: u32,
    /// Index into the ledger's sessions.
    pub index: usize,
}

pub struct Server {
    pub id: u32,
    pub store: Store<JsonHost>,
    pub kind: Kind,
    pub actions: Actions,
    pub alive: bool,
}

/// One run's shape, drawn from the seed.
pub struct Plan {
    pub servers: u32,
    pub players: usize,
    pub ticks: u32,
    pub faults: Faults,
    /// The kind of the last server (and of the servers that replace it),
    /// when it is newer than the others.
    pub newer: Option<Kind>,
    pub kills: u32,
    /// Short timeouts make readers presume aborts while coordinators are
    /// still deciding: the race the decision record exists for.
    pub transaction_timeout_ms: f64,
    /// `(probability, min, max ms)` of a coordinator stalling before its
    /// `committed` lands (`SimStorage::stall_commits`): just past the
    /// transaction timeout, so the participants' own pulls and other
    /// servers' readers presume an abort first and the coordinator loses
    /// the decision race.
    pub commit_stall: (f64, f64, f64),
    /// Longer than the longest stall in race plans, so the coordinator sees
    /// its create-if-absent write refused (it lost the race) rather than a
    /// timeout.
    pub request_timeout_ms: f64,
}

impl Plan {
    pub fn draw(sim: &Sim) -> Plan {
        sim.with_rng(|r| {
            let transaction_timeout_ms = if r.chance(0.5) {
                60_000.0
            } else {
                2_000.0 + 6_000.0 * r.f64()
            };
            // Most short-timeout runs race their coordinators.
            let race = transaction_timeout_ms < 60_000.0 && r.chance(0.8);
            let stall_p = 0.3 + 0.6 * r.f64();
            let newer = r.chance(0.4);
            let newer_kind = match r.below(5) {
                0 => Kind {
                    v2: true,
                    ..Kind::default()
                },
                1 => Kind {
                    gift: true,
                    ..Kind::default()
                },
                2 => Kind {
                    v2: true,
                    gift: true,
                    ..Kind::default()
                },
                // A rolling deploy: one compatible step, nothing else.
                3 => Kind {
                    gems: true,
                    ..Kind::default()
                },
                _ => Kind {
                    v2: true,
                    gift: true,
                    gems: true,
                },
            };
            Plan {
                servers: 3 + r.below(3) as u32,
                players: 4 + r.below(5) as usize,
                ticks: 30 + r.below(40) as u32,
                faults: Faults {
                    reject: 0.05 * r.f64(),
                    hang: 0.02 * r.f64(),
                    ambiguous: 0.08 * r.f64(),
                    delay: 0.7,
                    max_delay_ms: 50.0 + 800.0 * r.f64(),
                    garbage: 0.03 * r.f64(),
                },
                newer: newer.then_some(newer_kind),
                kills: r.below(3) as u32,
                transaction_timeout_ms,
                commit_stall: if race {
                    (
                        stall_p,
                        transaction_timeout_ms + 500.0,
                        transaction_timeout_ms + 7_000.0,
                    )
                } else {
                    (0.0, 0.0, 0.0)
                },
                request_timeout_ms: if race {
                    transaction_timeout_ms + 8_000.0
                } else {
                    5_000.0
                },
            }
        })
    }
}

pub struct Game {
    pub sim: Sim,
    pub storage: SimStorage,
    pub servers: Vec<Server>,
    pub live: Vec<Live>,
    pub ledger: Rc<RefCell<Ledger>>,
    next_id: u64,
    next_server: u32,
    pub transaction_timeout_ms: f64,
    request_timeout_ms: f64,
}

impl Game {
    pub fn new(sim: Sim, plan: &Plan) -> Game {
        let storage = SimStorage::new(&sim);
        let (p, min, max) = plan.commit_stall;
        storage.stall_commits(p, min, max);
        Game {
            sim,
            storage,
            servers: Vec::new(),
            live: Vec::new(),
            ledger: Rc::new(RefCell::new(Ledger::default())),
            next_id: 0,
            next_server: 1,
            transaction_timeout_ms: plan.transaction_timeout_ms,
            request_timeout_ms: plan.request_timeout_ms,
        }
    }

    /// Starts a server process: its own clock, skewed by up to a twelfth of
    /// the transaction timeout, and its own store.
    pub fn start_server(&mut self, kind: Kind) -> u32 {
        let id = self.next_server;
        self.next_server += 1;
        let skew = (self.sim.random() - 0.5) * self.transaction_timeout_ms / 6.0;
        let runtime = Rc::new(SimRuntime::new(&self.sim, id, skew));
        let default = kind.default_data();
        let host = JsonHost::new(Rc::new(self.storage.for_server(id)), runtime, move || {
            Ok(default.clone())
        });
        let mut options = StoreOptions::new(STORE);
        options.pull_delay_ms = 1_000.0 + 4_000.0 * self.sim.random();
        options.transaction_timeout_ms = self.transaction_timeout_ms;
        options.request_timeout_ms = self.request_timeout_ms;
        options.prepare_timeout_ms = PREPARE_TIMEOUT_MS;
        options.backoff_cap_ms = BACKOFF_CAP_MS;
        options.migrations = kind.migrations();
        options.compatible_steps = kind.compatible_steps();
        let store = Store::new(host, options).expect("valid options");
        let actions = kind.actions();
        store.action(actions.earn.clone());
        store.action(actions.spend.clone());
        store
            .transaction("credit", actions.credit.clone())
            .expect("register");
        if let Some(gift) = &actions.gift {
            store.transaction("gift", gift.clone()).expect("register");
        }
        self.ledger.borrow_mut().servers.insert(id, kind.knows());
        self.servers.push(Server {
            id,
            store,
            kind,
            actions,
            alive: true,
        });
        id
    }

    pub fn fresh_id(&mut self, prefix: &str) -> String {
        self.next_id += 1;
        format!("{prefix}{}", self.next_id)
    }

    pub fn server_actions(&self, id: u32) -> &Actions {
        &self.server(id).actions
    }

    fn server(&self, id: u32) -> &Server {
        self.servers
            .iter()
            .find(|s| s.id == id)
            .expect("server exists")
    }

    /// Loads `key` on `server` (a player joining, or hopping while still
    /// loaded elsewhere).
    pub fn load(&mut self, server: u32, key: &str) {
        let session = self.server(server).store.load(key).expect("load");
        let index = self.ledger.borrow_mut().new_session(server, key);
        self.live.push(Live {
            session,
            key: key.to_owned(),
            server,
            index,
        });
    }

    /// A random live session's position.
    pub fn pick_live(&self) -> Option<usize> {
        if self.live.is_empty() {
            return None;
        }
        Some(self.sim.with_rng(|r| r.below(self.live.len() as u64)) as usize)
    }

    pub fn earn_on(&mut self, i: usize) {
        let amount = 1 + self.sim.with_rng(|r| r.below(20)) as i64;
        let id = self.fresh_id("e");
        let live = &self.live[i];
        let earn = &self.server(live.server).actions.earn;
        match live.session.patch(earn, json!([id, amount])) {
            Ok(true) => self.ledger.borrow_mut().patched(live.index, &id, amount),
            Ok(false) => unreachable!("earn never cancels"),
            // The session went bad in the background; nothing was queued.
            Err(_) => assert!(live.session.stopped(), "patch failed on a running session"),
        }
    }

    /// A one-shot `store.update` of `key` from `server` (a gift to a player
    /// who may be loaded anywhere, or nowhere): in the ledger, a session of
    /// one change, saved when the update resolves `true`, bad when it
    /// rejects for the key (quarantined, or needs a newer version), killed
    /// with its server otherwise.
    pub fn update(&mut self, server: u32, key: &str) {
        let amount = 1 + self.sim.with_rng(|r| r.below(20)) as i64;
        let id = self.fresh_id("u");
        let index = {
            let mut ledger = self.ledger.borrow_mut();
            let index = ledger.new_session(server, key);
            ledger.patched(index, &id, amount);
            index
        };
        let s = self.server(server);
        let updating = s
            .store
            .update(key, s.actions.earn.clone(), json!([id, amount]))
            .expect("earn is registered");
        let ledger = self.ledger.clone();
        self.sim.spawn(
            server,
            Box::pin(async move {
                let end = match updating.await {
                    Ok(true) => SessionEnd::Saved,
                    Ok(false) => unreachable!("earn never cancels"),
                    Err(e) if matches!(e.code(), Some(Code::BadData | Code::NeedsNewerVersion)) => {
                        SessionEnd::Bad
                    }
                    Err(e) => panic!("update rejected: {e}"),
                };
                ledger.borrow_mut().ended(index, end);
            }),
        );
    }

    /// A trade between two live sessions on one server: escrow on the payer
    /// first, then the transaction.
    pub fn trade(&mut self, server: u32) {
        let here: Vec<usize> = (0..self.live.len())
            .filter(|&i| self.live[i].server == server && !self.live[i].session.stopped())
            .collect();
        if here.len() < 2 {
            return;
        }
        let (a, b) = self.sim.with_rng(|r| {
            let a = r.below(here.len() as u64) as usize;
            let mut b = r.below(here.len() as u64 - 1) as usize;
            if b >= a {
                b += 1;
            }
            (here[a], here[b])
        });
        if self.live[a].key == self.live[b].key {
            return;
        }
        let n = self.fresh_id("t");
        let (payer, payee) = (&self.live[a], &self.live[b]);
        let actions = &self.server(server).actions;
        // A newer server pays with the action older ones do not know, half
        // the time.
        let pay = match &actions.gift {
            Some(gift) if self.sim.random() < 0.5 => gift,
            _ => &actions.credit,
        };
        let escrow = format!("{n}:escrow");
        if payer
            .session
            .patch(&actions.spend, json!([escrow, -10]))
            .is_err()
        {
            return;
        }
        self.ledger.borrow_mut().patched(payer.index, &escrow, -10);
        let mut tx = Transaction::new();
        let recorded = tx
            .record(&payee.session, true, pay, json!([format!("{n}:recv"), 10]))
            .and_then(|()| {
                tx.record(
                    &payer.session,
                    false,
                    &actions.credit,
                    json!([format!("{n}:refund"), 10]),
                )
            });
        let trade_index = self.ledger.borrow_mut().trades.len();
        self.ledger.borrow_mut().trades.push(Trade {
            id: n.clone(),
            tx: tx.id().unwrap_or_default().to_owned(),
            payer: payer.index,
            server,
            result: None,
        });
        if recorded.is_err() {
            // A session stopped (went bad) between the checks: the escrow
            // stays queued as a plain spend and no transaction runs.
            self.ledger.borrow_mut().trades[trade_index].result = Some(Err(()));
            return;
        }
        let ledger = self.ledger.clone();
        let commit = tx.commit();
        self.sim.spawn(
            server,
            Box::pin(async move {
                let result = commit.await;
                ledger.borrow_mut().trades[trade_index].result =
                    Some(result.map_err(|e| panic!("commit rejected: {e}")));
            }),
        );
    }

    /// Stops one live session (a player leaving); the oracle learns how it
    /// ended once the stop settles.
    pub fn stop(&mut self, i: usize) {
        let live = self.live.swap_remove(i);
        let ledger = self.ledger.clone();
        let stop = live.session.stop();
        let session = live.session.clone();
        self.sim.spawn(
            live.server,
            Box::pin(async move {
                let result = stop.await;
                let end = match (result, session.bad()) {
                    (_, Some(_)) => SessionEnd::Bad,
                    (Ok(()), None) => SessionEnd::Saved,
                    (Err(e), None) => panic!("stop rejected: {e}"),
                };
                ledger.borrow_mut().ended(live.index, end);
            }),
        );
    }

    /// SIGKILL: every task of the server is dropped; its live sessions die
    /// with whatever they had not saved.
    pub fn kill(&mut self, server: u32) {
        self.sim.kill(server);
        if let Some(s) = self.servers.iter_mut().find(|s| s.id == server) {
            s.alive = false;
        }
        self.live.retain(|l| l.server != server);
        // Live sessions, and those whose stop had not settled, die with it.
        let mut ledger = self.ledger.borrow_mut();
        for i in 0..ledger.sessions.len() {
            if ledger.sessions[i].server == server {
                ledger.ended(i, SessionEnd::Killed);
            }
        }
        ledger.killed_servers.push(server);
    }

    pub fn alive_servers(&self) -> Vec<u32> {
        self.servers
            .iter()
            .filter(|s| s.alive)
            .map(|s| s.id)
            .collect()
    }

    /// Live servers with a `commit` still running.
    pub fn coordinating(&self) -> Vec<u32> {
        let ledger = self.ledger.borrow();
        let mut ids: Vec<u32> = ledger
            .trades
            .iter()
            .filter(|t| t.result.is_none() && !ledger.killed_servers.contains(&t.server))
            .map(|t| t.server)
            .collect();
        ids.dedup();
        ids
    }

    /// The kind that knows what every server so far knows.
    pub fn newest_kind(&self) -> Kind {
        self.servers
            .iter()
            .fold(Kind::default(), |k, s| k.union(s.kind))
    }

    /// Keys in play.
    pub fn keys(players: usize) -> Vec<String> {
        (0..players).map(|p| format!("player{p}")).collect()
    }

    /// The data of every key as stored now, as `{coins, log}` whatever its
    /// shape (data in the wrong shape as it is: the oracle's write checks
    /// report it).
    pub fn stored(&self, keys: &[String]) -> Vec<(String, Option<Value>)> {
        keys.iter()
            .map(|k| {
                let data = self
                    .storage
                    .current(&format!("{STORE}/global"), k)
                    .map(|e| {
                        let record = skilift::engine::record::Record::decode(&e.value)
                            .expect("the engine only writes decodable records");
                        normalized(&record).unwrap_or_else(|_| {
                            serde_json::from_str(&record.data).expect("data is JSON")
                        })
                    });
                (k.clone(), data)
            })
            .collect()
    }
}
