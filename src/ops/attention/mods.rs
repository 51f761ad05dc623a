//! Score modifiers and attention sinks: what the kernels do to a score between `Q·Kᵀ` and the
//! softmax.
//!
//! For query `i` of head `h` and key `j`, with `s = scale·q_i·k_j` (natural-log units) and
//! `i' = i + (nkv − nq)` the bottom-right aligned query position (the convention of
//! [`super::pattern`]):
//!
//! 1. soft-capping (Gemma 2 style): `s ← cap·tanh(s / cap)`;
//! 2. ALiBi: `s ← s + slope_h·(j − i')`;
//! 3. a sink: one logit `σ_h` per head joins the softmax denominator but has no value row:
//!    `o_i = Σ_j e^{s_ij} v_j / (e^{σ_h} + Σ_j e^{s_ij})`, and the LSE includes it. A row that
//!    attends no key then has output 0 and LSE `σ_h` (not −∞).
//!
//! The modifiers are applied in that order and only to attended pairs (a mask decides first).
//! Each one present is a bit of the `MODS` override constant, so a plan without modifiers
//! compiles exactly the kernel it did before they existed. The per-head values (slopes, sink
//! logits) travel at the end of the mask buffer the kernels already bind (offset `mods_off` in
//! the parameters): no new binding, so every pipeline keeps its layout, and a head count of any
//! size fits (the uniform has a fixed size).

use crate::error::{Error, Result};

/// `MODS` bit: tanh soft-capping.
pub const MOD_SOFTCAP: u32 = 1;
/// `MODS` bit: ALiBi.
pub const MOD_ALIBI: u32 = 2;
/// `MODS` bit: a per-head sink logit.
pub const MOD_SINK: u32 = 4;

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
        ]
        .iter()
        .filter(|(on, _)| *on)
        .fold(0, |bits, (_, bit)| bits | bit)
    }

    /// Checks the values against `heads_q` query heads.
    pub fn validate(&self, heads_q: u32) -> Result<()> {
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
        Ok(())
    }

    /// The per-head words appended to the mask buffer: ALiBi slopes then sink logits, as f32
    /// bits in log2 units (the kernels work in exp2); `heads_q` each when present, zeros
    /// otherwise (empty when neither is present).
    pub(crate) fn words(&self, heads_q: u32) -> Vec<u32> {
        if self.alibi.is_none() && self.sinks.is_none() {
            return Vec::new();
        }
        let log2e = std::f32::consts::LOG2_E;
        let col = |v: &Option<Vec<f32>>| -> Vec<u32> {
            match v {
                Some(v) => v.iter().map(|x| (x * log2e).to_bits()).collect(),
                None => vec![0; heads_q as usize],
            }
        };
        let mut w = col(&self.alibi);
        w.extend(col(&self.sinks));
        w
    }

    /// The modified score (f64, for the reference): `s` the scaled score of query head `h`,
    /// aligned query position `ip`, key `j`.
    pub fn apply(&self, s: f64, h: usize, ip: i64, j: i64) -> f64 {
        let mut x = s;
        if let Some(c) = self.softcap {
            let c = c as f64;
            x = c * (x / c).tanh();
        }
        if let Some(a) = &self.alibi {
            x += a[h] as f64 * (j - ip) as f64;
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
        assert!(ScoreMods::none().softcap(0.0).validate(2).is_err());
        assert!(ScoreMods::none().alibi(vec![1.0]).validate(2).is_err());
        assert!(ScoreMods::none()
            .sinks(vec![1.0, f32::NAN])
            .validate(2)
            .is_err());
        assert!(ScoreMods::none()
            .softcap(5.0)
            .sinks(vec![0.0; 2])
            .validate(2)
            .is_ok());
    }
}
