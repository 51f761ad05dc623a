//! Batched complex FFT against rustfft (f64): powers of two through the fused and multi-pass
//! paths, Bluestein lengths, f16 storage, every candidate configuration, round trips, random
//! shapes, caller-owned buffers, NaN propagation and typed errors for bad input.

mod common;

use common::{ctx, has_f16};
use proptest::prelude::*;
use wgkernels::harness::verify::Tier;
use wgkernels::ops::fft::config::fft_candidates;
use wgkernels::ops::fft::verify::check_fft;
use wgkernels::ops::fft::verify::check_fft_round_trip;
use wgkernels::ops::fft::verify::fft_shapes;
use wgkernels::{DType, Error, FftConfig, FftDesc, FftPlan};

fn assert_pass(c: &wgkernels::harness::verify::Check) {
    assert!(
        c.pass,
        "{} {} {:?}: rel L2 {:.3e} > tol {:.3e} ({:?})",
        c.variant, c.config, c.shape, c.rel_l2_err, c.tolerance, c.error
    );
}

#[test]
fn shape_list_matches_rustfft() {
    let mut ran = 0;
    // (The million-point transforms are `verify --full`'s.)
    let shapes = fft_shapes(Tier::Full)
        .into_iter()
        .filter(|d| d.n <= 1 << 17);
    for (i, d) in shapes.enumerate() {
        if d.dtype == DType::F16 && !has_f16("f16 fft shapes") {
            continue;
        }
        assert_pass(&check_fft(ctx(), &d, None, 100 + i as u64));
        ran += 1;
    }
    // Without f16 (GL, browsers) the f16 shapes are skipped.
    let min = if ctx().caps().f16 { 60 } else { 50 };
    assert!(ran >= min, "only {ran} shapes ran");
}

#[test]
fn large_powers_of_two_and_bluestein() {
    for (i, d) in [
        FftDesc::new(1 << 20),
        FftDesc::new(1 << 20).inverse(true),
        FftDesc::new(1 << 22),
        FftDesc::new(999_983),
        FftDesc::new(1 << 18).batch(3),
    ]
    .into_iter()
    .enumerate()
    {
        assert_pass(&check_fft(ctx(), &d, None, 7 + i as u64));
    }
}

#[test]
fn every_candidate_config() {
    let mut ran = 0;
    for d in [
        FftDesc::new(16).batch(3),
        FftDesc::new(2048).batch(3),
        // The fused 4096 points: the subgroup kernel's only length (configs with `sg8`).
        FftDesc::new(4096).batch(3),
        FftDesc::new(4096).batch(2).inverse(true),
        FftDesc::new(8192).batch(2).inverse(true),
        FftDesc::new(1 << 15),
        FftDesc::new(45).batch(2),
    ] {
        for cfg in fft_candidates(ctx().caps(), &ctx().limits(), &d) {
            assert_pass(&check_fft(ctx(), &d, Some(cfg), 5));
            ran += 1;
        }
    }
    assert!(ran >= 20, "only {ran} configurations ran");
}

