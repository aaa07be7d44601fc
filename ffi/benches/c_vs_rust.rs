//! The C ABI against the Rust API: a score query and typed ingestion.
//!
//! `cargo bench -p truexp-ffi --bench c_vs_rust`
//!
//! The C side is the real `libtruexp.so` cargo built next to this bench,
//! loaded with `dlopen` and called through the same function pointers a C
//! program would use; the layouts come from the very `types.rs` cbindgen
//! reads. (The crate cannot also build an rlib to call directly: its lib name
//! `truexp` would collide with the core crate's.) Goal: C ≤ 1.2 × Rust.

#[allow(dead_code)]
#[path = "../src/types.rs"]
mod types;

use std::ffi::c_void;
use std::hint::black_box;
use std::os::raw::c_char;
use std::path::PathBuf;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use truexp_core::event::{OrderLine, OrderPaid, RiskFlags};
use truexp_core::{Engine, Event, Money, Timestamp};

/// A moment from UTC seconds (test data is built in plain seconds).
fn ts(secs: i64) -> Timestamp {
    Timestamp::new(secs).expect("a moment in range")
}
use types::*;

type Handle = *mut c_void;

struct Lib {
    _lib: libloading::Library,
    new: unsafe extern "C" fn(*mut Handle) -> u32,
    free: unsafe extern "C" fn(Handle),
    ingest_jsonl:
        unsafe extern "C" fn(Handle, *const c_char, usize, *mut truexp_ingest_report) -> u32,
    latest: unsafe extern "C" fn(Handle, *mut i64) -> u32,
    score: unsafe extern "C" fn(Handle, *const c_char, usize, i64, *mut truexp_shop_score) -> u32,
    order_paid: unsafe extern "C" fn(Handle, *const truexp_order_paid, *mut u32) -> u32,
}

impl Lib {
    fn load() -> Lib {
        // Cargo does not build a cdylib-only library for benches: build it
        // (release profile, this bench's target directory) first.
        let exe = std::env::current_exe().unwrap();
        let dir: PathBuf = exe.parent().unwrap().parent().unwrap().to_path_buf();
        let status = std::process::Command::new(env!("CARGO"))
            .args([
                "build",
                "-q",
                "--release",
                "-p",
                "truexp-ffi",
                "--lib",
                "--target-dir",
            ])
            .arg(dir.parent().unwrap())
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .status()
            .expect("cargo build");
        assert!(status.success(), "cargo build -p truexp-ffi failed");
        let path = dir.join("libtruexp.so");
        // SAFETY: libtruexp.so is this crate's own cdylib; loading it runs no
        // initialisers beyond the Rust runtime's, and every symbol below is
        // declared with the signature of its `extern "C" fn` in `ffi/src`.
        unsafe {
            let lib = libloading::Library::new(&path)
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            Lib {
                new: *lib.get(b"truexp_engine_new\0").unwrap(),
                free: *lib.get(b"truexp_engine_free\0").unwrap(),
                ingest_jsonl: *lib.get(b"truexp_engine_ingest_jsonl\0").unwrap(),
                latest: *lib.get(b"truexp_engine_latest_event_time\0").unwrap(),
                score: *lib.get(b"truexp_engine_shop_score\0").unwrap(),
                order_paid: *lib.get(b"truexp_engine_ingest_order_paid\0").unwrap(),
                _lib: lib,
            }
        }
    }

    fn engine(&self) -> CEngine<'_> {
        let mut h: Handle = std::ptr::null_mut();
        // SAFETY: `h` is a valid out-pointer.
        assert_eq!(unsafe { (self.new)(&mut h) }, 0);
        CEngine { lib: self, h }
    }
}

/// An engine created through the C ABI, freed through it on drop.
struct CEngine<'a> {
    lib: &'a Lib,
    h: Handle,
}

impl Drop for CEngine<'_> {
    fn drop(&mut self) {
        // SAFETY: `h` came from `truexp_engine_new` and is freed once.
        unsafe { (self.lib.free)(self.h) }
    }
}

fn s(text: &str) -> truexp_str {
    truexp_str {
        ptr: text.as_ptr().cast(),
        len: text.len(),
    }
}

/// Source data for typed ingestion, shared by both sides.
struct Order {
    id: String,
    order: String,
    shop: String,
    buyer: String,
    sku: String,
    paid_at: i64,
}

