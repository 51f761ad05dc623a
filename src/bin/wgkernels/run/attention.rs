//! `wgkernels run attention` and `run attention-search`.

use super::*;
use wgkernels::{BiasTensor, PagedKv, ScoreMods, T5Bias};

/// Reads Q, K, V and derives the attention shape: 4-D (B, H, N, D) or 3-D (H, N, D).
pub(crate) fn attention_inputs(
    inputs: &[PathBuf],
) -> Result<(AttentionDesc, [wgkernels::npy::NpyArray; 3], bool), Error> {
    use wgkernels::npy::read_npy;
    if inputs.len() != 3 {
        return Err(Error::Shape(format!(
            "attention takes 3 --in files (Q, K, V); got {}",
            inputs.len()
        )));
    }
    let q = read_npy(&inputs[0])?;
    let k = read_npy(&inputs[1])?;
    let v = read_npy(&inputs[2])?;
    let dims = |name: &str, s: &[u64]| -> Result<[u32; 4], Error> {
        let to32 = |x: u64| {
            u32::try_from(x).map_err(|_| Error::Shape(format!("{name}: dimension {x} too large")))
        };
        match *s {
            [h, n, d] => Ok([1, to32(h)?, to32(n)?, to32(d)?]),
            [b, h, n, d] => Ok([to32(b)?, to32(h)?, to32(n)?, to32(d)?]),
            _ => Err(Error::Shape(format!(
                "{name} must be 3-D (H, N, D) or 4-D (B, H, N, D); got shape {s:?}"
            ))),
        }
    };
    let (qd, kd, vd) = (
        dims("Q", &q.shape)?,
        dims("K", &k.shape)?,
        dims("V", &v.shape)?,
    );
    if kd[..3] != vd[..3] {
        return Err(Error::Shape(format!(
            "K and V differ in batch, heads or length: {:?} vs {:?}",
            k.shape, v.shape
        )));
    }
    if qd[0] != kd[0] || qd[3] != kd[3] {
        return Err(Error::Shape(format!(
            "Q {:?} and K {:?} differ in batch or head dim",
            q.shape, k.shape
        )));
    }
    if q.dtype() != k.dtype() || k.dtype() != v.dtype() {
        return Err(Error::Shape("Q, K and V must have the same dtype".into()));
    }
    let desc = AttentionDesc::new(qd[0], qd[1], qd[2], qd[3])
        .gqa(kd[1])
        .kv_len(kd[2])
        .value_dim(vd[3])
        .dtype(q.dtype());
    desc.validate()?;
    let three_d = q.shape.len() == 3;
    Ok((desc, [q, k, v], three_d))
}

/// The mask block sizes: the ones asked for, else the dispatcher's. A size the help rules out
/// (not a power of two in 16..=128) is an error, not silently replaced.
pub(crate) fn attention_blocks(
    ctx: &Context,
    desc: &AttentionDesc,
    bq: Option<u32>,
    bk: Option<u32>,
) -> Result<(u32, u32), Error> {
    for (flag, b) in [("--block-q", bq), ("--block-kv", bk)] {
        if let Some(b) = b.filter(|&b| !(16..=128).contains(&b) || !b.is_power_of_two()) {
            return Err(Error::Unsupported(format!(
                "{flag} {b}: block sizes are powers of two in 16..=128"
            )));
        }
    }
    let (dq, dk) = AttentionPlan::block_sizes(ctx, desc);
    Ok((bq.unwrap_or(dq), bk.unwrap_or(dk)))
}

/// A paged cache from `--pages`: its shape, page table and lengths.
type PagedInput = (PagedKv, Vec<u32>, Vec<u32>);

/// Reads Q (3-D or 4-D as without pages), the K and V page pools `(P, Hkv, page_size, D)` and
/// the `--pages` file; the call's `nkv` is the capacity (the longest page list × page_size).
fn paged_inputs(
    inputs: &[PathBuf],
    pages: &Path,
) -> Result<
    (
        AttentionDesc,
        [wgkernels::npy::NpyArray; 3],
        bool,
        PagedInput,
    ),
    Error,
