//! Score modifiers and attention sinks: what the kernels do to a score between `Q·Kᵀ` and the
//! softmax.
//!
//! For query `i` of head `h` and key `j`, with `s = scale·q_i·k_j` (natural-log units) and
//! `i' = i + (nkv − nq)` the bottom-right aligned query position (the convention of
//! [`super::pattern`]):
//!
//! 1. soft-capping (Gemma 2 style): `s ← cap·tanh(s / cap)`;
//! 2. ALiBi: `s ← s + slope_h·(j − i')`;
//! 3. a T5 relative-position bias: `s ← s + table_h[bucket(j − i')]` ([`T5Bias`]);
//! 4. an additive bias tensor: `s ← s + bias[b, h, i, j]` ([`BiasTensor`]);
//! 5. a sink: one logit `σ_h` per head joins the softmax denominator but has no value row:
//!    `o_i = Σ_j e^{s_ij} v_j / (e^{σ_h} + Σ_j e^{s_ij})`, and the LSE includes it. A row that
//!    attends no key then has output 0 and LSE `σ_h` (not −∞).
//!
//! The modifiers are applied in that order and only to attended pairs (a mask decides first).
//! Each one present is a bit of the `MODS` override constant, so a plan without modifiers
//! compiles exactly the kernel it did before they existed. The per-head values (slopes, sink
//! logits, T5 tables) travel at the end of the mask buffer the kernels already bind (offset
//! `mods_off` in the parameters): no new binding, so those pipelines keep their layout, and a
//! head count of any size fits (the uniform has a fixed size). The bias tensor is too large for
//! that: it is one more binding, declared only by the shader variants built for it
//! (`shaders::with_bias`), so every plan without it keeps today's bind group layout.

use crate::error::{Error, Result};
use crate::ops::attention::reference::t5_bucket;
use crate::ops::attention::AttentionDesc;
use std::sync::Arc;

/// `MODS` bit: tanh soft-capping.
pub const MOD_SOFTCAP: u32 = 1;
/// `MODS` bit: ALiBi.
pub const MOD_ALIBI: u32 = 2;
/// `MODS` bit: a per-head sink logit.
pub const MOD_SINK: u32 = 4;
/// `MODS` bit: T5 relative-position buckets.
pub const MOD_T5: u32 = 8;
/// `MODS` bit: an additive bias tensor (binding 8).
pub const MOD_BIAS: u32 = 16;

/// Words of the mods region before the T5 tables (after the ALiBi slopes and sink logits):
/// the T5 reach `R`, the bias tensor's batch stride and head stride (elements; 0 broadcasts),
/// one spare.
const MODS_HEADER: usize = 4;

/// T5's relative-position bias (Raffel et al.): a learned value per head and bucket, the bucket
/// a function of the signed distance `j − i'` from the query to the key.
///
/// The bucket rule: with `bidirectional`, half the buckets are for keys after the query
/// (`j − i' > 0`, offset by `num_buckets / 2`) and half for the rest, `n = |j − i'|`; causal
/// (decoder) buckets count only keys at or before the query, `n = max(i' − j, 0)`. Of the `m`
/// buckets of one direction, the first `m / 2` are the exact distances `n < m / 2`; beyond,
/// bucket `m/2 + ⌊ln(n / (m/2)) / ln(max_distance / (m/2)) · (m − m/2)⌋` (log-spaced, in f64),
/// capped at `m − 1`, so every distance from `max_distance` on shares the last bucket.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct T5Bias {
    /// Buckets per head (`table` holds this many values per head).
    pub num_buckets: u32,
    /// The distance from which every key shares the last bucket.
    pub max_distance: u32,
    /// Separate buckets for keys after the query (encoder); false: decoder (causal) buckets.
    pub bidirectional: bool,
    /// Per query head, `num_buckets` values (natural-log units, like the scaled scores),
    /// head-major.
    #[serde(skip_serializing)]
    pub table: Vec<f32>,
}

