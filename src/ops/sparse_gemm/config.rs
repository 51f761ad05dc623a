//! N:M sparse GEMM configurations: variant and blocking, their override constants, the
//! candidates valid on an adapter (a pure function of capabilities, limits and descriptor), and
//! the untuned default.

use crate::dtype::DType;
use crate::ops::sparse_gemm::{NmPattern, SparseGemmDesc};
use crate::runtime::pipelines::Shader;
use crate::runtime::Capabilities;
use crate::tune::fits_limits;
use serde::{Deserialize, Serialize};

/// Algorithm variant of the sparse GEMM.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SparseVariant {
    /// Plain WGSL: op(B) staged in workgroup memory, each kept value gathers its operand.
    Tiled,
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
            SparseVariant::Tiled => "tiled",
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

/// One sparse GEMM configuration. Fields a variant does not use are zero.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SparseConfig {
    /// The variant.
    pub variant: SparseVariant,
    /// Invocations per workgroup (rows kernels, cols); subgroup size (coop).
    pub wg: u32,
    /// Rows of the sparse operand per invocation (rows kernels); per workgroup (cols);
    /// subgroups along M (coop).
    pub r: u32,
    /// Output column quads per workgroup (tiled, subgroup; gemv derives it from the shape);
    /// per lane (cols); subgroups along N (coop).
    pub tq: u32,
    /// Subgroup size the subgroup kernel runs with (subgroup, gemv); 0 = the plain kernel.
    pub sg: u32,
    /// Cooperative-matrix tile (coop); K per step (cols).
    pub tile: u32,
    /// K step (coop), a multiple of the tile; 1 = kept multiply-adds only, operands picked
    /// with selects, 0 = kept values scattered into dense scalars (cols).
    pub cbk: u32,
}

impl SparseConfig {
    /// Plain rows kernel: `wg` invocations of `r` rows, `4·tq` columns per workgroup.
    pub const fn tiled(wg: u32, r: u32, tq: u32) -> Self {
        Self {
            variant: SparseVariant::Tiled,
            wg,
            r,
            tq,
            sg: 0,
            tile: 0,
            cbk: 0,
        }
    }
    /// Subgroup rows kernel on subgroups of `sg` (≥ 8) lanes.
    pub const fn subgroup(wg: u32, r: u32, tq: u32, sg: u32) -> Self {
        Self {
            variant: SparseVariant::Subgroup,
            wg,
            r,
            tq,
            sg,
            tile: 0,
            cbk: 0,
        }
    }
    /// Few-column path: rows kernel with one column tile; `sg` = 0 for the plain kernel.
    pub const fn gemv(wg: u32, r: u32, sg: u32) -> Self {
        Self {
            variant: SparseVariant::Gemv,
            wg,
            r,
            tq: 0,
            sg,
            tile: 0,
            cbk: 0,
        }
    }
    /// Column lanes: `wg` lanes × `nt` column quads each, `r` sparse rows per workgroup, `ks`
    /// k per step, `sel` = only the kept multiply-adds (operands picked with selects).
    pub const fn cols(wg: u32, r: u32, nt: u32, ks: u32, sel: bool) -> Self {
        Self {
            variant: SparseVariant::Cols,
            wg,
            r,
            tq: nt,
            sg: 0,
            tile: ks,
            cbk: sel as u32,
        }
    }
    /// Coop: `sgm × sgn` subgroups of `sg`, `tile`×`tile` matrices, K step `cbk`.
    pub const fn coop(tile: u32, sg: u32, sgm: u32, sgn: u32, cbk: u32) -> Self {
        Self {
            variant: SparseVariant::Coop,
            wg: sg,
            r: sgm,
            tq: sgn,
            sg,
            tile,
            cbk,
        }
    }

