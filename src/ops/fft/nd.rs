//! N-D transforms over any subset of the last three axes of a batched array: complex (c2c),
//! real input (r2c, NumPy's `rfftn` layout: the last transformed axis halved to n/2+1) and real
//! output (c2r, `irfftn`), and the real-to-real transforms of [`R2rKind`] (`scipy.fft.dctn`);
//! any length per axis, explicit input and output strides, NumPy's `norm` conventions.
//!
//! How: each axis is a batched 1-D transform along contiguous rows — the last axis directly,
//! another axis between two transposes that bring it last and put it back
//! (`shaders/fft/permute.wgsl`: one tiled strided-copy kernel), and the normalisation rides on
//! the last copy. Strided operands are gathered into (and scattered from) a contiguous working
//! array by the same kernel. A DCT-II over the last two axes of even length is one rfftn between
//! a reordering and a finishing step instead ([`crate::ops::fft::dct2_plane`]).

use crate::dtype::{DType, Element};
use crate::error::{Error, Result};
use crate::ops::fft::dct2_plane::{Dct2PlaneStep, PlaneStep};
use crate::ops::fft::permute::{Copy4, PermutePlan};
use crate::ops::fft::r2r::{R2rBound, R2rDesc, R2rKind, R2rPlan};
use crate::ops::fft::rfft::{RfftBound, RfftDesc, RfftPlan, RfftRowStep};
use crate::ops::fft::{FftBound, FftDesc, FftPlan};
use crate::runtime::{read_buffer, Context, Dispatch, Operand};

/// Normalisation, as NumPy's and SciPy's `norm=`.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize,
)]
pub enum Norm {
    /// Forward unscaled, inverse scaled by 1/n (the default).
    #[default]
    Backward,
    /// Both directions scaled by 1/√n (orthonormal).
    Ortho,
    /// Forward scaled by 1/n, inverse unscaled.
    Forward,
}

impl Norm {
    /// The factor NumPy applies to a transform over `n` points in total.
    pub fn factor(self, n: f64, inverse: bool) -> f64 {
        match (self, inverse) {
            (Norm::Backward, false) | (Norm::Forward, true) => 1.0,
            (Norm::Ortho, _) => 1.0 / n.sqrt(),
            (Norm::Backward, true) | (Norm::Forward, false) => 1.0 / n,
        }
    }
}

impl std::str::FromStr for Norm {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "backward" => Ok(Norm::Backward),
            "ortho" => Ok(Norm::Ortho),
            "forward" => Ok(Norm::Forward),
            _ => Err(Error::Shape(format!(
                "unknown norm `{s}`: backward, ortho or forward"
            ))),
        }
    }
}

/// How the N-D transforms move an axis last and back: the one choice their dispatcher makes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum TransposeKernel {
    /// 32×32 tiles through workgroup memory, both sides read and written in runs: the GPU
    /// choice.
    Tiled,
    /// Each value copied straight from its strided source, no workgroup memory or barrier: on
    /// CPU adapters (lavapipe) 2.4× faster than the tiled one (1024² complex: ~23 ms against
    /// ~56 ms, `examples/permute_probe.rs`, alternating rounds), where a barrier is expensive
    /// and caches absorb the strided reads.
    Direct,
}

impl TransposeKernel {
    /// The pick for an adapter: direct on CPU adapters, tiled elsewhere.
    pub fn default_for(caps: &crate::runtime::Capabilities) -> Self {
        if caps.device_type == wgpu::DeviceType::Cpu {
            TransposeKernel::Direct
        } else {
            TransposeKernel::Tiled
        }
    }
}

/// How a complex transform along an axis that is not the last one runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum ColumnPass {
    /// Transpose the axis last, transform rows, transpose back (any length).
    Transposes,
    /// One strided FFT pass that reads and writes the values where they lie (power-of-two
    /// lengths that fit one fused plain-Stockham pass; other axes still transpose).
    Strided,
    /// As `Strided`, but 256-, 1024- and 4096-point columns at a power-of-two stride run on the
    /// lane-per-column subgroup kernels where the adapter has 8-lane subgroups (`p16v`, `p64l`,
    /// and `p256v` in place; see `strided_lane_passes`): adjacent lanes hold adjacent columns, so
    /// each subgroup load or store is a run of whole lines, where the plain pass runs one
    /// 4096-point column per workgroup and uses 8 bytes of each line it touches. Other lengths
    /// and adapters run as `Strided`.
    Lanes,
}

/// The N-D transforms' dispatcher choices (each 1-D step keeps the FFT's own pick).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct NdConfig {
    /// How an axis is moved last and back.
    pub transpose: TransposeKernel,
    /// How complex transforms along other axes run.
    pub columns: ColumnPass,
}

impl NdConfig {
    /// The pick for an adapter (see [`TransposeKernel::default_for`]; strided column passes
    /// on the lane-per-column kernels on CPU adapters, where `bench fft` measured them faster
    /// than the plain strided pass and the transposes).
    pub fn default_for(caps: &crate::runtime::Capabilities) -> Self {
        let transpose = TransposeKernel::default_for(caps);
        Self {
            transpose,
            columns: match transpose {
                TransposeKernel::Direct => ColumnPass::Lanes,
                TransposeKernel::Tiled => ColumnPass::Transposes,
            },
        }
    }

    /// Every configuration (for verify and the bench's comparisons).
    pub fn all() -> [NdConfig; 6] {
        let mut v = [NdConfig {
            transpose: TransposeKernel::Tiled,
            columns: ColumnPass::Transposes,
        }; 6];
        let mut i = 0;
        for transpose in [TransposeKernel::Tiled, TransposeKernel::Direct] {
            for columns in [
                ColumnPass::Transposes,
                ColumnPass::Strided,
                ColumnPass::Lanes,
            ] {
                v[i] = NdConfig { transpose, columns };
                i += 1;
            }
        }
        v
    }

    /// Short label: `direct+strided`, `tiled+transposes`, ...
    pub fn label(&self) -> String {
        let t = match self.transpose {
            TransposeKernel::Tiled => "tiled",
            TransposeKernel::Direct => "direct",
        };
        let c = match self.columns {
            ColumnPass::Transposes => "transposes",
            ColumnPass::Strided => "strided",
            ColumnPass::Lanes => "lanes",
        };
        format!("{t}+{c}")
    }
}

