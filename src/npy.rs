//! `.npy` input and output for `wgkernels run`, through the `npyz` crate: f32 and f16 arrays,
//! C order, any rank.

use crate::dtype::DType;
use crate::error::{Error, Result};
use npyz::WriterBuilder;
use std::path::Path;

/// An array read from a `.npy` file: shape, and the data as f32 or f16.
#[derive(Clone, Debug)]
pub struct NpyArray {
    /// Dimensions, outermost first.
    pub shape: Vec<u64>,
    /// The values.
    pub data: NpyData,
}

/// Typed contents of an [`NpyArray`].
#[derive(Clone, Debug)]
pub enum NpyData {
    /// `<f4`.
    F32(Vec<f32>),
    /// `<f2`.
    F16(Vec<half::f16>),
}

impl NpyArray {
    /// The storage type.
    pub fn dtype(&self) -> DType {
        match self.data {
            NpyData::F32(_) => DType::F32,
            NpyData::F16(_) => DType::F16,
        }
    }
}

fn fmt_err(path: &Path, msg: impl Into<String>) -> Error {
    Error::Format {
        path: path.display().to_string(),
        msg: msg.into(),
    }
}

/// Reads an f32 or f16 `.npy` file (C order).
pub fn read_npy(path: &Path) -> Result<NpyArray> {
    let bytes = std::fs::read(path).map_err(|source| Error::Io {
        path: path.display().to_string(),
        source,
    })?;
    let file = npyz::NpyFile::new(&bytes[..])
        .map_err(|e| fmt_err(path, format!("not an npy file: {e}")))?;
    if file.order() != npyz::Order::C {
        return Err(fmt_err(
            path,
            "Fortran-order arrays are not supported; save with np.ascontiguousarray",
        ));
    }
    let shape = file.shape().to_vec();
    let descr = match file.dtype() {
        npyz::DType::Plain(ts) => ts.to_string(),
        other => return Err(fmt_err(path, format!("unsupported dtype {other:?}"))),
    };
    let data = match descr.as_str() {
        "<f4" => NpyData::F32(
            file.into_vec::<f32>()
                .map_err(|e| fmt_err(path, e.to_string()))?,
        ),
        "<f2" => NpyData::F16(
            file.into_vec::<half::f16>()
                .map_err(|e| fmt_err(path, e.to_string()))?,
        ),
        d => {
            return Err(fmt_err(
                path,
                format!("dtype {d} is not f32 (<f4) or f16 (<f2)"),
            ))
        }
    };
    Ok(NpyArray { shape, data })
}

/// Writes `data` with `shape` as a `.npy` file of its own dtype.
pub fn write_npy<T: npyz::AutoSerialize + Copy>(
    path: &Path,
    shape: &[u64],
    data: &[T],
) -> Result<()> {
    let io = |source| Error::Io {
        path: path.display().to_string(),
        source,
    };
    let file = std::fs::File::create(path).map_err(io)?;
    let mut w = npyz::WriteOptions::new()
        .default_dtype()
        .shape(shape)
        .writer(std::io::BufWriter::new(file))
        .begin_nd()
        .map_err(io)?;
    w.extend(data.iter().copied()).map_err(io)?;
    w.finish().map_err(io)
}
