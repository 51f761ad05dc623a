//! Every shader variant the dispatcher can pick, on every adapter profile we target, parses and
//! validates with naga and translates to SPIR-V (Vulkan), MSL 2.3 (Metal) and — for non-coop
//! variants, which naga's HLSL/GLSL writers can express — HLSL SM 6.2 (DX12) and GLSL ES 3.1 (GL).
//! Each is checked twice: as WGSL text with override constants (what browsers get) and as the
//! host-specialised naga module native pipelines are built from (`shaders::specialized_module`).
//! This is how Metal and DX12 portability is checked on a machine that has neither. No GPU needed.

use naga::back::{glsl, hlsl, msl, spv};
use naga::valid::{Capabilities as NagaCaps, ValidationFlags, Validator};
use std::collections::BTreeMap;
use std::sync::Mutex;
use wgkernels::ops::gemm::config::gemm_candidates;
use wgkernels::runtime::pipelines::{source, Shader, Spec};
use wgkernels::runtime::Capabilities;
use wgkernels::{ops::attention, ops::fft, ops::fftconv, ops::gemm, ops::sparse_gemm, probe};
use wgkernels::{DType, GemmDesc, GemmVariant};

/// Adapter profiles: lavapipe, an NVIDIA/AMD-like GPU with 16×16 coop, a browser adapter.
fn profiles() -> Vec<(&'static str, Capabilities, wgpu::Limits)> {
    let coop = |t: u32| wgkernels::runtime::CoopConfig {
        m: t,
        n: t,
        k: t,
        ab: "f16",
        c: "f32",
    };
    let caps = |f16, sg: u32, coop: Vec<_>, dt| Capabilities {
        f16,
        subgroups: sg > 0,
        int64: dt != wgpu::DeviceType::Other,
        subgroup_min: sg.max(4),
        subgroup_max: sg.max(4),
        coop,
        timestamps: true,
        device_type: dt,
        vendor: 0,
    };
    let big = wgpu::Limits {
        max_compute_workgroup_storage_size: 48 << 10,
        ..wgpu::Limits::default()
    };
    vec![
        (
            "lavapipe",
            caps(true, 8, vec![coop(8)], wgpu::DeviceType::Cpu),
            wgpu::Limits {
                max_compute_workgroup_storage_size: 32 << 10,
                ..wgpu::Limits::default()
            },
        ),
        (
            "gpu-16x16",
            caps(true, 32, vec![coop(16)], wgpu::DeviceType::DiscreteGpu),
            big.clone(),
        ),
        (
            "apple-8x8",
            caps(true, 32, vec![coop(8)], wgpu::DeviceType::IntegratedGpu),
            big,
        ),
        (
            "browser",
            caps(false, 0, vec![], wgpu::DeviceType::Other),
            wgpu::Limits::default(),
        ),
    ]
}

fn shapes() -> Vec<GemmDesc> {
    let mut v = Vec::new();
    for dtype in [DType::F32, DType::F16] {
        for (ta, tb) in [(false, false), (true, false), (false, true), (true, true)] {
            v.push(GemmDesc::new(100, 70, 33).trans(ta, tb).dtype(dtype));
            v.push(GemmDesc::new(100, 72, 32).trans(ta, tb).dtype(dtype));
            v.push(GemmDesc::new(100, 1, 33).trans(ta, tb).dtype(dtype));
            v.push(GemmDesc::new(100, 1, 32).trans(ta, tb).dtype(dtype));
        }
    }
    v
}

