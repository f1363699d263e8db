//! How regen copes with specs we have not seen yet.
//!
//! Two halves, one `#[test]` so that everything that must compile is compiled
//! by a single `cargo check` (see `tests/src/batch.rs`):
//!
//! 1. **The corpus** (`tests/evolution/*.yaml`, format in `tests/src/corpus.rs`):
//!    spec changes written down with the verdict regen must reach: it
//!    regenerates and the crate compiles, or it refuses with a pinned error.
//!    Each entry also runs progenitor alone (`codegen::run_plain`), so a refusal
//!    can be compared with what plain progenitor would have done.
//! 2. **Seeded mutations** (`tests/src/mutate.rs`): random structural edits of
//!    the published spec. Regen must never panic, must refuse with a located
//!    error and a hint, must write all files or none, must be deterministic,
//!    and a sample of what it generates must compile.
//!
//! Knobs (environment): `OZ_MUTATION_SEED` (hex `0x…` or decimal),
//! `OZ_MUTATIONS` (how many, default 300), `OZ_MUTATION_SECS` (time cap,
//! default 60), `OZ_MUTATION_ONLY` (run just that index, and not the corpus,
//! to reproduce one),
//! `OZ_MUTATION_SAMPLES` (how many generated crates to compile, default 4).
//!
//! Run it with `cargo test -p tests --test evolution -- --nocapture` to see
//! the verdict table and timings even when it passes.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use serde_json::Value;
use tests::batch::{self, Batch, Checked};
use tests::corpus::{self, Entry, Expect, SpecText};
use tests::{Scratch, mutate, published_spec_value, root};

const DEFAULT_SEED: u64 = 0x0e70_2026_5eed_0001;
const DEFAULT_MUTATIONS: u64 = 300;
const DEFAULT_SECS: u64 = 60;
const DEFAULT_SAMPLES: usize = 4;
/// The batch member compiled from the published spec.
const PUBLISHED: &str = "published";
/// Lines of compiler output shown per failing crate.
const EXCERPT_LINES: usize = 30;

#[test]
fn corpus_and_mutations_regenerate_or_refuse_and_compile() {
    let root = root();
    let published = published_spec_value();
    let mut failures = Vec::new();

    // The published spec's Rust: the control crate of the batch, and what
    // mutations that change no code are recognised by.
    let baseline = match codegen::run(&root, &root.join(codegen::SPEC)) {
        Ok(generated) => rust_of(&generated.files),
        Err(error) => {
            panic!("the published spec does not regenerate, nothing to compare with:\n{error}")
        }
    };

    let settings = settings();
    let started = Instant::now();
    let corpus = if settings.only.is_some() {
        println!("OZ_MUTATION_ONLY is set: reproducing one mutation, corpus skipped");
        Vec::new()
    } else {
        run_corpus(&root, &published, &mut failures)
    };
    let corpus_time = started.elapsed();

    let started = Instant::now();
    let mutations = run_mutations(&root, &published, &baseline, &settings, &mut failures);
    let mutation_time = started.elapsed();

    let checked = compile(&root, &baseline, &corpus, &mutations, &mut failures);

    print_table(&corpus, &mutations, checked.as_ref());
    judge(&corpus, &mutations, checked.as_ref(), &mut failures);
    print_summary(
        &corpus,
        &mutations,
        corpus_time,
        mutation_time,
        checked.as_ref(),
    );
    assert!(
        failures.is_empty(),
        "{} evolution failure(s) (mutation seed {:#x}):\n\n{}",
        failures.len(),
        mutations.seed,
        failures.join("\n\n")
    );
}

// ---- regen, shared by both halves --------------------------------------------

/// What our pipeline did with a spec.
enum Ours {
    Generated(String),
    Refused { display: String, located: bool },
    Panicked(String),
}