/// What an N-D transform computes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub enum NdTransform {
    /// Complex to complex (`fftn` / `ifftn`).
    C2c {
        /// `ifftn` instead of `fftn`.
        inverse: bool,
    },
    /// Real to complex (`rfftn`): the last transformed axis becomes n/2+1 bins.
    R2c,
    /// Complex to real (`irfftn`): the shape is the real output's.
    C2r,
    /// Real to real along every transformed axis (`dctn` / `dstn`).
    R2r(R2rKind),
}

impl NdTransform {
    fn in_comps(self) -> u32 {
        match self {
            NdTransform::C2c { .. } | NdTransform::C2r => 2,
            NdTransform::R2c | NdTransform::R2r(_) => 1,
        }
    }
    fn out_comps(self) -> u32 {
        match self {
            NdTransform::C2c { .. } | NdTransform::R2c => 2,
            NdTransform::C2r | NdTransform::R2r(_) => 1,
        }
    }
    /// Short name for reports: `c2c`, `ic2c`, `r2c`, `c2r`, `dct2`...
    pub fn name(self) -> &'static str {
        match self {
            NdTransform::C2c { inverse: false } => "c2c",
            NdTransform::C2c { inverse: true } => "ic2c",
            NdTransform::R2c => "r2c",
            NdTransform::C2r => "c2r",
            NdTransform::R2r(k) => k.name(),
        }
    }
}

/// An N-D transform of a (batched) array.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct FftNdDesc {
    /// The array's shape, outermost first (for c2r, the real output's shape).
    pub shape: Vec<u32>,
    /// The transformed axes: distinct, among the last three.
    pub axes: Vec<usize>,
    /// What to compute.
    pub transform: NdTransform,
    /// Normalisation.
    pub norm: Norm,
    /// Storage type (f32 arithmetic).
    pub dtype: DType,
    /// Input strides in elements (complex or real values), outermost first; `None`: contiguous.
    pub in_strides: Option<Vec<u64>>,
    /// Output strides in elements; `None`: contiguous.
    pub out_strides: Option<Vec<u64>>,
}

fn contiguous_strides(shape: &[u64]) -> Vec<u64> {
    let mut s = vec![1u64; shape.len()];
    for i in (0..shape.len().saturating_sub(1)).rev() {
        s[i] = s[i + 1] * shape[i + 1];
    }
    s
}

impl FftNdDesc {
    /// The crate's tolerance for this transform against `fftn_ref`: the FFT bound over all its
    /// points, one level more per real-to-real axis (each is an FFT between two passes).
    pub fn tolerance(&self) -> crate::harness::tolerance::Tolerance {
        let r2r_axes = match self.transform {
            NdTransform::R2r(_) => self.axes.len() as u32,
            _ => 0,
        };
        crate::harness::tolerance::Tolerance::fft_nd(self.dtype, self.points(), r2r_axes)
    }

    /// `transform` over `axes` of a contiguous f32 array of `shape`, `norm="backward"`.
    pub fn new(shape: &[u32], axes: &[usize], transform: NdTransform) -> Self {
        Self {
            shape: shape.to_vec(),
            axes: axes.to_vec(),
            transform,
            norm: Norm::Backward,
            dtype: DType::F32,
            in_strides: None,
            out_strides: None,
        }
    }
    /// Sets the normalisation.
    pub fn norm(mut self, norm: Norm) -> Self {
        self.norm = norm;
        self
    }
    /// Sets the storage type.
    pub fn dtype(mut self, dtype: DType) -> Self {
        self.dtype = dtype;
        self
    }
    /// Reads the input with these element strides.
    pub fn in_strides(mut self, strides: &[u64]) -> Self {
        self.in_strides = Some(strides.to_vec());
        self
    }
    /// Writes the output with these element strides.
    pub fn out_strides(mut self, strides: &[u64]) -> Self {
        self.out_strides = Some(strides.to_vec());
        self
    }
    /// The last transformed axis (the halved one of r2c / c2r).
    fn last_axis(&self) -> usize {
        self.axes.iter().copied().max().unwrap_or(0)
    }
    fn halved(&self) -> Vec<u64> {
        let mut s: Vec<u64> = self.shape.iter().map(|&d| d as u64).collect();
        let a = self.last_axis();
        s[a] = s[a] / 2 + 1;
        s
    }
    /// Shape of the input array.
    pub fn in_shape(&self) -> Vec<u64> {
        match self.transform {
            NdTransform::C2r => self.halved(),
            _ => self.shape.iter().map(|&d| d as u64).collect(),
        }
    }
    /// Shape of the output array.
    pub fn out_shape(&self) -> Vec<u64> {
        match self.transform {
            NdTransform::R2c => self.halved(),
            _ => self.shape.iter().map(|&d| d as u64).collect(),
        }
    }
    fn side(shape: &[u64], strides: &Option<Vec<u64>>) -> (Vec<u64>, u64) {
        let st = strides.clone().unwrap_or_else(|| contiguous_strides(shape));
        let extent = 1 + st.iter().zip(shape).map(|(s, d)| s * (d - 1)).sum::<u64>();
        (st, extent)
    }
    /// Scalars the input buffer must hold (2 per complex value).
    pub fn in_len(&self) -> u64 {
        Self::side(&self.in_shape(), &self.in_strides).1 * self.transform.in_comps() as u64
    }
    /// Scalars the output buffer must hold.
    pub fn out_len(&self) -> u64 {
        Self::side(&self.out_shape(), &self.out_strides).1 * self.transform.out_comps() as u64
    }
    /// Points transformed per array (the product of the transformed axes' logical lengths).
    pub fn points(&self) -> u64 {
        self.axes.iter().map(|&a| self.shape[a] as u64).product()
    }

    /// Checks shape, axes and strides; nothing about the device.
    pub fn validate(&self) -> Result<()> {
        let nd = self.shape.len();
        if nd == 0 {
            return Err(Error::Shape(
                "an N-D transform needs at least one axis".into(),
            ));
        }
        if self.shape.contains(&0) {
            return Err(Error::ZeroSized("N-D transform dimension"));
        }
        if self.axes.is_empty() {
            return Err(Error::Shape("no axis to transform".into()));
        }
        for (i, &a) in self.axes.iter().enumerate() {
            if a >= nd || a + 3 < nd {
                return Err(Error::Shape(format!(
                    "axis {a} is not one of the last three of a {nd}-D array"
                )));
            }
            if self.axes[..i].contains(&a) {
                return Err(Error::Shape(format!("axis {a} is given twice")));
            }
        }
        for (name, strides) in [("input", &self.in_strides), ("output", &self.out_strides)] {
            if let Some(s) = strides {
                if s.len() != nd {
                    return Err(Error::Shape(format!(
                        "{name} strides have {} entries for a {nd}-D array",
                        s.len()
                    )));
                }
                let shape = if name == "input" {
                    self.in_shape()
                } else {
                    self.out_shape()
                };
                let batch = nd.saturating_sub(3);
                for i in 0..batch.saturating_sub(1) {
                    if s[i] != s[i + 1] * shape[i + 1] {
                        return Err(Error::Shape(format!(
                            "{name} strides: the batch axes (all but the last three) must be \
                             nested (stride[{i}] = stride[{}]·shape[{}]), got {s:?}",
                            i + 1,
                            i + 1
                        )));
                    }
                }
            }
        }
        Ok(())
    }