fn check(shader: Shader, spec: Spec, constants: &[(&'static str, f64)]) -> Result<(), String> {
    check_entry(shader, spec, "main", constants)
}

/// One source's parsed and validated module (or naga's error), shared by its variants: the
/// largest (the mixed-radix FFT, ~7,000 lines) took seconds per parse in CI's test build.
type Parsed = std::sync::Arc<Result<(naga::Module, naga::valid::ModuleInfo), String>>;

fn parsed(shader: Shader, spec: Spec) -> Parsed {
    static CACHE: Mutex<BTreeMap<String, Parsed>> = Mutex::new(BTreeMap::new());
    let key = format!("{shader:?} {spec:?}");
    if let Some(p) = CACHE.lock().unwrap().get(&key) {
        return p.clone();
    }
    let text = source(shader, spec);
    let p = std::sync::Arc::new(
        naga::front::wgsl::parse_str(&text)
            .map_err(|e| e.emit_to_string(&text))
            .and_then(|module| {
                let info = Validator::new(ValidationFlags::all(), NagaCaps::all())
                    .validate(&module)
                    .map_err(|e| format!("validate: {e:?}"))?;
                Ok((module, info))
            }),
    );
    CACHE.lock().unwrap().insert(key, p.clone());
    p
}

fn check_entry(
    shader: Shader,
    spec: Spec,
    entry: &str,
    constants: &[(&'static str, f64)],
) -> Result<(), String> {
    let parsed = parsed(shader, spec);
    let (module, info) = parsed.as_ref().as_ref().map_err(Clone::clone)?;
    let mut pc = naga::back::PipelineConstants::default();
    for &(k, v) in constants {
        pc.insert(k.to_string(), v);
    }
    let ep = (naga::ShaderStage::Compute, entry);
    let (module, info) =
        naga::back::pipeline_constants::process_overrides(module, info, Some(ep), &pc)
            .map_err(|e| format!("overrides: {e:?}"))?;
    translate(shader, spec, entry, &module, &info)?;
    // What native pipelines are built from: the same program specialised on the host. It must
    // apply to every variant (a fallback would silently cost the driver's compile time) and
    // translate for every backend too.
    let module = wgkernels::runtime::pipelines::specialized_module(shader, spec, entry, constants)
        .map_err(|e| format!("not specialised: {e}"))?;
    let info = Validator::new(ValidationFlags::all(), NagaCaps::all())
        .validate(&module)
        .map_err(|e| format!("specialised module: {e:?}"))?;
    translate(shader, spec, entry, &module, &info).map_err(|e| format!("specialised: {e}"))
}

/// SPIR-V, MSL and (where naga's writers can express the variant) HLSL and GLSL of one module.
fn translate(
    shader: Shader,
    spec: Spec,
    entry: &str,
    module: &naga::Module,
    info: &naga::valid::ModuleInfo,
) -> Result<(), String> {
    let spv_opts = spv::Options {
        lang_version: (1, 3),
        ..Default::default()
    };
    let spv_pipe = spv::PipelineOptions {
        shader_stage: naga::ShaderStage::Compute,
        entry_point: entry.into(),
    };
    spv::write_vec(module, info, &spv_opts, Some(&spv_pipe))
        .map_err(|e| format!("spir-v: {e:?}"))?;
    let msl_opts = msl::Options {
        lang_version: (2, 3),
        ..Default::default()
    };
    let msl_pipe = msl::PipelineOptions {
        entry_point: Some((naga::ShaderStage::Compute, entry.into())),
        ..Default::default()
    };
    msl::write_string(module, info, &msl_opts, &msl_pipe).map_err(|e| format!("msl: {e:?}"))?;
    if !shader.uses_coop() {
        let hlsl_opts = hlsl::Options {
            shader_model: hlsl::ShaderModel::V6_2,
            ..Default::default()
        };
        let hlsl_pipe = hlsl::PipelineOptions {
            entry_point: Some((naga::ShaderStage::Compute, entry.into())),
        };
        let mut out = String::new();
        hlsl::Writer::new(&mut out, &hlsl_opts, &hlsl_pipe)
            .write(module, info, None)
            .map_err(|e| format!("hlsl: {e:?}"))?;
        if !shader.uses_subgroups() && !shader.uses_int64() && spec.dtype == DType::F32 {
            // GLSL ES has neither subgroup shuffles in naga's writer nor f16 storage.
            let glsl_opts = glsl::Options {
                version: glsl::Version::Embedded {
                    version: 310,
                    is_webgl: false,
                },
                ..Default::default()
            };
            let glsl_pipe = glsl::PipelineOptions {
                shader_stage: naga::ShaderStage::Compute,
                entry_point: entry.into(),
                multiview: None,
            };
            let mut out = String::new();
            glsl::Writer::new(
                &mut out,
                module,
                info,
                &glsl_opts,
                &glsl_pipe,
                Default::default(),
            )
            .and_then(|mut w| w.write())
            .map_err(|e| format!("glsl: {e:?}"))?;
        }
    }
    Ok(())
}

/// Checks each distinct (shader, entry, spec, constants) once, collecting failures, so that one
/// sweep reports every variant that fails instead of the first.
#[derive(Default)]
struct Sweep {
    seen: std::collections::HashSet<String>,
    failures: Vec<String>,
}

impl Sweep {
    /// Checks the variant unless an earlier profile or shape already listed it; true when new.
    fn check(
        &mut self,
        profile: &str,
        shader: Shader,
        spec: Spec,
        entry: &str,
        mut consts: Vec<(&'static str, f64)>,
    ) -> bool {
        consts.sort_by(|a, b| a.0.cmp(b.0));
        let key = format!("{shader:?} {entry} {spec:?} {consts:?}");
        if !self.seen.insert(key.clone()) {
            return false;
        }
        let r = std::panic::catch_unwind(|| check_entry(shader, spec, entry, &consts))
            .unwrap_or_else(|_| Err("naga panicked".into()));
        if let Err(e) = r {
            self.failures.push(format!("[{profile}] {key}: {e}"));
        }
        true
    }

    /// Asserts that no variant failed and that more than `min` were checked.
    fn finish(&self, what: &str, min: usize) {
        assert!(
            self.failures.is_empty(),
            "{} {what} variants failed:\n{}",
            self.failures.len(),
            self.failures.join("\n")
        );
        assert!(
            self.seen.len() > min,
            "only {} {what} variants checked",
            self.seen.len()
        );
    }
}

#[test]
fn every_gemm_variant_translates_for_every_backend() {
    let mut sweep = Sweep::default();
    let mut variants = std::collections::HashSet::new();
    for (profile, caps, limits) in profiles() {
        for desc in shapes() {
            for cfg in gemm_candidates(&caps, &limits, &desc) {
                let spec = Spec {
                    dtype: desc.dtype,
                    coop: cfg.coop_tile(),
                };
                if sweep.check(profile, cfg.shader(), spec, "main", cfg.constants(&desc)) {
                    variants.insert(cfg.variant());
                }
                // What this profile runs (GEMV on words on CPU adapters with 64-bit integers).
                let picked = cfg.shader_for(&caps, desc.dtype);
                if picked.name != cfg.shader().name {
                    sweep.check(profile, picked, spec, "main", cfg.constants(&desc));
                }
            }
        }
        // The linear layer's epilogue as a separate pass (bias + GELU).
        let spec = Spec {
            dtype: DType::F32,
            coop: None,
        };
        let epi = vec![("EPI_BIAS", 1.0), ("EPI_ACT", 2.0)];
        sweep.check(profile, gemm::shaders::EPILOGUE, spec, "main", epi);
    }
    sweep.finish("GEMM", 50);
    for v in [
        GemmVariant::Tiled,
        GemmVariant::Subgroup,
        GemmVariant::Coop,
        GemmVariant::Gemv,
    ] {
        assert!(
            variants.contains(&v),
            "no {v:?} variant was listed by any profile"
        );
    }
}

#[test]
fn coop_shaders_validate_for_both_tile_sizes() {
    for t in [8, 16] {
        let spec = Spec {
            dtype: DType::F16,
            coop: Some(t),
        };
        check(gemm::shaders::COOP, spec, &[("SG", 32.0)])
            .unwrap_or_else(|e| panic!("coop {t}: {e}"));
    }
}

#[test]
fn peak_shaders_translate() {
    for dtype in [DType::F32, DType::F16] {
        check(probe::FMA, Spec::new(dtype), &[]).unwrap();
    }
    check(probe::COPY, Spec::new(DType::F32), &[]).unwrap();
    check(probe::COPY_WIDE, Spec::new(DType::F32), &[]).unwrap();
}

#[test]
fn every_attention_variant_translates_for_every_backend() {
    use wgkernels::ops::attention::config::attention_candidates;
    use wgkernels::{AttentionDesc, AttentionVariant};
    let mut sweep = Sweep::default();
    let mut variants = std::collections::HashSet::new();
    for (profile, caps, limits) in profiles() {
        for dtype in [DType::F32, DType::F16] {
            // (Dqk, Dv): equal dims, then value dims smaller, awkward and larger than Dqk.
            let dims = [32, 64, 80, 96, 128, 256]
                .map(|d| (d, d))
                .into_iter()
                .chain([(192, 128), (32, 100), (128, 256)]);
            for (hd, dv) in dims {
                let desc = AttentionDesc::new(1, 2, 300, hd).value_dim(dv).dtype(dtype);
                for block_q in [16, 64, 128] {
                    for cfg in attention_candidates(&caps, &limits, &desc, block_q) {
                        let spec = Spec {
                            dtype,
                            coop: cfg.coop_tile(),
                        };
                        // Paged KV caches run on every variant but coop (`AttentionPlan::paged`).
                        let paged: &[bool] = if cfg.variant() == AttentionVariant::Coop {
                            &[false]
                        } else {
                            &[false, true]
                        };
                        for (masked, partial) in [(true, true), (true, false), (false, false)] {
                            for &pg in paged {
                                let mut consts = cfg.constants_for(hd, dv, masked, partial);
                                if pg {
                                    consts.push(("PAGED", 1.0));
                                }
                                if hd == 64 && dv == 64 && masked == partial {
                                    // Every score modifier at once, in the bias-tensor variant.
                                    let mut all = consts.clone();
                                    all.push(("MODS", 31.0));
                                    let biased = attention::shaders::with_bias(cfg.shader(), true);
                                    sweep.check(profile, biased, spec, "main", all);
                                }
                                if sweep.check(profile, cfg.shader(), spec, "main", consts) {
                                    variants.insert(cfg.variant());
                                }
                            }
                        }
                    }
                }
            }
            let merge = vec![("D4", 16.0), ("MWG", 64.0)];
            sweep.check(
                profile,
                attention::shaders::MERGE,
                Spec::new(dtype),
                "main",
                merge,
            );
        }
    }
    sweep.finish("attention", 20);
    for v in [
        AttentionVariant::Subgroup,
        AttentionVariant::Tiled,
        AttentionVariant::Coop,
    ] {
        assert!(
            variants.contains(&v),
            "no {v:?} attention variant was listed by any profile"
        );
    }
}

#[test]
fn attention_coop_validates_for_both_tile_sizes() {
    for t in [8u32, 16] {
        let spec = Spec {
            dtype: DType::F16,
            coop: Some(t),
        };
        let c = [
            ("D4", 16.0),
            ("MASKED", 1.0),
            ("SG", 32.0),
            ("CR", (4 * t) as f64),
            ("CK", (4 * t) as f64),
        ];
        check(attention::shaders::COOP, spec, &c)
            .unwrap_or_else(|e| panic!("attention coop {t}: {e}"));
    }
}

#[test]
fn every_fft_variant_translates_for_every_backend() {
    use wgkernels::ops::fft::config::fft_candidates;
    use wgkernels::ops::fft::pass_constants;
    let mut sweep = Sweep::default();
    let mut sg_seen = std::collections::HashSet::new();
    for (profile, caps, limits) in profiles() {
        for dtype in [DType::F32, DType::F16] {
            if dtype == DType::F16 && !caps.f16 {
                continue;
            }
            let spec = Spec::new(dtype);
            // The subgroup kernels this profile runs, and the plain-vector ones a device of its
            // kind without 64-bit integers runs.
            let sg_shaders = [
                fft::shaders::STOCKHAM_SG,
                fft::shaders::stockham_sg(&caps, dtype),
            ];
            // The plain core's kernels (Stockham, convolution), likewise.
            let plain_shaders = [
                (fft::shaders::STOCKHAM, fftconv::shaders::CONV),
                (
                    fft::shaders::stockham(&caps, dtype),
                    fftconv::shaders::conv(&caps),
                ),
            ];
            let desc = wgkernels::FftDesc::new(1 << 12).dtype(dtype);
            for cfg in fft_candidates(&caps, &limits, &desc) {
                // The fused row steps of 2-D rfftn and irfftn.
                for entry in wgkernels::ops::fft::rfft_pair_entries(&cfg) {
                    for sg in sg_shaders {
                        sweep.check(profile, sg, spec, entry, vec![]);
                    }
                    sg_seen.insert((entry, Vec::new()));
                }
                for log_n in [
                    1u32, 3, 4, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 20, 22, 23,
                ] {
                    for (entry, c) in wgkernels::ops::fft::sg_pass_constants(&cfg, log_n) {
                        for sg in sg_shaders {
                            sweep.check(profile, sg, spec, entry, c.clone());
                        }
                        sg_seen.insert((entry, c.iter().map(|v| v.1 as u8).collect::<Vec<_>>()));
                    }
                    // The lane-per-column passes of strided column transforms (N-D).
                    if cfg.subgroup_passes() {
                        for (entry, c) in wgkernels::ops::fft::strided_sg_pass_constants() {
                            for sg in sg_shaders {
                                sweep.check(profile, sg, spec, entry, c.clone());
                            }
                            sg_seen.insert((entry, c.iter().map(|v| v.1 as u8).collect()));
                        }
                    }
                    let passes = pass_constants(&cfg, log_n);
                    let last = passes.len() - 1;
                    for (pi, consts) in passes.into_iter().enumerate() {
                        for (shader, entry, modes) in plain_shaders.iter().flat_map(|&(st, cv)| {
                            [
                                (st, "main", vec![(0.0, 0.0), (1.0, 1.0), (0.0, 2.0)]),
                                (cv, "fused", vec![(0.0, 0.0)]),
                                (cv, "step", vec![(1.0, 1.0), (0.0, 2.0), (0.0, 0.0)]),
                            ]
                        }) {
                            for (im, om) in modes {
                                let mut c = consts.clone();
                                c.push(("IN_MODE", im));
                                c.push(("OUT_MODE", om));
                                if entry == "fused" {
                                    c.push(("FUSED", 1.0));
                                }
                                // The last of several passes of a plain transform runs in place.
                                if entry == "main" && om == 0.0 && last > 0 && pi == last {
                                    c.push(("IN_PLACE", 1.0));
                                }
                                sweep.check(profile, shader, spec, entry, c);
                            }
                        }
                    }
                }
            }
            for entry in ["post", "pre", "r2c", "c2r", "split", "unsplit"] {
                sweep.check(profile, fft::shaders::RFFT, spec, entry, vec![]);
            }
            sweep.check(profile, fft::shaders::FILTER_FUSED, spec, "main", vec![]);
            // The mixed-radix kernel (both access forms): one radix-1 stage, prime radices
            // (1001 = 13 · 11 · 7) and nested ones (1458 = 18 · 9 · 9, 441 = 21 · 21,
            // 2000 = 20 · 10 · 10), the largest lengths the profile's workgroup memory takes in
            // two halves and in one buffer, two passes (44100 = 210 · 210), strided columns in
            // and out of place.
            let max = wgkernels::ops::fft::mixed_max_points(&limits);
            for (n, strided, in_place) in [
                (1u32, false, false),
                (390, false, false),
                (1001, true, false),
                (1458, true, true),
                (max - max % 1000, false, false),
                (max - max % 1000, true, true),
                (max / 2 - max / 2 % 1000, false, false),
                (96, false, false),
                (12, false, false),
                (441, false, false),
                (44100, false, false),
            ] {
                let passes = wgkernels::ops::fft::mixed_constants(n, max, strided, in_place);
                for (_, c) in passes.into_iter().flatten() {
                    for shader in [fft::shaders::MIXED, fft::shaders::mixed(&caps, dtype)] {
                        sweep.check(profile, shader, spec, "main", c.clone());
                    }
                }
            }
            // Rader's dispatch (61: 60 = 10 · 6; 1009: 1008 = 12 · 12 · 7; 4093 in one buffer
            // where the profile's workgroup memory takes 4092), and over the columns of a
            // composite before its mixed-radix pass (2018 = 2 · 1009).
            for n in [61u32, 1009, 4093, 2018] {
                let passes = wgkernels::ops::fft::rader_constants(n, max);
                for (_, c) in passes.into_iter().flatten() {
                    for shader in [fft::shaders::MIXED, fft::shaders::mixed(&caps, dtype)] {
                        sweep.check(profile, shader, spec, "main", c.clone());
                    }
                }
            }
            for entry in ["pad", "mul", "crop"] {
                for (_, cv) in plain_shaders {
                    sweep.check(profile, cv, spec, entry, vec![]);
                }
            }
        }
    }
    sweep.finish("FFT", 40);
    // The subgroup kernels the dispatcher picks (lavapipe profile): the 4096-point first pass
    // (2^23) and fused transform, the fused 512-, 1024-, 2048-, 8192- and 16384-point transforms and 2048-point
    // first passes (2^17), 256-point first and middle passes (cross-pass twiddles) and fused
    // transforms, 65536 in one workgroup, the lane-per-column passes (16 and 32 points first or
    // in the middle, 64- and 128-point last passes in place), the strided ones of N-D
    // transforms (`p16v` in and out of place, `p256v` in place, `p64l`) and the fused row steps
    // of 2-D rfftn and irfftn.
    for want in [
        ("main", vec![]),
        ("p4096", vec![]),
        ("p8192", vec![]),
        ("p16384", vec![]),
        ("p512", vec![1]),
        ("p1024", vec![1]),
        ("p2048", vec![1]),
        ("p2048", vec![0]),
        ("p256", vec![0, 1, 0]),
        ("p256", vec![1, 0, 0]),
        ("p65536", vec![]),
        ("p16c", vec![]),
        ("p32c", vec![]),
        ("p64c", vec![1]),
        ("p128c", vec![1]),
        ("p16v", vec![0]),
        ("p16v", vec![1]),
        ("p256v", vec![1]),
        ("p64l", vec![0]),
        ("p512r", vec![]),
        ("p1024r", vec![]),
        ("p2048r", vec![]),
        ("p512u", vec![]),
        ("p1024u", vec![]),
        ("p2048u", vec![]),
    ] {
        assert!(
            sg_seen.contains(&want),
            "subgroup FFT variant {want:?} not checked"
        );
    }
}

fn sparse_shapes() -> Vec<wgkernels::SparseGemmDesc> {
    use wgkernels::{NmPattern, SparseGemmDesc};
    let mut v = Vec::new();
    for dtype in [DType::F32, DType::F16] {
        for (n, m) in [(2, 4), (1, 2), (4, 8), (2, 16), (3, 5), (7, 8)] {
            let p = NmPattern { n, m };
            v.push(SparseGemmDesc::matmul(100, 70, m * 10, p).dtype(dtype));
            v.push(
                SparseGemmDesc::matmul(100, 71, m * 9, p)
                    .dtype(dtype)
                    .with_bias(true),
            );
            v.push(
                SparseGemmDesc::linear(1, 100, m * 8, p)
                    .dtype(dtype)
                    .with_bias(true),
            );
            v.push(SparseGemmDesc::linear(16, 100, m * 9, p).dtype(dtype));
            v.push(SparseGemmDesc::linear(40, 100, m * 8, p).dtype(dtype));
        }
    }
    v
}

#[test]
fn every_sparse_gemm_variant_translates_for_every_backend() {
    use wgkernels::ops::sparse_gemm::config::sparse_gemm_candidates;
    let mut sweep = Sweep::default();
    let mut shaders = std::collections::HashSet::new();
    for (profile, caps, limits) in profiles() {
        for desc in sparse_shapes() {
            for cfg in sparse_gemm_candidates(&caps, &limits, &desc) {
                let spec = Spec {
                    dtype: desc.dtype,
                    coop: cfg.coop_tile(),
                };
                let shader = cfg.shader(&desc);
                if sweep.check(profile, shader, spec, "main", cfg.constants(&desc)) {
                    shaders.insert(shader);
                }
                // What this profile runs (the word kernels on CPU adapters with 64-bit integers).
                let picked = sparse_gemm::shaders::for_device(shader, &caps, desc.dtype);
                if picked.name != shader.name {
                    sweep.check(profile, picked, spec, "main", cfg.constants(&desc));
                }
            }
        }
    }
    sweep.finish("sparse GEMM", 100);
    for s in [
        sparse_gemm::shaders::ROWS,
        sparse_gemm::shaders::ROWS_SG,
        sparse_gemm::shaders::ROWS_BLOCK,
        sparse_gemm::shaders::COOP,
        sparse_gemm::shaders::COLS,
    ] {
        assert!(
            shaders.contains(&s),
            "no {s:?} variant was listed by any profile"
        );
    }
}

#[test]
fn every_monarch_fft_variant_translates_for_every_backend() {
    use wgkernels::ops::fft::monarch_config::monarch_candidates;
    use wgkernels::ops::fft::monarch_pass_constants;
    use wgkernels::FftConfig;
    let mut sweep = Sweep::default();
    let mut coop_tiles = std::collections::HashSet::new();
    for (profile, caps, limits) in profiles() {
        for dtype in [DType::F32, DType::F16] {
            if dtype == DType::F16 && !caps.f16 {
                continue;
            }
            let desc = wgkernels::FftDesc::new(1 << 12).dtype(dtype);
            let mut cfgs = monarch_candidates(&caps, &limits, &desc);
            // The coop variants on f32 data (explicit configurations), both tile sizes.
            for t in [8u32, 16] {
                for r in [t, 2 * t] {
                    let c = FftConfig::monarch_coop(11, 2, r, t, caps.subgroup_min);
                    if c.valid_for(&caps, &limits, &desc) {
                        cfgs.push(c);
                    }
                }
            }
            for cfg in cfgs {
                for log_n in [1u32, 2, 3, 4, 5, 8, 11, 12, 16, 20, 22] {
                    for (shader, spec, c) in monarch_pass_constants(&cfg, dtype, log_n) {
                        if sweep.check(profile, shader, spec, "main", c) {
                            coop_tiles.extend(spec.coop);
                        }
                    }
                }
            }
        }
    }
    sweep.finish("Monarch", 60);
    assert!(
        coop_tiles.contains(&8) && coop_tiles.contains(&16),
        "coop tiles {coop_tiles:?}"
    );
}
