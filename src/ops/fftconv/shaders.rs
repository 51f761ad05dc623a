//! The FFT convolution's WGSL program (`shaders/fftconv/`).

use crate::runtime::pipelines::{common, Shader};
use crate::runtime::Capabilities;

/// FFT convolution: fused kernel, multi-pass passes, unfused pipeline steps (entry points).
pub const CONV: Shader = Shader {
    name: "FftConv",
    body: include_str!("../../../shaders/fftconv/conv.wgsl"),
    includes: &[
        common::GRID,
        common::FFT_BASE,
        common::FFT_CORE,
        common::FFT_SM_VEC,
    ],
    params: Some(("FftParams", "fp", "n")),
    coop: false,
    subgroups: false,
    int64: false,
};

/// [`CONV`] with its workgroup memory as 64-bit words: what [`conv`] picks where
/// [`Capabilities::word_access`] says so.
pub const CONV_WIDE: Shader = Shader {
    name: "FftConvWide",
    includes: &[
        common::GRID,
        common::FFT_BASE,
        common::FFT_CORE,
        common::WORDS,
        common::FFT_SM_WIDE,
    ],
    int64: true,
    ..CONV
};

/// The convolution kernel for a device with `caps`.
pub fn conv(caps: &Capabilities) -> Shader {
    if caps.word_access() {
        CONV_WIDE
    } else {
        CONV
    }
}

/// Every FFT convolution shader.
pub const ALL: &[Shader] = &[CONV, CONV_WIDE];