/// The subgroup kernels (subgroups of exactly 8 lanes: 4096- and 1024-point first passes, 256-point
/// passes) against rustfft: forward, inverse, f16 storage, batches, multi-pass, a round trip.
#[test]
fn subgroup_kernels() {
    let cfg = FftConfig::stockham_sg(12, 32, 2);
    let d = FftDesc::new(4096);
    if !cfg.valid_for(ctx().caps(), &ctx().limits(), &d) {
        eprintln!("skipped: subgroups are not exactly 8 lanes on this adapter");
        return;
    }
    assert!(cfg.uses_sg_kernel(12));
    let mut descs = vec![d.batch(5), d.batch(2).inverse(true), d.batch(70)];
    if ctx().caps().f16 {
        descs.push(d.batch(3).dtype(DType::F16));
    }
    for (i, d) in descs.into_iter().enumerate() {
        assert_pass(&check_fft(ctx(), &d, Some(cfg), 40 + i as u64));
    }
    // The dispatcher's default here is the subgroup kernel (unless a tuned cache says otherwise).
    assert_pass(&check_fft_round_trip(ctx(), 4096, 2, None, 9));
    // 256-point passes (fused, first pass, later passes with cross-pass twiddles: `p256`, and
    // `p256c` at spans ≥ 1024 as in 2^18 = 1024 × 256 and 2^20 = 16 × 256 × 256) and
    // the 16-point first pass of 2^20 (`p16c`) run on it too.
    let mp = FftConfig::stockham_sg(12, 32, 0);
    assert!(mp.uses_sg_kernel(12) && mp.uses_sg_kernel(10) && mp.uses_sg_kernel(8));
    // 256-point passes of span ≥ 1024 run on `p256c` (a lane per column), 1024-point passes
    // after the first on the plain core.
    assert_eq!(mp.sg_entry(8, 8, 16), Some("p256"));
    assert_eq!(mp.sg_entry(8, 10, 18), Some("p256c"));
    assert_eq!(mp.sg_entry(10, 8, 18), None);
    // The fused 4096-point transform runs on `p4096`, 4096-point first passes of longer
    // transforms on `main`, 16-point first passes on `p16c`.
    assert_eq!(mp.sg_entry(12, 0, 12), Some("p4096"));
    assert_eq!(mp.sg_entry(12, 0, 24), Some("main"));
    assert_eq!(mp.sg_entry(4, 0, 20), Some("p16c"));
    assert_eq!(mp.sg_entry(16, 0, 16), Some("p65536"));
    assert_eq!(mp.sg_entry(13, 0, 13), Some("p8192"));
    assert_eq!(mp.sg_entry(14, 0, 14), Some("p16384"));
    assert_eq!(mp.sg_entry(9, 0, 9), Some("p512"));
    assert_eq!(mp.sg_entry(11, 0, 19), Some("p2048"));
    assert_eq!(mp.sg_entry(8, 9, 17), Some("p256c"));
    // 2^17 … 2^20 end with a lane-per-column pass in place, 2^18 … 2^20 with a twiddled
    // lane-per-column pass in the middle; 8192 and 16384 run fused (p4096 per part).
    assert_eq!(mp.sg_entry(4, 8, 18), Some("p16c"));
    assert_eq!(mp.sg_entry(5, 8, 20), Some("p32c"));
    for (log_n, entries) in [
        (15, &["p256", "p128c"][..]),
        (17, &["p2048", "p64c"]),
        (18, &["p256", "p16c", "p64c"]),
        (19, &["p256", "p16c", "p128c"]),
        (20, &["p256", "p32c", "p128c"]),
    ] {
        let sg = wgkernels::ops::fft::sg_pass_constants(&mp, log_n);
        let names: Vec<_> = sg.iter().map(|s| s.0).collect();
        assert_eq!(names, entries, "{log_n}: {sg:?}");
        assert!(
            sg.last().unwrap().1.contains(&("SG_IN_PLACE", 1.0)),
            "{sg:?}"
        );
        assert!(sg[..sg.len() - 1]
            .iter()
            .all(|s| !s.1.contains(&("SG_IN_PLACE", 1.0))));
    }
    check_sg_cases(ctx(), &[DType::F32, DType::F16]);
}

/// Every subgroup kernel (`FftConfig::stockham_sg(12, 32, 0)`) on `c`, in the storage types
/// `dtypes`, against the reference, with the number of dispatches each plan should take.
fn check_sg_cases(c: &wgkernels::Context, dtypes: &[DType]) {
    let mp = FftConfig::stockham_sg(12, 32, 0);
    for (d, passes) in [
        // 1024-point first passes (`p1024`, one per subgroup, eight per workgroup): batches
        // that leave 1, 6, 3 and 7 transforms in the last workgroup, the inverse (vec4 loads of
        // a fused transform), and the first pass of 2^18 = 1024 × 256 (strided loads).
        (FftDesc::new(1024).batch(9), 1),
        (FftDesc::new(1024).batch(15), 1),
        (FftDesc::new(1024).batch(6).inverse(true), 1),
        (FftDesc::new(1024).batch(3), 1),
        (FftDesc::new(1 << 18).batch(2), 3),
        (FftDesc::new(1 << 18).inverse(true), 3),
        (FftDesc::new(256).batch(13), 1),
        (FftDesc::new(256).batch(3).inverse(true), 1),
        // 65536 in one dispatch (`p65536`, both 256-point passes in one workgroup).
        (FftDesc::new(1 << 16).batch(3), 1),
        (FftDesc::new(1 << 16).inverse(true), 1),
        (FftDesc::new(1 << 20).batch(3), 3),
        (FftDesc::new(1 << 20).inverse(true), 3),
        // 2^23 = 4096 × 2048: the first pass on `main`.
        (FftDesc::new(1 << 23), 2),
        // `p512` and `p2048` (p1024 with a radix-2 or radix-8 last step): fused with tails
        // in the last workgroup and the inverse, and as the first pass of 2^17
        // = 2048 × 64 (strided loads).
        (FftDesc::new(512).batch(9), 1),
        (FftDesc::new(512).batch(6).inverse(true), 1),
        (FftDesc::new(2048).batch(15), 1),
        (FftDesc::new(2048).batch(3).inverse(true), 1),
        (FftDesc::new(1 << 17).batch(2), 2),
        (FftDesc::new(1 << 19).inverse(true), 3),
        (FftDesc::new(1 << 19).batch(2), 3),
        // 8192 and 16384 fused (`p8192`, `p16384`: p4096 per part, then a radix-2 or
        // radix-4 step), with tails, the inverse and f16 storage; 32768 = 256 × 128 (`p256`, then `p128c`
        // in place).
        (FftDesc::new(8192).batch(3), 1),
        (FftDesc::new(8192).inverse(true), 1),
        (FftDesc::new(16384).inverse(true), 1),
        (FftDesc::new(16384).batch(2), 1),
        (FftDesc::new(8192).batch(2).dtype(DType::F16), 1),
        (FftDesc::new(16384).dtype(DType::F16).inverse(true), 1),
        (FftDesc::new(32768).batch(2), 2),
        (FftDesc::new(32768).inverse(true), 2),
    ] {
        if !dtypes.contains(&d.dtype) || (d.dtype == DType::F16 && !c.caps().f16) {
            continue;
        }
        let plan = FftPlan::new(c, d, Some(mp)).unwrap();
        assert_eq!(plan.dispatches(), passes, "{d:?}");
        assert_pass(&check_fft(c, &d, Some(mp), 60));
    }
}

