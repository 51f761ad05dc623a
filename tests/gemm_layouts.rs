//! Dense GEMM in every layout (NN, TN, NT, TT) on every variant the dispatcher can pick here,
//! against the f64 CPU reference: tails (M, N, K ≡ 1 and 3 mod 4), batches, broadcasts, f16.

mod common;

use common::ctx;
use wgkernels::ops::gemm::config::gemm_default;
use wgkernels::ops::gemm::verify::check_gemm;
use wgkernels::{GemmConfig, GemmDesc};

const LAYOUTS: [(bool, bool); 4] = [(false, false), (true, false), (false, true), (true, true)];

fn assert_passes(desc: &GemmDesc, cfg: GemmConfig, seed: u64) {
    let c = check_gemm(ctx(), desc, cfg, seed);
    assert!(
        c.pass,
        "{} on {:?}: rel L2 {:.3e} > tol {:.3e} ({:?})",
        c.config, desc, c.rel_l2_err, c.tolerance, c.error
    );
}

fn fixed_subgroup() -> Option<u32> {
    let caps = ctx().caps();
    (caps.subgroups
        && caps.subgroup_min == caps.subgroup_max
        && caps.subgroup_min.is_multiple_of(8))
    .then_some(caps.subgroup_min)
}

/// The subgroup kernel reads transposed operands in place: each transposed layout on the default
/// blocking and the blockings that stretch its new load paths (16 rows per lane for a stored-
/// transposed A, four column chunks for a stored-transposed B, one row), with row and column
/// tails inside a block, a batch with alpha/beta and a broadcast A. Blockings differ by
/// override constants, so the shapes of one layout share their pipelines.
#[test]
fn subgroup_every_layout() {
    let Some(sg) = fixed_subgroup() else {
        eprintln!("subgroup_every_layout: skipped — no fixed subgroup size of 8k");
        return;
    };
    let mut bcast = GemmDesc::new(40, 132, 24).batch(3);
    bcast.broadcast_a = true;
    let shapes = [
        GemmDesc::new(68, 36, 20),
        GemmDesc::new(4, 4, 4),
        GemmDesc::new(132, 100, 44).batch(2),
        bcast,
    ];
    let blockings = |ta: bool, tb: bool| {
        let mut v = vec![(8, 2), (1, 1)];
        if ta {
            v.push((16, 2));
        }
        if tb {
            v.push((8, 4));
        }
        v
    };
    let mut ran = 0;
    for (j, &(ta, tb)) in LAYOUTS.iter().enumerate().skip(1) {
        for (i, base) in shapes.iter().enumerate() {
            let d = base.trans(ta, tb);
            for (rq, nt) in blockings(ta, tb) {
                let cfg = GemmConfig::subgroup(sg, rq, nt);
                assert!(
                    cfg.valid_for(ctx().caps(), &ctx().limits(), &d),
                    "{cfg:?} {d:?}"
                );
                assert_passes(&d, cfg, 500 + 10 * i as u64 + j as u64);
                ran += 1;
            }
        }
        // beta != 0 reads C (another pipeline): the default blocking only.
        let d = GemmDesc::new(36, 40, 12).trans(ta, tb).scale(0.5, -1.5);
        assert_passes(&d, GemmConfig::subgroup(sg, 8, 2), 600 + j as u64);
        ran += 1;
    }
    assert!(ran >= 39, "only {ran} subgroup runs");
    // M not a multiple of 4 cannot be read as quads from a stored-transposed A: refused.
    let d = GemmDesc::new(66, 64, 32).trans(true, false);
    assert!(!GemmConfig::subgroup(sg, 8, 2).valid_for(ctx().caps(), &ctx().limits(), &d));
    // Where the subgroup kernel runs, it is the default for every layout of an aligned shape.
    if ctx().caps().device_type == wgpu::DeviceType::Cpu {
        for (ta, tb) in LAYOUTS {
            let d = GemmDesc::new(1024, 1024, 1024).trans(ta, tb);
            let pick = gemm_default(ctx().caps(), &ctx().limits(), &d);
            assert_eq!(
                pick,
                GemmConfig::subgroup(sg, 8, 2),
                "CPU default for {d:?}"
            );
        }
    }
}
