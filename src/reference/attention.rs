//! Reference attention in f64: masked dense softmax attention from the same [`BlockMask`] the
//! kernels read (so the mask's meaning is checked too), on the element values the GPU sees.

use crate::ops::attention::{AttentionDesc, BlockMask};

/// Output `(B, Hq, Nq, D)` and natural-log LSE `(B, Hq, Nq)` (−∞ for rows that see no key;
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
    let (nq, nkv, dim) = (d.nq as usize, d.nkv as usize, d.head_dim as usize);
    let scale = d.softmax_scale() as f64;
    let group = (d.heads_q / d.heads_kv) as usize;
    let mut out = vec![0.0; d.q_len_elems() as usize];
    let mut lse = vec![f64::NEG_INFINITY; d.rows() as usize];
    let mut s = vec![0.0f64; nkv];
    let mut ok = vec![false; nkv];
    for b in 0..d.batch as usize {
        for h in 0..d.heads_q as usize {
            let hk = h / group;
            let kbase = (b * d.heads_kv as usize + hk) * nkv * dim;
            let row0 = (b * d.heads_q as usize + h) * nq;
            for i in 0..nq.min(rows.unwrap_or(u32::MAX) as usize) {
                let qi = &q[(row0 + i) * dim..(row0 + i + 1) * dim];
                let mut mx = f64::NEG_INFINITY;
                for j in 0..nkv {
                    ok[j] = mask.is_none_or(|m| m.allows(b as u32, h as u32, i as u32, j as u32));
                    if ok[j] {
                        let kj = &k[kbase + j * dim..kbase + (j + 1) * dim];
                        s[j] = scale * qi.iter().zip(kj).map(|(a, b)| a * b).sum::<f64>();
                        mx = mx.max(s[j]);
                    }
                }
                if mx == f64::NEG_INFINITY {
                    continue;
                }
                let mut l = 0.0;
                let o = &mut out[(row0 + i) * dim..(row0 + i + 1) * dim];
                for j in 0..nkv {
                    if ok[j] {
                        let p = (s[j] - mx).exp();
                        l += p;
                        let vj = &v[kbase + j * dim..kbase + (j + 1) * dim];
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