impl Ours {
    fn short(&self) -> String {
        match self {
            Ours::Generated(_) => "regenerated".into(),
            Ours::Refused { display, .. } => {
                format!("refused: {}", first_line(display))
            }
            Ours::Panicked(message) => format!("PANICKED: {}", first_line(message)),
        }
    }
}

/// Runs regen on `scratch`'s spec, a panic caught and returned as such.
fn regen(scratch: &Scratch) -> Result<codegen::Result<codegen::Generated>, String> {
    catch_unwind(AssertUnwindSafe(|| {
        codegen::run(scratch.path(), &scratch.spec())
    }))
    .map_err(|panic| panic_message(&*panic))
}

fn ours(scratch: &Scratch) -> Ours {
    match regen(scratch) {
        Err(panic) => Ours::Panicked(panic),
        Ok(Err(error)) => Ours::Refused {
            located: located(&error),
            display: error.to_string(),
        },
        Ok(Ok(generated)) => Ours::Generated(rust_of(&generated.files)),
    }
}

/// An error points at the part of the spec at fault: a JSON pointer or a line,
/// not just the file, unless the file as a whole is the problem. An error
/// blamed on the generator (`Location::Generator`) is not located: in this
/// test only the spec changed, so the maintainer needs to know where in it.
fn located(error: &codegen::Error) -> bool {
    match &error.location {
        codegen::Location::Pointer(_) | codegen::Location::Line { .. } => true,
        codegen::Location::File => [
            "file is empty",
            "cannot read",
            "not a mapping",
            "whole file",
        ]
        .iter()
        .any(|s| error.message.contains(s)),
        codegen::Location::Generator { .. } => false,
    }
}

/// An error that names only the document root or a whole section, which
/// `located` accepts but a maintainer can do little with: counted and shown.
fn coarsely_located(error: &codegen::Error) -> bool {
    matches!(&error.location, codegen::Location::Pointer(p)
        if ["", "/paths", "/components", "/components/schemas"].contains(&p.as_str()))
}

fn rust_of(files: &[codegen::OutputFile]) -> String {
    files
        .iter()
        .find(|f| f.path == codegen::GENERATED_RUST)
        .expect("regen produces the generated Rust file")
        .contents
        .clone()
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "(no message)".into())
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or("")
}

// ---- 1. the corpus -------------------------------------------------------------

struct EntryRun {
    stem: String,
    /// Why the entry could not be read or applied.
    bad: Option<String>,
    /// None for an entry that could not be read or applied (already a failure).
    expect: Option<Expect>,
    ours: Option<Ours>,
    /// progenitor alone, with our fixes: its Rust file or why it could not.
    reference: Option<Result<String, String>>,
    elapsed: Duration,
}

impl EntryRun {
    fn member(&self) -> String {
        batch::member_name("v", &self.stem)
    }

    fn reference_member(&self) -> String {
        batch::member_name("ref", &self.stem)
    }

    /// The reference is compiled only where it can tell us something: where we
    /// refuse (or are meant to), is plain progenitor any better?
    fn wants_reference(&self) -> bool {
        matches!(
            self.ours,
            Some(Ours::Refused { .. }) | Some(Ours::Panicked(_))
        ) || matches!(self.expect, Some(Expect::Refused(_)))
    }
}

fn run_corpus(root: &Path, published: &Value, failures: &mut Vec<String>) -> Vec<EntryRun> {
    let entries = corpus::load_dir(&root.join("tests/evolution"));
    let runs = parallel_map(&entries, |entry| match entry {
        Ok(entry) => run_entry(entry, published),
        Err(error) => EntryRun {
            stem: error.split(':').next().unwrap_or("?").to_string(),
            bad: Some(error.clone()),
            expect: None,
            ours: None,
            reference: None,
            elapsed: Duration::ZERO,
        },
    });
    for run in &runs {
        if let Some(error) = &run.bad {
            failures.push(format!("bad corpus entry: {error}"));
        }
    }
    runs
}

