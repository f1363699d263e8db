//! `cargo xtask bench`: the numbers in BENCHMARKS.md. Every figure is a ratio
//! of two things measured in this run, on this machine; nothing is asserted.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::Value;

/// Every part, or the one `only` names; `quick` repeats less and skips the compile cost.
pub fn run(root: &Path, quick: bool, only: Option<&str>) -> Result<(), String> {
    const PARTS: [&str; 5] = ["regen", "scaling", "client", "decode", "compile"];
    if let Some(part) = only.filter(|p| !PARTS.contains(p)) {
        return Err(format!(
            "no benchmark part `{part}`: the parts are {}",
            PARTS.join(", ")
        ));
    }
    let wanted = |part: &str| only.is_none_or(|o| o == part);
    let runs = if quick { 3 } else { 15 };
    println!("# oz-api benchmarks\n");
    println!("machine: {} cores, {}\n", cores(), cpu_model());
    if wanted("regen") {
        regen(root, runs)?;
    }
    if wanted("scaling") {
        scaling(root, if quick { 1 } else { 5 })?;
    }
    if wanted("client") {
        client_overhead(root, quick)?;
    }
    if wanted("decode") {
        decode_cost(root, quick)?;
    }
    if wanted("compile") && (!quick || only.is_some()) {
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
        "| **total** | **{}** | target ≤ 0.5 s: {:.2}× the target |\n",
        ms(total),
        total.as_secs_f64() / 0.5
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
    // oz-api's default features (`tracing` on, no subscriber), then without `tracing`.
    for (label, features) in [
        ("default features", None),
        (
            "without the `tracing` feature",
            Some("--no-default-features"),
        ),
    ] {
        println!("### {label}\n");
        let mut command = Command::new(crate::cargo());
        command.current_dir(root).args([
            "bench",
            "--quiet",
            "-p",
            "tests",
            "--bench",
            "client_overhead",
        ]);
        command.args(features);
        if quick {
            command.args(["--", "--quick"]);
        }
        let status = command.status().map_err(|e| e.to_string())?;
        if !status.success() {
            return Err(format!("the client overhead benchmark ({label}) failed"));
        }
    }
    Ok(())
}

/// Decoding a 500-run page into the generated types against the same types
/// generated without unknown members (`codegen::Options`), in a scratch crate
/// built in release mode: the price of keeping what a newer server sends.
fn decode_cost(root: &Path, quick: bool) -> Result<(), String> {
    let types_module = |keep_unknown_members: bool| -> Result<String, String> {
        let options = codegen::Options {
            keep_unknown_members,
            ..codegen::Options::default()
        };
        let generated = codegen::run_with(root, &root.join(codegen::SPEC), &options)
            .map_err(|e| e.to_string())?;
        let types = generated
            .code
            .items
            .iter()
            .find(|item| matches!(item, syn::Item::Mod(m) if m.ident == "types"))
            .cloned()
            .ok_or("the generated code has no `types` module")?;
        let mut file: syn::File = syn::parse_str("").map_err(|e| e.to_string())?;
        file.items.push(types);
        Ok(prettyplease::unparse(&file))
    };
    let dir = root.join("target").join("bench-decode");
    let src = dir.join("src");
    std::fs::create_dir_all(&src).map_err(|e| e.to_string())?;
    let write = |path: std::path::PathBuf, text: &[u8]| {
        std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))
    };
    write(dir.join("Cargo.toml"), DECODE_CRATE.as_bytes())?;
    // The workspace's lock file pins the same serde, serde_json and chrono.
    let lock = std::fs::read(root.join("Cargo.lock")).map_err(|e| e.to_string())?;
    write(dir.join("Cargo.lock"), &lock)?;
    write(src.join("main.rs"), DECODE_MAIN.as_bytes())?;
    write(src.join("plain.rs"), types_module(false)?.as_bytes())?;
    write(src.join("current.rs"), types_module(true)?.as_bytes())?;
    let page = |newer: bool| {
        serde_json::to_vec(&serde_json::json!({
            "runs": (0..500).map(|i| bench_run(i, newer)).collect::<Vec<_>>(),
            "page_info": {"has_next_page": false}
        }))
        .map_err(|e| e.to_string())
    };
    write(dir.join("today.json"), &page(false)?)?;
    write(dir.join("newer.json"), &page(true)?)?;
    let output = Command::new(crate::cargo())
        .current_dir(&dir)
        .args(["run", "--release", "--quiet", "--"])
        .arg(if quick { "30" } else { "300" })
        .output()
        .map_err(|e| e.to_string())?;
    if !output.status.success() {
        return Err(format!(
            "the decode benchmark failed:\n{}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    println!("## decoding a 500-run page: the cost of keeping unknown members\n");
    print!("{}", String::from_utf8_lossy(&output.stdout));
    println!();
    Ok(())
}

/// One run of a `listRuns` page as the API sends it today; `newer` adds the
/// members oz-agent-sdk 0.15 shows (`types/agent/run_item.py`), unknown to this spec.
fn bench_run(i: usize, newer: bool) -> Value {
    let mut run = serde_json::json!({
        "run_id": format!("run-{i:05}"), "task_id": format!("run-{i:05}"), "title": "Fix the flaky auth test",
        "state": "SUCCEEDED", "prompt": "Fix the flaky test in auth_test.go and open a pull request",
        "created_at": "2026-11-01T10:00:00Z", "updated_at": "2026-11-01T10:05:00Z",
        "started_at": "2026-11-01T10:00:05Z", "source": "API", "run_time": "PT5M",
        "session_link": "https://app.warp.dev/session/abc", "conversation_id": "conv-1",
        "creator": {"type": "user", "uid": "u1", "display_name": "Ada", "email": "ada@example.com"},
        "request_usage": {"inference_cost": 1.5, "compute_cost": 0.25, "platform_cost": 0.1},
        "artifacts": [{"artifact_type": "PULL_REQUEST", "created_at": "2026-11-01T10:04:00Z",
                        "data": {"url": "https://github.com/o/r/pull/1", "branch": "fix-auth"}}]
    });
    if newer {
        run["is_run_type_cancellable"] = true.into();
        run["metadata"] = serde_json::json!({"team": "auth", "ticket": "OZ-1"});
        run["request_usage"]["inference_cost_usd"] = 0.015.into();
        run["request_usage"]["compute_cost_usd"] = 0.0025.into();
    }
    run
}

const DECODE_CRATE: &str = r#"[package]
name = "decode-bench"
version = "0.0.0"
edition = "2024"
publish = false

[dependencies]
serde = { version = "1", features = ["derive"] }
serde_json = "1"
chrono = { version = "0.4", default-features = false, features = ["serde", "std", "clock"] }
uuid = { version = "1", features = ["serde"] }

[workspace]
"#;

const DECODE_MAIN: &str = r#"// Written by `cargo xtask bench`: decode the same page into the types with
// and without unknown members, interleaved, and count the bytes each holds.
#![allow(warnings)]
mod plain { include!("plain.rs"); }
mod current { include!("current.rs"); }

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicIsize, Ordering::Relaxed};
use std::time::{Duration, Instant};

struct Counting;
static LIVE: AtomicIsize = AtomicIsize::new(0);
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size() as isize, Relaxed);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size() as isize, Relaxed);
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, size: usize) -> *mut u8 {
        LIVE.fetch_add(size as isize - layout.size() as isize, Relaxed);
        unsafe { System.realloc(ptr, layout, size) }
    }
}
#[global_allocator]
static ALLOCATOR: Counting = Counting;