impl T5Bias {
    /// T5's bias with `num_buckets` values per head in `table` (head-major).
    pub fn new(num_buckets: u32, max_distance: u32, bidirectional: bool, table: Vec<f32>) -> Self {
        Self {
            num_buckets,
            max_distance,
            bidirectional,
            table,
        }
    }

    /// Buckets of one direction and its exact (linear) part.
    fn direction_buckets(&self) -> (u32, u32) {
        let m = if self.bidirectional {
            self.num_buckets / 2
        } else {
            self.num_buckets
        };
        (m, m / 2)
    }

    /// The bucket of signed distance `rel = j − i'` (see the type's doc). The kernels read a
    /// table expanded from it; the f64 reference computes its own.
    pub fn bucket(&self, rel: i64) -> u32 {
        let (m, exact) = self.direction_buckets();
        let (offset, n) = if self.bidirectional {
            (if rel > 0 { m } else { 0 }, rel.unsigned_abs())
        } else {
            (0, (-rel).max(0) as u64)
        };
        if n < exact as u64 {
            return offset + n as u32;
        }
        let e = exact as f64;
        let steps = (n as f64 / e).ln() / (self.max_distance as f64 / e).ln() * (m - exact) as f64;
        offset + (exact + steps.min(m as f64) as u32).min(m - 1)
    }

    /// Checks the parameters and the table against `heads_q` query heads.
    fn validate(&self, heads_q: u32) -> Result<()> {
        let (m, exact) = self.direction_buckets();
        if exact == 0 {
            return Err(Error::Shape(format!(
                "T5 bias with {} buckets: needs at least {} ({})",
                self.num_buckets,
                if self.bidirectional { 4 } else { 2 },
                if self.bidirectional {
                    "bidirectional"
                } else {
                    "causal"
                }
            )));
        }
        if self.max_distance <= exact {
            return Err(Error::Shape(format!(
                "T5 max distance {} must exceed the {exact} exact buckets of {m} per direction",
                self.max_distance
            )));
        }
        let want = heads_q as u64 * self.num_buckets as u64;
        if self.table.len() as u64 != want {
            return Err(Error::Shape(format!(
                "T5 table has {} values; {heads_q} query heads x {} buckets need {want}",
                self.table.len(),
                self.num_buckets
            )));
        }
        if let Some(x) = self.table.iter().find(|x| !x.is_finite()) {
            return Err(Error::Shape(format!("T5 table: {x} is not finite")));
        }
        Ok(())
    }

    /// The reach `R` of the expanded table: distances are clamped to `[−R, R]`. Every distance
    /// from `max_distance` on has the last bucket, and no pair of the call is further apart
    /// than `max(nq, nkv)`, so nothing changes beyond the smaller of the two.
    fn reach(&self, d: &AttentionDesc) -> u32 {
        self.max_distance.min(d.nq.max(d.nkv))
    }
}

/// An additive bias on the scaled scores, `[batch or 1, heads or 1, nq, nkv]` f32 row-major
/// (natural-log units): 1 in the batch or head dimension broadcasts. The kernels read it only
/// for the pairs of blocks they attend.
#[derive(Clone, PartialEq, serde::Serialize)]
pub struct BiasTensor {
    /// 1 (broadcast) or the call's batch.
    pub batch: u32,
    /// 1 (broadcast) or the call's query heads.
    pub heads: u32,
    /// Query length.
    pub nq: u32,
    /// Key length.
    pub nkv: u32,
    /// The values (shared, not copied, by plans and clones).
    #[serde(skip_serializing)]
    pub values: Arc<Vec<f32>>,
}

impl std::fmt::Debug for BiasTensor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "BiasTensor[{}, {}, {}, {}]",
            self.batch, self.heads, self.nq, self.nkv
        )
    }
}

impl BiasTensor {
    /// A bias of shape `[batch, heads, nq, nkv]` (batch and heads 1 to broadcast).
    pub fn new(batch: u32, heads: u32, nq: u32, nkv: u32, values: Vec<f32>) -> Self {
        Self {
            batch,
            heads,
            nq,
            nkv,
            values: Arc::new(values),
        }
    }

