//! `wgkernels run gemm`.

use super::*;

pub(crate) fn run_gemm(
    ctx: &Context,
    inputs: &[PathBuf],
    out: &Path,
    (ta, tb): (bool, bool),
    (alpha, beta): (f32, f32),
    bias: Option<&Path>,
    activation: &str,
) -> Result<(), Error> {
    use wgkernels::npy::{read_npy, write_npy, NpyData};
    use wgkernels::Activation;
    let activation = match activation {
        "none" => Activation::None,
        "relu" => Activation::Relu,
        "gelu" => Activation::Gelu,
        "silu" => Activation::Silu,
        a => {
            return Err(Error::Shape(format!(
                "--activation {a}: none, relu, gelu or silu"
            )))
        }
    };
    if inputs.len() < 2 || inputs.len() > 3 {
        return Err(Error::Shape(format!(
            "run gemm takes 2 or 3 --in files (A, B[, C]); got {}",
            inputs.len()
        )));
    }
    let a = read_npy(&inputs[0])?;
    let b = read_npy(&inputs[1])?;
    let c = inputs.get(2).map(|p| read_npy(p)).transpose()?;
    let (ba, ra, ca) = matrix_dims("A", &a.shape)?;
    let (bb, rb, cb) = matrix_dims("B", &b.shape)?;
    let (m, ka) = if ta { (ca, ra) } else { (ra, ca) };
    let (kb, n) = if tb { (cb, rb) } else { (rb, cb) };
    if ka != kb {
        return Err(Error::Shape(format!(
            "inner dimensions differ: op(A) is {m}×{ka}, op(B) is {kb}×{n}"
        )));
    }
    if a.dtype() != b.dtype() || c.as_ref().is_some_and(|c| c.dtype() != a.dtype()) {
        return Err(Error::Shape("A, B (and C) must have the same dtype".into()));
    }
    let batch = ba.max(bb);
    if (ba != bb) && ba != 1 && bb != 1 {
        return Err(Error::Shape(format!(
            "batch sizes {ba} and {bb} differ (1 broadcasts)"
        )));
    }
    let mut desc = GemmDesc::new(m, n, ka)
        .batch(batch)
        .trans(ta, tb)
        .scale(alpha, beta)
        .dtype(a.dtype());
    desc.broadcast_a = ba == 1 && batch > 1;
    desc.broadcast_b = bb == 1 && batch > 1;
    let desc = desc.with_bias(bias.is_some()).activation(activation);
    let bias = bias.map(read_npy).transpose()?;
    if let Some(x) = &bias {
        if x.shape.iter().product::<u64>() != n as u64 || x.dtype() != a.dtype() {
            return Err(Error::Shape(format!(
                "the bias must hold N = {n} values of {}; got shape {:?} of {}",
                a.dtype(),
                x.shape,
                x.dtype()
            )));
        }
    }
    if let Some(c) = &c {
        let (bc, rc, cc) = matrix_dims("C", &c.shape)?;
        if (bc, rc, cc) != (batch, m, n) {
            return Err(Error::Shape(format!(
                "C must be {batch}×{m}×{n}; got {:?}",
                c.shape
            )));
        }
    }
    let plan = GemmPlan::new(ctx, desc, None)?;
    let shape: Vec<u64> = if a.shape.len() == 3 || b.shape.len() == 3 {
        vec![batch as u64, m as u64, n as u64]
    } else {
        vec![m as u64, n as u64]
    };
    match (a.data, b.data, c.map(|c| c.data), bias.map(|x| x.data)) {
        (NpyData::F32(a), NpyData::F32(b), c, x) => {
            let c = match c {
                Some(NpyData::F32(c)) => Some(c),
                _ => None,
            };
            let x = match x {
                Some(NpyData::F32(x)) => Some(x),
                _ => None,
            };
            let r =
                pollster::block_on(plan.run_host_with_bias(&a, &b, x.as_deref(), c.as_deref()))?;
            write_npy(out, &shape, &r)?;
        }
        (NpyData::F16(a), NpyData::F16(b), c, x) => {
            let c = match c {
                Some(NpyData::F16(c)) => Some(c),
                _ => None,
            };
            let x = match x {
                Some(NpyData::F16(x)) => Some(x),
                _ => None,
            };
            let r =
                pollster::block_on(plan.run_host_with_bias(&a, &b, x.as_deref(), c.as_deref()))?;
            write_npy(out, &shape, &r)?;
        }
        _ => unreachable!("dtypes checked equal above"),
    }
    eprintln!(
        "gemm {}x{}x{} batch {} ({}) -> {}",
        m,
        n,
        ka,
        batch,
        plan.config().label(),
        out.display()
    );
    Ok(())
}
