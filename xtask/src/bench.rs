//! `cargo xtask bench`: the numbers in BENCHMARKS.md. Every figure is a ratio
//! of two things measured in this run, on this machine; nothing is asserted.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::Value;

pub fn run(root: &Path, quick: bool) -> Result<(), String> {
    let runs = if quick { 3 } else { 15 };
    println!("# oz-api benchmarks\n");
    println!("machine: {} cores, {}\n", cores(), cpu_model());
    regen(root, runs)?;
    scaling(root, if quick { 1 } else { 5 })?;
    client_overhead(root, quick)?;
    if !quick {
        compile_cost(root)?;
    }
    Ok(())
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

/// Regen end to end (in-process, writing to a scratch copy) and each stage's share.
fn regen(root: &Path, runs: usize) -> Result<(), String> {
    let spec = root.join(codegen::SPEC);
    let scratch = tempdir(root)?;
    let mut totals = Vec::new();
    let mut stages: Vec<Vec<(&'static str, Duration)>> = Vec::new();
    for _ in 0..runs {
        let started = Instant::now();
        let generated = codegen::run(root, &spec).map_err(|e| e.to_string())?;
        let written = Instant::now();
        codegen::write::write_all(&scratch, &generated.files).map_err(|e| e.to_string())?;
        let mut s = generated.stages.clone();
        s.push(("write", written.elapsed()));
        totals.push(started.elapsed());
        stages.push(s);
        let _ = std::fs::remove_dir_all(scratch.join("oz-api"));
        let _ = std::fs::remove_dir_all(scratch.join("spec"));
    }
    let total = median(totals);
    println!("## regen, end to end (in-process, median of {runs})\n");
    println!("| stage | time | share |\n|---|---:|---:|");
    for (i, (name, _)) in stages[0].iter().enumerate() {
        let stage = median(stages.iter().map(|s| s[i].1).collect());
        println!(
            "| {name} | {} | {:.0} % |",
            ms(stage),
            100.0 * stage.as_secs_f64() / total.as_secs_f64()
        );
    }
    println!(
        "| **total** | **{}** | target ≤ 1 s: {:.2}× the target |\n",
        ms(total),
        total.as_secs_f64()
    );
    let _ = std::fs::remove_dir_all(&scratch);
    Ok(())
}

/// The spec with its paths and schemas replicated `factor` times under new names.
pub fn replicate(spec: &Value, factor: usize) -> Value {
    let mut out = spec.clone();
    for copy in 2..=factor {
        let suffix = format!("R{copy}");
        let rename = |value: &Value| -> Value {
            let text = value
                .to_string()
                .replace("#/components/schemas/", "#/components/schemas/__");
            let text = suffix_schema_refs(&text, &suffix);
            serde_json::from_str(&text).expect("renaming keeps JSON valid")
        };
        let schemas = spec["components"]["schemas"]
            .as_object()
            .cloned()
            .unwrap_or_default();
        for (name, schema) in schemas {
            out["components"]["schemas"][format!("{name}{suffix}")] = rename(&schema);
        }
        let paths = spec["paths"].as_object().cloned().unwrap_or_default();
        for (index, (path, item)) in paths.into_iter().enumerate() {
            let mut item = rename(&item);
            for (method, op) in item.as_object_mut().into_iter().flatten() {
                if let Some(id) = op.get("operationId").and_then(Value::as_str) {
                    op["operationId"] = Value::from(format!("{id}{suffix}N{index}{method}"));
                }
            }
            out["paths"][format!("/{}{path}", suffix.to_lowercase())] = item;
        }
    }
    out
}

/// Turns the `__Name` markers left by `replicate` into `NameR<k>` references.
fn suffix_schema_refs(text: &str, suffix: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("schemas/__") {
        out.push_str(&rest[..at + "schemas/".len()]);
        rest = &rest[at + "schemas/__".len()..];
        let end = rest.find('"').unwrap_or(rest.len());
        out.push_str(&rest[..end]);
        out.push_str(suffix);
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

fn scaling(root: &Path, runs: usize) -> Result<(), String> {
    let published = codegen::load::load_file(&root.join(codegen::SPEC), codegen::SPEC)
        .map_err(|e| e.to_string())?;
    let scratch = tempdir(root)?;
    println!("## regen time against spec size (median of {runs})\n");
    println!(
        "| size | operations | time | time per 1× | growth vs 1× |\n|---|---:|---:|---:|---:|"
    );
    let mut base = None;
    for factor in [1, 2, 4, 8] {
        let spec = scratch.join(format!("oz-api-{factor}x.json"));
        std::fs::write(&spec, replicate(&published, factor).to_string())
            .map_err(|e| e.to_string())?;
        let mut times = Vec::new();
        let mut operations = 0;
        for _ in 0..runs {
            let started = Instant::now();
            let generated = codegen::run(root, &spec).map_err(|e| e.to_string())?;
            times.push(started.elapsed());
            operations = generated.operations;
        }
        let time = median(times);
        let per = time / factor as u32;
        let base = *base.get_or_insert(time);
        println!(
            "| {factor}× | {operations} | {} | {} | {:.2}× for {factor}× the spec |",
            ms(time),
            ms(per),
            time.as_secs_f64() / base.as_secs_f64()
        );
    }
    println!();
    let _ = std::fs::remove_dir_all(&scratch);
    Ok(())
}

fn client_overhead(root: &Path, quick: bool) -> Result<(), String> {
    let mut command = Command::new(crate::cargo());
    command.current_dir(root).args([
        "bench",
        "--quiet",
        "-p",
        "tests",
        "--bench",
        "client_overhead",
    ]);
    if quick {
        command.args(["--", "--quick"]);
    }
    let status = command.status().map_err(|e| e.to_string())?;
    status
        .success()
        .then_some(())
        .ok_or_else(|| "the client overhead benchmark failed".into())
}

/// Clean debug build of oz-api with its dependencies in a fresh target
/// directory, then a rebuild of oz-api alone after touching it.
fn compile_cost(root: &Path) -> Result<(), String> {
    let target = tempdir(root)?;
    let build = |what: &str| -> Result<Duration, String> {
        let started = Instant::now();
        let status = Command::new(crate::cargo())
            .current_dir(root)
            .args(["build", "--quiet", "-p", "oz-api"])
            .env("CARGO_TARGET_DIR", &target)
            .status()
            .map_err(|e| e.to_string())?;
        if !status.success() {
            return Err(format!("{what} failed"));
        }
        Ok(started.elapsed())
    };
    let clean = build("clean build")?;
    let touch = || {
        let lib = root.join("oz-api/src/lib.rs");
        let text = std::fs::read(&lib).map_err(|e| e.to_string())?;
        std::fs::write(&lib, text).map_err(|e| e.to_string())
    };
    touch()?;
    let rebuild = build("rebuild")?;
    println!("## compile cost of oz-api (debug, {} jobs)\n", cores());
    println!("| build | time | share of clean |\n|---|---:|---:|");
    println!(
        "| clean, with dependencies | {:.1} s | 100 % (target ≤ 42 s: {:.2}× the target) |",
        clean.as_secs_f64(),
        clean.as_secs_f64() / 42.0
    );
    println!(
        "| oz-api alone, after a touch | {:.1} s | {:.0} % |\n",
        rebuild.as_secs_f64(),
        100.0 * rebuild.as_secs_f64() / clean.as_secs_f64()
    );
    let _ = std::fs::remove_dir_all(&target);
    Ok(())
}

fn tempdir(root: &Path) -> Result<std::path::PathBuf, String> {
    let dir = root
        .join("target")
        .join(format!("bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    Ok(dir)
}

fn cores() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
}

fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into())
}
