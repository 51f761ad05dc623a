//! Host-side pipeline specialisation: the override constants of one pipeline are
//! substituted into the shader on the host and every `if` on them is reduced to the branch taken,
//! before the driver sees the code.
//!
//! Why: our kernels pick variants (radix, modes, unroll depth, gates) with `override` constants,
//! and drivers inline every function before they fold constants, so an unspecialised pipeline
//! hands the driver the code of every variant. On lavapipe one FFT-convolution pipeline spent
//! ~20 s in the driver's NIR passes, ~5 s once its dead variants were gone. The result is the same
//! program the driver would have built; WGSL sources and override constants stay the one place
//! variants are defined. Browsers take WGSL text only: there the module is written back to WGSL
//! (SwiftShader compiled an FFT pipeline in ~12 s before, see the README).
//!
//! Set `WGKERNELS_NO_SPECIALIZE=1` to hand the driver the unspecialised shader instead (for
//! comparisons and for ruling this step out when chasing a driver problem).

use naga::valid::{Capabilities, ModuleInfo, ValidationFlags, Validator};
use naga::{Block, Expression, Literal, Statement};

/// A parsed and validated shader, shared by all pipelines built from one (shader, spec).
pub(crate) struct Parsed {
    module: naga::Module,
    info: ModuleInfo,
}

/// Parses and validates WGSL text; `None` when naga rejects it (the WGSL path then reports the
/// error with wgpu's message).
pub(crate) fn parse(text: &str) -> Option<Parsed> {
    let module = naga::front::wgsl::parse_str(text).ok()?;
    let info = validator().validate(&module).ok()?;
    Some(Parsed { module, info })
}

/// True unless `WGKERNELS_NO_SPECIALIZE` is set to something other than `0`.
pub(crate) fn enabled() -> bool {
    std::env::var("WGKERNELS_NO_SPECIALIZE").map_or(true, |v| v == "0")
}

fn validator() -> Validator {
    Validator::new(ValidationFlags::all(), Capabilities::all())
}

