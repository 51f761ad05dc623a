//! The demo's one extension point: an op appears on the page through [`DemoOp`].
//!
//! Verification needs nothing here: the page verifies every name in `wgkernels::verify::OPS`
//! through `wgkernels::verify::verify_op_async`. What an op adds here is what only it knows how
//! to show: which configuration the dispatcher picks for typical shapes, its figures for the
//! See section and its timed cases for the Measure section, each with their page controls.
//! Adding an op = one file in this folder implementing [`DemoOp`] + one line in [`registry`].

mod gemm;

use crate::controls::{Control, Params};
use crate::figure::{Bar, Figure};
use futures::future::LocalBoxFuture;
use serde::Serialize;
use wgkernels::Context;

/// A configuration the dispatcher picks (or cannot pick) for one typical case.
#[derive(Clone, Debug, Serialize)]
pub struct Pick {
    /// The case, e.g. `f32 1024×1024×1024`.
    pub case: String,
    /// The configuration label, e.g. `tiled 64x64x16 t4x4`; empty when the case cannot run.
    pub config: String,
    /// Why a variant is or is not available here (missing feature, limit, ...).
    pub note: String,
}

/// What an op shows on the page besides its verification rows.
pub trait DemoOp {
    /// The op's name, as in `wgkernels::verify::OPS`.
    fn name(&self) -> &'static str;
    /// Heading on the page.
    fn title(&self) -> &'static str;
    /// The dispatcher's picks for typical cases on this adapter, and the variants it lacks.
    fn picks(&self, ctx: &Context) -> Vec<Pick>;
    /// Controls of the See section.
    fn see_controls(&self) -> Vec<Control>;
    /// Runs the op on illustrative data and returns its figures.
    fn see<'a>(
        &'a self,
        ctx: &'a Context,
        params: &'a Params,
    ) -> LocalBoxFuture<'a, Result<Vec<Figure>, String>>;
    /// Controls of the Measure section.
    fn measure_controls(&self) -> Vec<Control>;
    /// Times the op at each size the controls ask for (a size that fails carries its error).
    fn measure<'a>(
        &'a self,
        ctx: &'a Context,
        params: &'a Params,
    ) -> LocalBoxFuture<'a, Result<Vec<Bar>, String>>;
}

/// Every op with a page presence. Add new ops here (and to `wgkernels::verify::OPS`).
pub fn registry() -> Vec<Box<dyn DemoOp>> {
    vec![Box::new(gemm::Gemm)]
}

/// The registered op called `name`.
pub fn find(name: &str) -> Option<Box<dyn DemoOp>> {
    registry().into_iter().find(|o| o.name() == name)
}