/// `f` over `items` on every core, results in the order of `items`.
fn parallel_map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let next = AtomicU64::new(0);
    let results = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..workers() {
            scope.spawn(|| {
                loop {
                    let index = next.fetch_add(1, Ordering::Relaxed) as usize;
                    let Some(item) = items.get(index) else { break };
                    let result = f(item);
                    results.lock().unwrap().push((index, result));
                }
            });
        }
    });
    let mut results = results.into_inner().unwrap();
    results.sort_by_key(|(index, _)| *index);
    results.into_iter().map(|(_, result)| result).collect()
}

/// Regen is single-threaded and CPU-bound: one worker per core.
fn workers() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get().min(4))
}

fn run_entry(entry: &Entry, published: &Value) -> EntryRun {
    let started = Instant::now();
    let mut run = EntryRun {
        stem: entry.stem.clone(),
        bad: None,
        expect: Some(entry.expect.clone()),
        ours: None,
        reference: None,
        elapsed: Duration::ZERO,
    };
    let spec = match entry.spec(published) {
        Ok(spec) => spec,
        Err(error) => {
            run.bad = Some(error);
            run.expect = None;
            return run;
        }
    };
    let scratch = Scratch::new();
    match spec {
        SpecText::Json(text) => std::fs::write(scratch.spec(), text),
        SpecText::Raw(bytes) => std::fs::write(scratch.spec(), bytes),
    }
    .unwrap();
    run.ours = Some(ours(&scratch));
    run.elapsed = started.elapsed();
    run.reference = Some(
        catch_unwind(AssertUnwindSafe(|| {
            codegen::run_plain(scratch.path(), &scratch.spec())
        }))
        .unwrap_or_else(|panic| Err(format!("run_plain panicked: {}", panic_message(&*panic)))),
    );
    run
}

// ---- 2. seeded mutations -----------------------------------------------------------

struct Mutations {
    seed: u64,
    runs: Vec<MutationRun>,
    /// Generated crates to compile, chosen by the RNG.
    samples: Vec<Sample>,
    /// Mutations that produced the same Rust as the published spec.
    unchanged: usize,
    stopped_by_time: bool,
}

struct MutationRun {
    index: u64,
    edits: Vec<String>,
    /// The error's first line, None when regen generated.
    refused: Option<String>,
    coarse: bool,
    problems: Vec<String>,
    /// Where the mutated spec was saved, when there are problems.
    dump: Option<PathBuf>,
}

struct Sample {
    /// Random rank: the lowest ranks are compiled.
    rank: u64,
    index: u64,
    edits: Vec<String>,
    generated: String,
}

impl Sample {
    fn member(&self) -> String {
        format!("m-{}", self.index)
    }
}

struct Settings {
    seed: u64,
    count: u64,
    only: Option<u64>,
    cap: Duration,
    samples: usize,
}

fn settings() -> Settings {
    let number = |name: &str| {
        std::env::var(name).ok().map(|v| {
            let v = v.trim();
            match v.strip_prefix("0x") {
                Some(hex) => u64::from_str_radix(hex, 16),
                None => v.parse(),
            }
            .unwrap_or_else(|e| panic!("{name}={v}: {e}"))
        })
    };
    Settings {
        seed: number("OZ_MUTATION_SEED").unwrap_or(DEFAULT_SEED),
        count: number("OZ_MUTATIONS").unwrap_or(DEFAULT_MUTATIONS),
        only: number("OZ_MUTATION_ONLY"),
        cap: Duration::from_secs(number("OZ_MUTATION_SECS").unwrap_or(DEFAULT_SECS)),
        samples: number("OZ_MUTATION_SAMPLES").map_or(DEFAULT_SAMPLES, |n| n as usize),
    }
}