/// Where the shared context runs the subgroup kernels on 64-bit words (a CPU adapter with
/// `SHADER_INT64`), the same kernels on their vector-access path, as a CPU adapter without
/// 64-bit integers runs them: every 1-D case of [`subgroup_kernels`] (f32 and f16), the
/// lane-per-column column passes of N-D transforms (`p16v`, `p64l`, `p256v`) and the fused
/// rfftn row steps.
#[test]
fn subgroup_kernels_on_vector_access() {
    use wgkernels::ops::fft::nd::{ColumnPass, FftNdDesc, NdConfig, NdTransform};
    use wgkernels::ops::fft::shaders::{stockham_sg, STOCKHAM_SG, STOCKHAM_SG_WIDE};
    use wgkernels::ops::fft::verify::check_nd_async;
    let mp = FftConfig::stockham_sg(12, 32, 0);
    if !mp.valid_for(ctx().caps(), &ctx().limits(), &FftDesc::new(4096)) {
        eprintln!("skipped: subgroups are not exactly 8 lanes on this adapter");
        return;
    }
    if stockham_sg(ctx().caps(), DType::F32).name != STOCKHAM_SG_WIDE.name {
        eprintln!("skipped: the shared context runs the vector-access kernels already");
        return;
    }
    let c = common::without_int64();
    assert_eq!(stockham_sg(c.caps(), DType::F32).name, STOCKHAM_SG.name);
    assert_eq!(stockham_sg(c.caps(), DType::F16).name, STOCKHAM_SG.name);
    check_sg_cases(c, &[DType::F32, DType::F16]);
    let lanes = NdConfig::all()
        .into_iter()
        .find(|c| c.columns == ColumnPass::Lanes)
        .unwrap();
    let fwd = NdTransform::C2c { inverse: false };
    for (i, d) in [
        FftNdDesc::new(&[2, 1024, 512], &[1, 2], fwd),
        FftNdDesc::new(&[256, 256], &[0, 1], NdTransform::C2c { inverse: true }),
        FftNdDesc::new(&[4096, 16], &[0], fwd),
        FftNdDesc::new(&[2, 1024, 1024], &[1, 2], NdTransform::R2c),
        FftNdDesc::new(&[2, 1024, 1024], &[1, 2], NdTransform::C2r),
        FftNdDesc::new(&[256, 8, 1024], &[0, 2], fwd).dtype(DType::F16),
    ]
    .iter()
    .filter(|d| d.dtype == DType::F32 || c.caps().f16)
    .enumerate()
    {
        let r = pollster::block_on(check_nd_async(c, d, Some(lanes), 90 + i as u64));
        assert!(
            r.pass,
            "{:?}: rel L2 {:.3e} > tol {:.3e} ({:?})",
            r.shape, r.rel_l2_err, r.tolerance, r.error
        );
    }
}

