//! N:M sparse GEMM configurations: variant and blocking, their override constants, the
//! candidates valid on an adapter (a pure function of capabilities, limits and descriptor), and
//! the untuned default.

use crate::dtype::DType;
use crate::ops::sparse_gemm::{NmPattern, SparseGemmDesc};
use crate::runtime::coop::CoopTiling;
use crate::runtime::pipelines::Shader;
use crate::runtime::Capabilities;
use crate::tune::fits_limits;
use serde::{Deserialize, Serialize};

/// Algorithm variant of the sparse GEMM.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SparseVariant {
    /// The rows kernel in plain WGSL: op(B) staged in workgroup memory (the block kernel
    /// where the pattern allows, each kept value gathering its operand otherwise).
    Plain,
    /// op(B) broadcast through subgroups, kept values select their operand in registers.
    Subgroup,
    /// Compressed tiles expanded in workgroup memory, multiplied on cooperative matrices.
    Coop,
    /// Few output columns (1…16 tokens): the rows kernel with one column tile, weight-bound.
    Gemv,
    /// Lanes own output columns (vec4s of op(B)), the block's sparse rows are shared through
    /// subgroup broadcasts: the dense subgroup GEMM's blocking for a sparse left operand.
    Cols,
}

impl SparseVariant {
    /// Lower-case name for reports.
    pub fn name(self) -> &'static str {
        match self {
            SparseVariant::Plain => "plain",
            SparseVariant::Subgroup => "subgroup",
            SparseVariant::Coop => "coop",
            SparseVariant::Gemv => "gemv",
            SparseVariant::Cols => "cols",
        }
    }
}

/// Upper bounds the rows kernels are compiled for (function-scope arrays need constant sizes).
const SG_MAX_R: u32 = 4;
const PLAIN_MAX_R: u32 = 4;
const MAX_TQ: u32 = 4;
const SG_MAX_W: u32 = 8;

/// Upper bounds of the column-lanes kernel (shaders/sparse_gemm/cols.wgsl).
const COLS_MAX_R: u32 = 64;
const COLS_MAX_ACC: u32 = 256;
/// Register arrays of kept values and dense coefficients of the column-lanes kernel (vec4s).
const COLS_MAX_LD: u32 = 32;

/// One sparse GEMM configuration: the variant and the sizes that variant has (serialised
/// with a `variant` tag, as stored in the tuning cache).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "variant", rename_all = "lowercase")]
pub enum SparseConfig {
    /// The rows kernel in plain WGSL: `wg` invocations of `r` sparse rows each, `4·tq` output
    /// columns per workgroup.
    Plain {
        /// Invocations per workgroup.
        wg: u32,
        /// Sparse rows per invocation.
        r: u32,
        /// Output column quads per workgroup.
        tq: u32,
    },
    /// The rows kernel with op(B) broadcast through subgroups of `sg` (≥ 8) lanes.
    Subgroup {
        /// Invocations per workgroup.
        wg: u32,
        /// Sparse rows per invocation.
        r: u32,
        /// Output column quads per workgroup.
        tq: u32,
        /// Subgroup size.
        sg: u32,
    },
    /// Few output columns (1…16 tokens): the rows kernel with one column tile sized by the
    /// shape.
    Gemv {
        /// Invocations per workgroup.
        wg: u32,
        /// Sparse rows per invocation.
        r: u32,
        /// Subgroup size of the subgroup kernel; 0 = the plain kernel.
        sg: u32,
    },
    /// Column lanes: `wg` lanes × `nt` column quads each, `r` sparse rows per workgroup, `ks`
    /// k per step.
    Cols {
        /// Lanes per workgroup (= the subgroup size, 8).
        wg: u32,
        /// Sparse rows per workgroup.
        r: u32,
        /// Column quads per lane.
        nt: u32,
        /// K per step.
        ks: u32,
    },
    /// Compressed tiles expanded in workgroup memory, multiplied on cooperative matrices (the
    /// shared tiling of `shaders/common/coop_tile.wgsl`).
    Coop(CoopTiling),
}