    /// A bias whose values live in the caller's buffer: plan with it, then hand the buffer to
    /// [`super::AttentionPlan::set_bias_buffer`] before binding. (No host values: nothing to
    /// check for NaN, and the f64 reference cannot use it.)
    pub fn on_device(batch: u32, heads: u32, nq: u32, nkv: u32) -> Self {
        Self::new(batch, heads, nq, nkv, Vec::new())
    }

    /// Whether the values are the caller's device buffer ([`BiasTensor::on_device`]).
    pub fn is_on_device(&self) -> bool {
        self.values.is_empty()
    }

    /// Elements of the tensor.
    pub fn len(&self) -> u64 {
        self.batch as u64 * self.heads as u64 * self.nq as u64 * self.nkv as u64
    }

    /// Whether the tensor has no elements (never, for a valid bias).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Element strides of the batch and head dimensions (0 where broadcast).
    pub(crate) fn strides(&self) -> (u64, u64) {
        let plane = self.nq as u64 * self.nkv as u64;
        let head = if self.heads > 1 { plane } else { 0 };
        let batch = if self.batch > 1 {
            self.heads as u64 * plane
        } else {
            0
        };
        (batch, head)
    }

    /// The bias of (batch `b`, query head `h`, query `i`, key `j`); `None` outside the tensor
    /// or for a bias on the device.
    pub fn at(&self, b: usize, h: usize, i: usize, j: usize) -> Option<f32> {
        let (sb, sh) = self.strides();
        let idx = b * sb as usize + h * sh as usize + i * self.nkv as usize + j;
        self.values.get(idx).copied()
    }

    fn validate(&self, d: &AttentionDesc) -> Result<()> {
        if (self.batch != 1 && self.batch != d.batch)
            || (self.heads != 1 && self.heads != d.heads_q)
            || self.nq != d.nq
            || self.nkv != d.nkv
        {
            return Err(Error::Shape(format!(
                "bias tensor [{}, {}, {}, {}] for a call of batch {}, {} query heads, nq = {}, \
                 nkv = {} (batch and heads may be 1 to broadcast)",
                self.batch, self.heads, self.nq, self.nkv, d.batch, d.heads_q, d.nq, d.nkv
            )));
        }
        let want = self.len();
        if !self.is_on_device() && self.values.len() as u64 != want {
            return Err(Error::Shape(format!(
                "bias tensor [{}, {}, {}, {}] needs {want} values, has {}",
                self.batch,
                self.heads,
                self.nq,
                self.nkv,
                self.values.len()
            )));
        }
        if let Some(x) = self.values.iter().find(|x| !x.is_finite()) {
            return Err(Error::Shape(format!("bias tensor: {x} is not finite")));
        }
        Ok(())
    }
}

/// The score modifiers and sink of an attention call (all off by default). Per-head values are
/// indexed by query head.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
pub struct ScoreMods {
    /// Soft-cap `cap`: scores become `cap·tanh(s/cap)` (finite, > 0).
    pub softcap: Option<f32>,
    /// ALiBi slope of each query head: the score gains `slope·(j − i')`.
    pub alibi: Option<Vec<f32>>,
    /// Sink logit of each query head (natural-log units, like the scaled scores).
    pub sinks: Option<Vec<f32>>,
    /// T5 relative-position buckets.
    pub t5: Option<T5Bias>,
    /// An additive bias tensor.
    pub bias: Option<BiasTensor>,
}

impl ScoreMods {
    /// No modifier: today's kernels.
    pub fn none() -> Self {
        Self::default()
    }
    /// Adds tanh soft-capping at `cap`.
    pub fn softcap(mut self, cap: f32) -> Self {
        self.softcap = Some(cap);
        self
    }
    /// Adds ALiBi with one slope per query head.
    pub fn alibi(mut self, slopes: Vec<f32>) -> Self {
        self.alibi = Some(slopes);
        self
    }
    /// Adds one sink logit per query head.
    pub fn sinks(mut self, logits: Vec<f32>) -> Self {
        self.sinks = Some(logits);
        self
    }