    /// The shader this configuration runs on `desc`: plain configurations take the block
    /// kernel where the pattern allows it (M divides 32, N divides 4), the gather kernel
    /// otherwise.
    pub fn shader(&self, desc: &SparseGemmDesc) -> Shader {
        match self.variant {
            SparseVariant::Coop => super::shaders::COOP,
            SparseVariant::Cols => super::shaders::COLS,
            _ if self.sg > 0 => super::shaders::ROWS_SG,
            _ if block_pattern(desc.pattern) => super::shaders::ROWS_BLOCK,
            _ => super::shaders::ROWS,
        }
    }

    /// Column quads per workgroup for `desc`.
    pub fn quads(&self, desc: &SparseGemmDesc) -> u32 {
        match self.variant {
            SparseVariant::Gemv => desc.cols.div_ceil(4).clamp(1, MAX_TQ),
            _ => self.tq,
        }
    }

    /// Rows × columns of the output one workgroup covers.
    pub fn block(&self, desc: &SparseGemmDesc) -> (u32, u32) {
        match self.variant {
            SparseVariant::Coop => (2 * self.r * self.tile, 2 * self.tq * self.tile),
            SparseVariant::Cols => (self.r, 4 * self.wg * self.tq),
            _ => (self.wg * self.r, 4 * self.quads(desc)),
        }
    }

    /// Invocations per workgroup.
    pub fn invocations(&self) -> u32 {
        match self.variant {
            SparseVariant::Coop => self.sg * self.r * self.tq,
            _ => self.wg,
        }
    }