impl SparseConfig {
    /// Plain rows kernel: `wg` invocations of `r` rows, `4·tq` columns per workgroup.
    pub const fn plain(wg: u32, r: u32, tq: u32) -> Self {
        Self::Plain { wg, r, tq }
    }
    /// Subgroup rows kernel on subgroups of `sg` (≥ 8) lanes.
    pub const fn subgroup(wg: u32, r: u32, tq: u32, sg: u32) -> Self {
        Self::Subgroup { wg, r, tq, sg }
    }
    /// Few-column path: rows kernel with one column tile; `sg` = 0 for the plain kernel.
    pub const fn gemv(wg: u32, r: u32, sg: u32) -> Self {
        Self::Gemv { wg, r, sg }
    }
    /// Column lanes: `wg` lanes × `nt` column quads each, `r` sparse rows per workgroup, `ks`
    /// k per step.
    pub const fn cols(wg: u32, r: u32, nt: u32, ks: u32) -> Self {
        Self::Cols { wg, r, nt, ks }
    }
    /// Coop: `sgm × sgn` subgroups of `sg`, `tile`×`tile` matrices, K step `cbk`.
    pub const fn coop(tile: u32, sg: u32, sgm: u32, sgn: u32, cbk: u32) -> Self {
        Self::Coop(CoopTiling::new(tile, sg, sgm, sgn, cbk))
    }

    /// The variant.
    pub fn variant(&self) -> SparseVariant {
        match self {
            Self::Plain { .. } => SparseVariant::Plain,
            Self::Subgroup { .. } => SparseVariant::Subgroup,
            Self::Gemv { .. } => SparseVariant::Gemv,
            Self::Cols { .. } => SparseVariant::Cols,
            Self::Coop(_) => SparseVariant::Coop,
        }
    }

    /// The cooperative-matrix tile size, if this configuration runs on cooperative matrices.
    pub fn coop_tile(&self) -> Option<u32> {
        match *self {
            Self::Coop(c) => Some(c.tile),
            _ => None,
        }
    }

    /// The subgroup size a rows kernel runs with (0: the plain kernel, or not a rows kernel).
    pub fn rows_subgroup(&self) -> u32 {
        match *self {
            Self::Subgroup { sg, .. } | Self::Gemv { sg, .. } => sg,
            _ => 0,
        }
    }

    /// Invocations and sparse rows per invocation of a rows kernel (0, 0 otherwise).
    fn rows_blocking(&self) -> (u32, u32) {
        match *self {
            Self::Plain { wg, r, .. } | Self::Subgroup { wg, r, .. } | Self::Gemv { wg, r, .. } => {
                (wg, r)
            }
            _ => (0, 0),
        }
    }

    /// The shader this configuration runs on `desc`: plain configurations take the block
    /// kernel where the pattern allows it (M divides 32, N divides 4), the gather kernel
    /// otherwise.
    pub fn shader(&self, desc: &SparseGemmDesc) -> Shader {
        match self {
            Self::Coop(_) => super::shaders::COOP,
            Self::Cols { .. } => super::shaders::COLS,
            _ if self.rows_subgroup() > 0 => super::shaders::ROWS_SG,
            _ if block_pattern(desc.pattern) => super::shaders::ROWS_BLOCK,
            _ => super::shaders::ROWS,
        }
    }

    /// Column quads per workgroup of a rows kernel for `desc` (column quads per lane for cols).
    pub fn quads(&self, desc: &SparseGemmDesc) -> u32 {
        match *self {
            Self::Gemv { .. } => desc.cols.div_ceil(4).clamp(1, MAX_TQ),
            Self::Plain { tq, .. } | Self::Subgroup { tq, .. } => tq,
            Self::Cols { nt, .. } => nt,
            Self::Coop(c) => c.sgn,
        }
    }

    /// Rows × columns of the output one workgroup covers.
    pub fn block(&self, desc: &SparseGemmDesc) -> (u32, u32) {
        match *self {
            Self::Coop(c) => c.block(),
            Self::Cols { wg, r, nt, .. } => (r, 4 * wg * nt),
            _ => {
                let (wg, r) = self.rows_blocking();
                (wg * r, 4 * self.quads(desc))
            }
        }
    }

    /// Invocations per workgroup.
    pub fn invocations(&self) -> u32 {
        match *self {
            Self::Coop(c) => c.invocations(),
            Self::Cols { wg, .. } => wg,
            _ => self.rows_blocking().0,
        }
    }

