//! Block-sparse attention's WGSL programs (`shaders/attention/`).

use crate::runtime::pipelines::{common, Helper, Shader};

/// `AttnParams` at binding 0, the block-mask layout and the online-softmax helpers.
const PARAMS: Helper = Helper {
    name: "attention/params",
    text: include_str!("../../../shaders/attention/params.wgsl"),
};

const fn attention(name: &'static str, body: &'static str) -> Shader {
    Shader {
        name,
        body,
        includes: &[common::GRID, PARAMS],
        params: Some(("AttnParams", "p", "batch")),
        coop: false,
        subgroups: false,
    }
}

/// Flash attention sharing K/V through subgroup broadcasts.
pub const SUBGROUP: Shader = Shader {
    subgroups: true,
    ..attention(
        "AttnSubgroup",
        include_str!("../../../shaders/attention/subgroup.wgsl"),
    )
};

/// Flash attention with K/V tiles in workgroup memory (runs everywhere).
pub const TILED: Shader = attention(
    "AttnTiled",
    include_str!("../../../shaders/attention/tiled.wgsl"),
);

/// Flash attention with QKᵀ and PV on cooperative matrices.
pub const COOP: Shader = Shader {
    coop: true,
    ..attention(
        "AttnCoop",
        include_str!("../../../shaders/attention/coop.wgsl"),
    )
};

/// Merge pass of split-KV attention.
pub const MERGE: Shader = attention(
    "AttnMerge",
    include_str!("../../../shaders/attention/merge.wgsl"),
);

/// Every attention shader.
pub const ALL: &[Shader] = &[SUBGROUP, TILED, COOP, MERGE];
