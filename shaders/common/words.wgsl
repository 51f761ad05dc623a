// Values packed into 64-bit words and back, for CPU adapters with 64-bit integers. Why words:
// Mesa's gallivm (lavapipe) compiles every storage and workgroup access into a loop over the
// lanes with one trip per component, so a vec4<f32> costs four trips and the same 16 bytes as
// vec2<u64> two, and a vec4<f16> one as u64; packing is a few vector shifts
// (docs/kernel-notes.md, stop 38).

// Two f32 values (a complex value: real part in the low half, as in memory) as one word and back.
fn word_of(v: vec2<f32>) -> u64 {
    return u64(bitcast<u32>(v.x)) | (u64(bitcast<u32>(v.y)) << 32u);
}
fn value_of(w: u64) -> vec2<f32> {
    return vec2<f32>(bitcast<f32>(u32(w & 0xfffffffflu)), bitcast<f32>(u32(w >> 32u)));
}
// Four f32 values as two words and back.
fn words_of(v: vec4<f32>) -> vec2<u64> {
    return vec2<u64>(word_of(v.xy), word_of(v.zw));
}
fn pair_of(w: vec2<u64>) -> vec4<f32> {
    return vec4<f32>(value_of(w.x), value_of(w.y));
}
// Four f16 values (stored) as one word and back, widened to f32. (un)pack2x16float, since WGSL's
// bitcast cannot split a word into f16 lanes in naga.
fn half_pair_of(w: u64) -> vec4<f32> {
    return vec4<f32>(unpack2x16float(u32(w & 0xfffffffflu)), unpack2x16float(u32(w >> 32u)));
}
fn half_word_of(v: vec4<f32>) -> u64 {
    return u64(pack2x16float(v.xy)) | (u64(pack2x16float(v.zw)) << 32u);
}