    /// Workgroup storage in bytes.
    pub fn workgroup_bytes(&self, desc: &SparseGemmDesc) -> u64 {
        match *self {
            Self::Coop(c) => c.workgroup_bytes(),
            Self::Cols { .. } => 0,
            _ if self.rows_subgroup() > 0 => 0,
            _ if block_pattern(desc.pattern) => 16 * 32 * MAX_TQ as u64,
            _ => {
                let c = plain_chunk(desc.pattern);
                16 * (c.kch as u64) * self.quads(desc) as u64
            }
        }
    }

    /// Override constants, named as in the WGSL.
    pub fn constants(&self, desc: &SparseGemmDesc) -> Vec<(&'static str, f64)> {
        let p = desc.pattern;
        let f = |x: u32| x as f64;
        let b = |x: bool| x as u8 as f64;
        let mut c = vec![
            ("NK", f(p.n)),
            ("MG", f(p.m)),
            ("BITS", f(p.bits())),
            ("PW", f(p.per_word())),
            ("TRANS_B", b(desc.trans_b())),
            ("TRANS_C", b(desc.trans_c())),
            ("VEC_B", b(desc.vec_b())),
        ];
        let sg = self.rows_subgroup();
        let (wg, r) = self.rows_blocking();
        match *self {
            Self::Coop(t) => c.extend(t.constants()),
            Self::Cols { wg, r, nt, ks } => {
                c.extend([
                    ("WG", f(wg)),
                    ("R", f(r)),
                    ("NT", f(nt)),
                    ("KS", f(ks)),
                    ("P", f(ks * p.n / p.m / 4)),
                ]);
            }
            _ if sg > 0 || block_pattern(p) => {
                let kpc = 32 * p.n / p.m;
                c.extend([
                    ("WG", f(wg)),
                    ("R", f(r)),
                    ("TQ", f(self.quads(desc))),
                    ("KPC", f(kpc)),
                    ("MWC", f(meta_words_per_chunk(kpc, p.per_word()))),
                ]);
                if sg > 0 {
                    c.push(("SG8", b(sg == 8)));
                }
            }
            _ => {
                let ch = plain_chunk(p);
                c.extend([
                    ("WG", f(wg)),
                    ("R", f(r)),
                    ("TQ", f(self.quads(desc))),
                    ("GPC", f(ch.gpc)),
                    ("KCH", f(ch.kch)),
                    ("KPC", f(ch.kpc)),
                    ("VPC", f(ch.kpc / 4)),
                ]);
            }
        }
        c
    }

    /// Short label for reports, e.g. `subgroup wg64 r8 c16`.
    pub fn label(&self) -> String {
        match *self {
            Self::Coop(c) => c.label(),
            Self::Gemv { wg, r, sg } => {
                let k = if sg > 0 {
                    format!("sg{sg}")
                } else {
                    "plain".into()
                };
                format!("gemv {k} wg{wg} r{r}")
            }
            Self::Cols { wg, r, nt, ks } => format!("cols wg{wg} {r}x{} ks{ks}", 4 * wg * nt),
            Self::Plain { wg, r, tq } => format!("plain wg{wg} r{r} c{}", 4 * tq),
            Self::Subgroup { wg, r, tq, sg } => format!("subgroup sg{sg} wg{wg} r{r} c{}", 4 * tq),
        }
    }