/// The module of one compute pipeline: `entry` alone, overrides replaced by `constants`, branches
/// on constant conditions reduced to the branch taken. The expressions of a dropped branch become
/// literals (naga wants every expression of a function visited), and a binding that only a
/// dropped branch used keeps a use (its length, or a load) so that the layout wgpu derives stays
/// that of the unspecialised shader. `None` where this cannot be done safely (an unknown
/// constant, a module that fails validation, bindings that would change; the error says which):
/// the caller then builds the pipeline from WGSL as before.
pub(crate) fn specialize(
    parsed: &Parsed,
    entry: &str,
    constants: &[(&'static str, f64)],
) -> Result<naga::Module, String> {
    let pc: naga::back::PipelineConstants =
        constants.iter().map(|&(k, v)| (k.to_string(), v)).collect();
    let (module, info) = naga::back::pipeline_constants::process_overrides(
        &parsed.module,
        &parsed.info,
        Some((naga::ShaderStage::Compute, entry)),
        &pc,
    )
    .map_err(|e| format!("overrides: {e}"))?;
    let used_before = bindings_used(&module, &info);
    let mut module = module.into_owned();
    let mut functions = std::mem::take(&mut module.functions);
    let bodies = functions
        .iter_mut()
        .map(|(_, f)| f)
        .chain(module.entry_points.iter_mut().map(|ep| &mut ep.function));
    for f in bodies {
        let mut dead = Dead::default();
        prune(&mut f.body, &f.expressions, &mut dead);
        if dead.unsupported {
            return Err("a dropped branch holds a ray query".into());
        }
        // A local's initializer must keep the local's type; anything else just needs to be a
        // valid expression that is visited without being emitted.
        let inits: std::collections::HashMap<_, _> = f
            .local_variables
            .iter()
            .filter_map(|(_, l)| Some((l.init?, l.ty)))
            .collect();
        for h in dead.exprs {
            f.expressions[h] = match inits.get(&h) {
                Some(&ty) => Expression::ZeroValue(ty),
                None => Expression::Literal(Literal::U32(0)),
            };
        }
    }
    module.functions = functions;
    let info = validator()
        .validate_resolved_overrides(&module)
        .map_err(|e| format!("pruned module: {e:?}"))?;
    let lost: Vec<_> = module
        .global_variables
        .iter()
        .filter(|&(h, g)| {
            g.binding
                .as_ref()
                .is_some_and(|b| used_before.contains(&(b.group, b.binding)))
                && info.get_entry_point(0)[h].is_empty()
        })
        .map(|(h, _)| h)
        .collect();
    if !lost.is_empty() {
        keep_used(&mut module, &lost).ok_or("no entry point")?;
    }
    let info = validator()
        .validate_resolved_overrides(&module)
        .map_err(|e| format!("with kept bindings: {e:?}"))?;
    let used = bindings_used(&module, &info);
    if used != used_before {
        return Err(format!("bindings {used_before:?} would become {used:?}"));
    }
    Ok(module)
}

/// `module` (from [`specialize`]) as WGSL text for the browser (naga's writer emits the `enable`
/// directives the module needs). `None` when naga cannot write it.
#[cfg(target_arch = "wasm32")]
pub(crate) fn to_wgsl(module: &naga::Module) -> Option<String> {
    let mut module = module.clone();
    fix_array_sizes(&mut module)?;
    let info = validator().validate_resolved_overrides(&module).ok()?;
    naga::back::wgsl::write_string(&module, &info, naga::back::wgsl::WriterFlags::empty())
        .map_err(|e| log::debug!("naga cannot write the specialised WGSL: {e}"))
        .ok()
}

/// Gives arrays sized by an override (workgroup arrays) their literal size: the overrides keep
/// their values after substitution, but naga's WGSL writer cannot write an override-sized array.
#[cfg(target_arch = "wasm32")]
fn fix_array_sizes(module: &mut naga::Module) -> Option<()> {
    use naga::{ArraySize, TypeInner};
    let pending: Vec<_> = module
        .types
        .iter()
        .filter_map(|(h, t)| match t.inner {
            TypeInner::Array {
                base,
                size: ArraySize::Pending(o),
                stride,
            } => Some((h, t.name.clone(), base, o, stride)),
            _ => None,
        })
        .collect();
    for (h, name, base, o, stride) in pending {
        let len = match module.global_expressions[module.overrides[o].init?] {
            Expression::Literal(Literal::U32(n)) => n,
            Expression::Literal(Literal::I32(n)) => u32::try_from(n).ok()?,
            _ => return None,
        };
        let ty = naga::Type {
            name,
            inner: TypeInner::Array {
                base,
                size: ArraySize::Constant(std::num::NonZeroU32::new(len)?),
                stride,
            },
        };
        if module.types.get(&ty).is_some() {
            return None;
        }
        module.types.replace(h, ty);
    }
    Some(())
}

/// A buffer binding of a pipeline: enough to bind a stand-in buffer of the right kind and size.
#[cfg(not(target_arch = "wasm32"))]
#[derive(Clone, Copy, Debug)]
pub(crate) struct BufferSlot {
    pub group: u32,
    pub binding: u32,
    pub uniform: bool,
    /// Smallest size the binding accepts (one element of a runtime-sized array), in bytes.
    pub min_bytes: u64,
}

/// The buffer bindings the module's single entry point uses, or `None` when one of them is not
/// a buffer (a texture or sampler; none of our kernels has one).
#[cfg(not(target_arch = "wasm32"))]
pub(crate) fn buffer_slots(module: &naga::Module) -> Option<Vec<BufferSlot>> {
    let info = validator().validate_resolved_overrides(module).ok()?;
    if module.entry_points.is_empty() {
        return Some(Vec::new());
    }
    let ep = info.get_entry_point(0);
    let gctx = module.to_ctx();
    let mut out = Vec::new();
    for (h, g) in module.global_variables.iter() {
        let Some(b) = g.binding.as_ref() else {
            continue;
        };
        if ep[h].is_empty() {
            continue;
        }
        let uniform = match g.space {
            naga::AddressSpace::Uniform => true,
            naga::AddressSpace::Storage { .. } => false,
            _ => return None,
        };
        let inner = &module.types[g.ty].inner;
        let tail = match *inner {
            naga::TypeInner::Array {
                size: naga::ArraySize::Dynamic,
                stride,
                ..
            } => stride,
            naga::TypeInner::Struct { ref members, .. } => members
                .last()
                .and_then(|m| match module.types[m.ty].inner {
                    naga::TypeInner::Array {
                        size: naga::ArraySize::Dynamic,
                        stride,
                        ..
                    } => Some(stride),
                    _ => None,
                })
                .unwrap_or(0),
            _ => 0,
        };
        out.push(BufferSlot {
            group: b.group,
            binding: b.binding,
            uniform,
            min_bytes: (inner.size(gctx) + tail) as u64,
        });
    }
    Some(out)
}

/// The resource bindings (group, binding) the module's single entry point uses.
fn bindings_used(module: &naga::Module, info: &ModuleInfo) -> Vec<(u32, u32)> {
    if module.entry_points.is_empty() {
        return Vec::new();
    }
    let ep = info.get_entry_point(0);
    module
        .global_variables
        .iter()
        .filter(|&(h, _)| !ep[h].is_empty())
        .filter_map(|(_, g)| g.binding.as_ref().map(|b| (b.group, b.binding)))
        .collect()
}

/// Gives each global of `lost` a use at the start of the entry point: `arrayLength` of a runtime
/// array, else a load of the whole value (both discarded; the driver drops them). A type that
/// cannot be loaded fails the validation that follows, and the pipeline is built from WGSL.
fn keep_used(module: &mut naga::Module, lost: &[naga::Handle<naga::GlobalVariable>]) -> Option<()> {
    let types = &module.types;
    let globals = &module.global_variables;
    let f = &mut module.entry_points.first_mut()?.function;
    let ptrs: Vec<_> = lost
        .iter()
        .map(|&g| {
            f.expressions
                .append(Expression::GlobalVariable(g), Default::default())
        })
        .collect();
    let start = f.expressions.len();
    for (&g, &ptr) in lost.iter().zip(&ptrs) {
        let runtime_array = matches!(
            types[globals[g].ty].inner,
            naga::TypeInner::Array {
                size: naga::ArraySize::Dynamic,
                ..
            }
        );
        let e = if runtime_array {
            Expression::ArrayLength(ptr)
        } else {
            Expression::Load { pointer: ptr }
        };
        let h = f.expressions.append(e, Default::default());
        // Named, so that a WGSL writer emits it (`let`) instead of dropping an unused value.
        f.named_expressions
            .insert(h, format!("keep_binding_{}", g.index()));
    }
    let emit = Statement::Emit(f.expressions.range_from(start));
    let mut body = Block::new();
    body.push(emit, Default::default());
    body.append(&mut f.body);
    f.body = body;
    Some(())
}

/// What a dropped branch leaves behind: the expressions it evaluated.
#[derive(Default)]
struct Dead {
    exprs: Vec<naga::Handle<Expression>>,
    /// A statement kind this pass does not know how to drop.
    unsupported: bool,
}

impl Dead {
    /// Records every expression `block` evaluates (emitted, or a statement's result).
    fn collect(&mut self, block: &Block) {
        for stmt in block.iter() {
            match *stmt {
                Statement::Emit(ref r) => self.exprs.extend(r.clone()),
                Statement::Block(ref b) => self.collect(b),
                Statement::If {
                    ref accept,
                    ref reject,
                    ..
                } => {
                    self.collect(accept);
                    self.collect(reject);
                }
                Statement::Loop {
                    ref body,
                    ref continuing,
                    ..
                } => {
                    self.collect(body);
                    self.collect(continuing);
                }
                Statement::Switch { ref cases, .. } => {
                    for c in cases {
                        self.collect(&c.body);
                    }
                }
                Statement::Call { result, .. } | Statement::Atomic { result, .. } => {
                    self.exprs.extend(result)
                }
                Statement::WorkGroupUniformLoad { result, .. }
                | Statement::SubgroupBallot { result, .. }
                | Statement::SubgroupGather { result, .. }
                | Statement::SubgroupCollectiveOperation { result, .. } => self.exprs.push(result),
                Statement::RayQuery { .. } | Statement::RayPipelineFunction(_) => {
                    self.unsupported = true
                }
                _ => {}
            }
        }
    }
}

/// Replaces every `if` whose condition is a boolean literal (what override comparisons become
/// once the constants are in) by the branch taken, recursively; the other branch goes to `dead`.
fn prune(block: &mut Block, exprs: &naga::Arena<Expression>, dead: &mut Dead) {
    let old = std::mem::take(block);
    for (mut stmt, span) in old.span_into_iter() {
        if let Statement::If {
            condition,
            ref mut accept,
            ref mut reject,
        } = stmt
        {
            if let Expression::Literal(Literal::Bool(b)) = exprs[condition] {
                let (taken, dropped) = if b {
                    (accept, reject)
                } else {
                    (reject, accept)
                };
                dead.collect(dropped);
                let mut taken = std::mem::take(taken);
                prune(&mut taken, exprs, dead);
                block.push(Statement::Block(taken), span);
                continue;
            }
        }
        match stmt {
            Statement::Block(ref mut b) => prune(b, exprs, dead),
            Statement::If {
                ref mut accept,
                ref mut reject,
                ..
            } => {
                prune(accept, exprs, dead);
                prune(reject, exprs, dead);
            }
            Statement::Loop {
                ref mut body,
                ref mut continuing,
                ..
            } => {
                prune(body, exprs, dead);
                prune(continuing, exprs, dead);
            }
            Statement::Switch { ref mut cases, .. } => {
                for c in cases.iter_mut() {
                    prune(&mut c.body, exprs, dead);
                }
            }
            _ => {}
        }
        block.push(stmt, span);
    }
}
