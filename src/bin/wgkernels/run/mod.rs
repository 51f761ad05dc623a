//! `wgkernels run OP`: one op on `.npy` files; what every op's runner shares.

use crate::*;

mod attention;
mod fft;
mod fftconv;
mod gemm;
mod sparse_gemm;

pub(crate) use attention::{run_attention, run_attention_search};
pub(crate) use fft::{run_dct, run_fft, run_rfft, Transform};
pub(crate) use fftconv::run_fftconv;
pub(crate) use gemm::run_gemm;
pub(crate) use sparse_gemm::{run_prune, run_sparse_gemm};

impl crate::args::TransformArgs {
    /// The options as the runners take them.
    pub(crate) fn transform(&self) -> Transform<'_> {
        Transform {
            input: &self.input,
            out: &self.out,
            axes: self.axes.as_deref(),
            norm: &self.norm,
        }
    }
}

/// Splits an npy shape into (batch, rows, cols).
pub(crate) fn matrix_dims(name: &str, shape: &[u64]) -> Result<(u32, u32, u32), Error> {
    let to32 = |x: u64| {
        u32::try_from(x).map_err(|_| Error::Shape(format!("{name}: dimension {x} too large")))
    };
    match *shape {
        [r, c] => Ok((1, to32(r)?, to32(c)?)),
        [b, r, c] => Ok((to32(b)?, to32(r)?, to32(c)?)),
        _ => Err(Error::Shape(format!(
            "{name} must be 2-D or 3-D (batch, rows, cols); got shape {shape:?}"
        ))),
    }
}

/// Times dense attention and the plan's mask on the sample (median of 3 runs each).
pub(crate) fn measure_plan<T: wgkernels::Element>(
    ctx: &Context,
    desc: &AttentionDesc,
    plan: &wgkernels::SearchPlan,
    q: &[T],
    k: &[T],
    v: &[T],
) -> Result<(f64, f64), Error> {
    let mask = plan.mask(desc.nq, desc.nkv)?;
    let qb = ctx.upload("Q", q)?;
    let kb = ctx.upload("K", k)?;
    let vb = ctx.upload("V", v)?;
    let ob = ctx.storage("O", desc.q_len_elems() * desc.dtype.size())?;
    let mut times = Vec::new();
    for m in [None, Some(&mask)] {
        let p = AttentionPlan::new(ctx, *desc, m, None)?;
        let bound = p.bind(&qb, &kb, &vb, &ob, None)?;
        times.push(wgkernels::runtime::time_gpu(ctx, 1, 3, &|pass| bound.record(pass))?.median_ms);
    }
    Ok((times[0], times[1]))
}

/// Rows × columns of an array whose last axis is K (every leading axis folds into rows).
pub(crate) fn rows_by_last(name: &str, shape: &[u64]) -> Result<(usize, usize), Error> {
    let (&k, lead) = shape
        .split_last()
        .ok_or_else(|| Error::Shape(format!("{name} must have at least one axis")))?;
    Ok((lead.iter().product::<u64>() as usize, k as usize))
}