/// Runs mutations on all cores until the count or the time cap is reached.
/// Each worker takes the next index; mutation `n` depends only on the seed and
/// `n`, so the outcome does not depend on which worker ran it.
fn run_mutations(
    root: &Path,
    published: &Value,
    baseline: &str,
    settings: &Settings,
    failures: &mut Vec<String>,
) -> Mutations {
    println!(
        "mutation seed {:#x} (reproduce: OZ_MUTATION_SEED={:#x}; one mutation: OZ_MUTATION_ONLY=<n>)",
        settings.seed, settings.seed
    );
    let dumps = root.join("target/evolution/failures");
    let _ = std::fs::remove_dir_all(&dumps);
    let (first, count) = match settings.only {
        Some(n) => (n, 1),
        None => (0, settings.count),
    };
    let next = AtomicU64::new(first);
    let runs = Mutex::new(Vec::new());
    let pool = Mutex::new(Vec::<Sample>::new());
    let unchanged = AtomicU64::new(0);
    let started = Instant::now();
    std::thread::scope(|scope| {
        for _ in 0..workers() {
            scope.spawn(|| {
                loop {
                    if started.elapsed() >= settings.cap {
                        break;
                    }
                    let index = next.fetch_add(1, Ordering::Relaxed);
                    if index >= first + count {
                        break;
                    }
                    let (run, sample) = run_mutation(published, settings.seed, index, &dumps);
                    match sample {
                        // Same code as the published spec: nothing new to compile.
                        Some(s) if batch::code_of(&s.generated) == batch::code_of(baseline) => {
                            unchanged.fetch_add(1, Ordering::Relaxed);
                        }
                        Some(s) => offer(&mut pool.lock().unwrap(), s, settings.samples),
                        None => {}
                    }
                    runs.lock().unwrap().push(run);
                }
            });
        }
    });
    let mut runs = runs.into_inner().unwrap();
    runs.sort_by_key(|r| r.index);
    for run in runs.iter().filter(|r| !r.problems.is_empty()) {
        failures.push(format!(
            "mutation {} (seed {:#x}, OZ_MUTATION_ONLY={}):\n  edits: {}\n{}{}",
            run.index,
            settings.seed,
            run.index,
            run.edits.join("; "),
            indent(&run.problems.join("\n")),
            run.dump.as_ref().map_or(String::new(), |d| format!(
                "\n  mutated spec: {}",
                d.display()
            )),
        ));
    }
    let mut samples = pool.into_inner().unwrap();
    samples.sort_by_key(|s| s.index);
    Mutations {
        seed: settings.seed,
        stopped_by_time: (runs.len() as u64) < count,
        runs,
        samples,
        unchanged: unchanged.into_inner() as usize,
    }
}

/// Keeps the `keep` lowest-ranked distinct samples.
fn offer(pool: &mut Vec<Sample>, sample: Sample, keep: usize) {
    let code = batch::code_of(&sample.generated);
    if pool.iter().any(|s| batch::code_of(&s.generated) == code) {
        return;
    }
    pool.push(sample);
    pool.sort_by_key(|s| s.rank);
    pool.truncate(keep);
}

/// One mutation: regen, then the checks that hold whatever the spec.
fn run_mutation(
    published: &Value,
    seed: u64,
    index: u64,
    dumps: &Path,
) -> (MutationRun, Option<Sample>) {
    let mut rng = mutate::rng_for(seed, index);
    let mutation = mutate::mutate(published, &mut rng);
    let mut run = MutationRun {
        index,
        edits: mutation.edits,
        refused: None,
        coarse: false,
        problems: Vec::new(),
        dump: None,
    };
    let scratch = Scratch::new();
    let spec_text = serde_json::to_string_pretty(&mutation.spec).unwrap();
    std::fs::write(scratch.spec(), &spec_text).unwrap();
    let before = scratch.contents();
    let mut sample = None;
    match regen(&scratch) {
        Err(panic) => run.problems.push(format!("regen panicked: {panic}")),
        Ok(Err(error)) => {
            run.refused = Some(first_line(&error.to_string()).to_string());
            run.coarse = coarsely_located(&error);
            check_refusal(&error, &mut run.problems);
            // Refused: nothing may have been written.
            if scratch.contents() != before {
                run.problems.push("regen refused but changed files".into());
            }
        }
        Ok(Ok(generated)) => {
            check_write(&scratch, &before, &generated.files, &mut run.problems);
            sample = Some(Sample {
                rank: rng.u64(..),
                index,
                edits: run.edits.clone(),
                generated: rust_of(&generated.files),
            });
        }
    }
    // Determinism, on one mutation in 16 (a second regen costs as much as the first).
    if index.is_multiple_of(16) {
        run.problems.extend(check_deterministic(
            &spec_text,
            sample.as_ref(),
            run.refused.as_deref(),
        ));
    }
    if !run.problems.is_empty() {
        // The spec itself, to debug with `cargo xtask regen --spec`.
        let dump = dumps.join(format!("mutation-{seed:#x}-{index}.json"));
        let _ = std::fs::create_dir_all(dumps);
        run.dump = std::fs::write(&dump, &spec_text).is_ok().then_some(dump);
    }
    (run, sample)
}