    /// Whether this configuration can run `desc` on an adapter with `caps` and `limits`.
    pub fn valid_for(
        &self,
        caps: &Capabilities,
        limits: &wgpu::Limits,
        desc: &SparseGemmDesc,
    ) -> bool {
        if !fits_limits(
            limits,
            self.invocations(),
            self.workgroup_bytes(desc),
            self.invocations(),
            1,
        ) {
            return false;
        }
        if desc.dtype == DType::F16 && !caps.f16 {
            return false;
        }
        let p = desc.pattern;
        let (wg, r) = self.rows_blocking();
        let rows_kernel_ok = |max_r: u32| wg > 0 && (1..=max_r).contains(&r);
        // The subgroup kernel's conditions: subgroups of a fixed size `sg` ≥ 8 (a power of
        // two) that tile the workgroup, and a pattern of the register-blocked kernels.
        let subgroup_ok = |sg: u32| {
            caps.subgroups
                && caps.subgroup_min == sg
                && caps.subgroup_max == sg
                && sg >= 8
                && sg.is_power_of_two()
                && wg.is_multiple_of(sg)
                && block_pattern(p)
        };
        match *self {
            Self::Coop(c) => c.valid_on(caps),
            Self::Cols { wg, r, nt, ks } => {
                // vec4 loads of op(B) (else the rows kernels take the shape), whole groups per
                // step, and the kernel's register arrays.
                // Kept values of a step: whole vec4s (spread over the 8 lanes of a subgroup and
                // broadcast), and all in one metadata word.
                let kps = ks * p.n / p.m;
                // The output is stored as vec4s along the rows (linear form: Y's rows are C's
                // columns) or along the columns.
                let vec_c = match desc.form {
                    crate::SparseForm::Linear => desc.rows.is_multiple_of(4),
                    crate::SparseForm::Matmul => desc.cols.is_multiple_of(4),
                };
                desc.vec_b()
                    && vec_c
                    && caps.subgroups
                    && caps.subgroup_min == 8
                    && caps.subgroup_max == 8
                    && wg == 8
                    && r.is_multiple_of(8)
                    && kps.is_multiple_of(4)
                    && p.per_word().is_multiple_of(kps)
                    && matches!(ks, 4 | 8 | 16)
                    && matches!(p.m, 2 | 4 | 8 | 16)
                    && ks.is_multiple_of(p.m)
                    && p.n < p.m
                    && p.n <= 4
                    && (1..=COLS_MAX_R).contains(&r)
                    && (1..=4).contains(&nt)
                    && r * nt <= COLS_MAX_ACC
                    && (r / 8) * (kps / 4) <= COLS_MAX_LD
                    && (r / 8) * (ks / 4) <= COLS_MAX_LD
            }
            Self::Plain { tq, .. } => rows_kernel_ok(PLAIN_MAX_R) && (1..=MAX_TQ).contains(&tq),
            Self::Subgroup { tq, sg, .. } => {
                rows_kernel_ok(SG_MAX_R) && (1..=MAX_TQ).contains(&tq) && subgroup_ok(sg)
            }
            Self::Gemv { sg, .. } => {
                desc.gemv_shape()
                    && if sg > 0 {
                        rows_kernel_ok(SG_MAX_R) && subgroup_ok(sg)
                    } else {
                        rows_kernel_ok(PLAIN_MAX_R)
                    }
            }
        }
    }
}

/// Patterns the register-blocked rows kernels take (subgroup and plain block): M divides the
/// 32-column chunk, N divides 4 (a group's kept values share one vec4), and a chunk's metadata
/// words fit the kernel's register array.
pub fn block_pattern(p: NmPattern) -> bool {
    matches!(p.m, 2 | 4 | 8 | 16)
        && matches!(p.n, 1 | 2 | 4)
        && p.n < p.m
        && meta_words_per_chunk(32 * p.n / p.m, p.per_word()) <= SG_MAX_W
}

/// Metadata words a row needs to cover `kpc` consecutive kept values starting anywhere a chunk
/// can start: exact when chunks and words align, one more otherwise.
fn meta_words_per_chunk(kpc: u32, pw: u32) -> u32 {
    if kpc.is_multiple_of(pw) {
        kpc / pw
    } else if pw.is_multiple_of(kpc) {
        1
    } else {
        kpc.div_ceil(pw) + 1
    }
}

/// Chunking of the plain kernel: `gpc` groups (`kch` columns, `kpc` kept values, a multiple of 4)
/// per step, about 32 columns.
#[derive(Clone, Copy, Debug)]
struct PlainChunk {
    gpc: u32,
    kch: u32,
    kpc: u32,
}

/// Greatest common divisor (pattern arithmetic: groups per vec4, aligned K).
pub(crate) fn gcd(mut a: u32, mut b: u32) -> u32 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

fn plain_chunk(p: NmPattern) -> PlainChunk {
    let gs = 4 / gcd(p.n, 4);
    let gpc = gs * (32 / (gs * p.m)).max(1);
    PlainChunk {
        gpc,
        kch: gpc * p.m,
        kpc: gpc * p.n,
    }
}