    /// Adds T5 relative-position buckets.
    pub fn t5(mut self, t5: T5Bias) -> Self {
        self.t5 = Some(t5);
        self
    }
    /// Adds an additive bias tensor.
    pub fn bias(mut self, bias: BiasTensor) -> Self {
        self.bias = Some(bias);
        self
    }

    /// The standard ALiBi slopes for `heads` heads (Press et al.): the geometric sequence
    /// `2^(−8k/n)`, k = 1..n, for `n` the largest power of two ≤ `heads`; the remaining heads
    /// take every other slope of the sequence for `2n`.
    pub fn alibi_standard(heads: u32) -> Vec<f32> {
        if heads == 0 {
            return Vec::new();
        }
        let n = 1u32 << (31 - heads.leading_zeros());
        let geo = |count: u32, k: u32| 2f64.powf(-8.0 * k as f64 / count as f64) as f32;
        let mut s: Vec<f32> = (1..=n).map(|k| geo(n, k)).collect();
        s.extend((0..heads - n).map(|k| geo(2 * n, 2 * k + 1)));
        s
    }

    /// Whether nothing is applied.
    pub fn is_none(&self) -> bool {
        self.bits() == 0
    }

    /// The `MODS` override constant.
    pub fn bits(&self) -> u32 {
        [
            (self.softcap.is_some(), MOD_SOFTCAP),
            (self.alibi.is_some(), MOD_ALIBI),
            (self.sinks.is_some(), MOD_SINK),
            (self.t5.is_some(), MOD_T5),
            (self.bias.is_some(), MOD_BIAS),
        ]
        .iter()
        .filter(|(on, _)| *on)
        .fold(0, |bits, (_, bit)| bits | bit)
    }

    /// Checks the values against the call `d` (per-head values: one per query head; the bias
    /// tensor's shape; finite values).
    pub fn validate(&self, d: &AttentionDesc) -> Result<()> {
        let heads_q = d.heads_q;
        if let Some(c) = self.softcap {
            if !(c.is_finite() && c > 0.0) {
                return Err(Error::Shape(format!(
                    "soft-cap {c}: must be finite and > 0"
                )));
            }
        }
        for (what, vals) in [("ALiBi slopes", &self.alibi), ("sink logits", &self.sinks)] {
            if let Some(v) = vals {
                if v.len() != heads_q as usize {
                    return Err(Error::Shape(format!(
                        "{} {what} for {heads_q} query heads (one per head)",
                        v.len()
                    )));
                }
                if let Some(x) = v.iter().find(|x| !x.is_finite()) {
                    return Err(Error::Shape(format!("{what}: {x} is not finite")));
                }
            }
        }
        if let Some(t) = &self.t5 {
            t.validate(heads_q)?;
        }
        if let Some(b) = &self.bias {
            b.validate(d)?;
        }
        Ok(())
    }

    /// The words appended to the mask buffer (empty when only soft-capping, or nothing, is
    /// on), as f32 bits in log2 units where they are values (the kernels work in exp2):
    /// `[0, hq)` ALiBi slopes, `[hq, 2hq)` sink logits (zeros when absent), then the header (T5
    /// reach `R`, bias batch and head strides, a spare), then per query head the T5 values of
    /// the distances `−R..=R` (`2R + 1` words: the kernels index them with the clamped distance
    /// instead of taking a logarithm per score).
    pub(crate) fn words(&self, d: &AttentionDesc) -> Vec<u32> {
        if self.bits() & !MOD_SOFTCAP == 0 {
            return Vec::new();
        }
        let heads = d.heads_q as usize;
        let log2e = std::f32::consts::LOG2_E;
        let col = |v: &Option<Vec<f32>>| -> Vec<u32> {
            match v {
                Some(v) => v.iter().map(|x| (x * log2e).to_bits()).collect(),
                None => vec![0; heads],
            }
        };
        let mut w = col(&self.alibi);
        w.extend(col(&self.sinks));
        let reach = self.t5.as_ref().map_or(0, |t| t.reach(d));
        let (sb, sh) = self.bias.as_ref().map_or((0, 0), |b| b.strides());
        w.extend([reach, sb as u32, sh as u32, 0]);
        debug_assert_eq!(w.len(), 2 * heads + MODS_HEADER);
        if let Some(t) = &self.t5 {
            let r = reach as i64;
            let buckets: Vec<usize> = (-r..=r).map(|rel| t.bucket(rel) as usize).collect();
            for h in 0..heads {
                let row = &t.table[h * t.num_buckets as usize..][..t.num_buckets as usize];
                w.extend(buckets.iter().map(|&k| (row[k] * log2e).to_bits()));
            }
        }
        w
    }