fn time<T: serde::de::DeserializeOwned>(body: &[u8]) -> Duration {
    let started = Instant::now();
    let value: T = serde_json::from_slice(body).unwrap();
    let elapsed = started.elapsed();
    drop(std::hint::black_box(value));
    elapsed
}

fn held<T: serde::de::DeserializeOwned>(body: &[u8]) -> isize {
    let before = LIVE.load(Relaxed);
    let value: T = serde_json::from_slice(body).unwrap();
    let held = LIVE.load(Relaxed) - before;
    drop(std::hint::black_box(value));
    held
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() {
    let rounds: usize = std::env::args().nth(1).unwrap().parse().unwrap();
    println!("| page | without unknown members | with (generated) | time ratio | held without | held with |");
    println!("|---|---:|---:|---:|---:|---:|");
    for (name, file) in [("as the spec has it", "today.json"), ("with SDK 0.15's extra members", "newer.json")] {
        let body = std::fs::read(file).unwrap();
        let (mut plain, mut current) = (Vec::new(), Vec::new());
        for _ in 0..rounds {
            plain.push(time::<plain::types::ListRunsResponse>(&body));
            current.push(time::<current::types::ListRunsResponse>(&body));
        }
        let (p, c) = (median(plain), median(current));
        println!(
            "| {name} | {:.2} ms | {:.2} ms | {:.2}x | {:.0} KiB | {:.0} KiB |",
            p.as_secs_f64() * 1e3,
            c.as_secs_f64() * 1e3,
            c.as_secs_f64() / p.as_secs_f64(),
            held::<plain::types::ListRunsResponse>(&body) as f64 / 1024.0,
            held::<current::types::ListRunsResponse>(&body) as f64 / 1024.0,
        );
    }
}
"#;

/// The peer: openapi-generator's Rust client (`-g rust`: reqwest, defaults) for the same spec.
const PEER_GENERATOR: &str = "7.26.0";

/// oz-api and the peer built the same way: a clean debug build with default
/// features in an empty target directory, then a rebuild of the crate alone
/// after touching it; and the crates each pulls in. In the order oz-api, peer,
/// peer, oz-api, so that a load drifting during the run weighs on both alike.
fn compile_cost(root: &Path) -> Result<(), String> {
    let ours = || measure_build(root, &[root.join("oz-api/src/lib.rs")], &["-p", "oz-api"]);
    let first = ours()?;
    let peer = peer_client(root).and_then(|(client, spec)| {
        let build = || measure_build(&client, &[client.join("src/lib.rs")], &[]);
        Ok((spec, [build()?, build()?]))
    });
    let ours = [first, ours()?];
    let secs = |runs: &[Built; 2], of: fn(&Built) -> Duration| {
        runs.iter().map(|b| of(b).as_secs_f64()).sum::<f64>() / 2.0
    };
    let (clean, touch) = (secs(&ours, |b| b.clean), secs(&ours, |b| b.touch));
    println!(
        "## compile cost: oz-api against openapi-generator {PEER_GENERATOR}'s Rust client \
         (debug, {} jobs, mean of 2 builds each)\n",
        cores()
    );
    println!("| | oz-api | peer | target |\n|---|---:|---:|---|");
    let (peer_clean, peer_touch, peer_crates, against_peer) = match &peer {
        Ok((_, runs)) => (
            format!("{:.1} s", secs(runs, |b| b.clean)),
            format!("{:.1} s", secs(runs, |b| b.touch)),
            runs[0].crates.to_string(),
            format!(
                "oz-api ≤ the peer: {:.2}× the peer's (first and second: {:.2}×, {:.2}×)",
                clean / secs(runs, |b| b.clean),
                ours[0].clean.as_secs_f64() / runs[0].clean.as_secs_f64(),
                ours[1].clean.as_secs_f64() / runs[1].clean.as_secs_f64(),
            ),
        ),
        Err(_) => {
            let none = || "not built".to_string();
            (
                none(),
                none(),
                none(),
                "oz-api ≤ the peer: no peer figure".into(),
            )
        }
    };
    println!("| clean build, with dependencies | {clean:.1} s | {peer_clean} | {against_peer} |");
    let cpu = |runs: &[Built; 2]| -> Option<f64> {
        Some(
            runs.iter()
                .map(|b| b.clean_cpu.map(|c| c.as_secs_f64()))
                .sum::<Option<f64>>()?
                / 2.0,
        )
    };
    let peer_cpu = peer.as_ref().ok().and_then(|(_, runs)| cpu(runs));
    let shown = |secs: Option<f64>| secs.map_or("—".to_string(), |s| format!("{s:.1} s"));
    let cpu_against = match (cpu(&ours), peer_cpu) {
        (Some(ours), Some(peer)) => {
            format!("the same, in CPU time: {:.2}× the peer's", ours / peer)
        }
        _ => "no CPU time (it is read from /proc)".into(),
    };
    println!(
        "| clean build, CPU time (user + system, all processes) | {} | {} | {cpu_against} |",
        shown(cpu(&ours)),
        shown(peer_cpu)
    );
    println!(
        "| the crate alone, after a touch | {touch:.1} s | {peer_touch} | oz-api ≤ 2 s: {:.2}× the target |",
        touch / 2.0
    );
    println!(
        "| crates in `cargo tree -e normal` (itself not counted) | {} | {peer_crates} | oz-api ≤ 100: {:.2}× the target |\n",
        ours[0].crates,
        ours[0].crates as f64 / 100.0
    );
    match peer {
        Ok((spec, _)) => println!(
            "The peer: `target/bench-peer/client`, generated from {spec} (`-g rust`, default \
             options and features: reqwest with native-tls), built with oz-api's lock file \
             and the workspace's `[profile.*]` tables (dependencies without debug info; \
             the Rust parsers and printers optimized, which speeds up both crates' derives).\n"
        ),
        Err(why) => println!("The peer was not measured: {why}\n"),
    }
    Ok(())
}

/// What `measure_build` measured.
struct Built {
    clean: Duration,
    touch: Duration,
    /// CPU time of the clean build, every process summed: steadier than the
    /// wall time when other work shares the cores (`None` off Linux).
    clean_cpu: Option<Duration>,
    crates: usize,
}

/// `cargo build` (with `args`) in `dir` into an empty target directory, then
/// again after rewriting `touched`; dependencies are fetched before the clock starts.
fn measure_build(
    dir: &Path,
    touched: &[std::path::PathBuf],
    args: &[&str],
) -> Result<Built, String> {
    let cargo = |what: &str, command: &[&str], target: Option<&Path>| -> Result<Vec<u8>, String> {
        let mut run = Command::new(crate::cargo());
        run.current_dir(dir).args(command);
        if command[0] != "fetch" {
            run.args(args);
        }
        if let Some(target) = target {
            run.env("CARGO_TARGET_DIR", target);
        }
        let output = run.output().map_err(|e| format!("cannot run cargo: {e}"))?;
        if !output.status.success() {
            return Err(format!(
                "{what} in {} failed:\n{}",
                dir.display(),
                String::from_utf8_lossy(&output.stderr)
            ));
        }
        Ok(output.stdout)
    };
    cargo("`cargo fetch`", &["fetch"], None)?;
    let tree = cargo(
        "`cargo tree`",
        &[
            "tree", "-e", "normal", "--prefix", "none", "--format", "{p}",
        ],
        None,
    )?;
    let target = tempdir(dir)?;
    let timed = |what: &str| -> Result<Duration, String> {
        let started = Instant::now();
        cargo(what, &["build", "--quiet"], Some(&target))?;
        Ok(started.elapsed())
    };
    let cpu_before = children_cpu();
    let clean = timed("the clean build")?;
    let clean_cpu = children_cpu()
        .zip(cpu_before)
        .map(|(after, before)| after - before);
    for file in touched {
        let text = std::fs::read(file).map_err(|e| format!("{}: {e}", file.display()))?;
        std::fs::write(file, text).map_err(|e| format!("{}: {e}", file.display()))?;
    }
    let touch = timed("the rebuild after a touch")?;
    let _ = std::fs::remove_dir_all(&target);
    Ok(Built {
        clean,
        touch,
        clean_cpu,
        crates: count_crates(&String::from_utf8_lossy(&tree)),
    })
}

/// User and system time of this process's finished children and theirs
/// (`/proc/self/stat`: cutime, cstime), which includes every rustc of a build.
fn children_cpu() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks: u64 = fields.get(13)?.parse::<u64>().ok()? + fields.get(14)?.parse::<u64>().ok()?;
    let per_second = Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| {
            String::from_utf8_lossy(&o.stdout)
                .trim()
                .parse::<u64>()
                .ok()
        })
        .unwrap_or(100);
    Some(Duration::from_secs_f64(ticks as f64 / per_second as f64))
}