    /// The array as (batch, d0, d1, d2): the batch axes collapsed, the last three padded with 1s.
    fn dims4(shape: &[u64]) -> [u64; 4] {
        let nd = shape.len();
        let mut d = [1u64; 4];
        d[0] = shape[..nd.saturating_sub(3)].iter().product();
        for (i, &v) in shape[nd.saturating_sub(3)..].iter().enumerate() {
            d[4 - nd.min(3) + i] = v;
        }
        d
    }
    fn strides4(shape: &[u64], strides: &[u64]) -> [u64; 4] {
        let nd = shape.len();
        let mut s = [0u64; 4];
        let batch = nd.saturating_sub(3);
        s[0] = if batch > 0 { strides[batch - 1] } else { 0 };
        for i in 0..nd.min(3) {
            s[4 - nd.min(3) + i] = strides[batch + i];
        }
        s
    }
    /// Whether this is a DCT-II or DCT-III that runs Makhoul's 2-D route (reorder, one rfftn,
    /// finish, or those steps undone around one irfftn: [`Dct2PlaneStep`]): over the last two
    /// axes, both of even length.
    pub(crate) fn dct_by_rfftn(&self) -> bool {
        let mut axes = self.axes4();
        axes.sort_unstable();
        let w = Self::dims4(&self.in_shape());
        matches!(
            self.transform,
            NdTransform::R2r(R2rKind::Dct2 | R2rKind::Dct3)
        ) && axes == [2, 3]
            && Dct2PlaneStep::fits(w[2], w[3])
    }
    /// The transformed axes as positions in (batch, d0, d1, d2).
    fn axes4(&self) -> Vec<usize> {
        let nd = self.shape.len();
        self.axes
            .iter()
            .map(|&a| a + 4 - nd.min(3) - nd.saturating_sub(3))
            .collect()
    }
}

/// One step of a chain, planned.
#[derive(Debug)]
enum Stage {
    Fft(FftPlan),
    Rfft(RfftPlan),
    RfftRow(RfftRowStep),
    R2r(R2rPlan),
    Dct2Plane(Dct2PlaneStep),
    Copy(PermutePlan),
}

/// One step of a chain, bound.
#[derive(Debug)]
enum Bound {
    Fft(FftBound),
    Rfft(RfftBound),
    R2r(R2rBound),
    Dispatch(Dispatch),
}

/// A step before planning: what it does to the contiguous working array.
#[derive(Clone, Debug)]
pub(crate) enum StageSpec {
    /// Complex FFTs along rows.
    Fft { n: u32, batch: u64, inverse: bool },
    /// Complex FFTs along a non-last axis, values at stride `stride` (`FftPlan::new_strided`).
    FftStrided {
        n: u32,
        batch: u64,
        stride: u64,
        inverse: bool,
    },
    /// rfft (or irfft) along rows of `n` reals.
    Rfft { n: u32, batch: u64, inverse: bool },
    /// The split that ends an rfftn over a last axis of even length `n` (`RfftRowStep::split`):
    /// `rows` rows of n/2 complex values to rows of n/2 + 1 bins, or back (`inverse`: the
    /// first step of an irfftn); `rows_2`, `rows_1`: the lengths of the two row axes before the
    /// last and whether each is transformed.
    RfftSplit {
        n: u32,
        rows: u64,
        rows_2: (u64, bool),
        rows_1: (u64, bool),
        inverse: bool,
    },
    /// The row DFTs and the split of a 2-D rfftn fused (`RfftRowStep::pair`): `rows` rows of
    /// n reals read as n/2 complex values, already transformed along the row axis of length
    /// `d`. `inverse`: the irfftn step that undoes the split and runs the inverse row DFTs (rows
    /// of n/2 + 1 bins to n/2 complex values), before the inverse column transforms.
    RfftPair {
        n: u32,
        rows: u64,
        d: u64,
        inverse: bool,
    },
    /// Real-to-real transforms along rows, the first `keep` outputs of each kept.
    R2r {
        n: u32,
        batch: u64,
        kind: R2rKind,
        norm: Norm,
        keep: u32,
    },
    /// A step of 2-D DCT-II or DCT-III by Makhoul's route (`Dct2PlaneStep`) over `planes`
    /// planes of n1 × n2.
    Dct2Plane {
        n1: u32,
        n2: u32,
        planes: u64,
        norm: Norm,
        step: PlaneStep,
    },
    /// A strided copy.
    Copy(Copy4),
}

/// Plans the working-array steps of an N-D transform: a sequence of steps, each reading what
/// the previous one wrote, with the output scalars of each.
#[derive(Debug, Default)]
pub(crate) struct ChainSpec {
    pub stages: Vec<(StageSpec, u64)>,
}

impl ChainSpec {
    pub(crate) fn push(&mut self, s: StageSpec, out_scalars: u64) {
        self.stages.push((s, out_scalars));
    }

    /// Applies a row operation along axis `a` of the contiguous working array `w` (comps_in
    /// scalars per element): directly when the axis is last, else between two transposes.
    /// `op(len, batch)` returns the step and the row's output length; comps change r2c/c2r.
    pub(crate) fn along(
        &mut self,
        w: &mut [u64; 4],
        a: usize,
        comps_in: u32,
        comps_out: u32,
        op: impl FnOnce(u32, u64) -> Result<(StageSpec, u64)>,
    ) -> Result<()> {
        let before: u64 = w[..a].iter().product();
        let after: u64 = w[a + 1..].iter().product();
        let len = w[a];
        let len32 = u32::try_from(len)
            .map_err(|_| Error::Shape(format!("axis length {len} is over 2^32")))?;
        if after > 1 {
            let total = before * len * after;
            self.push(
                StageSpec::Copy(Copy4::transpose(before, len, after, comps_in)),
                total * comps_in as u64,
            );
        }
        let (spec, len_out) = op(len32, before * after)?;
        self.push(spec, before * after * len_out * comps_out as u64);
        if after > 1 {
            let total = before * len_out * after;
            self.push(
                StageSpec::Copy(Copy4::transpose(before, after, len_out, comps_out)),
                total * comps_out as u64,
            );
        }
        w[a] = len_out;
        Ok(())
    }