fn orders(n: usize) -> Vec<Order> {
    (0..n)
        .map(|i| Order {
            id: format!("p{i}"),
            order: format!("o{i}"),
            shop: format!("s{}", i % 50),
            buyer: format!("b{}", i % 997),
            sku: format!("k{}", i % 31),
            paid_at: 1_790_000_000 + i as i64 * 60,
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let lib = Lib::load();
    let data = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../examples/data/demo.jsonl"
    ))
    .expect("demo data");

    // --- score query ---------------------------------------------------
    let mut rust = Engine::default();
    rust.ingest_jsonl(&data[..]);
    let as_of = rust.latest_event_time().unwrap();
    let cengine = lib.engine();
    let mut report = truexp_ingest_report::default();
    let mut c_as_of = 0;
    // SAFETY: valid engine, buffer and out-pointers.
    unsafe {
        assert_eq!(
            (lib.ingest_jsonl)(cengine.h, data.as_ptr().cast(), data.len(), &mut report),
            0
        );
        assert_eq!((lib.latest)(cengine.h, &mut c_as_of), 0);
    }
    assert_eq!(c_as_of, as_of.as_secs());
    let shop = "s32";
    let mut group = c.benchmark_group("score_query");
    group.bench_function("rust", |b| {
        b.iter(|| black_box(rust.score(black_box(shop), as_of).unwrap().overall))
    });
    group.bench_function("c_abi", |b| {
        let mut out = std::mem::MaybeUninit::<truexp_shop_score>::uninit();
        b.iter(|| {
            // SAFETY: valid engine, string and out-pointer.
            let rc = unsafe {
                (lib.score)(
                    cengine.h,
                    black_box(shop).as_ptr().cast(),
                    shop.len(),
                    as_of.as_secs(),
                    out.as_mut_ptr(),
                )
            };
            assert_eq!(rc, 0);
            // SAFETY: filled on success.
            black_box(unsafe { out.assume_init_ref() }.overall)
        })
    });
    group.finish();

    // --- typed ingestion of paid orders ---------------------------------
    const N: usize = 1000;
    let src = orders(N);
    let mut group = c.benchmark_group("ingest_order_paid_x1000");
    group.bench_function("rust", |b| {
        b.iter_batched(
            Engine::default,
            |mut engine| {
                for o in &src {
                    let event = Event::OrderPaid(OrderPaid {
                        id: o.id.clone(),
                        order_id: o.order.clone(),
                        shop_id: o.shop.clone(),
                        buyer_id: o.buyer.clone(),
                        category: "pet".to_owned(),
                        lines: vec![OrderLine {
                            sku: o.sku.clone(),
                            quantity: 1,
                            unit_price: Money::from(1990),
                            line_discount: Money::ZERO,
                        }],
                        discounts: vec![],
                        ordered_at: None,
                        paid_at: ts(o.paid_at),
                        ship_by: ts(o.paid_at + 172_800),
                        deliver_by: None,
                        risk: RiskFlags::default(),
                        tags: vec![],
                        region: None,
                    });
                    black_box(engine.ingest(event).unwrap());
                }
                engine
            },
            BatchSize::LargeInput,
        )
    });
    group.bench_function("c_abi", |b| {
        b.iter_batched(
            || lib.engine(),
            |engine| {
                for o in &src {
                    let line = truexp_order_line {
                        sku: s(&o.sku),
                        quantity: 1,
                        unit_price: 1990,
                        line_discount: 0,
                    };
                    let event = truexp_order_paid {
                        id: s(&o.id),
                        order_id: s(&o.order),
                        shop_id: s(&o.shop),
                        buyer_id: s(&o.buyer),
                        category: s("pet"),
                        lines: &line,
                        line_count: 1,
                        discounts: std::ptr::null(),
                        discount_count: 0,
                        tags: std::ptr::null(),
                        tag_count: 0,
                        ordered_at: TRUEXP_ABSENT,
                        paid_at: o.paid_at,
                        ship_by: o.paid_at + 172_800,
                        deliver_by: TRUEXP_ABSENT,
                        fake: 0,
                    };
                    let mut outcome = 0;
                    // SAFETY: valid engine; the struct and its strings outlive the call.
                    let rc = unsafe { (lib.order_paid)(engine.h, &event, &mut outcome) };
                    assert_eq!(rc, 0);
                    black_box(outcome);
                }
                engine
            },
            BatchSize::LargeInput,
        )
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(30)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4));
    targets = bench
}
criterion_main!(benches);