/// A refusal is located and says what to do.
fn check_refusal(error: &codegen::Error, problems: &mut Vec<String>) {
    if !located(error) {
        problems.push(format!(
            "error is not located in the spec (location {:?}):\n{}",
            error.location,
            indent(&error.to_string())
        ));
    }
    if !error.to_string().contains("hint:") {
        problems.push(format!("error has no hint: {error}"));
    }
}

/// Writing a result changes exactly the generated files, to exactly their contents.
fn check_write(
    scratch: &Scratch,
    before: &[(PathBuf, Vec<u8>)],
    files: &[codegen::OutputFile],
    problems: &mut Vec<String>,
) {
    if let Err(error) = codegen::write::write_all(scratch.path(), files) {
        problems.push(format!("write_all failed: {error}"));
        return;
    }
    let generated: Vec<PathBuf> = files.iter().map(|f| scratch.path().join(f.path)).collect();
    for file in files {
        let written = std::fs::read_to_string(scratch.path().join(file.path)).unwrap_or_default();
        if written != file.contents {
            problems.push(format!("{} was not written as generated", file.path));
        }
    }
    let others = |contents: Vec<(PathBuf, Vec<u8>)>| -> Vec<(PathBuf, Vec<u8>)> {
        contents
            .into_iter()
            .filter(|(p, _)| !generated.contains(p))
            .collect()
    };
    if others(scratch.contents()) != others(before.to_vec()) {
        problems.push("writing changed or left files other than the generated ones".into());
    }
}

/// Regen a second time from the same spec (in a fresh scratch): same outcome.
fn check_deterministic(
    spec_text: &str,
    first: Option<&Sample>,
    refused: Option<&str>,
) -> Option<String> {
    let scratch = Scratch::new();
    std::fs::write(scratch.spec(), spec_text).unwrap();
    let same = match regen(&scratch) {
        Err(panic) => return Some(format!("second regen panicked: {panic}")),
        Ok(Ok(generated)) => first.is_some_and(|s| rust_of(&generated.files) == s.generated),
        Ok(Err(error)) => refused == Some(first_line(&error.to_string())),
    };
    (!same).then(|| "a second regen of the same spec gave a different result".into())
}

// ---- 3. one batch compile ------------------------------------------------------------

fn compile(
    root: &Path,
    baseline: &str,
    corpus: &[EntryRun],
    mutations: &Mutations,
    failures: &mut Vec<String>,
) -> Option<Checked> {
    let mut batch = Batch::new(root);
    // The control: if the published spec's crate fails, so will everything
    // (the hand-written layer is mid-change), and the verdicts say so.
    batch.add_client(PUBLISHED, baseline.to_string());
    for run in corpus {
        if let Some(Ours::Generated(rust)) = &run.ours {
            batch.add_client(&run.member(), rust.clone());
        }
        if let (true, Some(Ok(reference))) = (run.wants_reference(), &run.reference) {
            batch.add_reference(&run.reference_member(), reference.clone());
        }
    }
    for sample in &mutations.samples {
        batch.add_client(&sample.member(), sample.generated.clone());
    }
    if batch.is_empty() {
        return None;
    }
    println!(
        "cargo check of the generated crates in {} …",
        batch.dir().display()
    );
    match batch.check() {
        Ok(checked) => {
            if let Some(error) = &checked.cargo_error {
                failures.push(error.clone());
            }
            Some(checked)
        }
        Err(error) => {
            failures.push(format!("cannot run cargo check: {error}"));
            None
        }
    }
}