    /// Sets the factor of the last step, appending a contiguous copy when it is not a copy.
    fn scale_last(&mut self, factor: f64, w: &[u64; 4], comps: u32) {
        if (factor - 1.0).abs() < 1e-15 {
            return;
        }
        if !matches!(self.stages.last(), Some((StageSpec::Copy(_), _))) {
            let cols = w[3];
            let rows = w[..3].iter().product::<u64>();
            self.push(
                StageSpec::Copy(Copy4::contiguous(rows, cols, comps)),
                rows * cols * comps as u64,
            );
        }
        if let Some((StageSpec::Copy(c), _)) = self.stages.last_mut() {
            c.scale = (c.scale as f64 * factor) as f32;
        }
    }

    /// rfftn's split of the working array `w` (rows of n reals read as n/2 complex values,
    /// transformed along `axes`) into n/2 + 1 bins per row, or its undoing (`inverse`).
    fn split(&mut self, n: u32, w: &[u64; 4], axes: &[usize], inverse: bool) {
        let rows = w[0] * w[1] * w[2];
        let bins = if inverse { n / 2 } else { n / 2 + 1 } as u64;
        let spec = StageSpec::RfftSplit {
            n,
            rows,
            rows_2: (w[2], axes.contains(&2)),
            rows_1: (w[1], axes.contains(&1)),
            inverse,
        };
        self.push(spec, rows * bins * 2);
    }

    /// rfftn over `axes` (the last axis among them, of even length): the reals of each row as
    /// n/2 complex values, the c2c chain at half width, the split into n/2 + 1 bins; `w`'s last
    /// axis becomes n/2 + 1 bins (see [`ChainSpec::of`] for `strided` and `pair_rows`).
    fn rfftn_last(
        &mut self,
        w: &mut [u64; 4],
        axes: &[usize],
        strided: &dyn Fn(u32, u64, u64, bool) -> bool,
        pair_rows: &dyn Fn(u32, u64, bool) -> bool,
    ) -> Result<()> {
        // The reals of each row as n/2 complex values (no copy), the c2c chain over
        // every axis at half width (power-of-two strides where the shape has them:
        // the fast column passes), then the split into n/2 + 1 bins with each bin's
        // mirror across every transformed axis (`RfftRowStep::split`). Rows first (`of`'s other R2c branch)
        // leaves the column passes a stride of n/2 + 1: 4096² took 1.32× the c2c time.
        let n = u32::try_from(w[3])
            .map_err(|_| Error::Shape(format!("axis length {} is over 2^32", w[3])))?;
        w[3] /= 2;
        let rows = w[0] * w[1] * w[2];
        if axes == [3, 2] && pair_rows(n, rows, false) {
            // 2-D: the columns first, then the row DFTs and the split in one step, a
            // row pair per subgroup (4096²: 1.84x faster than c2c, against 1.30x with
            // the rows first and a separate split).
            self.c2c_axis(w, 2, false, strided)?;
            let d = w[2];
            let spec = StageSpec::RfftPair {
                n,
                rows,
                d,
                inverse: false,
            };
            self.push(spec, rows * (n as u64 / 2 + 1) * 2);
        } else {
            for &a in axes {
                self.c2c_axis(w, a, false, strided)?;
            }
            self.split(n, w, axes, false);
        }
        w[3] = n as u64 / 2 + 1;
        Ok(())
    }

    /// irfftn over `axes` (the last axis among them, of even length `n`; `w`'s last axis holds
    /// its n/2 + 1 bins and becomes n reals): R2c's path backwards. The split undone (n/2 + 1
    /// bins to n/2 values per row, each bin with its mirror across every transformed axis), then
    /// the inverse c2c chain over every axis at half width, whose output is the n reals of each
    /// row as n/2 complex values; the builtin plans scale by 1/n per axis, so it is the true
    /// inverse. The former order (c2c columns at the stride n/2 + 1, then irfft rows) took 1.5x
    /// the c2c time at 4096².
    fn irfftn_last(
        &mut self,
        w: &mut [u64; 4],
        n: u32,
        axes: &[usize],
        strided: &dyn Fn(u32, u64, u64, bool) -> bool,
        pair_rows: &dyn Fn(u32, u64, bool) -> bool,
    ) -> Result<()> {
        let rows = w[0] * w[1] * w[2];
        if axes == [3, 2] && pair_rows(n, rows, true) {
            // 2-D: the split undone and the inverse row DFTs in one step, a row pair per
            // subgroup, then the inverse columns.
            w[3] = n as u64 / 2;
            let d = w[2];
            let spec = StageSpec::RfftPair {
                n,
                rows,
                d,
                inverse: true,
            };
            self.push(spec, rows * w[3] * 2);
            self.c2c_axis(w, 2, true, strided)?;
        } else {
            self.split(n, w, axes, true);
            w[3] = n as u64 / 2;
            for &a in axes {
                self.c2c_axis(w, a, true, strided)?;
            }
        }
        w[3] = n as u64;
        Ok(())
    }

    /// A complex transform along axis `a` of `w`: a strided pass where `strided(n, batch,
    /// stride, inverse)` says one can run, else transposes around a row pass.
    fn c2c_axis(
        &mut self,
        w: &mut [u64; 4],
        a: usize,
        inverse: bool,
        strided: &dyn Fn(u32, u64, u64, bool) -> bool,
    ) -> Result<()> {
        let before: u64 = w[..a].iter().product();
        let after: u64 = w[a + 1..].iter().product();
        if after > 1 {
            if let Ok(n) = u32::try_from(w[a]) {
                if strided(n, before * after, after, inverse) {
                    let stride = after;
                    let batch = before * after;
                    let spec = StageSpec::FftStrided {
                        n,
                        batch,
                        stride,
                        inverse,
                    };
                    self.push(spec, 2 * batch * n as u64);
                    return Ok(());
                }
            }
        }
        self.along(w, a, 2, 2, |n, batch| {
            Ok((StageSpec::Fft { n, batch, inverse }, n as u64))
        })
    }