> {
    use wgkernels::npy::read_npy;
    if inputs.len() != 3 {
        return Err(Error::Shape(format!(
            "attention takes 3 --in files (Q, K pool, V pool); got {}",
            inputs.len()
        )));
    }
    let [q, k, v] = [0, 1, 2].map(|i| read_npy(&inputs[i]));
    let (q, k, v) = (q?, k?, v?);
    let to32 =
        |x: u64| u32::try_from(x).map_err(|_| Error::Shape(format!("dimension {x} too large")));
    let qd = match *q.shape {
        [h, n, d] => [1, to32(h)?, to32(n)?, to32(d)?],
        [b, h, n, d] => [to32(b)?, to32(h)?, to32(n)?, to32(d)?],
        _ => {
            return Err(Error::Shape(format!(
                "Q must be 3-D (H, N, D) or 4-D (B, H, N, D); got shape {:?}",
                q.shape
            )))
        }
    };
    let pool = |name: &str, s: &[u64]| -> Result<[u32; 4], Error> {
        match *s {
            [p, h, ps, d] => Ok([to32(p)?, to32(h)?, to32(ps)?, to32(d)?]),
            _ => Err(Error::Shape(format!(
                "with --pages, {name} is a page pool (P, Hkv, page_size, D); got shape {s:?}"
            ))),
        }
    };
    let (kd, vd) = (pool("K", &k.shape)?, pool("V", &v.shape)?);
    if kd[..3] != vd[..3] || kd[3] != qd[3] {
        return Err(Error::Shape(format!(
            "K {:?} and V {:?} must share pages, heads and page size, and K Q's head dim {}",
            k.shape, v.shape, qd[3]
        )));
    }
    if q.dtype() != k.dtype() || k.dtype() != v.dtype() {
        return Err(Error::Shape("Q, K and V must have the same dtype".into()));
    }
    let lines = read_pages(pages)?;
    if lines.len() != qd[0] as usize {
        return Err(Error::Shape(format!(
            "{} lists {} sequences; Q has batch {}",
            pages.display(),
            lines.len(),
            qd[0]
        )));
    }
    let max_pages = lines.iter().map(|l| l.len() - 1).max().unwrap_or(0) as u32;
    let kv = PagedKv::new(kd[2], kd[0], max_pages);
    let mut table = vec![0u32; lines.len() * max_pages as usize];
    let mut lens = Vec::with_capacity(lines.len());
    for (b, line) in lines.iter().enumerate() {
        let need = line[0].div_ceil(kd[2].max(1)) as usize;
        if line.len() - 1 < need {
            return Err(Error::Shape(format!(
                "sequence {b} has length {} but lists {} pages of {}",
                line[0],
                line.len() - 1,
                kd[2]
            )));
        }
        lens.push(line[0]);
        table[b * max_pages as usize..][..line.len() - 1].copy_from_slice(&line[1..]);
    }
    let desc = AttentionDesc::new(qd[0], qd[1], qd[2], qd[3])
        .gqa(kd[1])
        .kv_len(
            u32::try_from(kv.capacity()).map_err(|_| Error::Shape("capacity over 2^32".into()))?,
        )
        .value_dim(vd[3])
        .dtype(q.dtype());
    desc.validate()?;
    let three_d = q.shape.len() == 3;
    Ok((desc, [q, k, v], three_d, (kv, table, lens)))
}

/// The `--pages` file: one line per sequence of whole numbers (length, then pages).
fn read_pages(path: &Path) -> Result<Vec<Vec<u32>>, Error> {
    let fmt = |msg: String| Error::Format {
        path: path.display().to_string(),
        msg,
    };
    let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
        path: path.display().to_string(),
        source,
    })?;
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            l.split(|c: char| c.is_whitespace() || c == ',')
                .filter(|t| !t.is_empty())
                .map(|t| {
                    t.parse::<u32>()
                        .map_err(|e| fmt(format!("`{t}` is not a page id or length: {e}")))
                })
                .collect()
        })
        .collect()
}

