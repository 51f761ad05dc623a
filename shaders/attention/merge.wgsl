// Merge pass of split-KV attention (the decode path): each split wrote its normalised partial
// output and its log2-sum-exp; the result is their softmax-weighted sum,
//   O = sum_s 2^(lse_s - M) O_s / sum_s 2^(lse_s - M),   M = max_s lse_s,
// and the final LSE is M + log2(sum) (written in natural-log units). Splits that saw no key
// have lse = -inf and weight 0; a row no split saw is all zeros. A sink logit (flags bit 2)
// joins the sum here with no value row.

override D4: u32 = 16u;
override MWG: u32 = 64u;

@group(0) @binding(1) var<storage, read_write> o: array<vec4<Elem>>;
@group(0) @binding(2) var<storage, read_write> lse_out: array<f32>;
@group(0) @binding(3) var<storage, read> part: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read> pstats: array<f32>;

// The mask buffer: the merge pass reads only the sink logits at its end (flags bit 2).
@group(0) @binding(5) var<storage, read> amask: array<u32>;

@compute @workgroup_size(MWG, 1, 1)
fn main(
    @builtin(workgroup_id) wid: vec3<u32>,
    @builtin(num_workgroups) nwg: vec3<u32>,
    @builtin(local_invocation_index) li: u32,
) {
    load_params();
    let idx = linear_workgroup(wid, nwg) * MWG + li;
    if idx >= p.rows_total * D4 {
        return;
    }
    let row = idx / D4;
    let d = idx % D4;
    var m = attn_neg_inf();
    for (var sp = 0u; sp < p.splits; sp++) {
        m = max(m, pstats[p.rows_total + sp * p.rows_total + row]);
    }
    // The sink joins the denominator once, here (the splits leave it out).
    let has_sink = (p.flags & 4u) != 0u;
    var sink = 0.0;
    if has_sink {
        sink = attn_head_value(1u, (row / p.nq) % p.hq);
        m = max(m, sink);
    }
    var acc = vec4<f32>(0.0);
    var wsum = 0.0;
    if m > -3.0e38 {
        for (var sp = 0u; sp < p.splits; sp++) {
            let w = exp2(pstats[p.rows_total + sp * p.rows_total + row] - m);
            acc = fma(vec4<f32>(w), part[sp * p.rows_total * D4 + idx], acc);
            wsum += w;
        }
        if has_sink {
            wsum += exp2(sink - m);
        }
        acc /= wsum;
    }
    o[idx] = vec4<Elem>(acc);
    if d == 0u && (p.flags & 1u) != 0u {
        var lse = attn_neg_inf();
        if m > -3.0e38 {
            lse = (m + log2(wsum)) * 0.6931471805599453;
        }
        lse_out[row] = lse;
    }
}
