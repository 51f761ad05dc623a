//! The dense GEMM's WGSL programs (`shaders/gemm/`).

use crate::runtime::pipelines::{common, Helper, Shader};
use crate::runtime::Capabilities;
use crate::DType;

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
    &[
        common::GRID,
        PARAMS,
        Helper {
            name: "gemv_quads_vec4",
            text: "@group(0) @binding(4) var<storage, read> a4: array<vec4<Elem>>;\n\
                   @group(0) @binding(5) var<storage, read> b4: array<vec4<Elem>>;\n\
                   fn a_quad(i: u32) -> vec4<f32> { return vec4<f32>(a4[i]); }\n\
                   fn b_quad(i: u32) -> vec4<f32> { return vec4<f32>(b4[i]); }",
        },
    ],
);

/// [`GEMV`] reading the quads of A and x as 64-bit words, for f32 storage: what [`gemv`] picks
/// where [`Capabilities::word_access`] says so (a quad in two trips of lavapipe's per-lane access
/// loop instead of four).
pub const GEMV_WIDE: Shader = Shader {
    name: "GemvWide",
    includes: &[
        common::GRID,
        PARAMS,
        common::WORDS,
        Helper {
            name: "gemv_quads_u64x2",
            text: "@group(0) @binding(4) var<storage, read> a4: array<vec2<u64>>;\n\
                   @group(0) @binding(5) var<storage, read> b4: array<vec2<u64>>;\n\
                   fn a_quad(i: u32) -> vec4<f32> { return pair_of(a4[i]); }\n\
                   fn b_quad(i: u32) -> vec4<f32> { return pair_of(b4[i]); }",
        },
    ],
    int64: true,
    ..GEMV
};

/// [`GEMV_WIDE`] for f16 storage (a quad is one word: one trip instead of four).
pub const GEMV_WIDE_F16: Shader = Shader {
    name: "GemvWideF16",
    includes: &[
        common::GRID,
        PARAMS,
        common::WORDS,
        Helper {
            name: "gemv_quads_u64",
            text: "@group(0) @binding(4) var<storage, read> a4: array<u64>;\n\
                   @group(0) @binding(5) var<storage, read> b4: array<u64>;\n\
                   fn a_quad(i: u32) -> vec4<f32> { return half_pair_of(a4[i]); }\n\
                   fn b_quad(i: u32) -> vec4<f32> { return half_pair_of(b4[i]); }",
        },
    ],
    ..GEMV_WIDE
};

/// The GEMV kernel for `dtype` storage on a device with `caps`: [`GEMV_WIDE`] or
/// [`GEMV_WIDE_F16`] where [`Capabilities::word_access`] says so, else [`GEMV`].
pub fn gemv(caps: &Capabilities, dtype: DType) -> Shader {
    crate::runtime::pipelines::by_access(caps, dtype, GEMV, GEMV_WIDE, GEMV_WIDE_F16)
}

/// The linear layer's epilogue as a pass of its own over C ([`super::epilogue::EpiloguePlan`]).
pub const EPILOGUE: Shader = gemm(
    "GemmEpilogue",
    include_str!("../../../shaders/gemm/epilogue.wgsl"),
    &[common::GRID, PARAMS],
);

/// Every GEMM shader.
pub const ALL: &[Shader] = &[
    TILED,
    SUBGROUP,
    COOP,
    GEMV,
    GEMV_WIDE,
    GEMV_WIDE_F16,
    EPILOGUE,
];
