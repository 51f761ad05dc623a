//! `wgkernels run fftconv`.

use super::*;

pub(crate) fn run_fftconv(
    ctx: &Context,
    inputs: &[PathBuf],
    out: &Path,
    circular: bool,
    pre: bool,
    post: bool,
    freq_keep: Option<f32>,
) -> Result<(), Error> {
    use wgkernels::npy::{read_npy, write_npy, NpyData};
    let need = 2 + pre as usize + post as usize;
    if inputs.len() != need {
        return Err(Error::Shape(format!(
            "run fftconv takes {need} --in files (u, k{}{}); got {}",
            if pre { ", pre" } else { "" },
            if post { ", post" } else { "" },
            inputs.len()
        )));
    }
    let arrays = inputs
        .iter()
        .map(|p| read_npy(p))
        .collect::<Result<Vec<_>, _>>()?;
    let (u, k) = (&arrays[0], &arrays[1]);
    let [b, h, l] = u.shape[..] else {
        return Err(Error::Shape(format!(
            "u must be (B, H, L); got {:?}",
            u.shape
        )));
    };
    let [hk, lk] = k.shape[..] else {
        return Err(Error::Shape(format!(
            "k must be (H, Lk); got {:?}",
            k.shape
        )));
    };
    if hk != h {
        return Err(Error::Shape(format!(
            "k has {hk} channels but u has H = {h}"
        )));
    }
    for g in &arrays[2..] {
        if g.shape != u.shape {
            return Err(Error::Shape(format!(
                "gates must be shaped like u {:?}; got {:?}",
                u.shape, g.shape
            )));
        }
    }
    if arrays.iter().any(|a| a.dtype() != u.dtype()) {
        return Err(Error::Shape("all inputs must have the same dtype".into()));
    }
    let to32 =
        |x: u64| u32::try_from(x).map_err(|_| Error::Shape(format!("dimension {x} too large")));
    let desc = wgkernels::FftConvDesc::new(to32(b)?, to32(h)?, to32(l)?, to32(lk)?)
        .circular(circular)
        .gates(pre, post)
        .dtype(u.dtype())
        .freq_keep(freq_keep);
    let plan = wgkernels::FftConvPlan::new(ctx, desc, None)?;
    let gate = |i: usize| arrays.get(i);
    let (gp, gq) = match (pre, post) {
        (true, true) => (gate(2), gate(3)),
        (true, false) => (gate(2), None),
        (false, true) => (None, gate(2)),
        (false, false) => (None, None),
    };
    macro_rules! go {
        ($v:ident) => {{
            let data = |a: Option<&wgkernels::npy::NpyArray>| match a.map(|a| &a.data) {
                Some(NpyData::$v(x)) => Some(x.clone()),
                _ => None,
            };
            let (NpyData::$v(uu), NpyData::$v(kk)) = (&u.data, &k.data) else {
                unreachable!("dtypes checked equal")
            };
            let (p1, p2) = (data(gp), data(gq));
            let y = pollster::block_on(plan.run_host(uu, kk, p1.as_deref(), p2.as_deref()))?;
            write_npy(out, &u.shape, &y)?;
        }};
    }
    match u.dtype() {
        wgkernels::DType::F32 => go!(F32),
        wgkernels::DType::F16 => go!(F16),
    }
    eprintln!(
        "fftconv B={b} H={h} L={l} Lk={lk} ({}, n_fft {}, {} dispatches) -> {}",
        plan.path().name(),
        plan.n_fft(),
        plan.dispatches(),
        out.display()
    );
    Ok(())
}
