//! Reference attention in f64: masked dense softmax attention from the same [`BlockMask`] the
//! kernels read (so the mask's meaning is checked too), on the element values the GPU sees.

use crate::ops::attention::{AttentionDesc, BlockMask, ScoreMods};

/// Output `(B, Hq, Nq, Dv)` and natural-log LSE `(B, Hq, Nq)` (−∞ for rows that see no key;
/// their output is 0). `mask = None` is dense attention. `rows` limits the work to the first
/// `rows` query rows of every head (the rest stay 0): a cheap spot check of large calls.
pub fn attention_ref(
    d: &AttentionDesc,
    mask: Option<&BlockMask>,
    q: &[f64],
    k: &[f64],
    v: &[f64],
    rows: Option<u32>,
) -> (Vec<f64>, Vec<f64>) {
    attention_ref_mods(d, mask, &ScoreMods::none(), q, k, v, rows)
}

/// [`attention_ref`] with score modifiers and sinks ([`ScoreMods`]): the modifiers act on the
/// scaled scores of attended pairs; a sink joins the denominator (and the LSE) with no value
/// row, so a row that attends no key has output 0 and LSE = its sink.
pub fn attention_ref_mods(
    d: &AttentionDesc,
    mask: Option<&BlockMask>,
    mods: &ScoreMods,
    q: &[f64],
    k: &[f64],
    v: &[f64],
    rows: Option<u32>,
) -> (Vec<f64>, Vec<f64>) {
    let (nq, nkv, dim, dv) = (
        d.nq as usize,
        d.nkv as usize,
        d.head_dim as usize,
        d.dv() as usize,
    );
    let scale = d.softmax_scale() as f64;
    let group = (d.heads_q / d.heads_kv) as usize;
    let mut out = vec![0.0; d.o_len_elems() as usize];
    let mut lse = vec![f64::NEG_INFINITY; d.rows() as usize];
    let mut s = vec![0.0f64; nkv];
    let mut ok = vec![false; nkv];
    for b in 0..d.batch as usize {
        for h in 0..d.heads_q as usize {
            let hk = h / group;
            let kbase = (b * d.heads_kv as usize + hk) * nkv * dim;
            let vbase = (b * d.heads_kv as usize + hk) * nkv * dv;
            let row0 = (b * d.heads_q as usize + h) * nq;
            for i in 0..nq.min(rows.unwrap_or(u32::MAX) as usize) {
                let qi = &q[(row0 + i) * dim..(row0 + i + 1) * dim];
                let ip = i as i64 + nkv as i64 - nq as i64;
                let sink = mods.sink(h);
                let mut mx = sink.unwrap_or(f64::NEG_INFINITY);
                for j in 0..nkv {
                    ok[j] = mask.is_none_or(|m| m.allows(b as u32, h as u32, i as u32, j as u32));
                    if ok[j] {
                        let kj = &k[kbase + j * dim..kbase + (j + 1) * dim];
                        let dot = qi.iter().zip(kj).map(|(a, b)| a * b).sum::<f64>();
                        s[j] = mods.apply(scale * dot, b, h, i, ip, j);
                        mx = mx.max(s[j]);
                    }
                }
                if mx == f64::NEG_INFINITY {
                    continue;
                }
                let mut l = sink.map_or(0.0, |x| (x - mx).exp());
                let o = &mut out[(row0 + i) * dv..(row0 + i + 1) * dv];
                for j in 0..nkv {
                    if ok[j] {
                        let p = (s[j] - mx).exp();
                        l += p;
                        let vj = &v[vbase + j * dv..vbase + (j + 1) * dv];
                        for (x, y) in o.iter_mut().zip(vj) {
                            *x += p * y;
                        }
                    }
                }
                for x in o.iter_mut() {
                    *x /= l;
                }
                lse[row0 + i] = mx + l.ln();
            }
        }
    }
    (out, lse)
}

/// T5's relative-position bucket of the key-minus-query distance `rel`, written out from the
/// rule in the T5 paper's code for the reference (the kernels' table comes from
/// [`super::mods::T5Bias::bucket`], a separate implementation): keys after the query get their
/// own half of the buckets when `bidirectional` (else they share bucket 0); in each half, small
/// distances have a bucket each and larger ones share log-spaced buckets up to `max_distance`.
pub fn t5_bucket(rel: i64, num_buckets: u32, max_distance: u32, bidirectional: bool) -> u32 {
    let mut buckets = num_buckets as i64;
    let mut bucket = 0i64;
    let distance = if bidirectional {
        buckets /= 2;
        if rel > 0 {
            bucket += buckets;
        }
        rel.abs()
    } else if rel < 0 {
        -rel
    } else {
        0
    };
    let max_exact = buckets / 2;
    if distance < max_exact {
        bucket += distance;
    } else {
        let frac = (distance as f64 / max_exact as f64).ln()
            / (max_distance as f64 / max_exact as f64).ln();
        let large = max_exact + (frac * (buckets - max_exact) as f64).floor().min(1e9) as i64;
        bucket += large.min(buckets - 1);
    }
    bucket as u32
}

impl crate::harness::tolerance::Tolerance {
    /// Bound for attention over `nkv` keys with head dim `d`, computed in `compute` (f32, or
    /// f16 where a kernel rounds Q, K, P and V to f16: cooperative matrices), stored as `storage`.
    ///
    /// Derivation: each score is a length-`d` dot product, so its rounding error is ~`u·√d`
    /// relative to the typical score; a score error δs changes its softmax weight by the factor
    /// `e^δs ≈ 1 + δs`, so the output inherits it relative to its size. The output is then a
    /// weighted sum over `nkv` keys (another reduction, ~`u·√nkv`). The two add as independent
    /// random errors: `C·u·√(d + nkv)` with the rule's `C = 8`. f16 storage rounds the result
    /// once more (≤ `u_f16` relative) — the inputs' rounding is not counted, because the
    /// reference is computed from the same rounded values.
    pub fn attention(compute: crate::DType, storage: crate::DType, nkv: u32, d: u32) -> Self {
        let mut t = Self::reduction(compute, nkv as u64 + d as u64);
        if storage == crate::DType::F16 {
            t.rel_l2 += crate::DType::F16.unit_roundoff();
        }
        t
    }

    /// The largest absolute error accepted for attention on unit-variance inputs with up to
    /// 4096 keys: 1e-4 when computed and stored in f32, 5e-3 when f16 is involved.
    ///
    /// Why: outputs are convex combinations of V rows, so |o| ≲ max|v| ≈ 1.7 (uniform with unit
    /// variance). In f32 the relative error bound above is ≤ 8·6e-8·√(4096+256) ≈ 3.2e-5, times
    /// |o| ≤ 1.7 gives 5.4e-5 < 1e-4. With f16 storage the final rounding alone is half an ulp,
    /// 2^-11·|o| ≤ 8.5e-4; with f16 compute the scores (|s| ≲ 4 for unit-variance inputs at
    /// scale 1/√d) carry ≈ 2·u_f16·|s| ≈ 4e-3 relative error into the weights, times the spread
    /// of V around the output (≲ 1): 5e-3 covers both.
    pub fn attention_max_abs(compute: crate::DType, storage: crate::DType) -> f64 {
        if compute == crate::DType::F32 && storage == crate::DType::F32 {
            1e-4
        } else {
            5e-3
        }
    }
}