/// Where the shared context runs the plain Stockham core on 64-bit words, the same kernel on its
/// vector-access path (a GPU, or a CPU adapter without 64-bit integers), f32 and f16: fused and
/// multi-pass powers of two (the last pass in place), Bluestein lengths (primes over 53), and strided column
/// passes of an N-D transform.
#[test]
fn plain_core_on_vector_access() {
    use wgkernels::ops::fft::nd::{ColumnPass, FftNdDesc, NdConfig, NdTransform, TransposeKernel};
    use wgkernels::ops::fft::shaders::{stockham, STOCKHAM, STOCKHAM_WIDE};
    use wgkernels::ops::fft::verify::check_nd_async;
    if stockham(ctx().caps(), DType::F32).name != STOCKHAM_WIDE.name {
        eprintln!("skipped: the shared context runs the vector-access kernel already");
        return;
    }
    let c = common::without_int64();
    assert_eq!(stockham(c.caps(), DType::F32).name, STOCKHAM.name);
    assert_eq!(stockham(c.caps(), DType::F16).name, STOCKHAM.name);
    let plain = FftConfig::stockham(12, 32, 0);
    for dtype in [DType::F32, DType::F16] {
        if dtype == DType::F16 && !c.caps().f16 {
            continue;
        }
        for (i, d) in [
            FftDesc::new(4096).batch(3),
            FftDesc::new(1 << 15).inverse(true),
            FftDesc::new(59).batch(2),
            FftDesc::new(167),
        ]
        .into_iter()
        .enumerate()
        {
            assert_pass(&check_fft(c, &d.dtype(dtype), Some(plain), 30 + i as u64));
        }
    }
    let strided = NdConfig {
        transpose: TransposeKernel::Direct,
        columns: ColumnPass::Strided,
    };
    let fwd = NdTransform::C2c { inverse: false };
    for (i, d) in [
        FftNdDesc::new(&[1024, 64], &[0, 1], fwd),
        FftNdDesc::new(&[3, 100, 12], &[1, 2], fwd),
    ]
    .iter()
    .enumerate()
    {
        let r = pollster::block_on(check_nd_async(c, d, Some(strided), 95 + i as u64));
        assert!(
            r.pass,
            "{:?}: rel L2 {:.3e} > tol {:.3e} ({:?})",
            r.shape, r.rel_l2_err, r.tolerance, r.error
        );
    }
}

/// Smooth lengths run the mixed-radix kernel: every radix (1 … 25, the primes to 53; asserted) in first,
/// middle and last stages, three stages (1458 = 18 · 9 · 9), the largest length (2000 on 32 KiB
/// of workgroup memory), one transform per workgroup and many (12 points: 170 per workgroup, a
/// partial last workgroup), forward and inverse, f32 and f16, words and vector access, and the
/// strided column passes of N-D transforms; over 2048 points (1024 on WebGPU's 16 KiB) in one
/// buffer of workgroup memory (3000, 4095; 2000 on 16 KiB), or as two passes (3844 = 62 · 62,
/// 6144 = 96 · 64, 44100 = 210 · 210; 1500² = 1500 · 1500 on 16 KiB, a pass in one buffer).
/// Every length runs on the shared context; the vector-access and 16 KiB contexts, whose kernels
/// differ from it in addressing and workgroup memory, not in the radices' butterflies, run the
/// lengths where those differ in route or layout (`ACCESS_AND_MEMORY`).
#[test]
fn mixed_radix_lengths() {
    use wgkernels::ops::fft::nd::{FftNdDesc, NdTransform};
    use wgkernels::ops::fft::verify::check_nd_async;
    use wgkernels::ops::fft::{mixed_passes, mixed_radices};
    let lengths = [
        (1u32, 5u32),
        (3, 7),
        (5, 1),
        (7, 3),
        (11, 2),
        (13, 2),
        (6, 9),
        (12, 1000),
        (14, 3),
        (60, 5),
        (96, 3),
        (243, 2),
        (625, 1),
        (1001, 2),
        (1458, 1),
        (1664, 2),
        (2000, 1),
        (3000, 3),
        (4095, 1),
        (6144, 2),
        (44100, 1),
        (17, 3),
        (31, 2),
        (19 * 23, 2),
        (29 * 64, 1),
        (31 * 31 * 4, 1),
        (29 * 2, 3),
        (29 * 4, 2),
        (37, 3),
        (41 * 2, 2),
        (43 * 5, 1),
        (47 * 50, 1),
        (53, 2),
        (21 * 21, 1),
        (22 * 22, 2),
        (24 * 24, 1),
        (15 * 14, 2),
        (2400, 2),
        (1500 * 1500, 1),
    ];
    let mut radices: Vec<u32> = lengths
        .iter()
        .flat_map(|&(n, _)| mixed_radices(n, 4096).unwrap_or_default())
        .collect();
    radices.sort();
    radices.dedup();
    let mut all = wgkernels::ops::fft::MIXED_RADICES.to_vec();
    all.insert(0, 1);
    assert_eq!(radices, all, "a radix no length runs");
    // A radix-1 stage, a prime radix, many transforms per workgroup, three stages, one buffer
    // or two passes on one memory size or the other, and the largest two-pass lengths.
    const ACCESS_AND_MEMORY: [u32; 12] = [
        1,
        13,
        12,
        1001,
        1458,
        2000,
        2400,
        3000,
        4095,
        6144,
        44100,
        1500 * 1500,
    ];
    let mut ran = 0;
    for (c, name) in mixed_kernel_contexts() {
        let max = wgkernels::ops::fft::mixed_max_points(&c.limits());
        for (i, &(n, b)) in lengths.iter().enumerate() {
            if name != "shared" && !ACCESS_AND_MEMORY.contains(&n) {
                continue;
            }
            // One pass in two halves of workgroup memory, in one buffer where the radices allow
            // (all ≥ n / 512), else two passes.
            let one = mixed_radices(n, max);
            assert!(one.is_some() || n > max / 2, "{name}: n = {n}");
            assert!(one.is_none() || n <= max, "{name}: n = {n}");
            let passes = mixed_passes(n, max).unwrap_or_default();
            assert_eq!(passes.len(), 2 - one.is_some() as usize, "{name}: n = {n}");
            let mixed = !passes.is_empty();
            let route = if mixed { "mixed" } else { "bluestein" };
            ran += check_both_ways_on(c, name, FftDesc::new(n).batch(b), route, 700 + i as u64);
        }
        if c.caps().f16 {
            for (i, n) in [7u32, 1000, 1458].into_iter().enumerate() {
                let d = FftDesc::new(n).batch(3).dtype(DType::F16).inverse(i == 1);
                assert_pass(&check_fft(c, &d, None, 740 + i as u64));
            }
        }
        // Columns at a stride (axes 0 and 1 of a 3-D array, in place after the first step).
        let fwd = NdTransform::C2c { inverse: false };
        let inv = NdTransform::C2c { inverse: true };
        for (i, d) in [
            FftNdDesc::new(&[30, 14, 8], &[0, 1, 2], fwd),
            FftNdDesc::new(&[3, 100, 12], &[1, 2], inv),
            FftNdDesc::new(&[1000, 4], &[0], fwd),
            FftNdDesc::new(&[3000, 3], &[0], inv),
        ]
        .iter()
        .enumerate()
        {
            let r = pollster::block_on(check_nd_async(c, d, None, 760 + i as u64));
            assert!(
                r.pass,
                "{name} {:?}: rel L2 {:.3e} > tol {:.3e} ({:?})",
                r.shape, r.rel_l2_err, r.tolerance, r.error
            );
        }
    }
    assert_eq!(ran, 2 * (lengths.len() + 2 * ACCESS_AND_MEMORY.len()));
    // Which lengths take one buffer (32 KiB: over 2048 points) or two passes.
    assert_eq!(mixed_passes(3000, 4096), Some(vec![3000]));
    assert_eq!(mixed_passes(4095, 4096), Some(vec![4095]));
    assert_eq!(mixed_passes(31 * 31 * 4, 4096), Some(vec![62, 62]));
    assert_eq!(mixed_passes(2000, 2048), Some(vec![2000]));
    assert_eq!(mixed_passes(1500 * 1500, 2048), Some(vec![1500, 1500]));
}

