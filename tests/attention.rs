//! Block-sparse flash attention against the f64 reference built from the same mask.

mod common;

use common::ctx;
use wgkernels::verify::verify_attention;

#[test]
fn verify_list_passes_on_every_variant() {
    let checks = verify_attention(ctx(), &mut |c| {
        eprintln!("{} {} {} {} rel {:.2e} max {:.2e} {}", c.variant, c.config, c.dtype, c.shape, c.rel_l2_err, c.max_abs_err, if c.pass { "ok" } else { "FAIL" });
        if let Some(e) = &c.error { eprintln!("   error: {e}"); }
    });
    let failed: Vec<_> = checks.iter().filter(|c| !c.pass).collect();
    assert!(failed.is_empty(), "{} failed", failed.len());
}