    /// The steps of `desc` (`strided`: whether a strided column pass can run, see
    /// [`ChainSpec::c2c_axis`]; `|_, _, _, _| false` for transposes only;
    /// `pair_rows(n, rows, inverse)`: whether [`RfftRowStep::pair`] runs the last step of a 2-D
    /// rfftn, or the first of an irfftn, over rows of n reals).
    pub fn of(
        desc: &FftNdDesc,
        strided: &dyn Fn(u32, u64, u64, bool) -> bool,
        pair_rows: &dyn Fn(u32, u64, bool) -> bool,
    ) -> Result<Self> {
        let mut chain = ChainSpec::default();
        let t = desc.transform;
        let (ci, co) = (t.in_comps(), t.out_comps());
        let in_shape = desc.in_shape();
        let mut w = FftNdDesc::dims4(&in_shape);
        if let Some(s) = &desc.in_strides {
            if *s != contiguous_strides(&in_shape) {
                let c = Copy4 {
                    dims: w.map(|d| d as u32),
                    in_strides: FftNdDesc::strides4(&in_shape, s),
                    out_strides: [w[1] * w[2] * w[3], w[2] * w[3], w[3], 1],
                    comps: ci,
                    scale: 1.0,
                    filter: None,
                };
                chain.push(StageSpec::Copy(c), w.iter().product::<u64>() * ci as u64);
            }
        }
        let mut axes = desc.axes4();
        axes.sort_unstable_by(|a, b| b.cmp(a));
        let last = axes[0];
        let all_strided = |inverse: bool| {
            axes[1..].iter().all(|&a| {
                let after: u64 = w[a + 1..].iter().product();
                let before: u64 = w[..a].iter().product();
                u32::try_from(w[a]).is_ok_and(|n| strided(n, before * after, after, inverse))
            })
        };
        // NumPy's factor over the builtin one: the inverse complex and real plans scale by 1/n.
        let n_all = desc.points() as f64;
        let (residual, comps_end) = match t {
            NdTransform::C2c { inverse } if axes == [3, 2, 1] && !all_strided(inverse) => {
                // All three axes: transform the last axis and rotate it to the front, three
                // times (three transposes instead of the four of two round trips).
                let p = w[0];
                let mut s = [w[1], w[2], w[3]];
                for _ in 0..3 {
                    let (rest, last) = (s[0] * s[1], s[2]);
                    let elems = p * rest * last;
                    let n = u32::try_from(last)
                        .map_err(|_| Error::Shape(format!("axis length {last} is over 2^32")))?;
                    chain.push(
                        StageSpec::Fft {
                            n,
                            batch: p * rest,
                            inverse,
                        },
                        2 * elems,
                    );
                    chain.push(
                        StageSpec::Copy(Copy4::transpose(p, rest, last, 2)),
                        2 * elems,
                    );
                    s.rotate_right(1);
                }
                let builtin = if inverse { 1.0 / n_all } else { 1.0 };
                (desc.norm.factor(n_all, inverse) / builtin, 2)
            }
            NdTransform::C2c { inverse } => {
                for &a in &axes {
                    chain.c2c_axis(&mut w, a, inverse, strided)?;
                }
                let builtin = if inverse { 1.0 / n_all } else { 1.0 };
                (desc.norm.factor(n_all, inverse) / builtin, 2)
            }
            NdTransform::R2c if last == 3 && w[3].is_multiple_of(2) => {
                chain.rfftn_last(&mut w, &axes, strided, pair_rows)?;
                (desc.norm.factor(n_all, false), 2)
            }
            NdTransform::R2c => {
                chain.along(&mut w, last, 1, 2, |n, batch| {
                    Ok((
                        StageSpec::Rfft {
                            n,
                            batch,
                            inverse: false,
                        },
                        n as u64 / 2 + 1,
                    ))
                })?;
                for &a in &axes[1..] {
                    chain.c2c_axis(&mut w, a, false, strided)?;
                }
                (desc.norm.factor(n_all, false), 2)
            }
            NdTransform::C2r if last == 3 && desc.shape[desc.last_axis()].is_multiple_of(2) => {
                chain.irfftn_last(
                    &mut w,
                    desc.shape[desc.last_axis()],
                    &axes,
                    strided,
                    pair_rows,
                )?;
                (desc.norm.factor(n_all, true) * n_all, 1)
            }
            NdTransform::C2r => {
                for &a in &axes[1..] {
                    chain.c2c_axis(&mut w, a, true, strided)?;
                }
                let n_last = desc.shape[desc.last_axis()];
                chain.along(&mut w, last, 2, 1, |_, batch| {
                    Ok((
                        StageSpec::Rfft {
                            n: n_last,
                            batch,
                            inverse: true,
                        },
                        n_last as u64,
                    ))
                })?;
                (desc.norm.factor(n_all, true) * n_all, 1)
            }
            NdTransform::R2r(kind) if desc.dct_by_rfftn() => {
                // Makhoul's route in both axes. DCT-II: reorder, one 2-D rfftn, finish from the
                // half spectrum (lavapipe 22.3, 1024²: see docs/kernel-notes.md, DCT); DCT-III,
                // its inverse: the half spectrum from the cosine sums, one irfftn, the
                // reordering undone.
                let (n1, n2) = (batch32(w[2])?, batch32(w[3])?);
                let planes = w[0] * w[1];
                let reals = planes * w[2] * w[3];
                let step = |step| StageSpec::Dct2Plane {
                    n1,
                    n2,
                    planes,
                    norm: desc.norm,
                    step,
                };
                if kind == R2rKind::Dct2 {
                    chain.push(step(PlaneStep::Reorder), reals);
                    chain.rfftn_last(&mut w, &axes, strided, pair_rows)?;
                    chain.push(step(PlaneStep::Finish), reals);
                } else {
                    w[3] = n2 as u64 / 2 + 1;
                    chain.push(step(PlaneStep::Start), planes * w[2] * w[3] * 2);
                    chain.irfftn_last(&mut w, n2, &axes, strided, pair_rows)?;
                    chain.push(step(PlaneStep::Unreorder), reals);
                }
                w[3] = n2 as u64;
                (1.0, 1)
            }
            NdTransform::R2r(kind) => {
                for &a in &axes {
                    chain.along(&mut w, a, 1, 1, |n, batch| {
                        let spec = StageSpec::R2r {
                            n,
                            batch,
                            kind,
                            norm: desc.norm,
                            keep: n,
                        };
                        Ok((spec, n as u64))
                    })?;
                }
                (1.0, 1)
            }
        };
        let out_shape = desc.out_shape();
        match &desc.out_strides {
            Some(s) if *s != contiguous_strides(&out_shape) => {
                let wo = FftNdDesc::dims4(&out_shape);
                let c = Copy4 {
                    dims: wo.map(|d| d as u32),
                    in_strides: [wo[1] * wo[2] * wo[3], wo[2] * wo[3], wo[3], 1],
                    out_strides: FftNdDesc::strides4(&out_shape, s),
                    comps: co,
                    scale: 1.0,
                    filter: None,
                };
                chain.push(StageSpec::Copy(c), desc.out_len());
            }
            _ => {}
        }
        chain.scale_last(residual, &w, comps_end);
        Ok(chain)
    }
}