// ---- 4. verdicts ------------------------------------------------------------------------

/// Whether a member compiled, in words.
fn compiles(checked: Option<&Checked>, member: &str) -> &'static str {
    match checked {
        None => "not checked",
        Some(c) if c.cargo_error.is_some() => "cargo failed",
        Some(c) if c.compiled(member) => "yes",
        Some(c) if c.only_hand_written_errors(member) => "no (hand-written)",
        Some(_) => "no",
    }
}

/// `compiles`, naming the member whose identical code was compiled instead.
fn compiles_shown(checked: Option<&Checked>, member: &str) -> String {
    let verdict = compiles(checked, member);
    match checked.and_then(|c| c.aliases.get(member)) {
        Some(same) => format!("{verdict} (same code as {same})"),
        None => verdict.to_string(),
    }
}

fn reference_verdict(run: &EntryRun, checked: Option<&Checked>) -> String {
    match &run.reference {
        None => "-".into(),
        Some(Err(_)) => "refused".into(),
        Some(Ok(_)) if run.wants_reference() => {
            format!(
                "generated, compiles: {}",
                compiles(checked, &run.reference_member())
            )
        }
        Some(Ok(_)) => "generated".into(),
    }
}

fn print_table(corpus: &[EntryRun], mutations: &Mutations, checked: Option<&Checked>) {
    println!("\n| entry | expect | ours | compiles | progenitor alone | regen |");
    println!("|---|---|---|---|---|---:|");
    println!(
        "| ({PUBLISHED}: the published spec, the control) | compiles | regenerated | {} | - | - |",
        compiles(checked, PUBLISHED)
    );
    for run in corpus {
        let expect = run
            .expect
            .as_ref()
            .map_or("BAD ENTRY".into(), ToString::to_string);
        let (ours, compiled) = match &run.ours {
            None => ("-".to_string(), "-".into()),
            Some(ours @ Ours::Generated(_)) => {
                (ours.short(), compiles_shown(checked, &run.member()))
            }
            Some(ours) => (ours.short(), "-".into()),
        };
        println!(
            "| {} | {} | {} | {} | {} | {} ms |",
            run.stem,
            expect,
            truncate(&ours, 90),
            compiled,
            reference_verdict(run, checked),
            run.elapsed.as_millis()
        );
    }
    for sample in &mutations.samples {
        println!(
            "| {} | compiles | regenerated | {} | - | ({}) |",
            sample.member(),
            compiles_shown(checked, &sample.member()),
            truncate(&sample.edits.join("; "), 120)
        );
    }
    println!();
}

fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_string()
    } else {
        format!("{}…", text.chars().take(max).collect::<String>())
    }
}

