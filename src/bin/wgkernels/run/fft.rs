//! `wgkernels run fft`.

use super::*;

pub(crate) fn run_fft(ctx: &Context, input: &Path, out: &Path, inverse: bool) -> Result<(), Error> {
    use wgkernels::npy::{read_npy, write_npy, NpyData};
    let a = read_npy(input)?;
    let dims = &a.shape;
    if dims.len() < 2 || dims[dims.len() - 1] != 2 {
        return Err(Error::Shape(format!(
            "fft input must be (..., n, 2) interleaved (re, im); got shape {dims:?}"
        )));
    }
    let n = dims[dims.len() - 2];
    let batch: u64 = dims[..dims.len() - 2].iter().product();
    let to32 = |x: u64, w: &str| {
        u32::try_from(x).map_err(|_| Error::Shape(format!("{w} = {x} is too large")))
    };
    let desc = wgkernels::FftDesc::new(to32(n, "n")?)
        .batch(to32(batch, "batch")?)
        .dtype(a.dtype())
        .inverse(inverse);
    let plan = wgkernels::FftPlan::new(ctx, desc, None)?;
    match a.data {
        NpyData::F32(x) => write_npy(out, dims, &pollster::block_on(plan.run_host(&x))?)?,
        NpyData::F16(x) => write_npy(out, dims, &pollster::block_on(plan.run_host(&x))?)?,
    }
    eprintln!(
        "fft n={n} batch={batch} {} ({}, {} dispatches) -> {}",
        if inverse { "inverse" } else { "forward" },
        plan.config().label(),
        plan.dispatches(),
        out.display()
    );
    Ok(())
}
