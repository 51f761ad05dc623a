//! `wgkernels run fft`, `run rfft` and `run dct`.

use super::*;
use wgkernels::npy::{read_npy, write_npy, NpyArray, NpyData};
use wgkernels::{FftNdDesc, FftNdPlan, NdTransform, Norm, R2rKind};

/// The options the three transforms share.
pub(crate) struct Transform<'a> {
    pub input: &'a Path,
    pub out: &'a Path,
    /// NumPy-style axes of the logical array (negative counts from the end), e.g. `-2,-1`.
    pub axes: Option<&'a str>,
    pub norm: &'a str,
}

fn to32(x: u64, what: &str) -> Result<u32, Error> {
    u32::try_from(x).map_err(|_| Error::Shape(format!("{what} = {x} is too large")))
}

/// Parses `--axes` against an `nd`-dimensional array; the default is `default`.
fn parse_axes(axes: Option<&str>, nd: usize, default: &[usize]) -> Result<Vec<usize>, Error> {
    let Some(s) = axes else {
        return Ok(default.to_vec());
    };
    s.split(',')
        .map(|t| {
            let v: i64 = t
                .trim()
                .parse()
                .map_err(|_| Error::Shape(format!("--axes: `{t}` is not an integer")))?;
            let a = if v < 0 { v + nd as i64 } else { v };
            if a < 0 || a >= nd as i64 {
                return Err(Error::Shape(format!(
                    "--axes: axis {v} is out of range for a {nd}-D array"
                )));
            }
            Ok(a as usize)
        })
        .collect()
}

/// The logical shape of a complex `.npy` array (its trailing axis of 2 holds (re, im)).
fn complex_shape(a: &NpyArray, what: &str) -> Result<Vec<u64>, Error> {
    let dims = &a.shape;
    if dims.len() < 2 || dims[dims.len() - 1] != 2 {
        return Err(Error::Shape(format!(
            "{what} input must be (..., 2) interleaved (re, im); got shape {dims:?}"
        )));
    }
    Ok(dims[..dims.len() - 1].to_vec())
}

/// Runs `desc` on the array's data and writes the output with `out_dims`.
fn run_nd(ctx: &Context, a: NpyArray, desc: FftNdDesc, out: &Path) -> Result<(), Error> {
    let desc = desc.dtype(a.dtype());
    let plan = FftNdPlan::new(ctx, desc.clone())?;
    let mut dims = desc.out_shape();
    if matches!(desc.transform, NdTransform::C2c { .. } | NdTransform::R2c) {
        dims.push(2);
    }
    match a.data {
        NpyData::F32(x) => write_npy(out, &dims, &pollster::block_on(plan.run_host(&x))?)?,
        NpyData::F16(x) => write_npy(out, &dims, &pollster::block_on(plan.run_host(&x))?)?,
    }
    eprintln!(
        "{} shape {:?} axes {:?} norm {:?} ({} steps) -> {}",
        desc.transform.name(),
        desc.shape,
        desc.axes,
        desc.norm,
        plan.steps(),
        out.display()
    );
    Ok(())
}

fn shape32(s: &[u64]) -> Result<Vec<u32>, Error> {
    s.iter().map(|&d| to32(d, "dimension")).collect()
}

/// `run fft`: complex transform along the last axis, or `--axes`, with `--norm`.
pub(crate) fn run_fft(ctx: &Context, t: &Transform, inverse: bool) -> Result<(), Error> {
    let a = read_npy(t.input)?;
    let shape = complex_shape(&a, "complex FFT")?;
    let nd = shape.len();
    let axes = parse_axes(t.axes, nd, &[nd - 1])?;
    let desc = FftNdDesc::new(&shape32(&shape)?, &axes, NdTransform::C2c { inverse })
        .norm(t.norm.parse::<Norm>()?);
    run_nd(ctx, a, desc, t.out)
}

/// `run rfft`: real → half spectrum (`rfftn`), or with `--inverse` back (`irfftn`; `n` is the
/// last transformed axis's real length, 2·(bins − 1) by default as in NumPy).
pub(crate) fn run_rfft(
    ctx: &Context,
    t: &Transform,
    inverse: bool,
    n: Option<u32>,
) -> Result<(), Error> {
    let a = read_npy(t.input)?;
    let norm = t.norm.parse::<Norm>()?;
    if !inverse {
        let shape = shape32(&a.shape)?;
        let nd = shape.len();
        let axes = parse_axes(t.axes, nd, &[nd - 1])?;
        let desc = FftNdDesc::new(&shape, &axes, NdTransform::R2c).norm(norm);
        return run_nd(ctx, a, desc, t.out);
    }
    let mut shape = shape32(&complex_shape(&a, "irfft")?)?;
    let nd = shape.len();
    let axes = parse_axes(t.axes, nd, &[nd - 1])?;
    let last = *axes.iter().max().unwrap_or(&(nd - 1));
    let bins = shape[last];
    shape[last] = match n {
        Some(n) if n / 2 + 1 == bins => n,
        Some(n) => {
            return Err(Error::Shape(format!(
                "--n {n} needs {} bins along axis {last}, the input has {bins}",
                n / 2 + 1
            )))
        }
        None => 2 * bins.saturating_sub(1).max(1),
    };
    let desc = FftNdDesc::new(&shape, &axes, NdTransform::C2r).norm(norm);
    run_nd(ctx, a, desc, t.out)
}

/// `run dct`: DCT of `--type` 2, 3 or 4 (or `--dst`: DST-II) along the last axis or `--axes`.
pub(crate) fn run_dct(ctx: &Context, t: &Transform, kind: u32, dst: bool) -> Result<(), Error> {
    let kind = match (kind, dst) {
        (2, false) => R2rKind::Dct2,
        (3, false) => R2rKind::Dct3,
        (4, false) => R2rKind::Dct4,
        (2, true) => R2rKind::Dst2,
        _ => {
            return Err(Error::Unsupported(format!(
                "{} type {kind}: DCT types 2, 3, 4 and DST type 2 are implemented",
                if dst { "DST" } else { "DCT" }
            )))
        }
    };
    let a = read_npy(t.input)?;
    let shape = shape32(&a.shape)?;
    let nd = shape.len();
    let axes = parse_axes(t.axes, nd, &[nd - 1])?;
    let desc = FftNdDesc::new(&shape, &axes, NdTransform::R2r(kind)).norm(t.norm.parse()?);
    run_nd(ctx, a, desc, t.out)
}