/// The contexts the mixed-radix kernel's tests run on: the shared one (64-bit words on CPU
/// adapters), vector access, and WebGPU's 16 KiB of workgroup memory.
fn mixed_kernel_contexts() -> [(&'static wgkernels::Context, &'static str); 3] {
    [
        (ctx(), "shared"),
        (common::without_int64(), "vector access"),
        (common::browser_like(), "16 KiB"),
    ]
}

/// Checks `d` forward and inverse on `c` (named `name`) with the dispatcher's pick, which must take
/// `route`; returns
/// the number of checks (2).
fn check_both_ways_on(
    c: &wgkernels::Context,
    name: &str,
    d: FftDesc,
    route: &str,
    seed: u64,
) -> usize {
    assert_eq!(
        wgkernels::ops::fft::length_route(c, d.n),
        Some(route),
        "{name}: n = {}",
        d.n
    );
    for inverse in [false, true] {
        let check = check_fft(c, &d.inverse(inverse), None, seed);
        assert_eq!(check.variant, route);
        assert_pass(&check);
    }
    2
}

/// Primes past the mixed kernel's radices whose p − 1 it takes in one pass run Rader's algorithm
/// (two transforms of p − 1 points in one dispatch): several transforms per workgroup with a partial last one
/// (61, 67), p − 1 a power of two (257), three stages (1009: 1008 = 12 · 12 · 7, 2003: 2002 =
/// 14 · 13 · 11), one buffer of workgroup memory (4093 on 32 KiB; Bluestein on WebGPU's 16 KiB),
/// forward and inverse, f32 and f16, words and vector access. Primes whose p − 1 has a prime
/// factor over 53 take Bluestein (167: 166 = 2 · 83), and so do those whose p − 1 is twice a
/// prime radix (59). The vector-access and 16 KiB contexts run the lengths whose route or
/// layout differs there (61, 4093, 59), as in [`mixed_radix_lengths`].
#[test]
fn rader_primes() {
    let mut ran = 0;
    for (c, name) in mixed_kernel_contexts() {
        let max = wgkernels::ops::fft::mixed_max_points(&c.limits());
        for (i, &(n, b)) in [
            (61u32, 45u32),
            (67, 3),
            (257, 2),
            (1009, 3),
            (2003, 2),
            (4093, 2),
            (167, 2),
            (59, 2),
        ]
        .iter()
        .enumerate()
        {
            if name != "shared" && ![61, 4093, 59].contains(&n) {
                continue;
            }
            let rader = n != 167 && n != 59 && (n - 1) <= max;
            let route = if rader { "rader" } else { "bluestein" };
            ran += check_both_ways_on(c, name, FftDesc::new(n).batch(b), route, 800 + i as u64);
        }
        if c.caps().f16 {
            for (i, n) in [61u32, 1009].into_iter().enumerate() {
                let d = FftDesc::new(n).batch(3).dtype(DType::F16).inverse(i == 1);
                let check = check_fft(c, &d, None, 840 + i as u64);
                assert_eq!(check.variant, "rader");
                assert_pass(&check);
            }
        }
    }
    assert_eq!(ran, 2 * (8 + 2 * 3));
    // Rader axes inside N-D transforms (the middle axis through transposes, the last one
    // contiguous): c2c, r2c (67 real points per row) and c2r, a DCT-II over a 61-point axis.
    use wgkernels::ops::fft::nd::{FftNdDesc, NdTransform};
    use wgkernels::ops::fft::r2r::R2rKind;
    assert_nd_pass(
        &[
            FftNdDesc::new(&[2, 61, 12], &[1, 2], NdTransform::C2c { inverse: false }),
            FftNdDesc::new(&[3, 10, 67], &[1, 2], NdTransform::R2c),
            FftNdDesc::new(&[3, 10, 67], &[1, 2], NdTransform::C2r),
            FftNdDesc::new(&[4, 61], &[1], NdTransform::R2r(R2rKind::Dct2)),
        ],
        860,
    );
}