/// Unique crates (name and version) in `cargo tree --prefix none --format {p}`
/// output, the root (its first line) not counted.
pub fn count_crates(tree: &str) -> usize {
    let mut crates: Vec<&str> = tree
        .lines()
        .skip(1)
        .map(|line| {
            line.trim_end_matches(" (*)")
                .trim_end_matches(" (proc-macro)")
        })
        .filter(|line| !line.is_empty())
        .collect();
    crates.sort_unstable();
    crates.dedup();
    crates.len()
}

/// Generates the peer into `target/bench-peer/client`, installing openapi-generator
/// (the PyPI package `openapi-generator-cli`, which bundles the jar) into a venv
/// there first; the error says why it could not and what to install.
fn peer_client(root: &Path) -> Result<(std::path::PathBuf, String), String> {
    let dir = root.join("target").join("bench-peer");
    let venv = dir.join(format!("venv-{PEER_GENERATOR}"));
    let generator = venv.join("bin").join("openapi-generator-cli");
    let run = |command: &mut Command, what: &str, hint: &str| -> Result<(), String> {
        let output = command
            .output()
            .map_err(|e| format!("cannot run {what}: {e}; {hint}"))?;
        if output.status.success() {
            return Ok(());
        }
        let said = String::from_utf8_lossy(&output.stderr).to_string()
            + &String::from_utf8_lossy(&output.stdout);
        let tail: Vec<&str> = said.lines().rev().take(8).collect();
        let tail: Vec<&str> = tail.into_iter().rev().collect();
        Err(format!("{what} failed ({hint}):\n{}", tail.join("\n")))
    };
    run(
        Command::new("java").arg("-version"),
        "`java -version`",
        "openapi-generator needs Java 11 or later: install it (Debian: apt-get install openjdk-17-jre-headless)",
    )?;
    if !generator.exists() {
        run(
            Command::new("python3").args(["-m", "venv"]).arg(&venv),
            "`python3 -m venv`",
            "install Python 3 with venv (Debian: apt-get install python3-venv)",
        )?;
        run(
            Command::new(venv.join("bin").join("pip")).args([
                "install",
                "--quiet",
                &format!("openapi-generator-cli=={PEER_GENERATOR}"),
            ]),
            "`pip install openapi-generator-cli`",
            "PyPI must be reachable",
        )?;
    }
    let client = dir.join("client");
    let generate = |spec: &str| {
        let _ = std::fs::remove_dir_all(&client);
        run(
            Command::new(&generator)
                .current_dir(root)
                .args(["generate", "-g", "rust", "-i", spec, "-o"])
                .arg(&client),
            &format!("openapi-generator on {spec}"),
            "see its message",
        )
    };
    // The published spec has bugs that spec/oz-api.fixes.yaml fixes (a repeated
    // operationId among them), which openapi-generator refuses: then the fixed one.
    let spec = match generate(codegen::SPEC) {
        Ok(()) => codegen::SPEC.to_string(),
        Err(refused) => {
            generate(codegen::NORMALIZED)?;
            let why = refused
                .lines()
                .find(|l| l.contains("attribute"))
                .unwrap_or("");
            format!(
                "{} ({} refused: {})",
                codegen::NORMALIZED,
                codegen::SPEC,
                why.trim()
            )
        }
    };
    // Its own workspace, with oz-api's profile and lock file (the same serde, reqwest…).
    let manifest = client.join("Cargo.toml");
    let mut text = std::fs::read_to_string(&manifest).map_err(|e| e.to_string())?;
    text.push_str("\n[workspace]\n");
    text.push_str(&profile_tables(
        &std::fs::read_to_string(root.join("Cargo.toml")).map_err(|e| e.to_string())?,
    ));
    std::fs::write(&manifest, text).map_err(|e| e.to_string())?;
    std::fs::copy(root.join("Cargo.lock"), client.join("Cargo.lock")).map_err(|e| e.to_string())?;
    Ok((client, spec))
}