    /// The modified score (f64, for the reference): `s` the scaled score of batch `b`, query
    /// head `h`, query `i` (aligned position `ip`), key `j`. The T5 bucket comes from the
    /// reference's own implementation of the rule ([`t5_bucket`]), not from the table the
    /// kernels read.
    pub fn apply(&self, s: f64, b: usize, h: usize, i: usize, ip: i64, j: usize) -> f64 {
        let mut x = s;
        if let Some(c) = self.softcap {
            let c = c as f64;
            x = c * (x / c).tanh();
        }
        let rel = j as i64 - ip;
        if let Some(a) = &self.alibi {
            x += a[h] as f64 * rel as f64;
        }
        if let Some(t) = &self.t5 {
            let k = t5_bucket(rel, t.num_buckets, t.max_distance, t.bidirectional);
            x += t.table[h * t.num_buckets as usize + k as usize] as f64;
        }
        if let Some(bias) = &self.bias {
            // A bias on the device has no host values: NaN, which no check passes.
            x += bias.at(b, h, i, j).map_or(f64::NAN, f64::from);
        }
        x
    }

    /// The sink logit of query head `h`, if any.
    pub fn sink(&self, h: usize) -> Option<f64> {
        self.sinks.as_ref().map(|s| s[h] as f64)
    }