/// Checks each N-D transform of `descs` against the reference with the dispatcher's pick on the
/// shared context (seeds from `seed`).
fn assert_nd_pass(descs: &[wgkernels::ops::fft::nd::FftNdDesc], seed: u64) {
    for (i, d) in descs.iter().enumerate() {
        let r = pollster::block_on(wgkernels::ops::fft::verify::check_nd_async(
            ctx(),
            d,
            None,
            seed + i as u64,
        ));
        assert!(
            r.pass,
            "{:?}: rel L2 {:.3e} > tol {:.3e} ({:?})",
            r.shape, r.rel_l2_err, r.tolerance, r.error
        );
    }
}

/// A Rader prime times a smooth length runs as Rader's dispatch over the columns then a
/// mixed-radix pass in place (`rader_split`): 2 · 61 with a partial last workgroup, 2 · 1009,
/// 4 · 257 (p − 1 a power of two), 10 · 1009 (a two-stage second pass), 64 · 61, 3 · 4093 (one
/// buffer on 32 KiB; Bluestein on WebGPU's 16 KiB), forward and inverse, f32 and f16, words and
/// vector access; 2 · 59 stays on Bluestein (59 does: see `rader::takes`). Then an inverse c2c
/// with a 122-point middle axis (through transposes) and an r2c over rows of 4036 real values
/// (a 2018-point complex transform of the packed pairs). The vector-access and 16 KiB contexts
/// run the lengths whose route or layout differs there (122, 12279, 118).
#[test]
fn rader_composites() {
    let mut ran = 0;
    for (c, name) in mixed_kernel_contexts() {
        let max = wgkernels::ops::fft::mixed_max_points(&c.limits());
        for (i, &(n, b, split)) in [
            (122u32, 5u32, Some((2, 61))),
            (2018, 3, Some((2, 1009))),
            (1028, 2, Some((4, 257))),
            (10090, 2, Some((10, 1009))),
            (3904, 2, Some((64, 61))),
            (12279, 2, Some((3, 4093))),
            (118, 3, None),
        ]
        .iter()
        .enumerate()
        {
            if name != "shared" && ![122, 12279, 118].contains(&n) {
                continue;
            }
            let split = split.filter(|&(_, p)| p - 1 <= max);
            assert_eq!(
                wgkernels::ops::fft::rader_split(n, max),
                split,
                "{name}: {n}"
            );
            let route = if split.is_some() {
                "rader"
            } else {
                "bluestein"
            };
            let d = FftDesc::new(n).batch(b);
            ran += check_both_ways_on(c, name, d, route, 870 + i as u64);
            if route == "rader" {
                assert_eq!(
                    FftPlan::new(c, d, None).unwrap().dispatches(),
                    2,
                    "{name}: {n}"
                );
            }
        }
        if c.caps().f16 {
            let d = FftDesc::new(2018).batch(3).dtype(DType::F16).inverse(true);
            let check = check_fft(c, &d, None, 890);
            assert_eq!(check.variant, "rader");
            assert_pass(&check);
        }
    }
    assert_eq!(ran, 2 * (7 + 2 * 3));
    use wgkernels::ops::fft::nd::{FftNdDesc, NdTransform};
    assert_nd_pass(
        &[
            FftNdDesc::new(&[2, 122, 6], &[1, 2], NdTransform::C2c { inverse: true }),
            FftNdDesc::new(&[3, 4036], &[1], NdTransform::R2c),
        ],
        895,
    );
}

