//! `cargo xtask regen [--check] [--spec PATH] [--root DIR]`: regenerate oz-api from the spec.
//! `cargo xtask diff OLD NEW [--output FILE]`: what a spec update changes for users.
//! `cargo xtask bench [--quick]`: the measurements in BENCHMARKS.md.

mod bench;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

const USAGE: &str = "\
usage: cargo xtask regen [--check] [--spec PATH] [--root DIR]
       cargo xtask diff OLD NEW [--output FILE]
       cargo xtask bench [--quick]

  regen            generate every file from spec/oz-api.yaml and write the ones that changed
  --check          write nothing; fail with a diff if any generated file is stale
  --spec PATH      read the published spec from PATH instead of spec/oz-api.yaml
                   (to try a new upstream version before adopting it)
  --root DIR       the workspace to read fixes from and write into (default: this one)
  diff OLD NEW     report what changes for oz-api users between two spec files, and
                   whether the release is breaking; Markdown to stdout or to FILE
  bench            measure regen, its growth with spec size, client overhead and compile cost
  --quick          fewer repetitions, no compile measurement (a smoke run)";

struct Args {
    check: bool,
    spec: Option<PathBuf>,
    root: Option<PathBuf>,
}

fn parse_args(args: &[String]) -> Result<Args, String> {
    let mut parsed = Args {
        check: false,
        spec: None,
        root: None,
    };
    let mut args = args.iter();
    match args.next().map(String::as_str) {
        Some("regen") => {}
        Some(other) => return Err(format!("unknown command `{other}`")),
        None => return Err("no command given".into()),
    }
    while let Some(arg) = args.next() {
        let mut value = |flag: &str| {
            args.next()
                .map(PathBuf::from)
                .ok_or_else(|| format!("{flag} needs a value"))
        };
        match arg.as_str() {
            "--check" => parsed.check = true,
            "--spec" => parsed.spec = Some(value("--spec")?),
            "--root" => parsed.root = Some(value("--root")?),
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    Ok(parsed)
}

fn workspace_root() -> PathBuf {
    // xtask lives in <root>/xtask.
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap_or(Path::new("."))
        .to_path_buf()
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "-h" || a == "--help") {
        println!("{USAGE}");
        return ExitCode::SUCCESS;
    }
    if args.first().map(String::as_str) == Some("diff") {
        let (old, new, output) = match &args[1..] {
            [old, new] => (old, new, None),
            [old, new, flag, file] if flag == "--output" => (old, new, Some(file)),
            _ => {
                eprintln!("error: diff needs two spec files\n\n{USAGE}");
                return ExitCode::from(2);
            }
        };
        return match diff(Path::new(old), Path::new(new), output.map(Path::new)) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::from(1)
            }
        };
    }
    if args.first().map(String::as_str) == Some("bench") {
        let quick = match &args[1..] {
            [] => false,
            [flag] if flag == "--quick" => true,
            _ => {
                eprintln!("error: unknown arguments to bench\n\n{USAGE}");
                return ExitCode::from(2);
            }
        };
        return match bench::run(&workspace_root(), quick) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::from(1)
            }
        };
    }
    let args = match parse_args(&args) {
        Ok(args) => args,
        Err(message) => {
            eprintln!("error: {message}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match regen(&args) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            eprintln!("nothing was written");
            ExitCode::from(1)
        }
    }
}

fn regen(args: &Args) -> Result<ExitCode, codegen::Error> {
    let started = Instant::now();
    let root = args.root.clone().unwrap_or_else(workspace_root);
    let spec = args
        .spec
        .clone()
        .unwrap_or_else(|| root.join(codegen::SPEC));
    let generated = codegen::run(&root, &spec)?;

    if args.check {
        let stale = codegen::write::check(&root, &generated.files);
        if stale.is_empty() {
            println!(
                "regen --check: {} generated files are up to date",
                generated.files.len()
            );
            return Ok(ExitCode::SUCCESS);
        }
        for file in &stale {
            print!("{}", limit_lines(&file.diff, 400));
        }
        let names: Vec<&str> = stale.iter().map(|s| s.path).collect();
        eprintln!(
            "error: generated files are stale: {}\n  run `cargo xtask regen` and commit the result",
            names.join(", ")
        );
        return Ok(ExitCode::from(1));
    }

    // What this changes for users, against the spec generated from last time.
    if let Some(previous) = codegen::previous_spec(&root) {
        let report = codegen::drift::compare(&previous, &generated.spec, codegen::drift::GENERATED);
        if report.verdict().is_some() {
            print!(
                "{}",
                codegen::drift::markdown(&report, &crate_version(&root), "Oz API spec update")
            );
        }
    }

    let write_started = Instant::now();
    let changed = codegen::write::write_all(&root, &generated.files)?;
    let mut stages = generated.stages.clone();
    stages.push(("write", write_started.elapsed()));
    println!(
        "regen: {} operations, {} types, {} lines in {:.2} s ({})",
        generated.operations,
        generated.types(),
        generated.lines(),
        started.elapsed().as_secs_f64(),
        stages
            .iter()
            .map(|(name, d)| format!("{name} {:.0} ms", d.as_secs_f64() * 1000.0))
            .collect::<Vec<_>>()
            .join(", ")
    );
    match changed.as_slice() {
        [] => println!("regen: no files changed"),
        files => println!("regen: {} files changed: {}", files.len(), files.join(", ")),
    }
    Ok(ExitCode::SUCCESS)
}

fn diff(old: &Path, new: &Path, output: Option<&Path>) -> Result<(), codegen::Error> {
    let root = workspace_root();
    let (before, skipped_old) = codegen::comparable_spec(&root, old)?;
    let (after, skipped_new) = codegen::comparable_spec(&root, new)?;
    for (path, skipped) in [(old, skipped_old), (new, skipped_new)] {
        if !skipped.is_empty() {
            eprintln!(
                "note: fixes not applied to {} (they do not fit it): {}",
                path.display(),
                skipped.join(", ")
            );
        }
    }
    let report = codegen::drift::compare(&before, &after, codegen::drift::GENERATED);
    let title = format!("{} → {}", file_name(old), file_name(new));
    let text = codegen::drift::markdown(&report, &crate_version(&root), &title);
    match output {
        None => print!("{text}"),
        Some(file) => std::fs::write(file, text).map_err(|e| {
            codegen::Error::new(
                file.display().to_string(),
                codegen::Location::File,
                format!("cannot write: {e}"),
                "choose a writable path",
            )
        })?,
    }
    Ok(())
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

/// oz-api's version, from its Cargo.toml.
fn crate_version(root: &Path) -> String {
    std::fs::read_to_string(root.join("oz-api/Cargo.toml"))
        .ok()
        .and_then(|manifest| {
            manifest.lines().find_map(|l| {
                l.strip_prefix("version = \"")?
                    .strip_suffix('"')
                    .map(String::from)
            })
        })
        .unwrap_or_else(|| "0.1.0".into())
}

fn limit_lines(text: &str, max: usize) -> String {
    let total = text.lines().count();
    if total <= max {
        return text.to_string();
    }
    let mut out: String = text.lines().take(max).flat_map(|l| [l, "\n"]).collect();
    out.push_str(&format!("... {} more diff lines\n", total - max));
    out
}
