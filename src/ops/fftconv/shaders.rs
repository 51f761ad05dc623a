//! The FFT convolution's WGSL program (`shaders/fftconv/`).

use crate::runtime::pipelines::{common, Shader};

/// FFT convolution: fused kernel, multi-pass passes, unfused pipeline steps (entry points).
pub const CONV: Shader = Shader {
    name: "FftConv",
    body: include_str!("../../../shaders/fftconv/conv.wgsl"),
    includes: &[common::GRID, common::FFT_BASE, common::FFT_CORE],
    params: Some(("FftParams", "fp", "n")),
    coop: false,
    subgroups: false,
    int64: false,
};

/// Every FFT convolution shader.
pub const ALL: &[Shader] = &[CONV];
