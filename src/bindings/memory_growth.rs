//! The global allocator: the standard one (dlmalloc), made to grow the wasm
//! memory geometrically.
//!
//! dlmalloc grows the memory by what one request needs, rounded to a 64 KiB
//! page, so 100,000 sessions took thousands of `memory.grow`s. In V8 each
//! grow of a memory past about 64 MiB requests a full garbage collection
//! (the grow counts as external memory), whose cost grows with the JS heap:
//! together, quadratic (19% of a 100,000-session load was `memory.grow`, and
//! most of its 26% of GC). So whenever dlmalloc has just grown the memory,
//! one block of a quarter of the memory is allocated and freed at once:
//! dlmalloc grows by that much in one step and keeps it in its top chunk
//! (it never returns memory on wasm), and the next many requests are served
//! from it. Grows become O(log n), at the price of at most a quarter of the
//! memory reserved and not yet used (untouched pages the OS does not commit).

use std::alloc::{GlobalAlloc, Layout, System};
use std::arch::wasm32::memory_size;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

use wasm_bindgen::prelude::*;

/// Bytes in live allocations. The memory's size only tells the peak (wasm
/// memory never shrinks); this tells what is held now, e.g. by idle
/// sessions (bench/scale-child.mjs reads it). Relaxed atomics: the module
/// is single-threaded, they compile to plain loads and stores.
static LIVE: AtomicUsize = AtomicUsize::new(0);

/// Bytes the engine's allocations hold right now (not part of the API).
#[wasm_bindgen(js_name = liveBytes)]
pub fn live_bytes() -> f64 {
    LIVE.load(Relaxed) as f64
}

const PAGE: usize = 65_536;
/// No reserve below this: small modules stay small.
const MIN_RESERVE: usize = 1 << 20;

struct GrowGeometrically;

#[global_allocator]
static ALLOCATOR: GrowGeometrically = GrowGeometrically;

/// dlmalloc just grew the memory from `pages_before`: have it grow by a
/// quarter more now, while nothing else is in the way.
unsafe fn reserve(pages_before: usize) {
    let bytes = (pages_before * PAGE / 4).max(MIN_RESERVE);
    let Ok(layout) = Layout::from_size_align(bytes, 16) else {
        return;
    };
    // A failed reserve (memory exhausted) is no error: the request that
    // grew the memory has its block already.
    let block = System.alloc(layout);
    if !block.is_null() {
        System.dealloc(block, layout);
    }
}

/// Counts a new block of `size` bytes (none when the allocation failed).
fn counted(size: usize, block: *mut u8) -> *mut u8 {
    if !block.is_null() {
        LIVE.fetch_add(size, Relaxed);
    }
    block
}

/// Runs one allocator call; if it grew the memory, reserves after it.
unsafe fn growing(call: impl FnOnce() -> *mut u8) -> *mut u8 {
    let before = memory_size::<0>();
    let block = call();
    if memory_size::<0>() != before {
        reserve(before);
    }
    block
}

unsafe impl GlobalAlloc for GrowGeometrically {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        counted(layout.size(), growing(|| System.alloc(layout)))
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        counted(layout.size(), growing(|| System.alloc_zeroed(layout)))
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let block = growing(|| System.realloc(ptr, layout, new_size));
        if !block.is_null() {
            LIVE.fetch_sub(layout.size(), Relaxed);
            LIVE.fetch_add(new_size, Relaxed);
        }
        block
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Relaxed);
        System.dealloc(ptr, layout);
    }
}