/// Every configuration worth trying for `desc` on an adapter with `caps` and `limits`, the
/// default first. A pure function of its inputs.
pub fn sparse_gemm_candidates(
    caps: &Capabilities,
    limits: &wgpu::Limits,
    desc: &SparseGemmDesc,
) -> Vec<SparseConfig> {
    let mut all = vec![sparse_gemm_default(caps, limits, desc)];
    let sg = caps.subgroup_min;
    if desc.gemv_shape() {
        for (wg, r) in [(64, 1), (64, 2), (64, 4), (32, 4), (128, 2)] {
            all.push(SparseConfig::gemv(wg, r, sg));
            all.push(SparseConfig::gemv(wg, r, 0));
        }
    }
    for (wg, r, tq) in [
        (64, 4, 4),
        (64, 2, 4),
        (64, 4, 2),
        (32, 4, 4),
        (128, 2, 4),
        (64, 1, 4),
        (64, 2, 2),
    ] {
        all.push(SparseConfig::subgroup(wg, r, tq, sg));
    }
    // Column lanes (subgroups of 8): rows per workgroup, column quads per lane, k per step.
    // (64 rows at 16 k per step: no faster than 8 k, and 22 s of lavapipe compile against 9.)
    for (r, nt, ks) in [(64, 4, 8), (32, 4, 16), (32, 4, 8), (16, 2, 8)] {
        all.push(SparseConfig::cols(8, r, nt, ks));
    }
    for (wg, r, tq) in [
        (64, 2, 4),
        (64, 4, 4),
        (64, 1, 4),
        (128, 2, 2),
        (32, 4, 4),
        (64, 2, 2),
    ] {
        all.push(SparseConfig::plain(wg, r, tq));
    }
    if let Some(t) = caps.coop_f16_f32_tile() {
        for (sgm, sgn, kmul) in [(2, 2, 2), (2, 2, 4), (1, 1, 4), (2, 1, 2), (4, 2, 2)] {
            all.push(SparseConfig::coop(t, sg, sgm, sgn, t * kmul));
        }
    }
    let mut seen = std::collections::HashSet::new();
    all.into_iter()
        .filter(|c| c.valid_for(caps, limits, desc) && seen.insert(*c))
        .collect()
}

/// The untuned pick. Few columns (≤ 16): the GEMV-shaped rows kernel, with subgroups where the
/// adapter and pattern allow. Otherwise, on CPU adapters, the column-lanes kernel where it
/// applies (vec4-aligned op(B), subgroups of 8); then the subgroup kernel, else the plain one. CPU adapters
/// (lavapipe) get 4 rows × 16 columns per invocation: every operand load there is paid lane by
/// lane, and rows amortise op(B) while columns amortise the compressed values (measured best;
/// 8 rows outgrow what the driver unrolls). GPUs get 2 rows and more workgroups. Cooperative
/// matrices are the default for f16 storage only (they round inputs to f16), as for dense GEMM.
pub fn sparse_gemm_default(
    caps: &Capabilities,
    limits: &wgpu::Limits,
    desc: &SparseGemmDesc,
) -> SparseConfig {
    let cpu = caps.device_type == wgpu::DeviceType::Cpu;
    let sg = caps.subgroup_min;
    if desc.gemv_shape() {
        let r = if cpu { 4 } else { 1 };
        for c in [
            SparseConfig::gemv(64, r, sg),
            SparseConfig::gemv(64, r.min(PLAIN_MAX_R), 0),
        ] {
            if c.valid_for(caps, limits, desc) {
                return c;
            }
        }
    }
    if desc.dtype == DType::F16 {
        if let Some(t) = caps.coop_f16_f32_tile() {
            let c = SparseConfig::coop(t, sg, 2, 2, 2 * t);
            if c.valid_for(caps, limits, desc) {
                return c;
            }
        }
    }
    // CPU adapters with subgroups of 8: the column-lanes kernel, 64 rows × 128 columns per
    // workgroup, 8 k per step (2:4 f32 2048³ on lavapipe 22.3, one process, three rounds:
    // 1108-1329 ms against 1160-1602 ms with 16 k per step, 1560-2067 ms with 32 rows, and
    // 1132-1438 ms for our dense GEMM; 16 k per step also took 22 s to compile against 9).
    if cpu {
        let c = SparseConfig::cols(8, 64, 4, 8);
        if c.valid_for(caps, limits, desc) {
            return c;
        }
    }
    // Measured on lavapipe: 4 rows × 16 columns per invocation; 8 rows per invocation outgrow
    // what the driver unrolls, and the accumulators leave registers.
    let s = if cpu {
        SparseConfig::subgroup(64, 4, 4, sg)
    } else {
        SparseConfig::subgroup(64, 2, 4, sg)
    };
    if s.valid_for(caps, limits, desc) {
        return s;
    }
    let t = SparseConfig::plain(64, 2, 4);
    if t.valid_for(caps, limits, desc) {
        return t;
    }
    SparseConfig::plain(32, 1, 2)
}
