//! The N:M sparse GEMM's WGSL programs (`shaders/sparse_gemm/`).

use crate::runtime::pipelines::{common, Helper, Shader};
use crate::runtime::Capabilities;
use crate::DType;

/// `SpParams` at binding 0 and the compressed-operand addressing every sparse kernel shares.
const NM_SPARSE: Helper = Helper {
    name: "sparse_gemm/nm_sparse",
    text: include_str!("../../../shaders/sparse_gemm/nm_sparse.wgsl"),
};

/// Register blocking of the row kernels (sparse values selected in registers).
const NM_ROWS: Helper = Helper {
    name: "sparse_gemm/nm_rows",
    text: include_str!("../../../shaders/sparse_gemm/nm_rows.wgsl"),
};

/// The quad views of the compressed values and of B (bindings 1 and 3) in the storage type's
/// vec4, with `nm_value4` / `nm_b4` (nm_sparse.wgsl).
const QUADS_VEC: Helper = Helper {
    name: "sparse_gemm/quads_vec4",
    text: "@group(0) @binding(1) var<storage, read> values: array<vec4<Elem>>;\n\
           @group(0) @binding(3) var<storage, read> bvec: array<vec4<Elem>>;\n\
           fn nm_value4(i: u32) -> vec4<f32> { return vec4<f32>(values[i]); }\n\
           fn nm_b4(i: u32) -> vec4<f32> { return vec4<f32>(bvec[i]); }",
};

/// [`QUADS_VEC`] as 64-bit words for f32 storage (with `common::WORDS`).
const QUADS_WIDE: Helper = Helper {
    name: "sparse_gemm/quads_u64x2",
    text: "@group(0) @binding(1) var<storage, read> values: array<vec2<u64>>;\n\
           @group(0) @binding(3) var<storage, read> bvec: array<vec2<u64>>;\n\
           fn nm_value4(i: u32) -> vec4<f32> { return pair_of(values[i]); }\n\
           fn nm_b4(i: u32) -> vec4<f32> { return pair_of(bvec[i]); }",
};

/// [`QUADS_VEC`] as 64-bit words for f16 storage (a quad is one word).
const QUADS_WIDE_F16: Helper = Helper {
    name: "sparse_gemm/quads_u64",
    text: "@group(0) @binding(1) var<storage, read> values: array<u64>;\n\
           @group(0) @binding(3) var<storage, read> bvec: array<u64>;\n\
           fn nm_value4(i: u32) -> vec4<f32> { return half_pair_of(values[i]); }\n\
           fn nm_b4(i: u32) -> vec4<f32> { return half_pair_of(bvec[i]); }",
};

const fn sparse(name: &'static str, body: &'static str, includes: &'static [Helper]) -> Shader {
    Shader {
        name,
        body,
        includes,
        params: Some(("SpParams", "p", "batch")),
        coop: false,
        subgroups: false,
        int64: false,
    }
}

/// Plain rows variant: operand gathered from workgroup memory; any N:M.
pub const ROWS: Shader = sparse(
    "SparseRows",
    include_str!("../../../shaders/sparse_gemm/rows.wgsl"),
    &[common::GRID, NM_SPARSE, QUADS_VEC],
);

/// Subgroup rows variant: operand broadcast lane by lane; M divides 32.
pub const ROWS_SG: Shader = Shader {
    subgroups: true,
    int64: false,
    ..sparse(
        "SparseRowsSg",
        include_str!("../../../shaders/sparse_gemm/rows_sg.wgsl"),
        &[common::GRID, NM_SPARSE, QUADS_VEC, NM_ROWS],
    )
};

/// On cooperative matrices (compressed tiles expanded in workgroup memory).
pub const COOP: Shader = Shader {
    coop: true,
    ..sparse(
        "SparseCoop",
        include_str!("../../../shaders/sparse_gemm/coop.wgsl"),
        &[common::GRID, NM_SPARSE, QUADS_VEC, common::COOP_TILE],
    )
};

/// Plain block variant: operand blocks read from workgroup memory once per invocation,
/// selected in registers; M divides 32, N divides 4.
pub const ROWS_BLOCK: Shader = sparse(
    "SparseRowsBlock",
    include_str!("../../../shaders/sparse_gemm/rows_blk.wgsl"),
    &[common::GRID, NM_SPARSE, QUADS_VEC, NM_ROWS],
);

/// Column-lanes variant: lanes own output columns (vec4 of op(B)); the block's sparse rows are
/// shared through subgroup broadcasts (subgroups of 8).
pub const COLS: Shader = Shader {
    subgroups: true,
    int64: false,
    ..sparse(
        "SparseCols",
        include_str!("../../../shaders/sparse_gemm/cols.wgsl"),
        &[common::GRID, NM_SPARSE, QUADS_VEC],
    )
};

/// [`ROWS_SG`] reading the values' and B's quads as 64-bit words (f32 storage): what
/// [`for_device`] picks where [`Capabilities::word_access`] says so.
pub const ROWS_SG_WIDE: Shader = Shader {
    name: "SparseRowsSgWide",
    includes: &[common::GRID, NM_SPARSE, common::WORDS, QUADS_WIDE, NM_ROWS],
    int64: true,
    ..ROWS_SG
};

/// [`ROWS_SG_WIDE`] for f16 storage.
pub const ROWS_SG_WIDE_F16: Shader = Shader {
    name: "SparseRowsSgWideF16",
    includes: &[
        common::GRID,
        NM_SPARSE,
        common::WORDS,
        QUADS_WIDE_F16,
        NM_ROWS,
    ],
    ..ROWS_SG_WIDE
};

/// [`COLS`] reading the values' and B's quads as 64-bit words (f32 storage).
pub const COLS_WIDE: Shader = Shader {
    name: "SparseColsWide",
    includes: &[common::GRID, NM_SPARSE, common::WORDS, QUADS_WIDE],
    int64: true,
    ..COLS
};

/// [`COLS_WIDE`] for f16 storage.
pub const COLS_WIDE_F16: Shader = Shader {
    name: "SparseColsWideF16",
    includes: &[common::GRID, NM_SPARSE, common::WORDS, QUADS_WIDE_F16],
    ..COLS_WIDE
};

/// What `shader` runs as for `dtype` storage on a device with `caps`: the word form of the
/// kernels CPU rasterisers pick ([`ROWS_SG`], [`COLS`]) where [`Capabilities::word_access`] says
/// so (a quad in two trips of lavapipe's per-lane access loop instead of four, one in f16), else
/// `shader` itself.
pub fn for_device(shader: Shader, caps: &Capabilities, dtype: DType) -> Shader {
    if !caps.word_access() {
        return shader;
    }
    match (shader.name, dtype) {
        ("SparseRowsSg", DType::F32) => ROWS_SG_WIDE,
        ("SparseRowsSg", DType::F16) => ROWS_SG_WIDE_F16,
        ("SparseCols", DType::F32) => COLS_WIDE,
        ("SparseCols", DType::F16) => COLS_WIDE_F16,
        _ => shader,
    }
}

/// Every sparse GEMM shader.
pub const ALL: &[Shader] = &[
    ROWS,
    ROWS_SG,
    COOP,
    ROWS_BLOCK,
    COLS,
    ROWS_SG_WIDE,
    ROWS_SG_WIDE_F16,
    COLS_WIDE,
    COLS_WIDE_F16,
];