/// Whether a strided column pass of (n, batch, stride, inverse) can run under `config`: what
/// [`ChainSpec::of`] asks before it plans transposes instead.
pub(crate) fn strided_probe(
    ctx: &Context,
    dtype: DType,
    config: NdConfig,
) -> impl Fn(u32, u64, u64, bool) -> bool + '_ {
    move |n: u32, batch: u64, stride: u64, inverse: bool| {
        config.columns != ColumnPass::Transposes
            && u32::try_from(batch).is_ok_and(|b| {
                u32::try_from(stride).is_ok_and(|st| {
                    // The same pick and test `FftPlan::new_strided` makes, without building it.
                    let d = FftDesc::new(n).batch(b).inverse(inverse).dtype(dtype);
                    st > 0
                        && b.is_multiple_of(st)
                        && d.validate().is_ok()
                        && ({
                            let pick = crate::ops::fft::tune::fft_pick(ctx, &d);
                            let lanes = config.columns == ColumnPass::Lanes
                                && n.is_power_of_two()
                                && crate::ops::fft::strided_lane_passes(
                                    &pick,
                                    n.trailing_zeros(),
                                    st,
                                    false,
                                    dtype,
                                )
                                .is_some();
                            lanes
                                || crate::ops::fft::strided_fits(&pick.without_subgroups(), &d)
                                || crate::ops::fft::runs_mixed_strided(ctx, n)
                        })
                })
            })
    }
}

/// Planned steps and the scratch they ping-pong through.
#[derive(Debug)]
pub(crate) struct Chain {
    ctx: Context,
    stages: Vec<Stage>,
    /// Where each step writes; a step in place reads there too.
    dsts: Vec<Dst>,
    /// Which steps run in place (strided column passes after the first step).
    in_place: Vec<bool>,
    scratch: Vec<wgpu::Buffer>,
}

/// The buffer a step writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Dst {
    Output,
    Scratch(usize),
}

/// Where each of the steps writes, given which run in place: the last writes the output; a step
/// in place needs its input where it writes, so the step before writes there too; any other
/// step reads a buffer other than the one it writes (scratch buffers alternate).
fn chain_dsts(in_place: &[bool]) -> Vec<Dst> {
    let k = in_place.len();
    let mut dsts = vec![Dst::Output; k];
    for i in (1..k).rev() {
        dsts[i - 1] = if in_place[i] {
            dsts[i]
        } else {
            match dsts[i] {
                Dst::Scratch(0) => Dst::Scratch(1),
                _ => Dst::Scratch(0),
            }
        };
    }
    dsts
}

fn batch32(batch: u64) -> Result<u32> {
    u32::try_from(batch).map_err(|_| Error::Shape(format!("{batch} rows exceed 2^32")))
}

impl Chain {
    /// Plans every step of `spec` on `dtype` storage.
    pub fn new(
        ctx: &Context,
        dtype: DType,
        spec: &ChainSpec,
        transpose: TransposeKernel,
        columns: ColumnPass,
    ) -> Result<Self> {
        let mut stages = Vec::new();
        // A strided column pass reads and writes each value in one place, so after the first
        // step (whose input is the caller's, read only) it runs in place.
        let in_place: Vec<bool> = (spec.stages.iter().enumerate())
            .map(|(i, (s, _))| i > 0 && matches!(s, StageSpec::FftStrided { .. }))
            .collect();
        for (i, (s, _)) in spec.stages.iter().enumerate() {
            stages.push(match s {
                StageSpec::Fft { n, batch, inverse } => Stage::Fft(FftPlan::new(
                    ctx,
                    FftDesc::new(*n)
                        .batch(batch32(*batch)?)
                        .inverse(*inverse)
                        .dtype(dtype),
                    None,
                )?),
                StageSpec::FftStrided {
                    n,
                    batch,
                    stride,
                    inverse,
                } => Stage::Fft(FftPlan::new_strided(
                    ctx,
                    FftDesc::new(*n)
                        .batch(batch32(*batch)?)
                        .inverse(*inverse)
                        .dtype(dtype),
                    batch32(*stride)?,
                    in_place[i],
                    columns == ColumnPass::Lanes,
                )?),
                StageSpec::Rfft { n, batch, inverse } => Stage::Rfft(RfftPlan::new(
                    ctx,
                    RfftDesc::new(*n)
                        .batch(batch32(*batch)?)
                        .inverse(*inverse)
                        .dtype(dtype),
                    None,
                )?),
                StageSpec::RfftSplit {
                    n,
                    rows,
                    rows_2,
                    rows_1,
                    inverse,
                } => Stage::RfftRow(RfftRowStep::split(
                    ctx,
                    dtype,
                    *n,
                    batch32(*rows)?,
                    (batch32(rows_2.0)?, rows_2.1),
                    (batch32(rows_1.0)?, rows_1.1),
                    *inverse,
                )?),
                StageSpec::RfftPair {
                    n,
                    rows,
                    d,
                    inverse,
                } => Stage::RfftRow(RfftRowStep::pair(
                    ctx,
                    dtype,
                    *n,
                    batch32(*rows)?,
                    batch32(*d)?,
                    *inverse,
                )?),
                StageSpec::R2r {
                    n,
                    batch,
                    kind,
                    norm,
                    keep,
                } => Stage::R2r(R2rPlan::new(
                    ctx,
                    R2rDesc::new(*kind, *n)
                        .batch(batch32(*batch)?)
                        .norm(*norm)
                        .keep(*keep)
                        .dtype(dtype),
                )?),
                StageSpec::Dct2Plane {
                    n1,
                    n2,
                    planes,
                    norm,
                    step,
                } => Stage::Dct2Plane(Dct2PlaneStep::new(
                    ctx,
                    dtype,
                    (*n1, *n2),
                    batch32(*planes)?,
                    *norm,
                    *step,
                )?),
                StageSpec::Copy(c) => Stage::Copy(PermutePlan::new(
                    ctx,
                    dtype,
                    c,
                    transpose == TransposeKernel::Tiled,
                )?),
            });
        }
        // Intermediate results go to the output (before steps in place there) or alternate
        // between two scratch buffers sized for the largest.
        let k = spec.stages.len();
        let dsts = chain_dsts(&in_place);
        let largest = spec.stages[..k.saturating_sub(1)]
            .iter()
            .map(|s| s.1)
            .max()
            .unwrap_or(0);
        let n_scratch = dsts
            .iter()
            .filter_map(|d| match d {
                Dst::Scratch(i) => Some(i + 1),
                Dst::Output => None,
            })
            .max()
            .unwrap_or(0);
        let bytes = (largest * dtype.size()).max(16);
        ctx.check_binding_size("N-D transform scratch", bytes)?;
        let scratch = (0..n_scratch)
            .map(|_| ctx.storage("N-D transform scratch", bytes))
            .collect::<Result<Vec<_>>>()?;
        Ok(Self {
            ctx: ctx.clone(),
            stages,
            dsts,
            in_place,
            scratch,
        })
    }