    /// Workgroup storage in bytes.
    pub fn workgroup_bytes(&self, desc: &SparseGemmDesc) -> u64 {
        match self.variant {
            SparseVariant::Coop => {
                let (cbm, cbn) = self.block(desc);
                let (cbm, cbn, bk) = (cbm as u64, cbn as u64, self.cbk as u64);
                2 * (cbm * bk + bk * cbn) + 4 * cbm * cbn
            }
            SparseVariant::Cols => 0,
            _ if self.sg > 0 => 0,
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
        match self.variant {
            SparseVariant::Coop => {
                c.extend([
                    ("SG", f(self.sg)),
                    ("SGM", f(self.r)),
                    ("SGN", f(self.tq)),
                    ("CBK", f(self.cbk)),
                ]);
            }
            SparseVariant::Cols => {
                c.extend([
                    ("WG", f(self.wg)),
                    ("R", f(self.r)),
                    ("NT", f(self.tq)),
                    ("KS", f(self.tile)),
                    ("P", f(self.tile * p.n / p.m / 4)),
                ]);
            }
            _ if self.sg > 0 || block_pattern(p) => {
                let kpc = 32 * p.n / p.m;
                c.extend([
                    ("WG", f(self.wg)),
                    ("R", f(self.r)),
                    ("TQ", f(self.quads(desc))),
                    ("KPC", f(kpc)),
                    ("MWC", f(meta_words_per_chunk(kpc, p.per_word()))),
                ]);
                if self.sg > 0 {
                    c.push(("SG8", b(self.sg == 8)));
                }
            }
            _ => {
                let ch = plain_chunk(p);
                c.extend([
                    ("WG", f(self.wg)),
                    ("R", f(self.r)),
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
        match self.variant {
            SparseVariant::Coop => {
                format!(
                    "coop {t}x{t} sg{} {}x{}x{}",
                    self.sg,
                    2 * self.r * self.tile,
                    2 * self.tq * self.tile,
                    self.cbk,
                    t = self.tile
                )
            }
            SparseVariant::Gemv => {
                let k = if self.sg > 0 {
                    format!("sg{}", self.sg)
                } else {
                    "plain".into()
                };
                format!("gemv {k} wg{} r{}", self.wg, self.r)
            }
            SparseVariant::Cols => format!(
                "cols wg{} {}x{} ks{}{}",
                self.wg,
                self.r,
                4 * self.wg * self.tq,
                self.tile,
                if self.cbk != 0 { " sel" } else { "" }
            ),
            v => format!("{} wg{} r{} c{}", v.name(), self.wg, self.r, 4 * self.tq),
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
        let rows_kernel_ok = |max_r: u32| self.wg > 0 && self.r >= 1 && self.r <= max_r;
        match self.variant {
            SparseVariant::Coop => {
                let listed = caps.coop.iter().any(|c| {
                    c.m == self.tile
                        && c.n == self.tile
                        && c.k == self.tile
                        && c.ab == "f16"
                        && c.c == "f32"
                });
                listed
                    && caps.f16
                    && caps.subgroup_min == self.sg
                    && caps.subgroup_max == self.sg
                    && self.tile > 0
                    && self.cbk.is_multiple_of(self.tile)
                    && self.r >= 1
                    && self.tq >= 1
            }
            SparseVariant::Cols => {
                // vec4 loads of op(B) (else the rows kernels take the shape), whole groups per
                // step, and the kernel's register arrays.
                // Kept values of a step: whole vec4s (spread over the 8 lanes of a subgroup and
                // broadcast), and all in one metadata word.
                let kps = self.tile * p.n / p.m;
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
                    && self.wg == 8
                    && self.r.is_multiple_of(8)
                    && kps.is_multiple_of(4)
                    && p.per_word().is_multiple_of(kps)
                    && matches!(self.tile, 4 | 8 | 16)
                    && matches!(p.m, 2 | 4 | 8 | 16)
                    && self.tile.is_multiple_of(p.m)
                    && p.n < p.m
                    && p.n <= 4
                    && (1..=COLS_MAX_R).contains(&self.r)
                    && (1..=4).contains(&self.tq)
                    && self.r * self.tq <= COLS_MAX_ACC
                    && (self.r / 8) * (kps / 4) <= COLS_MAX_LD
                    && (self.r / 8) * (self.tile / 4) <= COLS_MAX_LD
                    && self.cbk == 0
            }
            SparseVariant::Tiled => rows_kernel_ok(PLAIN_MAX_R) && (1..=MAX_TQ).contains(&self.tq),
            SparseVariant::Subgroup => {
                rows_kernel_ok(SG_MAX_R)
                    && (1..=MAX_TQ).contains(&self.tq)
                    && self.subgroup_ok(caps, p, self.tq)
            }
            SparseVariant::Gemv => {
                desc.gemv_shape()
                    && if self.sg > 0 {
                        rows_kernel_ok(SG_MAX_R) && self.subgroup_ok(caps, p, self.quads(desc))
                    } else {
                        rows_kernel_ok(PLAIN_MAX_R)
                    }
            }
        }
    }

    /// The subgroup kernel's conditions: subgroups of a fixed size `sg` ≥ 8 (a power of two) that
    /// tile the workgroup, M dividing the 32-column chunk, N dividing 4 (a group's kept values
    /// share one vec4), and the chunk's metadata words within its register array.
    fn subgroup_ok(&self, caps: &Capabilities, p: NmPattern, _tq: u32) -> bool {
        let sg = self.sg;
        caps.subgroups
            && caps.subgroup_min == sg
            && caps.subgroup_max == sg
            && sg >= 8
            && sg.is_power_of_two()
            && self.wg.is_multiple_of(sg)
            && block_pattern(p)
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

fn plain_chunk(p: NmPattern) -> PlainChunk {
    let gcd = |mut a: u32, mut b: u32| {
        while b != 0 {
            (a, b) = (b, a % b);
        }
        a
    };
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
        all.push(SparseConfig::cols(8, r, nt, ks, false));
    }
    for (wg, r, tq) in [
        (64, 2, 4),
        (64, 4, 4),
        (64, 1, 4),
        (128, 2, 2),
        (32, 4, 4),
        (64, 2, 2),
    ] {
        all.push(SparseConfig::tiled(wg, r, tq));
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
        let c = SparseConfig::cols(8, 64, 4, 8, false);
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
    let t = SparseConfig::tiled(64, 2, 4);
    if t.valid_for(caps, limits, desc) {
        return t;
    }
    SparseConfig::tiled(32, 1, 2)
}
