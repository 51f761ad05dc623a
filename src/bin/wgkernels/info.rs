//! `wgkernels info`: adapter, backend, driver, features, limits, the tuning cache.

use crate::*;

pub(crate) fn info_json(ctx: &Context) -> serde_json::Value {
    let caps = ctx.caps();
    let l = ctx.limits();
    serde_json::json!({
        "adapter": ctx.adapter_id(),
        "features": {
            "f16": caps.f16,
            "subgroups": caps.subgroups,
            "subgroup_min_size": caps.subgroup_min,
            "subgroup_max_size": caps.subgroup_max,
            "cooperative_matrix": caps.coop,
            "timestamps": caps.timestamps,
        },
        "limits": {
            "max_storage_buffer_binding_size": l.max_storage_buffer_binding_size,
            "max_buffer_size": l.max_buffer_size,
            "max_compute_workgroup_storage_size": l.max_compute_workgroup_storage_size,
            "max_compute_invocations_per_workgroup": l.max_compute_invocations_per_workgroup,
            "max_compute_workgroup_size_x": l.max_compute_workgroup_size_x,
            "max_compute_workgroups_per_dimension": l.max_compute_workgroups_per_dimension,
            "max_storage_buffers_per_shader_stage": l.max_storage_buffers_per_shader_stage,
        },
    })
}

pub(crate) fn print_info(ctx: &Context, json: Option<&Path>) -> Result<(), Error> {
    let v = info_json(ctx);
    let a = ctx.adapter_id();
    let c = ctx.caps();
    println!(
        "adapter   {} ({}, {}, vendor {:#06x} device {:#06x})",
        a.name, a.backend, a.device_type, a.vendor, a.device
    );
    println!("driver    {} {}", a.driver, a.driver_info);
    println!("f16       {}", c.f16);
    println!(
        "subgroups {} (sizes {}..{})",
        c.subgroups, c.subgroup_min, c.subgroup_max
    );
    let coop: Vec<String> = c
        .coop
        .iter()
        .map(|k| format!("{}x{}x{} {}->{}", k.m, k.n, k.k, k.ab, k.c))
        .collect();
    println!(
        "coop      {}",
        if coop.is_empty() {
            "none".to_string()
        } else {
            coop.join(", ")
        }
    );
    println!("timestamps {}", c.timestamps);
    println!("limits    {}", v["limits"]);
    let st = ctx.tuner().status(ctx);
    print_cache_status(&st);
    // Nothing is compiled to show the adapter: a cheap first screen.
    println!("pipelines {}", ctx.compile_summary_since(0).line());
    if let Some(p) = json {
        let mut v = v;
        v["tuning"] = serde_json::to_value(&st).expect("cache status serialises");
        write_json(p, &v)?;
    }
    Ok(())
}

/// The tuning cache as `info` shows it: file, state, one line per tuned bucket.
pub(crate) fn print_cache_status(st: &wgkernels::tune::CacheStatus) {
    let path = st
        .path
        .as_ref()
        .map_or("none (in memory only)".to_string(), |p| {
            p.display().to_string()
        });
    println!(
        "tuning    mode {}; cache {} ({}): {}",
        st.mode, path, st.dir_origin, st.state
    );
    if st.path.is_some() && !st.persistent {
        println!("          not writable: tuning results stay in memory for this process");
    }
    for e in &st.entries {
        let count = |s: CandidateStatus| e.candidates.iter().filter(|c| c.status == s).count();
        let speedup = match (e.winner_ms, e.default_ms) {
            (Some(w), Some(d)) if w > 0.0 => format!(", {:.2}x the default", d / w),
            _ => String::new(),
        };
        println!(
            "  {:<6} {:<34} winner {:<26} {:>9} (default {} {}{speedup}); {} candidates: {} ok, {} pruned, {} dropped; timing {}",
            e.op,
            shape_text(&e.bucket),
            e.winner_label.as_deref().unwrap_or("none (all failed)"),
            e.winner_ms.map_or("-".into(), |m| format!("{m:.3} ms")),
            e.default_label,
            e.default_ms.map_or("-".into(), |m| format!("{m:.3} ms")),
            e.candidates.len(),
            count(CandidateStatus::Ok),
            count(CandidateStatus::Pruned),
            count(CandidateStatus::Dropped),
            e.timing
        );
    }
}
