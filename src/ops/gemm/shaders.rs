//! The dense GEMM's WGSL programs (`shaders/gemm/`).

use crate::runtime::pipelines::{common, Helper, Shader};

/// `GemmParams` at binding 0 and the batch / transpose addressing every GEMM kernel shares.
const PARAMS: Helper = Helper {
    name: "gemm/params",
    text: include_str!("../../../shaders/gemm/params.wgsl"),
};

const fn gemm(name: &'static str, body: &'static str, includes: &'static [Helper]) -> Shader {
    Shader {
        name,
        body,
        includes,
        params: Some(("GemmParams", "p", "m")),
        coop: false,
        subgroups: false,
        int64: false,
    }
}

/// Workgroup-tiled, register-blocked GEMM (runs everywhere, browser limits included).
pub const TILED: Shader = gemm(
    "GemmTiled",
    include_str!("../../../shaders/gemm/tiled.wgsl"),
    &[common::GRID, PARAMS, common::GEMM_TILE_VEC4],
);

/// GEMM sharing A through subgroup shuffles instead of workgroup memory.
pub const SUBGROUP: Shader = Shader {
    subgroups: true,
    int64: false,
    ..gemm(
        "GemmSubgroup",
        include_str!("../../../shaders/gemm/subgroup.wgsl"),
        &[common::GRID, PARAMS],
    )
};

/// GEMM on cooperative matrices (f16 inputs, f32 accumulation).
pub const COOP: Shader = Shader {
    coop: true,
    ..gemm(
        "GemmCoop",
        include_str!("../../../shaders/gemm/coop.wgsl"),
        &[common::GRID, PARAMS, common::COOP_TILE],
    )
};

/// Matrix × vector (GEMM with one output row or column).
pub const GEMV: Shader = gemm(
    "Gemv",
    include_str!("../../../shaders/gemm/gemv.wgsl"),
    &[common::GRID, PARAMS],
);

/// The linear layer's epilogue as a pass of its own over C ([`super::epilogue::EpiloguePlan`]).
pub const EPILOGUE: Shader = gemm(
    "GemmEpilogue",
    include_str!("../../../shaders/gemm/epilogue.wgsl"),
    &[common::GRID, PARAMS],
);

/// Every GEMM shader.
pub const ALL: &[Shader] = &[TILED, SUBGROUP, COOP, GEMV, EPILOGUE];