/// The `[profile.*]` tables of a manifest, as written (they run to the next table
/// that is not a profile's).
fn profile_tables(manifest: &str) -> String {
    let mut out = String::new();
    let mut inside = false;
    for line in manifest.lines() {
        if line.starts_with('[') {
            inside = line.starts_with("[profile.");
        }
        if inside {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
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

#[cfg(test)]
mod tests {
    use super::{count_crates, profile_tables};

    /// The peer is built with the profile the workspace builds oz-api with.
    #[test]
    fn the_peer_gets_the_workspace_profile() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let manifest = std::fs::read_to_string(root.join("Cargo.toml")).unwrap();
        let tables = profile_tables(&manifest);
        assert!(
            tables.starts_with("[profile.dev.package.\"*\"]\ndebug = false\n"),
            "{tables}"
        );
        assert!(
            tables.contains("[profile.dev.package.syn]\nopt-level = 1\n"),
            "{tables}"
        );
        assert!(!tables.contains("[workspace"), "{tables}");
        let other = "[package]\nname = \"x\"\n[profile.dev]\nopt-level = 1\n[dependencies]\nserde = \"1\"\n";
        assert_eq!(profile_tables(other), "[profile.dev]\nopt-level = 1\n");
    }

    #[test]
    fn counts_each_crate_once_without_the_root() {
        let tree = "oz-api v0.1.0 (/w/oz-api)\nserde v1.0.1\nserde_derive v1.0.1 (proc-macro)\n\
                    serde v1.0.1 (*)\nserde_derive v1.0.1 (proc-macro) (*)\nhashbrown v0.14.5\n\
                    hashbrown v0.17.1\n";
        assert_eq!(count_crates(tree), 4);
        assert_eq!(count_crates("alone v1.0.0 (/w)\n"), 0);
    }
}