    /// Binds the steps between `input` and `output` (and the filter a filtered copy reads).
    pub fn bind(
        &self,
        input: &wgpu::Buffer,
        output: &wgpu::Buffer,
        filter: Option<&wgpu::Buffer>,
    ) -> Result<NdBound> {
        let buffer = |d: Dst| match d {
            Dst::Output => output,
            Dst::Scratch(i) => &self.scratch[i],
        };
        let mut out = Vec::with_capacity(self.stages.len());
        for (i, stage) in self.stages.iter().enumerate() {
            // A step in place reads its output buffer and leaves its source binding unread:
            // it binds the input there (never a buffer it writes).
            let src = if i == 0 || self.in_place[i] {
                input
            } else {
                buffer(self.dsts[i - 1])
            };
            let dst = buffer(self.dsts[i]);
            out.push(match stage {
                Stage::Fft(p) => Bound::Fft(p.bind_unchecked(src, dst)?),
                Stage::Rfft(p) => Bound::Rfft(p.bind(src, dst)?),
                Stage::RfftRow(p) => Bound::Dispatch(p.bind(src, dst)?),
                Stage::R2r(p) => Bound::R2r(p.bind(src, dst)?),
                Stage::Dct2Plane(p) => Bound::Dispatch(p.bind(src, dst)?),
                Stage::Copy(p) => Bound::Dispatch(p.bind(src, dst, filter)?),
            });
        }
        Ok(NdBound { steps: out })
    }

    /// The context the steps were planned on.
    pub fn ctx(&self) -> &Context {
        &self.ctx
    }

    /// Dispatches one run records.
    pub fn dispatches(&self) -> usize {
        self.stages.len()
    }
}

/// An N-D transform ready to run.
#[derive(Debug)]
pub struct FftNdPlan {
    desc: FftNdDesc,
    config: NdConfig,
    chain: Chain,
}

impl FftNdPlan {
    /// Plans `desc` with the dispatcher's [`NdConfig`]: the tuned winner for this shape where
    /// `wgkernels tune fft` stored one, else [`NdConfig::default_for`] the adapter (every 1-D
    /// step is the FFT dispatcher's pick for its length).
    pub fn new(ctx: &Context, desc: FftNdDesc) -> Result<Self> {
        let config = crate::ops::fft::nd_tune::nd_pick(ctx, &desc);
        Self::with_config(ctx, desc, config)
    }

    /// Plans `desc` with `config`.
    pub fn with_config(ctx: &Context, desc: FftNdDesc, config: NdConfig) -> Result<Self> {
        desc.validate()?;
        if desc.dtype == DType::F16 {
            ctx.require_f16()?;
        }
        let es = desc.dtype.size();
        ctx.check_binding_size("N-D transform input", desc.in_len() * es)?;
        ctx.check_binding_size("N-D transform output", desc.out_len() * es)?;
        let spec = ChainSpec::of(
            &desc,
            &strided_probe(ctx, desc.dtype, config),
            &|n, rows, inverse| RfftRowStep::pair_fits(ctx, desc.dtype, n, rows, inverse),
        )?;
        let chain = Chain::new(ctx, desc.dtype, &spec, config.transpose, config.columns)?;
        Ok(Self {
            desc,
            config,
            chain,
        })
    }

    /// The problem.
    pub fn desc(&self) -> &FftNdDesc {
        &self.desc
    }

    /// The configuration that runs it.
    pub fn config(&self) -> &NdConfig {
        &self.config
    }

    /// Steps (each one or more dispatches) one run records.
    pub fn steps(&self) -> usize {
        self.chain.dispatches()
    }

    /// Binds `input` (read; [`FftNdDesc::in_len`] scalars) and `output` (written;
    /// [`FftNdDesc::out_len`]); they must differ.
    pub fn bind(&self, input: &wgpu::Buffer, output: &wgpu::Buffer) -> Result<NdBound> {
        let es = self.desc.dtype.size();
        let ctx = self.chain.ctx();
        Operand::new("input", input).check(ctx, self.desc.in_len() * es)?;
        Operand::new("output", output).check(ctx, self.desc.out_len() * es)?;
        if input == output {
            return Err(Error::Shape(
                "N-D transform input and output must be different buffers".into(),
            ));
        }
        self.chain.bind(input, output, None)
    }

    /// Runs on host data and returns the output array (strided outputs: the whole extent, with
    /// zeros between the written elements).
    pub async fn run_host<T: Element>(&self, data: &[T]) -> Result<Vec<T>> {
        crate::runtime::check_host_dtype::<T>(self.desc.dtype)?;
        crate::runtime::check_len("N-D transform input", data.len(), self.desc.in_len())?;
        let ctx = self.chain.ctx();
        let input = ctx.upload("nd input", data)?;
        let lo = self.desc.out_len();
        let output = ctx.storage("nd output", lo * self.desc.dtype.size())?;
        let bound = self.bind(&input, &output)?;
        ctx.submit(|p| bound.record(p))?;
        read_buffer(ctx, &output, lo as usize).await
    }
}

/// An N-D transform (or a frequency-domain layer built on one) bound to buffers.
#[derive(Debug)]
pub struct NdBound {
    steps: Vec<Bound>,
}

