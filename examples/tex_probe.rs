//! Probe: on a CPU adapter, is a texel load or store cheaper than a storage-buffer one? Lavapipe
//! 22.3 compiles every storage-buffer and workgroup-memory access into a loop over the lanes, but
//! textures take another path. Times 64 MiB copies buffer→buffer, texture→buffer, buffer→texture
//! and texture→texture (rgba32float, one vec4 per invocation) by wall clock in alternating
//! rounds, then once more through `time_gpu`, printing which clock it trusted: on lavapipe 22.3
//! the buffer-only copies' pass timestamps miss the run once texture pipelines exist (see
//! `spans_cover_work`). Also prints the uniform-buffer binding limit (uniform loads are gathers
//! there, but a binding holds 64 KiB). `cargo run --release --example tex_probe`

use wgkernels::Context;

const W: u32 = 2048;

const SRC: &str = r#"
@group(0) @binding(0) var sb: texture_2d<f32>;
@group(0) @binding(1) var<storage, read> bsrc: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> bdst: array<vec4<f32>>;
@group(0) @binding(3) var tdst: texture_storage_2d<rgba32float, write>;

@compute @workgroup_size(64, 1, 1)
fn b2b(@builtin(global_invocation_id) id: vec3<u32>) {
    bdst[id.x + id.y * 2048u] = bsrc[id.x + id.y * 2048u];
}
@compute @workgroup_size(64, 1, 1)
fn t2b(@builtin(global_invocation_id) id: vec3<u32>) {
    bdst[id.x + id.y * 2048u] = textureLoad(sb, id.xy, 0);
}
@compute @workgroup_size(64, 1, 1)
fn b2t(@builtin(global_invocation_id) id: vec3<u32>) {
    textureStore(tdst, id.xy, bsrc[id.x + id.y * 2048u]);
}
@compute @workgroup_size(64, 1, 1)
fn t2t(@builtin(global_invocation_id) id: vec3<u32>) {
    textureStore(tdst, id.xy, textureLoad(sb, id.xy, 0));
}
"#;

fn main() -> wgkernels::Result<()> {
    let ctx = Context::new_blocking()?;
    let dev = &ctx.device;
    println!(
        "max uniform buffer binding: {} bytes",
        ctx.adapter.limits().max_uniform_buffer_binding_size
    );
    let bytes = 16 * W as u64 * W as u64;
    let (a, b) = (ctx.storage("a", bytes)?, ctx.storage("b", bytes)?);
    let tex = |usage| {
        dev.create_texture(&wgpu::TextureDescriptor {
            label: None,
            size: wgpu::Extent3d {
                width: W,
                height: W,
                depth_or_array_layers: 1,
            },
            mip_level_count: 1,
            sample_count: 1,
            dimension: wgpu::TextureDimension::D2,
            format: wgpu::TextureFormat::Rgba32Float,
            usage,
            view_formats: &[],
        })
    };
    let sampled = tex(wgpu::TextureUsages::TEXTURE_BINDING).create_view(&Default::default());
    let storage = tex(wgpu::TextureUsages::STORAGE_BINDING).create_view(&Default::default());
    let module = dev.create_shader_module(wgpu::ShaderModuleDescriptor {
        label: Some("tex_probe"),
        source: wgpu::ShaderSource::Wgsl(SRC.into()),
    });
    let names = ["b2b", "t2b", "b2t", "t2t"];
    let cases: Vec<_> = names
        .iter()
        .map(|&entry| {
            let p = dev.create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
                label: Some(entry),
                layout: None,
                module: &module,
                entry_point: Some(entry),
                compilation_options: Default::default(),
                cache: None,
            });
            // Source (binding 0 or 1), then destination (2 or 3).
            let src = if entry.starts_with('t') {
                (0, wgpu::BindingResource::TextureView(&sampled))
            } else {
                (1, a.as_entire_binding())
            };
            let dst = if entry.ends_with('t') {
                (3, wgpu::BindingResource::TextureView(&storage))
            } else {
                (2, b.as_entire_binding())
            };
            let entries =
                [src, dst].map(|(binding, resource)| wgpu::BindGroupEntry { binding, resource });
            let bg = dev.create_bind_group(&wgpu::BindGroupDescriptor {
                label: None,
                layout: &p.get_bind_group_layout(0),
                entries: &entries,
            });
            (p, bg)
        })
        .collect();
    let record = |(p, bg): &(wgpu::ComputePipeline, wgpu::BindGroup),
                  pass: &mut wgpu::ComputePass<'_>| {
        pass.set_pipeline(p);
        pass.set_bind_group(0, bg, &[]);
        pass.dispatch_workgroups(W / 64, W, 1);
    };
    let mut ms = vec![Vec::new(); cases.len()];
    for round in 0..7 {
        for k in 0..cases.len() {
            let i = (round + k) % cases.len();
            let t0 = std::time::Instant::now();
            ctx.submit(|pass| record(&cases[i], pass))?;
            ctx.wait()?;
            ms[i].push(t0.elapsed().as_secs_f64() * 1e3);
        }
    }
    for ((name, m), case) in names.iter().zip(ms).zip(&cases) {
        let t = wgkernels::runtime::median(&m[1..]);
        let timer = wgkernels::runtime::time_gpu(&ctx, 1, 3, &|pass| record(case, pass))?;
        println!(
            "{name}: {t:7.2} ms {:6.2} GB/s (wall clock); time_gpu {:7.2} ms by {:?}",
            2.0 * bytes as f64 / t / 1e6,
            timer.median_ms,
            timer.source
        );
    }
    Ok(())
}
