//! What every op's checks share: the [`Tier`] that says how much to check, the [`Check`] row a
//! comparison produces, deterministic random inputs. Each op's checks live in its folder
//! (`ops/<op>/verify.rs`); `ops::verify_op` runs them by name.

use crate::dtype::{DType, Element};
use rand::{Rng, SeedableRng};
use serde::Serialize;

/// How much `verify` checks.
///
/// Both tiers check every variant the dispatcher can pick on this adapter against the CPU
/// reference. They differ in how many shapes and configurations: what a cold CPU adapter pays
/// is mostly compiling pipelines (one per variant × its compile-time constants), so the
/// standard tier picks shapes that cover every code path with few distinct pipelines.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Tier {
    /// Every variant the dispatcher can pick, on the shapes that matter: 1, primes, sizes off
    /// the tile, one row or column, batches and broadcasts, transposes, f16, each family's edge
    /// cases (Bluestein, multi-pass, every convolution path, masks, split-KV decode, 2:4 and
    /// one pattern of each sparse kernel family). Minutes on a cold CPU adapter: the default of
    /// `verify`, the main job and the demo page.
    #[default]
    Standard,
    /// The standard tier and the whole matrix: every candidate configuration on the sizes
    /// that cross its boundaries, every N:M pattern × variant × form, million-point
    /// transforms (natively; a browser's 32-bit heap leaves those out), every head dim.
    /// `verify --full`, and the tests.
    Full,
}

impl Tier {
    /// `standard` or `full`.
    pub fn name(self) -> &'static str {
        match self {
            Tier::Standard => "standard",
            Tier::Full => "full",
        }
    }

    /// Whether this is the full tier.
    pub fn full(self) -> bool {
        self == Tier::Full
    }
}

/// One comparison of a kernel with its reference (the `checks[]` rows of `verify --json`).
#[derive(Clone, Debug, Serialize)]
pub struct Check {
    /// Op name (`gemm`, ...).
    pub op: String,
    /// Variant name (`tiled`, `subgroup`, `coop`, `gemv`, ...).
    pub variant: String,
    /// Storage type.
    pub dtype: DType,
    /// The op's own dimensions.
    pub shape: serde_json::Value,
    /// Largest absolute error.
    pub max_abs_err: f64,
    /// Relative L2 error.
    pub rel_l2_err: f64,
    /// The bound applied to `rel_l2_err`.
    pub tolerance: f64,
    /// Whether it passed.
    pub pass: bool,
    /// The configuration that ran.
    pub config: String,
    /// Error text when the kernel failed to run at all.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// Deterministic uniform data in [-1, 1), rounded to `T`, and its f64 values.
pub fn random_data<T: Element>(len: usize, seed: u64) -> (Vec<T>, Vec<f64>) {
    let mut rng = rand::rngs::SmallRng::seed_from_u64(seed);
    let v: Vec<T> = (0..len)
        .map(|_| T::from_f64(rng.random_range(-1.0..1.0)))
        .collect();
    let f = v.iter().map(|x| x.to_f64()).collect();
    (v, f)
}