    /// Short text for reports, e.g. `softcap 30 + alibi + sinks`; empty when none.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if let Some(c) = self.softcap {
            parts.push(format!("softcap {c}"));
        }
        if self.alibi.is_some() {
            parts.push("alibi".to_string());
        }
        if self.sinks.is_some() {
            parts.push("sinks".to_string());
        }
        if let Some(t) = &self.t5 {
            parts.push(format!(
                "t5 {} buckets max {}{}",
                t.num_buckets,
                t.max_distance,
                if t.bidirectional { "" } else { " causal" }
            ));
        }
        if let Some(b) = &self.bias {
            parts.push(format!("bias [{}, {}, nq, nkv]", b.batch, b.heads));
        }
        parts.join(" + ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn standard_slopes_match_the_paper() {
        let s8 = ScoreMods::alibi_standard(8);
        assert_eq!(s8.len(), 8);
        assert!((s8[0] - 0.5).abs() < 1e-7 && (s8[7] - 1.0 / 256.0).abs() < 1e-9);
        // 12 heads: the 8-head sequence, then 2^-0.5, 2^-1.5, 2^-2.5, 2^-3.5.
        let s12 = ScoreMods::alibi_standard(12);
        assert_eq!(&s12[..8], &s8[..]);
        assert!((s12[8] - 2f32.powf(-0.5)).abs() < 1e-6);
        assert!((s12[11] - 2f32.powf(-3.5)).abs() < 1e-6);
    }

    #[test]
    fn bad_values_are_typed_errors() {
        let d = AttentionDesc::new(2, 2, 5, 32).kv_len(7);
        let bad = |m: ScoreMods| matches!(m.validate(&d), Err(Error::Shape(_)));
        assert!(bad(ScoreMods::none().softcap(0.0)));
        assert!(bad(ScoreMods::none().alibi(vec![1.0])));
        assert!(bad(ScoreMods::none().sinks(vec![1.0, f32::NAN])));
        assert!(ScoreMods::none()
            .softcap(5.0)
            .sinks(vec![0.0; 2])
            .validate(&d)
            .is_ok());
        let t5 = |nb, md, bi, n| T5Bias::new(nb, md, bi, vec![0.5; n]);
        assert!(ScoreMods::none()
            .t5(t5(32, 128, true, 64))
            .validate(&d)
            .is_ok());
        assert!(bad(ScoreMods::none().t5(t5(32, 128, true, 32))));
        assert!(bad(ScoreMods::none().t5(t5(2, 128, true, 4))));
        assert!(bad(ScoreMods::none().t5(t5(32, 8, false, 64))));
        let mut inf = t5(8, 16, false, 16);
        inf.table[3] = f32::INFINITY;
        assert!(bad(ScoreMods::none().t5(inf)));
        let bias = |b, h, nq, nkv, n| BiasTensor::new(b, h, nq, nkv, vec![0.25; n]);
        assert!(ScoreMods::none()
            .bias(bias(1, 1, 5, 7, 35))
            .validate(&d)
            .is_ok());
        assert!(ScoreMods::none()
            .bias(bias(2, 2, 5, 7, 140))
            .validate(&d)
            .is_ok());
        assert!(bad(ScoreMods::none().bias(bias(1, 3, 5, 7, 105))));
        assert!(bad(ScoreMods::none().bias(bias(1, 1, 7, 5, 35))));
        assert!(bad(ScoreMods::none().bias(bias(1, 1, 5, 7, 34))));
        let mut nan = bias(1, 1, 5, 7, 35);
        Arc::make_mut(&mut nan.values)[34] = f32::NAN;
        assert!(bad(ScoreMods::none().bias(nan)));
    }

    #[test]
    fn t5_buckets_follow_the_rule() {
        // T5's defaults (32 buckets, max distance 128), worked out by hand from the rule.
        let enc = T5Bias::new(32, 128, true, Vec::new());
        let dec = T5Bias::new(32, 128, false, Vec::new());
        let cases: [(i64, u32, u32); 16] = [
            (-200, 15, 31),
            (-128, 15, 31),
            (-100, 15, 30),
            (-64, 14, 26),
            (-32, 12, 21),
            (-16, 10, 16),
            (-15, 9, 15),
            (-8, 8, 8),
            (-7, 7, 7),
            (-1, 1, 1),
            (0, 0, 0),
            (1, 17, 0),
            (8, 24, 0),
            (16, 26, 0),
            (64, 30, 0),
            (1000, 31, 0),
        ];
        for (rel, e, c) in cases {
            assert_eq!(enc.bucket(rel), e, "bidirectional {rel}");
            assert_eq!(dec.bucket(rel), c, "causal {rel}");
        }
        // The table the kernels read and the reference's rule agree everywhere.
        for t in [&enc, &dec, &T5Bias::new(9, 40, true, Vec::new())] {
            for rel in -300..300 {
                let r = t5_bucket(rel, t.num_buckets, t.max_distance, t.bidirectional);
                assert_eq!(t.bucket(rel), r, "{t:?} {rel}");
            }
        }
    }

    #[test]
    fn words_expand_the_t5_table_by_distance() {
        let d = AttentionDesc::new(1, 2, 3, 32).kv_len(6);
        let table: Vec<f32> = (0..16).map(|x| x as f32).collect();
        let m = ScoreMods::none().t5(T5Bias::new(8, 100, false, table));
        let w = m.words(&d);
        // Reach min(100, max(3, 6)) = 6: 13 distances per head after the header.
        let r = 6usize;
        assert_eq!(w[4], r as u32);
        assert_eq!(w.len(), 2 * 2 + MODS_HEADER + 2 * (2 * r + 1));
        let at = |h: usize, rel: i64| {
            f32::from_bits(w[2 * 2 + MODS_HEADER + h * (2 * r + 1) + (rel + r as i64) as usize])
                / std::f32::consts::LOG2_E
        };
        let t5 = m.t5.as_ref().unwrap();
        for h in 0..2 {
            for rel in -6..=6i64 {
                let want = (h * 8) as f32 + t5.bucket(rel) as f32;
                assert!((at(h, rel) - want).abs() < 1e-5, "{h} {rel}");
            }
        }
    }
}