pub(crate) fn run_attention(ctx: &Context, a: &AttnRunArgs) -> Result<(), Error> {
    use wgkernels::npy::{write_npy, NpyData};
    let (mut desc, [q, k, v], three_d, paged) = match &a.pages {
        Some(p) => {
            let (d, arrays, three_d, paged) = paged_inputs(&a.inputs, p)?;
            (d, arrays, three_d, Some(paged))
        }
        None => {
            let (d, arrays, three_d) = attention_inputs(&a.inputs)?;
            (d, arrays, three_d, None)
        }
    };
    // Pages hold whole KV blocks: the mask's default KV block is at most a page.
    let block_kv = a.block_kv.or(paged
        .as_ref()
        .map(|(kv, ..)| AttentionPlan::block_sizes(ctx, &desc).1.min(kv.page_size)));
    if let Some(dv) = a.dv.filter(|&dv| dv != desc.dv()) {
        return Err(Error::Shape(format!(
            "--dv {dv}, but V's head dim is {} (V's last dimension is the value dim)",
            desc.dv()
        )));
    }
    if let Some(s) = a.scale {
        desc = desc.scale(s);
    }
    if a.lse.is_some() {
        desc = desc.with_lse();
    }
    let mask = if let Some(plan_path) = &a.plan {
        let text = std::fs::read_to_string(plan_path).map_err(|source| Error::Io {
            path: plan_path.display().to_string(),
            source,
        })?;
        let fmt = |msg: String| Error::Format {
            path: plan_path.display().to_string(),
            msg,
        };
        let json: serde_json::Value =
            serde_json::from_str(&text).map_err(|e| fmt(e.to_string()))?;
        let heads = json["heads"]
            .as_array()
            .ok_or_else(|| fmt("no `heads` array".into()))?;
        if heads.len() != desc.heads_q as usize {
            return Err(fmt(format!(
                "the plan lists {} heads but Q has {}",
                heads.len(),
                desc.heads_q
            )));
        }
        let pats = heads
            .iter()
            .map(|h| Pattern::parse(h["pattern"].as_str().unwrap_or("")))
            .collect::<Result<Vec<_>, _>>()?;
        let block = |key: &str| -> Result<Option<u32>, Error> {
            match &json[key] {
                serde_json::Value::Null => Ok(None),
                v => v
                    .as_u64()
                    .and_then(|x| u32::try_from(x).ok())
                    .map(Some)
                    .ok_or_else(|| fmt(format!("`{key}` is not a block size: {v}"))),
            }
        };
        let bq = a.block_q.or(block("block_q")?);
        let bk = block_kv.or(block("block_kv")?);
        let (bq, bk) = attention_blocks(ctx, &desc, bq, bk)?;
        Some(MaskBuilder::new(desc.nq, desc.nkv, bq, bk).build_heads(&pats)?)
    } else if a.pattern.is_some() || a.block_q.is_some() || a.block_kv.is_some() {
        // Block sizes without a pattern: the dense mask on those blocks.
        let pattern = match &a.pattern {
            Some(spec) => Pattern::parse(spec)?,
            None => Pattern::Full,
        };
        let (bq, bk) = attention_blocks(ctx, &desc, a.block_q, block_kv)?;
        Some(MaskBuilder::new(desc.nq, desc.nkv, bq, bk).build(&pattern)?)
    } else {
        None
    };
    let mods = attention_mods(a, &desc)?;
    let plan = match &paged {
        Some((kv, table, lens)) => {
            let mut plan = AttentionPlan::paged(ctx, desc, mask.as_ref(), &mods, *kv, None)?;
            plan.set_pages(table, lens)?;
            plan
        }
        None => AttentionPlan::with_mods(ctx, desc, mask.as_ref(), &mods, None)?,
    };
    let oshape: Vec<u64> = if three_d {
        vec![desc.heads_q as u64, desc.nq as u64, desc.dv() as u64]
    } else {
        vec![
            desc.batch as u64,
            desc.heads_q as u64,
            desc.nq as u64,
            desc.dv() as u64,
        ]
    };
    let lse = match (q.data, k.data, v.data) {
        (NpyData::F32(q), NpyData::F32(k), NpyData::F32(v)) => {
            let (o, lse) = pollster::block_on(plan.run_host(&q, &k, &v))?;
            write_npy(&a.out, &oshape, &o)?;
            lse
        }
        (NpyData::F16(q), NpyData::F16(k), NpyData::F16(v)) => {
            let (o, lse) = pollster::block_on(plan.run_host(&q, &k, &v))?;
            write_npy(&a.out, &oshape, &o)?;
            lse
        }
        _ => unreachable!("dtypes checked equal above"),
    };
    if let (Some(path), Some(lse)) = (&a.lse, lse) {
        write_npy(path, &oshape[..oshape.len() - 1], &lse)?;
    }
    let mods_text = match mods.describe() {
        t if t.is_empty() => String::new(),
        t => format!(", {t}"),
    };
    let paged_text = match &paged {
        Some((kv, ..)) => format!(", paged: {} pages of {}", kv.pool_pages, kv.page_size),
        None => String::new(),
    };
    eprintln!(
        "attention B={} Hq={} Hkv={} Nq={} Nkv={} D={} Dv={} {} ({}, work density {:.3}{mods_text}{paged_text}) -> {}",
        desc.batch,
        desc.heads_q,
        desc.heads_kv,
        desc.nq,
        desc.nkv,
        desc.head_dim,
        desc.dv(),
        desc.dtype,
        plan.config().label(),
        plan.work_density(),
        a.out.display()
    );
    Ok(())
}

