//! Block-sparse attention's WGSL programs (`shaders/attention/`).

use crate::runtime::pipelines::{common, Helper, Shader};

/// `AttnParams` at binding 0, the block-mask layout and the online-softmax helpers.
const PARAMS: Helper = Helper {
    name: "attention/params",
    text: include_str!("../../../shaders/attention/params.wgsl"),
};

/// The bias tensor's binding and reader (variants with `MODS` bit 4).
const BIAS: Helper = Helper {
    name: "attention/bias",
    text: include_str!("../../../shaders/attention/bias.wgsl"),
};

/// The reader's stand-in without a binding (every other variant).
const NOBIAS: Helper = Helper {
    name: "attention/nobias",
    text: include_str!("../../../shaders/attention/nobias.wgsl"),
};

const fn attention(name: &'static str, body: &'static str) -> Shader {
    Shader {
        name,
        body,
        includes: &[common::GRID, PARAMS, NOBIAS],
        params: Some(("AttnParams", "p", "batch")),
        coop: false,
        subgroups: false,
        int64: false,
    }
}

/// Flash attention sharing K/V through subgroup broadcasts.
pub const SUBGROUP: Shader = Shader {
    subgroups: true,
    int64: false,
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

/// The bias-tensor variants: the same bodies with binding 8 (see `bias.wgsl`).
const WITH_BIAS: &[Helper] = &[common::GRID, PARAMS, BIAS];

/// [`SUBGROUP`] reading a bias tensor.
pub const SUBGROUP_BIAS: Shader = Shader {
    name: "AttnSubgroupBias",
    includes: WITH_BIAS,
    ..SUBGROUP
};

/// [`TILED`] reading a bias tensor.
pub const TILED_BIAS: Shader = Shader {
    name: "AttnTiledBias",
    includes: WITH_BIAS,
    ..TILED
};

/// [`COOP`] reading a bias tensor.
pub const COOP_BIAS: Shader = Shader {
    name: "AttnCoopBias",
    includes: WITH_BIAS,
    ..COOP
};

/// The variant of a main kernel `shader` that reads a bias tensor (binding 8) when `bias`,
/// else `shader` itself: plans without a bias keep today's layout.
pub fn with_bias(shader: Shader, bias: bool) -> Shader {
    if !bias {
        return shader;
    }
    [
        (SUBGROUP, SUBGROUP_BIAS),
        (TILED, TILED_BIAS),
        (COOP, COOP_BIAS),
    ]
    .into_iter()
    .find(|(plain, _)| *plain == shader)
    .map_or(shader, |(_, biased)| biased)
}

/// Every attention shader.
pub const ALL: &[Shader] = &[
    SUBGROUP,
    TILED,
    COOP,
    MERGE,
    SUBGROUP_BIAS,
    TILED_BIAS,
    COOP_BIAS,
];
