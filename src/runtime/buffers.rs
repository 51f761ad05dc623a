//! Buffer helpers: upload, allocate, read back. Sizes are rounded up to 4 bytes because storage
//! bindings and copies work in whole words (an odd-length f16 operand still binds).

use super::Context;
use crate::dtype::Element;
use crate::error::{Error, Result};

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
        self.buffer_with(label, &contents, storage_usage())
    }

    /// Uploads `u32` words (metadata, masks) into a new storage buffer, also usable as copy
    /// source and destination (at least one word: empty bindings are invalid).
    pub fn upload_words(&self, label: &str, words: &[u32]) -> Result<wgpu::Buffer> {
        let bytes: &[u8] = if words.is_empty() {
            &[0; 4]
        } else {
            bytemuck::cast_slice(words)
        };
        self.check_binding_size(label, bytes.len() as u64)?;
        self.buffer_with(label, bytes, storage_usage())
    }

    /// A new buffer holding `contents` (a multiple of 4 bytes). Not `create_buffer_init`: that
    /// maps the new buffer, and when the allocation failed or the device is gone wgpu panics
    /// there; an unmapped buffer and a queued write report both as errors instead.
    fn buffer_with(
        &self,
        label: &str,
        contents: &[u8],
        usage: wgpu::BufferUsages,
    ) -> Result<wgpu::Buffer> {
        self.scoped(|| {
            let buffer = self.device.create_buffer(&wgpu::BufferDescriptor {
                label: Some(label),
                size: contents.len() as u64,
                usage: usage | wgpu::BufferUsages::COPY_DST,
                mapped_at_creation: false,
            });
            self.queue.write_buffer(&buffer, 0, contents);
            buffer
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

    /// The uniform buffer of a kernel's parameters: `value` twice, at the 16-byte aligned stride
    /// of a WGSL `array<Params, 2>`; native kernels read the copy at an index computed from the
    /// buffer itself (always 0 or 1, so always a copy), browsers the first. Why: see
    /// `runtime::pipelines::params_block` (lavapipe would otherwise recompile a pipeline for every shape).
    pub(crate) fn uniform<T: bytemuck::Pod>(&self, label: &str, value: &T) -> Result<wgpu::Buffer> {
        let one = bytemuck::bytes_of(value);
        let stride = one.len().next_multiple_of(16);
        let mut contents = vec![0u8; 2 * stride];
        contents[..one.len()].copy_from_slice(one);
        contents[stride..stride + one.len()].copy_from_slice(one);
        self.buffer_with(label, &contents, wgpu::BufferUsages::UNIFORM)
    }

    /// Rewrites `bytes` at `offset` of a parameter buffer made by [`Context::uniform`], in both
    /// of its copies (a kernel may read either).
    pub(crate) fn rewrite_uniform(&self, params: &wgpu::Buffer, offset: u64, bytes: &[u8]) {
        let stride = params.size() / 2;
        debug_assert!(offset + bytes.len() as u64 <= stride);
        for copy in [0, stride] {
            self.queue.write_buffer(params, copy + offset, bytes);
        }
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
