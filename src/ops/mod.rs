//! The kernels, one module per family. Each op has a typed descriptor, a plan (pipeline and
//! parameters built once) and a bound form that records dispatches on the caller's buffers.

pub mod attention;
pub mod fft;
pub mod fftconv;
pub mod gemm;
pub mod peaks;
pub mod rfft;
pub mod sparse_gemm;

/// Spreads `count` workgroups over a 2-D grid within `max_per_dim` per dimension (kernels
/// recover the linear index with `linear_workgroup` and skip the excess). `None` when even the
/// square of the limit is too small.
pub(crate) fn grid_2d(count: u64, max_per_dim: u32) -> Option<(u32, u32)> {
    let max = max_per_dim as u64;
    if count <= max {
        return Some((count.max(1) as u32, 1));
    }
    let y = count.div_ceil(max);
    (y <= max).then(|| (count.div_ceil(y) as u32, y as u32))
}

/// A host slice's length against what the descriptor needs: [`Error::Length`] naming the operand.
///
/// [`Error::Length`]: crate::Error::Length
pub(crate) fn check_len(name: &'static str, have: usize, need: u64) -> crate::Result<()> {
    if have as u64 != need {
        return Err(crate::Error::Length {
            name,
            have,
            need: need as usize,
        });
    }
    Ok(())
}