fn judge(
    corpus: &[EntryRun],
    mutations: &Mutations,
    checked: Option<&Checked>,
    failures: &mut Vec<String>,
) {
    if let Some(c) = checked.filter(|c| c.cargo_error.is_none() && !c.compiled(PUBLISHED)) {
        failures.push(format!(
            "the crate generated from the published spec does not compile: every other verdict is suspect\n{}",
            indent(&c.excerpt(PUBLISHED, EXCERPT_LINES))
        ));
    }
    for run in corpus {
        if let (Some(expect), Some(ours)) = (&run.expect, &run.ours)
            && let Some(problem) = judge_entry(run, expect, ours, checked)
        {
            failures.push(format!("corpus entry {}: {problem}", run.stem));
        }
    }
    let Some(checked) = checked.filter(|c| c.cargo_error.is_none()) else {
        return;
    };
    for sample in &mutations.samples {
        let member = sample.member();
        if checked.compiled(&member) {
            continue;
        }
        let what = if checked.only_hand_written_errors(&member) {
            // The generated code compiles, but something oz-api's hand-written
            // layer uses is gone: codegen's `needs` check should have refused it.
            "the generated code compiles but the hand-written layer does not (a need missing from codegen/src/needs.rs?)"
        } else {
            "its generated code does not compile"
        };
        failures.push(format!(
            "mutation {} (seed {:#x}, OZ_MUTATION_ONLY={}): {what}\n  edits: {}\n{}",
            sample.index,
            mutations.seed,
            sample.index,
            sample.edits.join("; "),
            indent(&checked.excerpt(&member, EXCERPT_LINES))
        ));
    }
}

/// The verdict for one corpus entry: None when it holds.
fn judge_entry(
    run: &EntryRun,
    expect: &Expect,
    ours: &Ours,
    checked: Option<&Checked>,
) -> Option<String> {
    let errors =
        |member: &str| checked.map_or(String::new(), |c| indent(&c.excerpt(member, EXCERPT_LINES)));
    match (expect, ours) {
        (_, Ours::Panicked(message)) => Some(format!("regen panicked: {message}")),
        (Expect::Regenerates, Ours::Generated(_)) => match compiles(checked, &run.member()) {
            "yes" | "cargo failed" | "not checked" => None,
            "no (hand-written)" => Some(format!(
                "regenerated and generated.rs compiles, but the hand-written layer does not \
                 (a need missing from codegen/src/needs.rs?):\n{}",
                errors(&run.member())
            )),
            _ => Some(format!(
                "regenerated, but the crate does not compile:\n{}",
                errors(&run.member())
            )),
        },
        (Expect::Regenerates, Ours::Refused { display, .. }) => Some(format!(
            "expected to regenerate, but refused:\n{}\n  progenitor alone: {}",
            indent(display),
            reference_verdict(run, checked)
        )),
        (Expect::Refused(pinned), Ours::Generated(_)) => Some(format!(
            "expected a refusal containing {pinned:?}, but it regenerated (crate compiles: {})",
            compiles(checked, &run.member())
        )),
        (Expect::Refused(pinned), Ours::Refused { display, located }) => {
            if !display.contains(pinned.as_str()) {
                Some(format!(
                    "refused, but the error does not contain {pinned:?}:\n{}",
                    indent(display)
                ))
            } else if !located {
                Some(format!(
                    "refused as expected, but the error is not located:\n{}",
                    indent(display)
                ))
            } else if !display.contains("hint:") {
                Some(format!(
                    "refused as expected, but the error has no hint:\n{}",
                    indent(display)
                ))
            } else {
                None
            }
        }
    }
}

/// A refusal's message without its location, with quoted names and paths
/// blanked, so that alike refusals are counted together.
fn refusal_kind(first_line: &str) -> String {
    let message = first_line.split_once(": ").map_or(first_line, |(_, m)| m);
    let mut blanked = String::new();
    let mut quoted = false;
    for c in message.chars() {
        if c == '`' {
            quoted = !quoted;
            if quoted {
                blanked.push_str("`…`");
            }
        } else if !quoted {
            blanked.push(c);
        }
    }
    // Lists of values and status codes differ between alike refusals too.
    let end = [" (", "["]
        .iter()
        .filter_map(|p| blanked.find(p))
        .min()
        .unwrap_or(blanked.len());
    let blanked = blanked[..end].trim_end();
    let words: Vec<&str> = blanked
        .split(' ')
        .map(|w| {
            if w.starts_with('/') {
                "/…"
            } else if codegen::spec::METHODS.contains(&w.to_lowercase().as_str()) {
                "METHOD"
            } else {
                w
            }
        })
        .collect();
    truncate(&words.join(" "), 80)
}

