//! `wgkernels run prune` and `run sparse_gemm`.

use super::*;

pub(crate) fn run_prune(
    input: &Path,
    out: &Path,
    pattern: &str,
    values: Option<&Path>,
    meta: Option<&Path>,
) -> Result<(), Error> {
    use wgkernels::npy::{read_npy, write_npy, NpyData};
    use wgkernels::ops::sparse_gemm::NmMatrix;
    let pattern: wgkernels::NmPattern = pattern.parse()?;
    let a = read_npy(input)?;
    let (rows, k) = rows_by_last("the input", &a.shape)?;
    #[allow(clippy::too_many_arguments)] // one argument per file and flag of the subcommand
    fn go<T: wgkernels::Element + npyz::AutoSerialize>(
        x: &[T],
        shape: &[u64],
        rows: usize,
        k: usize,
        pattern: wgkernels::NmPattern,
        out: &Path,
        values: Option<&Path>,
        meta: Option<&Path>,
    ) -> Result<(usize, u64, u64), Error> {
        let c = NmMatrix::compress_pruned(x, rows, k, pattern)?;
        let kept = pattern.kept(k);
        write_npy(out, shape, &c.decompress())?;
        if let Some(v) = values {
            write_npy(v, &[rows as u64, kept as u64], c.values())?;
        }
        if let Some(m) = meta {
            write_npy(m, &[rows as u64, pattern.meta_words(k) as u64], c.meta())?;
        }
        let zeros = x.iter().filter(|v| v.to_f64() != 0.0).count()
            - c.decompress().iter().filter(|v| v.to_f64() != 0.0).count();
        Ok((zeros, c.compressed_bytes(), c.dense_bytes()))
    }
    let (dropped, cb, db) = match &a.data {
        NpyData::F32(x) => go(x, &a.shape, rows, k, pattern, out, values, meta)?,
        NpyData::F16(x) => go(x, &a.shape, rows, k, pattern, out, values, meta)?,
    };
    eprintln!(
        "prune {pattern}: {rows}×{k}, {dropped} nonzeros dropped, compressed {cb} bytes = {:.2}% of dense -> {}",
        100.0 * cb as f64 / db as f64,
        out.display()
    );
    Ok(())
}

pub(crate) fn run_sparse_gemm(
    ctx: &Context,
    inputs: &[PathBuf],
    out: &Path,
    pattern: &str,
    linear: bool,
    prune: bool,
) -> Result<(), Error> {
    use wgkernels::npy::{read_npy, write_npy, NpyData};
    use wgkernels::{NmMatrix, SparseGemmDesc, SparseGemmPlan};
    if inputs.len() < 2 || inputs.len() > 3 {
        return Err(Error::Shape(format!(
            "run sparse_gemm takes 2 or 3 --in files (sparse, dense[, bias]); got {}",
            inputs.len()
        )));
    }
    let pattern: wgkernels::NmPattern = pattern.parse()?;
    let s = read_npy(&inputs[0])?;
    let d = read_npy(&inputs[1])?;
    let bias = inputs.get(2).map(|p| read_npy(p)).transpose()?;
    if s.dtype() != d.dtype() || bias.as_ref().is_some_and(|b| b.dtype() != s.dtype()) {
        return Err(Error::Shape("all inputs must have the same dtype".into()));
    }
    let (desc, out_shape, sparse_rows) = if linear {
        let (out_f, in_f) = match *s.shape {
            [o, i] => (o as u32, i as u32),
            _ => {
                return Err(Error::Shape(format!(
                    "W must be 2-D (out × in); got {:?}",
                    s.shape
                )))
            }
        };
        let (batch, tokens, k) = matrix_dims("X", &d.shape)?;
        if k != in_f {
            return Err(Error::Shape(format!(
                "X has {k} features but W has {in_f} inputs"
            )));
        }
        let desc = SparseGemmDesc::linear(tokens, out_f, in_f, pattern).batch(batch);
        let shape = if d.shape.len() == 3 {
            vec![batch as u64, tokens as u64, out_f as u64]
        } else {
            vec![tokens as u64, out_f as u64]
        };
        (desc, shape, out_f as usize)
    } else {
        let (ba, m, k) = matrix_dims("A", &s.shape)?;
        let (bb, kb, n) = matrix_dims("B", &d.shape)?;
        if k != kb {
            return Err(Error::Shape(format!(
                "inner dimensions differ: A is {m}×{k}, B is {kb}×{n}"
            )));
        }
        if ba != bb && ba != 1 {
            return Err(Error::Shape(format!(
                "batch sizes {ba} and {bb} differ (a single A is shared)"
            )));
        }
        let desc = SparseGemmDesc::matmul(m, n, k, pattern)
            .batch(bb)
            .shared_sparse(ba == 1);
        let shape = if s.shape.len() == 3 || d.shape.len() == 3 {
            vec![bb as u64, m as u64, n as u64]
        } else {
            vec![m as u64, n as u64]
        };
        (desc, shape, m as usize * ba as usize)
    };
    if let Some(b) = &bias {
        if b.shape.iter().product::<u64>() != desc.rows as u64 {
            return Err(Error::Shape(format!(
                "the bias must have {} values; got shape {:?}",
                desc.rows, b.shape
            )));
        }
    }
    let desc = desc.with_bias(bias.is_some()).dtype(s.dtype());
    let plan = SparseGemmPlan::new(ctx, desc, None)?;
    let k = desc.k as usize;
    #[allow(clippy::too_many_arguments)] // one argument per file and flag of the subcommand
    fn go<T: wgkernels::Element + npyz::AutoSerialize>(
        plan: &SparseGemmPlan,
        a: &[T],
        rows: usize,
        k: usize,
        prune: bool,
        dense: &[T],
        bias: Option<&[T]>,
        out: &Path,
        shape: &[u64],
    ) -> Result<u64, Error> {
        let p = plan.desc().pattern;
        let c = if prune {
            NmMatrix::compress_pruned(a, rows, k, p)?
        } else {
            NmMatrix::compress(a, rows, k, p)?
        };
        let r = pollster::block_on(plan.run_host(&c, dense, bias))?;
        write_npy(out, shape, &r)?;
        Ok(c.compressed_bytes())
    }
    let bytes = match (s.data, d.data, bias.map(|b| b.data)) {
        (NpyData::F32(a), NpyData::F32(x), b) => {
            let b = match b {
                Some(NpyData::F32(b)) => Some(b),
                _ => None,
            };
            go(
                &plan,
                &a,
                sparse_rows,
                k,
                prune,
                &x,
                b.as_deref(),
                out,
                &out_shape,
            )?
        }
        (NpyData::F16(a), NpyData::F16(x), b) => {
            let b = match b {
                Some(NpyData::F16(b)) => Some(b),
                _ => None,
            };
            go(
                &plan,
                &a,
                sparse_rows,
                k,
                prune,
                &x,
                b.as_deref(),
                out,
                &out_shape,
            )?
        }
        _ => unreachable!("dtypes checked equal above"),
    };
    eprintln!(
        "sparse_gemm {} {}x{}x{} batch {} ({}, sparse operand {} bytes compressed) -> {}",
        pattern,
        desc.rows,
        desc.cols,
        desc.k,
        desc.batch,
        plan.config().label(),
        bytes,
        out.display()
    );
    Ok(())
}
