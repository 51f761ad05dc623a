//! Generated WGSL is what its generator writes today: each Python generator under `shaders/`
//! runs on a copy of its folder and the result must equal the committed file byte for byte
//! (a hand edit of generated code, or a generator change not re-run, fails here). Needs
//! `python3` (installed by `.ci/setup.sh`); no GPU.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Copies `dir`'s files (not subfolders) into folder `name` of `root`.
fn copy_dir(dir: &Path, root: &Path, name: &str) -> PathBuf {
    let to = root.join(name);
    std::fs::create_dir_all(&to).unwrap();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_file() {
            std::fs::copy(&p, to.join(p.file_name().unwrap())).unwrap();
        }
    }
    to
}

/// Runs `script` inside a copy of its folder (beside a copy of `shaders/common`, whose helpers
/// the generators import) and compares each of `outputs` with the original.
fn regenerate(folder: &str, script: &str, outputs: &[&str]) {
    let shaders = Path::new(env!("CARGO_MANIFEST_DIR")).join("shaders");
    let dir = shaders.join(folder);
    // One scratch tree per script: tests run in parallel, and two generators share `shaders/fft`.
    let root =
        std::env::temp_dir().join(format!("wgk-gen-{folder}-{script}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    if folder != "common" {
        copy_dir(&shaders.join("common"), &root, "common");
    }
    let copy = copy_dir(&dir, &root, folder);
    let status = Command::new("python3")
        .arg(script)
        .current_dir(&copy)
        .status()
        .expect("python3 runs (install it: apt-get install python3)");
    assert!(status.success(), "{folder}/{script} failed");
    for out in outputs {
        let want = std::fs::read_to_string(dir.join(out)).unwrap();
        let got = std::fs::read_to_string(copy.join(out)).unwrap();
        assert!(
            got == want,
            "shaders/{folder}/{out} differs from what {script} writes: run `cd shaders/{folder} \
             && python3 {script}` and commit the result"
        );
    }
    let _ = std::fs::remove_dir_all(&root);
}

#[test]
fn fft_core_and_base_are_what_gen_fft_core_writes() {
    regenerate(
        "common",
        "gen_fft_core.py",
        &["fft_core.wgsl", "fft_base.wgsl"],
    );
}

#[test]
fn subgroup_stockham_is_what_its_generator_writes() {
    regenerate("fft", "gen_stockham_sg.py", &["stockham_sg.wgsl"]);
}

#[test]
fn mixed_radix_kernel_is_what_its_generator_writes() {
    regenerate("fft", "gen_mixed.py", &["mixed.wgsl"]);
}
