//! `SimRuntime`: the engine's `Runtime` for one simulated server.
//!
//! Owns the per-server view of the sim: its owner id (so `Sim::kill` takes
//! down exactly this server's tasks) and its clock skew. Servers in a real
//! fleet disagree about the time; the engine must not assume they agree, so
//! each server reads `sim time + offset` while timers still run on sim time.

use std::cell::Cell;

use skilift::engine::{LocalBoxFuture, Runtime};

use super::executor::Sim;

pub struct SimRuntime {
    sim: Sim,
    owner: u32,
    offset_ms: Cell<f64>,
}

impl SimRuntime {
    pub fn new(sim: &Sim, owner: u32, offset_ms: f64) -> Self {
        SimRuntime {
            sim: sim.clone(),
            owner,
            offset_ms: Cell::new(offset_ms),
        }
    }

    pub fn sim(&self) -> &Sim {
        &self.sim
    }

    pub fn owner(&self) -> u32 {
        self.owner
    }

    pub fn offset(&self) -> f64 {
        self.offset_ms.get()
    }

    /// Steps this server's clock (NTP correction, a VM resumed from pause).
    pub fn set_offset(&self, offset_ms: f64) {
        self.offset_ms.set(offset_ms);
    }
}

impl Runtime for SimRuntime {
    fn now_ms(&self) -> f64 {
        self.sim.now() + self.offset_ms.get()
    }

    // Durations are the same on every clock, so skew does not apply here.
    fn sleep(&self, ms: f64) -> LocalBoxFuture<'static, ()> {
        Box::pin(self.sim.sleep(ms))
    }

    fn spawn(&self, task: LocalBoxFuture<'static, ()>) {
        self.sim.spawn(self.owner, task);
    }

    fn random(&self) -> f64 {
        self.sim.random()
    }
}
