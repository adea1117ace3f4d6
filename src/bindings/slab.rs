//! A table of values named by tickets: a slot and a serial.
//!
//! Used for what JS answers later, by name: backend calls in flight
//! (`storage_calls.rs`) and sleeps (`js_runtime.rs`). A slot is reused once
//! freed, but its serial never is: a late answer, or a queue entry left by a
//! cancelled sleep, names a ticket that no longer holds, and finds nothing.
//! Both hold an [`Awaited`]: the waker of a future JS completes later.

use std::task::Waker;

/// Names one value of a [`Slab`].
#[derive(Clone, Copy, PartialEq)]
pub struct Ticket {
    pub slot: u32,
    /// From one counter that only grows (an f64 counts exactly to 2^53, far
    /// past any process's calls and sleeps).
    pub serial: f64,
}

/// Free slots kept when the table is empty; above this it is given back
/// (100,000 sessions loading at once hold 100,000 of each; memory per idle
/// session is a target).
const KEEP_IDLE: usize = 1024;

pub struct Slab<T> {
    /// Each slot's serial (0: free) and value.
    slots: Vec<(f64, Option<T>)>,
    free: Vec<u32>,
    serial: f64,
}

impl<T> Slab<T> {
    pub const fn new() -> Self {
        Slab {
            slots: Vec::new(),
            free: Vec::new(),
            serial: 0.0,
        }
    }

    pub fn insert(&mut self, value: T) -> Ticket {
        self.serial += 1.0;
        let serial = self.serial;
        let slot = match self.free.pop() {
            Some(i) => {
                self.slots[i as usize] = (serial, Some(value));
                i
            }
            None => {
                self.slots.push((serial, Some(value)));
                (self.slots.len() - 1) as u32
            }
        };
        Ticket { slot, serial }
    }

    /// The value of `ticket`, if it still holds its slot.
    pub fn get_mut(&mut self, ticket: Ticket) -> Option<&mut T> {
        match self.slots.get_mut(ticket.slot as usize)? {
            (serial, value) if *serial == ticket.serial => value.as_mut(),
            _ => None,
        }
    }

    /// Frees the slot of `ticket` and returns its value, if it still held it.
    pub fn remove(&mut self, ticket: Ticket) -> Option<T> {
        let (serial, value) = self.slots.get_mut(ticket.slot as usize)?;
        if *serial != ticket.serial {
            return None;
        }
        *serial = 0.0;
        let value = value.take();
        self.free.push(ticket.slot);
        if self.is_empty() && self.slots.capacity() > KEEP_IDLE {
            self.slots = Vec::new();
            self.free = Vec::new();
        }
        value
    }

    /// How many slots are held.
    pub fn len(&self) -> usize {
        self.slots.len() - self.free.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Every held value.
    pub fn values_mut(&mut self) -> impl Iterator<Item = &mut T> {
        self.slots.iter_mut().filter_map(|(_, v)| v.as_mut())
    }
}

/// A slot's value for a future that JS completes later (a sleep, a backend
/// call): the waker of the task that last polled it, then its result.
pub enum Awaited<T> {
    Waiting(Option<Waker>),
    Done(T),
}

impl<T> Slab<Awaited<T>> {
    /// Whether `ticket` still waits; if so, `waker` is the one it wakes.
    pub fn wait(&mut self, ticket: Ticket, waker: &Waker) -> bool {
        match self.get_mut(ticket) {
            Some(Awaited::Waiting(w)) => {
                if !w.as_ref().is_some_and(|w| w.will_wake(waker)) {
                    *w = Some(waker.clone());
                }
                true
            }
            _ => false,
        }
    }

    /// Completes `ticket` with `value` if it still waits, and returns the
    /// waker to wake (once no borrow of the table is held: waking may poll).
    pub fn complete(&mut self, ticket: Ticket, value: T) -> Option<Waker> {
        let awaited = self.get_mut(ticket)?;
        if !matches!(awaited, Awaited::Waiting(_)) {
            return None;
        }
        match std::mem::replace(awaited, Awaited::Done(value)) {
            Awaited::Waiting(w) => w,
            Awaited::Done(_) => None,
        }
    }
}