/// Bluestein batches whose scratch exceeds one binding run in chunks that share the scratch
/// (here under a 1 MiB binding limit: 59 points take 1 KiB of scratch per transform, so 2000
/// run as 1024 + 976, the tail on a pass set of its own; 118 points: chunks of 512; 4099 points:
/// chunks of 8), forward and inverse; where not even one transform's scratch fits, a typed error.
#[test]
fn bluestein_batches_over_one_binding_run_in_chunks() {
    let adapter = ctx().adapter.clone();
    let limits = wgpu::Limits {
        max_storage_buffer_binding_size: 1 << 20,
        ..ctx().device.limits()
    };
    let desc = wgpu::DeviceDescriptor {
        label: Some("1 MiB bindings"),
        required_features: ctx().device.features(),
        required_limits: limits,
        ..Default::default()
    };
    let (device, queue) = pollster::block_on(adapter.request_device(&desc)).unwrap();
    let c = wgkernels::Context::from_parts(adapter, device, queue);
    for (i, (n, b, chunks)) in [(59u32, 2000u32, 2), (118, 1100, 3), (59, 3, 1)]
        .into_iter()
        .enumerate()
    {
        let one = FftPlan::new(&c, FftDesc::new(n), None)
            .unwrap()
            .dispatches();
        for inverse in [false, true] {
            let d = FftDesc::new(n).batch(b).inverse(inverse);
            let plan = FftPlan::new(&c, d, None).unwrap();
            assert_eq!(plan.dispatches(), chunks * one, "{n} x {b}");
            let check = check_fft(&c, &d, None, 880 + i as u64);
            assert_eq!(check.variant, "bluestein");
            assert_pass(&check);
        }
    }
    // 4099 (16384 inner points, 128 KiB of scratch each): chunks of 8.
    let d = FftDesc::new(4099).batch(17);
    assert_pass(&check_fft(&c, &d, None, 890));
    // 65537: 2 MiB of scratch for one transform.
    let e = FftPlan::new(&c, FftDesc::new(65537), None).unwrap_err();
    assert!(matches!(e, Error::OverLimit { .. }), "{e}");
}

#[test]
fn round_trips() {
    for (n, b) in [
        (2u32, 3u32),
        (4096, 2),
        (1 << 16, 1),
        (1000, 2),
        (1 << 20, 1),
        (7, 4),
    ] {
        assert_pass(&check_fft_round_trip(ctx(), n, b, None, 21));
    }
}

#[test]
fn known_values_and_nan() {
    // An impulse transforms to all ones; a constant to n at bin 0.
    let ctx = ctx();
    let n = 8;
    let mut x = vec![0.0f32; 2 * n];
    x[0] = 1.0;
    let y = pollster::block_on(
        FftPlan::new(ctx, FftDesc::new(n as u32), None)
            .unwrap()
            .run_host(&x),
    )
    .unwrap();
    for k in 0..n {
        assert!(
            (y[2 * k] - 1.0).abs() < 1e-6 && y[2 * k + 1].abs() < 1e-6,
            "{y:?}"
        );
    }
    // NaN in one transform spreads through that transform only, as on the CPU.
    let mut x = vec![1.0f32; 2 * 16 * 2];
    x[2] = f32::NAN;
    x[3] = f32::NAN;
    let y = pollster::block_on(
        FftPlan::new(ctx, FftDesc::new(16).batch(2), None)
            .unwrap()
            .run_host(&x),
    )
    .unwrap();
    assert!(y[..32].iter().all(|v| v.is_nan()));
    assert!(y[32..].iter().all(|v| v.is_finite()));
}

#[test]
fn caller_owned_buffers() {
    let ctx = ctx();
    let d = FftDesc::new(64).batch(2);
    let x: Vec<f32> = (0..d.len()).map(|i| (i as f32 * 0.37).sin()).collect();
    let a = ctx.upload("a", &x).unwrap();
    let b = ctx.storage("b", d.bytes()).unwrap();
    let c = ctx.storage("c", d.bytes()).unwrap();
    let f = FftPlan::new(ctx, d, None).unwrap();
    let i = FftPlan::new(ctx, d.inverse(true), None).unwrap();
    let (fb, ib) = (f.bind(&a, &b).unwrap(), i.bind(&b, &c).unwrap());
    ctx.submit(|p| {
        fb.record(p);
        ib.record(p);
    })
    .unwrap();
    let out: Vec<f32> = pollster::block_on(wgkernels::read_buffer(ctx, &c, x.len())).unwrap();
    for (o, e) in out.iter().zip(&x) {
        assert!((o - e).abs() < 1e-5);
    }
}