impl NdBound {
    /// One dispatch (a fused layer).
    pub(crate) fn single(d: Dispatch) -> Self {
        Self {
            steps: vec![Bound::Dispatch(d)],
        }
    }

    /// Records every dispatch.
    pub fn record(&self, pass: &mut wgpu::ComputePass<'_>) {
        for b in &self.steps {
            match b {
                Bound::Fft(b) => b.record(pass),
                Bound::Rfft(b) => b.record(pass),
                Bound::R2r(b) => b.record(pass),
                Bound::Dispatch(d) => d.record(pass),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_in_place_write_where_they_read() {
        use Dst::{Output as O, Scratch as S};
        // Rows, then a strided column pass in place: the rows write the output, no scratch.
        assert_eq!(chain_dsts(&[false, true]), vec![O, O]);
        // 3-D: rows, two column passes in place, a final copy.
        assert_eq!(
            chain_dsts(&[false, true, true, false]),
            vec![S(0), S(0), S(0), O]
        );
        // Out-of-place steps alternate scratch buffers and never read what they write.
        assert_eq!(
            chain_dsts(&[false, false, false, false]),
            vec![S(0), S(1), S(0), O]
        );
        assert_eq!(chain_dsts(&[false, false, true]), vec![S(0), O, O]);
        assert_eq!(chain_dsts(&[false]), vec![O]);
    }

    #[test]
    fn dims_and_axes_collapse() {
        let d = FftNdDesc::new(&[2, 3, 4, 5, 6], &[3, 4], NdTransform::R2c);
        assert_eq!(FftNdDesc::dims4(&[2, 3, 4, 5, 6]), [6, 4, 5, 6]);
        assert_eq!(d.axes4(), vec![2, 3]);
        assert_eq!(d.out_shape(), vec![2, 3, 4, 5, 4]);
        let d1 = FftNdDesc::new(&[7], &[0], NdTransform::C2r);
        assert_eq!(FftNdDesc::dims4(&[7]), [1, 1, 1, 7]);
        assert_eq!(d1.axes4(), vec![3]);
        assert_eq!(d1.in_shape(), vec![4]);
    }

    #[test]
    fn bad_axes_and_strides_are_typed_errors() {
        let bad = [
            FftNdDesc::new(&[2, 3, 4, 5], &[0], NdTransform::C2c { inverse: false }),
            FftNdDesc::new(&[4, 5], &[1, 1], NdTransform::R2c),
            FftNdDesc::new(&[4, 5], &[], NdTransform::R2c),
            FftNdDesc::new(&[4, 0], &[1], NdTransform::R2c),
            FftNdDesc::new(&[4, 5], &[1], NdTransform::R2c).in_strides(&[5]),
            FftNdDesc::new(&[2, 2, 4, 5, 6], &[4], NdTransform::R2c)
                .in_strides(&[1000, 120, 30, 6, 1]),
        ];
        for d in bad {
            assert!(d.validate().is_err(), "{d:?}");
        }
    }

    #[test]
    fn two_d_is_two_row_passes_and_two_transposes() {
        let d = FftNdDesc::new(&[3, 16, 12], &[1, 2], NdTransform::C2c { inverse: false });
        let c = ChainSpec::of(&d, &|_, _, _, _| false, &|_, _, _| false).unwrap();
        assert_eq!(c.stages.len(), 4);
        // 3-D: three row passes, each followed by a rotating transpose.
        let d = FftNdDesc::new(
            &[2, 5, 8, 6],
            &[1, 2, 3],
            NdTransform::C2c { inverse: true },
        );
        assert_eq!(
            ChainSpec::of(&d, &|_, _, _, _| false, &|_, _, _| false)
                .unwrap()
                .stages
                .len(),
            6
        );
        // Ortho on the last axis alone appends one scaling copy.
        let d =
            FftNdDesc::new(&[3, 16], &[1], NdTransform::C2c { inverse: false }).norm(Norm::Ortho);
        let c = ChainSpec::of(&d, &|_, _, _, _| false, &|_, _, _| false).unwrap();
        assert_eq!(c.stages.len(), 2);
        match &c.stages[1].0 {
            StageSpec::Copy(c) => assert!((c.scale - 0.25).abs() < 1e-7),
            s => panic!("{s:?}"),
        }
    }

    #[test]
    fn dct_over_two_even_axes_is_one_rfftn() {
        let plane = |s: &StageSpec| matches!(s, StageSpec::Dct2Plane { .. });
        let of = |shape: &[u32], axes: &[usize], kind| {
            let d = FftNdDesc::new(shape, axes, NdTransform::R2r(kind)).norm(Norm::Ortho);
            ChainSpec::of(&d, &|_, _, _, _| false, &|_, _, _| false).unwrap()
        };
        // DCT-II: reorder, the rfftn chain (two transposes around the column pass, the split),
        // finish; DCT-III: start, the irfftn chain, the reordering undone.
        for (kind, first, last) in [
            (R2rKind::Dct2, PlaneStep::Reorder, PlaneStep::Finish),
            (R2rKind::Dct3, PlaneStep::Start, PlaneStep::Unreorder),
        ] {
            let c = of(&[2, 6, 10], &[1, 2], kind);
            let n = c.stages.len();
            assert!(c.stages[1..n - 1].iter().all(|s| !plane(&s.0)), "{c:?}");
            let step_of = |i: usize| match c.stages[i].0 {
                StageSpec::Dct2Plane {
                    n1: 6,
                    n2: 10,
                    planes: 2,
                    step,
                    ..
                } => step,
                ref s => panic!("{s:?}"),
            };
            assert_eq!((step_of(0), step_of(n - 1)), (first, last));
            assert_eq!(c.stages[n - 1].1, 2 * 6 * 10);
        }
        // DCT-III's first step writes the half spectrum: 2 · 6 rows of 6 bins.
        assert_eq!(
            of(&[2, 6, 10], &[1, 2], R2rKind::Dct3).stages[0].1,
            2 * 6 * 6 * 2
        );
        // An odd axis, one axis, another kind or three axes: the per-axis route.
        for c in [
            of(&[6, 7], &[0, 1], R2rKind::Dct2),
            of(&[6, 7], &[0, 1], R2rKind::Dct3),
            of(&[6, 8], &[1], R2rKind::Dct3),
            of(&[6, 8], &[0, 1], R2rKind::Dct4),
            of(&[4, 6, 8], &[0, 1, 2], R2rKind::Dct2),
        ] {
            assert!(c.stages.iter().all(|s| !plane(&s.0)), "{c:?}");
        }
    }
}