/// The score modifiers and sinks of `--softcap`, `--alibi [FILE]`, `--sinks FILE`, `--t5 FILE`
/// (with `--t5-buckets`, `--t5-max-dist`, `--t5-causal`) and `--bias FILE`.
fn attention_mods(a: &AttnRunArgs, desc: &AttentionDesc) -> Result<ScoreMods, Error> {
    let heads_q = desc.heads_q;
    let mut mods = ScoreMods::none();
    if let Some(c) = a.softcap {
        mods = mods.softcap(c);
    }
    match a.alibi.as_deref() {
        None => {}
        Some("standard") => mods = mods.alibi(ScoreMods::alibi_standard(heads_q)),
        Some(path) => mods = mods.alibi(read_numbers(Path::new(path))?),
    }
    if let Some(path) = &a.sinks {
        mods = mods.sinks(read_numbers(path)?);
    }
    if let Some(path) = &a.t5 {
        mods = mods.t5(T5Bias::new(
            a.t5_buckets,
            a.t5_max_dist,
            !a.t5_causal,
            read_numbers(path)?,
        ));
    }
    if let Some(path) = &a.bias {
        mods = mods.bias(read_bias(path)?);
    }
    mods.validate(desc)?;
    Ok(mods)
}

/// A bias tensor from an f32 `.npy` of shape (Nq, Nkv), (H, Nq, Nkv) or (B, H, Nq, Nkv).
fn read_bias(path: &Path) -> Result<BiasTensor, Error> {
    let arr = wgkernels::npy::read_npy(path)?;
    let fmt = |msg: String| Error::Format {
        path: path.display().to_string(),
        msg,
    };
    let dims: Vec<u32> = arr
        .shape
        .iter()
        .map(|&x| u32::try_from(x).map_err(|_| fmt(format!("dimension {x} too large"))))
        .collect::<Result<_, _>>()?;
    let [b, h, nq, nkv] = match dims[..] {
        [nq, nkv] => [1, 1, nq, nkv],
        [h, nq, nkv] => [1, h, nq, nkv],
        [b, h, nq, nkv] => [b, h, nq, nkv],
        _ => {
            return Err(fmt(format!(
                "the bias must be (Nq, Nkv), (H, Nq, Nkv) or (B, H, Nq, Nkv); got {:?}",
                arr.shape
            )))
        }
    };
    match arr.data {
        wgkernels::npy::NpyData::F32(values) => Ok(BiasTensor::new(b, h, nq, nkv, values)),
        _ => Err(fmt("the bias must be float32".into())),
    }
}

