//! The N:M sparse GEMM's WGSL programs (`shaders/sparse_gemm/`).

use crate::runtime::pipelines::{common, Helper, Shader};

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
    &[common::GRID, NM_SPARSE],
);

/// Subgroup rows variant: operand broadcast lane by lane; M divides 32.
pub const ROWS_SG: Shader = Shader {
    subgroups: true,
    int64: false,
    ..sparse(
        "SparseRowsSg",
        include_str!("../../../shaders/sparse_gemm/rows_sg.wgsl"),
        &[common::GRID, NM_SPARSE, NM_ROWS],
    )
};

/// On cooperative matrices (compressed tiles expanded in workgroup memory).
pub const COOP: Shader = Shader {
    coop: true,
    ..sparse(
        "SparseCoop",
        include_str!("../../../shaders/sparse_gemm/coop.wgsl"),
        &[common::GRID, NM_SPARSE, common::COOP_TILE],
    )
};

/// Plain block variant: operand blocks read from workgroup memory once per invocation,
/// selected in registers; M divides 32, N divides 4.
pub const ROWS_BLOCK: Shader = sparse(
    "SparseRowsBlock",
    include_str!("../../../shaders/sparse_gemm/rows_blk.wgsl"),
    &[common::GRID, NM_SPARSE, NM_ROWS],
);

/// Column-lanes variant: lanes own output columns (vec4 of op(B)); the block's sparse rows are
/// shared through subgroup broadcasts (subgroups of 8).
pub const COLS: Shader = Shader {
    subgroups: true,
    int64: false,
    ..sparse(
        "SparseCols",
        include_str!("../../../shaders/sparse_gemm/cols.wgsl"),
        &[common::GRID, NM_SPARSE],
    )
};

/// Every sparse GEMM shader.
pub const ALL: &[Shader] = &[ROWS, ROWS_SG, COOP, ROWS_BLOCK, COLS];