fn indent(text: &str) -> String {
    text.lines()
        .map(|l| format!("    {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

// ---- 5. numbers ---------------------------------------------------------------------------

fn print_summary(
    corpus: &[EntryRun],
    mutations: &Mutations,
    corpus_time: Duration,
    mutation_time: Duration,
    checked: Option<&Checked>,
) {
    let generated = corpus
        .iter()
        .filter(|r| matches!(r.ours, Some(Ours::Generated(_))))
        .count();
    let refused = corpus
        .iter()
        .filter(|r| matches!(r.ours, Some(Ours::Refused { .. })))
        .count();
    let bad = corpus.iter().filter(|r| r.expect.is_none()).count();
    // Refused by us, yet progenitor alone generates code that compiles: fine
    // when the refusal protects the hand-written layer or the corpus pins it,
    // but each one is a place where we are less robust than plain progenitor.
    let stricter: Vec<&str> = corpus
        .iter()
        .filter(|r| !matches!(r.ours, Some(Ours::Generated(_)) | None))
        .filter(|r| {
            checked.is_some_and(|c| r.wants_reference() && c.compiled(&r.reference_member()))
        })
        .filter(|r| matches!(r.reference, Some(Ok(_))))
        .map(|r| r.stem.as_str())
        .collect();
    if !stricter.is_empty() {
        println!(
            "refused by us, compiled by progenitor alone: {}",
            stricter.join(", ")
        );
    }
    println!(
        "corpus: {} entries, {generated} regenerated, {refused} refused, {bad} bad; {:.1} s (regen + progenitor alone)",
        corpus.len(),
        corpus_time.as_secs_f64()
    );
    let runs = &mutations.runs;
    let errs: Vec<&MutationRun> = runs.iter().filter(|r| r.refused.is_some()).collect();
    println!(
        "mutations: {} run{} in {:.1} s ({:.0} ms each), {} ok ({} same code as published), {} refused ({} located only to a whole section), {} with problems",
        runs.len(),
        if mutations.stopped_by_time {
            " (stopped by the time cap)"
        } else {
            ""
        },
        mutation_time.as_secs_f64(),
        mutation_time.as_millis() as f64 / runs.len().max(1) as f64,
        runs.len() - errs.len(),
        mutations.unchanged,
        errs.len(),
        errs.iter().filter(|r| r.coarse).count(),
        runs.iter().filter(|r| !r.problems.is_empty()).count(),
    );
    // What the refusals were about, most frequent first: shows which checks fire.
    let mut kinds: std::collections::BTreeMap<String, usize> = Default::default();
    for run in &errs {
        *kinds
            .entry(refusal_kind(run.refused.as_deref().unwrap_or("")))
            .or_default() += 1;
    }
    let mut kinds: Vec<(String, usize)> = kinds.into_iter().collect();
    kinds.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    for (kind, n) in kinds.iter().take(15) {
        println!("  {n:4} × {kind}");
    }
    // Refusals that reached progenitor: validation did not know the case.
    let gaps: Vec<&&MutationRun> = errs
        .iter()
        .filter(|r| {
            r.refused.as_deref().is_some_and(|m| {
                m.contains("progenitor panicked") || m.contains("progenitor rejected")
            })
        })
        .collect();
    if !gaps.is_empty() {
        println!("refusals only progenitor noticed (validation gaps, not failures):");
        for run in gaps.iter().take(10) {
            println!(
                "  mutation {}: {}\n    -> {}",
                run.index,
                run.edits.join("; "),
                truncate(run.refused.as_deref().unwrap_or(""), 200)
            );
        }
    }
    if let Some(checked) = checked {
        println!(
            "cargo check: {} crates ({} checked anew, the rest fresh from an earlier run) in {:.1} s, {} with errors",
            checked.members,
            checked.rebuilt,
            checked.elapsed.as_secs_f64(),
            checked.errors.len()
        );
    }
}