#[test]
fn bad_input_is_a_typed_error() {
    let ctx = ctx();
    assert!(matches!(
        FftPlan::new(ctx, FftDesc::new(0), None),
        Err(Error::ZeroSized(_))
    ));
    assert!(matches!(
        FftPlan::new(ctx, FftDesc::new(8).batch(0), None),
        Err(Error::ZeroSized(_))
    ));
    // Bigger than one binding: named limit, nothing dispatched.
    match FftPlan::new(ctx, FftDesc::new(1 << 24).batch(4), None) {
        Err(Error::OverLimit { limit, .. }) => assert_eq!(limit, "max_storage_buffer_binding_size"),
        other => panic!("expected OverLimit, got {other:?}"),
    }
    assert!(matches!(
        FftPlan::new(ctx, FftDesc::new(1 << 30).batch(4), None),
        Err(Error::Shape(_))
    ));
    let plan = FftPlan::new(ctx, FftDesc::new(16), None).unwrap();
    let small = ctx.storage("small", 64).unwrap();
    let ok = ctx.storage("ok", 128).unwrap();
    assert!(matches!(
        plan.bind(&small, &ok),
        Err(Error::BufferTooSmall { name: "input", .. })
    ));
    assert!(matches!(plan.bind(&ok, &ok), Err(Error::Shape(_))));
    let r = pollster::block_on(plan.run_host(&[0.0f32; 30]));
    assert!(matches!(
        r,
        Err(Error::Length {
            have: 30,
            need: 32,
            ..
        })
    ));
    let bad = FftConfig::stockham(20, 16, 2);
    assert!(matches!(
        FftPlan::new(ctx, FftDesc::new(16), Some(bad)),
        Err(Error::Unsupported(_))
    ));
    if !ctx.caps().f16 {
        assert!(matches!(
            FftPlan::new(ctx, FftDesc::new(16).dtype(DType::F16), None),
            Err(Error::MissingFeature(_))
        ));
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, .. ProptestConfig::default() })]
    #[test]
    fn random_shapes_match_rustfft(n in 1u32..3000, log in 1u32..16, pow2: bool, batch in 1u32..5, inverse: bool, pick in 0usize..64, seed in 0u64..1000) {
        let n = if pow2 { 1 << log } else { n };
        let d = FftDesc::new(n).batch(batch).inverse(inverse);
        let cands = fft_candidates(ctx().caps(), &ctx().limits(), &d);
        let c = check_fft(ctx(), &d, Some(cands[pick % cands.len()]), seed);
        prop_assert!(c.pass, "{} {:?}: rel {:.3e} tol {:.3e} {:?}", c.config, d, c.rel_l2_err, c.tolerance, c.error);
    }
}

/// Timing probe for tuning (run with --ignored --nocapture).
#[test]
#[ignore]
fn perf_probe() {
    let ctx = ctx();
    let sizes: Vec<(u32, u32)> = std::env::var("WGK_PROBE")
        .ok()
        .map(|s| {
            s.split(',')
                .map(|t| {
                    let n: u32 = t.parse().unwrap();
                    (n, (1u32 << 20) / n)
                })
                .collect()
        })
        .unwrap_or(vec![(4096, 256), (256, 4096), (1 << 20, 1)]);
    // WGK_PROBE_ONLY: comma-separated labels to time (default: every candidate);
    // WGK_PROBE_REPS: rounds over them, back to back.
    let only: Option<Vec<String>> = std::env::var("WGK_PROBE_ONLY")
        .ok()
        .map(|s| s.split(',').map(str::to_string).collect());
    let reps: usize = std::env::var("WGK_PROBE_REPS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1);
    for (n, batch) in sizes {
        let d = FftDesc::new(n).batch(batch);
        let cands: Vec<_> = fft_candidates(ctx.caps(), &ctx.limits(), &d)
            .into_iter()
            .filter(|c| only.as_ref().is_none_or(|o| o.contains(&c.label())))
            .collect();
        for cfg in (0..reps).flat_map(|_| cands.iter().copied()) {
            let plan = FftPlan::new(ctx, d, Some(cfg)).unwrap();
            let a = ctx.storage("a", d.bytes()).unwrap();
            let b = ctx.storage("b", d.bytes()).unwrap();
            let bound = plan.bind(&a, &b).unwrap();
            let t = wgkernels::runtime::time_gpu(ctx, 1, 3, &|p| bound.record(p)).unwrap();
            eprintln!(
                "n={n} batch={batch} {}: {:.2} ms, {:.3} GB/s",
                cfg.label(),
                t.median_ms,
                2.0 * d.bytes() as f64 / t.median_ms / 1e6
            );
        }
    }
}