/// Numbers separated by whitespace or commas (one per head).
fn read_numbers(path: &Path) -> Result<Vec<f32>, Error> {
    let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
        path: path.display().to_string(),
        source,
    })?;
    text.split(|c: char| c.is_whitespace() || c == ',')
        .filter(|t| !t.is_empty())
        .map(|t| {
            t.parse::<f32>().map_err(|e| Error::Format {
                path: path.display().to_string(),
                msg: format!("`{t}` is not a number: {e}"),
            })
        })
        .collect()
}

pub(crate) fn run_attention_search(ctx: &Context, a: &AttnSearchArgs) -> Result<(), Error> {
    use wgkernels::npy::NpyData;
    let (desc, [q, k, v], _) = attention_inputs(&a.inputs)?;
    let candidates = match &a.candidates {
        Some(c) => c
            .split(';')
            .filter(|s| !s.trim().is_empty())
            .map(Pattern::parse)
            .collect::<Result<Vec<_>, _>>()?,
        None => Vec::new(),
    };
    let blocks = (a.block_q.is_some() || a.block_kv.is_some())
        .then(|| attention_blocks(ctx, &desc, a.block_q, a.block_kv))
        .transpose()?;
    let opts = SearchOptions {
        lambda: a.lambda,
        epsilon: a.epsilon,
        candidates,
        frame_len: a.frame_len,
        blocks,
    };
    let (plan, measured) = match (&q.data, &k.data, &v.data) {
        (NpyData::F32(q), NpyData::F32(k), NpyData::F32(v)) => {
            let plan = pollster::block_on(search_patterns(ctx, &desc, q, k, v, &opts))?;
            let m = if a.measure {
                Some(measure_plan(ctx, &desc, &plan, q, k, v)?)
            } else {
                None
            };
            (plan, m)
        }
        (NpyData::F16(q), NpyData::F16(k), NpyData::F16(v)) => {
            let plan = pollster::block_on(search_patterns(ctx, &desc, q, k, v, &opts))?;
            let m = if a.measure {
                Some(measure_plan(ctx, &desc, &plan, q, k, v)?)
            } else {
                None
            };
            (plan, m)
        }
        _ => unreachable!("dtypes checked equal above"),
    };
    println!(
        "{:<5} {:<40} {:>10} {:>8}",
        "head", "pattern", "rel MSE", "density"
    );
    for h in &plan.heads {
        println!(
            "{:<5} {:<40} {:>10.2e} {:>8.3}",
            h.head, h.pattern, h.err, h.density
        );
    }
    println!(
        "predicted speedup over dense: {:.2}x (lambda {}, epsilon {})",
        plan.predicted_speedup, plan.lambda, plan.epsilon
    );
    if let Some((dense_ms, plan_ms)) = measured {
        println!(
            "measured: dense {dense_ms:.2} ms, plan {plan_ms:.2} ms, speedup {:.2}x",
            dense_ms / plan_ms
        );
    }
    if let Some(p) = &a.json {
        let mut v = serde_json::to_value(&plan).expect("plan serialises");
        if let Some((d, s)) = measured {
            v["measured"] = serde_json::json!({"dense_ms": d, "plan_ms": s, "speedup": d / s});
        }
        write_json(p, &v)?;
    }
    Ok(())
}
