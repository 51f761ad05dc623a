// Stand-in for `bias.wgsl` in the attention variants without a bias tensor: no binding, and
// `attn_modify` compiles no call to it (MODS bit 4 is off there).
fn attn_bias_at(i: u32) -> f32 {
    return 0.0;
}
