// The additive bias tensor of the attention kernels (`MODS` bit 4), for the shader variants
// built with it: one more binding, so pipelines without a bias keep their layout (they include
// `nobias.wgsl`). f32, `[batch or 1, heads or 1, nq, nkv]`; the index comes from
// `attn_row_mods` (row base) plus the key.
@group(0) @binding(8) var<storage, read> abias: array<f32>;

fn attn_bias_at(i: u32) -> f32 {
    return abias[i];
}
