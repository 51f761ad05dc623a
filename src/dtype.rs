//! Element types of operands in GPU memory. Compute is always f32; f16 is a storage format.

use serde::Serialize;

/// Storage type of an operand.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DType {
    /// IEEE binary32.
    F32,
    /// IEEE binary16 (needs `SHADER_F16`).
    F16,
}

impl DType {
    /// Bytes per element.
    pub fn size(self) -> u64 {
        match self {
            DType::F32 => 4,
            DType::F16 => 2,
        }
    }
    /// Unit roundoff (half the machine epsilon) of the format.
    pub fn unit_roundoff(self) -> f64 {
        match self {
            DType::F32 => f32::EPSILON as f64 / 2.0,
            DType::F16 => half::f16::EPSILON.to_f64() / 2.0,
        }
    }
    /// Lower-case name as used in reports and WGSL (`f32`, `f16`).
    pub fn name(self) -> &'static str {
        match self {
            DType::F32 => "f32",
            DType::F16 => "f16",
        }
    }
}

impl std::fmt::Display for DType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for DType {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "f32" => Ok(DType::F32),
            "f16" => Ok(DType::F16),
            _ => Err(format!("unknown dtype {s:?} (f32 or f16)")),
        }
    }
}

/// A host element type that maps to a [`DType`].
pub trait Element:
    bytemuck::Pod + Copy + Default + Send + Sync + std::fmt::Debug + 'static
{
    /// The matching storage type.
    const DTYPE: DType;
    /// Widens to f64 (for references and error norms).
    fn to_f64(self) -> f64;
    /// Rounds from f64.
    fn from_f64(x: f64) -> Self;
}

impl Element for f32 {
    const DTYPE: DType = DType::F32;
    fn to_f64(self) -> f64 {
        self as f64
    }
    fn from_f64(x: f64) -> Self {
        x as f32
    }
}

impl Element for half::f16 {
    const DTYPE: DType = DType::F16;
    fn to_f64(self) -> f64 {
        half::f16::to_f64(self)
    }
    fn from_f64(x: f64) -> Self {
        half::f16::from_f64(x)
    }
}
