//! Buffer helpers: upload, allocate, read back. Sizes are rounded up to 4 bytes because storage
//! bindings and copies work in whole words (an odd-length f16 operand still binds).

use super::Context;
use crate::dtype::Element;
use crate::error::{Error, Result};
use wgpu::util::DeviceExt;

/// Round `bytes` up to a multiple of 4 (and at least 4: zero-sized bindings are invalid).
pub(crate) fn padded(bytes: u64) -> u64 {
    bytes.div_ceil(4).max(1) * 4
}

/// A storage operand in GPU memory: the buffer and the element count the op will touch.
/// Checks size and usage once, before anything is dispatched.
#[derive(Clone, Copy, Debug)]
pub struct Operand<'a> {
    /// The buffer (bound whole).
    pub buffer: &'a wgpu::Buffer,
    /// Operand name for error messages.
    pub name: &'static str,
}

impl<'a> Operand<'a> {
    /// Names a buffer for error messages.
    pub fn new(name: &'static str, buffer: &'a wgpu::Buffer) -> Self {
        Self { buffer, name }
    }

    /// Fails unless the buffer is a storage buffer holding at least `bytes`, within the
    /// adapter's binding limit.
    pub fn check(&self, ctx: &Context, bytes: u64) -> Result<()> {
        if !self.buffer.usage().contains(wgpu::BufferUsages::STORAGE) {
            return Err(Error::BufferUsage {
                name: self.name,
                usage: "STORAGE",
            });
        }
        if self.buffer.size() < bytes {
            return Err(Error::BufferTooSmall {
                name: self.name,
                have: self.buffer.size(),
                need: bytes,
            });
        }
        ctx.check_binding_size(self.name, self.buffer.size())
    }
}

impl Context {
    /// Uploads `data` into a new storage buffer (also usable as copy source and destination).
    pub fn upload<T: Element>(&self, label: &str, data: &[T]) -> Result<wgpu::Buffer> {
        let bytes: &[u8] = bytemuck::cast_slice(data);
        self.check_binding_size(label, bytes.len() as u64)?;
        let mut contents = bytes.to_vec();
        contents.resize(padded(bytes.len() as u64) as usize, 0);
        self.scoped(|| {
            self.device
                .create_buffer_init(&wgpu::util::BufferInitDescriptor {
                    label: Some(label),
                    contents: &contents,
                    usage: storage_usage(),
                })
        })
    }

    /// Allocates a zero-filled storage buffer of `bytes` (rounded up to 4).
    pub fn storage(&self, label: &str, bytes: u64) -> Result<wgpu::Buffer> {
        self.check_binding_size(label, bytes)?;
        self.scoped(|| {
            self.device.create_buffer(&wgpu::BufferDescriptor {
                label: Some(label),
                size: padded(bytes),
                usage: storage_usage(),
                mapped_at_creation: false,
            })
        })
    }

    /// A small uniform buffer holding `value`.
    pub(crate) fn uniform<T: bytemuck::Pod>(&self, label: &str, value: &T) -> wgpu::Buffer {
        self.device
            .create_buffer_init(&wgpu::util::BufferInitDescriptor {
                label: Some(label),
                contents: bytemuck::bytes_of(value),
                usage: wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
            })
    }
}

/// The usage every buffer this crate allocates gets.
pub(crate) fn storage_usage() -> wgpu::BufferUsages {
    wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_SRC | wgpu::BufferUsages::COPY_DST
}

/// Reads the first `len` elements of `buffer` (which needs `COPY_SRC`) back to the host.
pub async fn read_buffer<T: bytemuck::Pod>(
    ctx: &Context,
    buffer: &wgpu::Buffer,
    len: usize,
) -> Result<Vec<T>> {
    let bytes = (len * std::mem::size_of::<T>()) as u64;
    if buffer.size() < bytes {
        return Err(Error::BufferTooSmall {
            name: "readback source",
            have: buffer.size(),
            need: bytes,
        });
    }
    let size = padded(bytes);
    let staging = ctx.device.create_buffer(&wgpu::BufferDescriptor {
        label: Some("readback"),
        size,
        usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
        mapped_at_creation: false,
    });
    let copy = size.min(buffer.size() & !3);
    let mut enc = ctx.device.create_command_encoder(&Default::default());
    enc.copy_buffer_to_buffer(buffer, 0, &staging, 0, copy);
    ctx.queue.submit([enc.finish()]);
    let (tx, rx) = futures::channel::oneshot::channel();
    staging.map_async(wgpu::MapMode::Read, .., move |r| {
        let _ = tx.send(r);
    });
    #[cfg(not(target_arch = "wasm32"))]
    ctx.wait()?;
    rx.await
        .map_err(|_| Error::Readback("map callback dropped".into()))?
        .map_err(|e| Error::Readback(e.to_string()))?;
    let view = staging
        .get_mapped_range(..)
        .map_err(|e| Error::Readback(format!("{e:?}")))?;
    let mut out = vec![T::zeroed(); len];
    bytemuck::cast_slice_mut::<T, u8>(&mut out).copy_from_slice(&view[..bytes as usize]);
    drop(view);
    staging.unmap();
    Ok(out)
}
