//! The roofline work of attention (`report::roofline`): counted here, outside the native-only
//! bench, so the browser's report counts it the same way.

/// The roofline work of attention (`report::roofline`): the two products, 4·B·Hq·Nq·Nkv·D FLOP
/// dense, times the share of (query, key) blocks the mask keeps (`work_density`; softmax not
/// counted); Q, K and V read once, O written once (and the LSE where requested), in the
/// storage type. `f16_math`: the products run on f16 cooperative matrices.
pub fn attention_work(
    d: &crate::ops::attention::AttentionDesc,
    work_density: f64,
    f16_math: bool,
) -> crate::report::Work {
    let elems = d.q_len_elems() + d.o_len_elems() + d.kv_len_elems() + d.v_len_elems();
    let lse = if d.lse { 4 * d.rows() } else { 0 };
    crate::report::Work {
        flops: d.dense_flops() * work_density,
        bytes: (elems * d.dtype.size() + lse) as f64,
        f16_math,
    }
}
