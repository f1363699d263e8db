//! How regen copes with specs we have not seen yet.
//!
//! Two halves, one `#[test]` so that everything that must compile is compiled
//! by a single `cargo check` (see `tests/src/batch.rs`):
//!
//! 1. **The corpus** (`tests/evolution/*.yaml`, format in `tests/src/corpus.rs`):
//!    spec changes written down with the verdict regen must reach: it
//!    regenerates and the crate compiles, or it refuses with a pinned error.
//!    Each entry is regenerated alone, and also run through progenitor alone
//!    (`codegen::run_plain`), so a refusal can be compared with what plain
//!    progenitor would have done.
//! 2. **Seeded mutations** (`tests/src/mutate.rs`): random structural edits of
//!    the published spec. Regen must never panic, must refuse with a located
//!    error and a hint, must write all files or none, must be deterministic,
//!    and a sample of what it generates must compile.
//!
//! **Compiling in groups.** Checking one generated crate (~16k lines of
//! generated code and the hand-written layer) costs ~3 s of wall time on 2
//! cores, and any codegen change makes every crate new: one crate per entry (70
//! crates) took ~6 min cold and 1m40 warm. So the entries that regenerate are
//! compiled in groups (`group_corpus`): a group's spec is the published spec
//! with its entries' edits applied in order, and an entry joins only when its
//! edits apply there, touch no part of the spec that another member's edits
//! touch, and the combined code has the entry's own change (every line its code
//! adds to the published code, none that it takes away). Entries that remove
//! things are grouped only with each other. The 60 regenerating entries make 7
//! crates; with the published control, the progenitor-alone references of
//! refused entries and 3 mutation samples, one `cargo check` of 16 crates. On 2
//! idle cores the whole test then takes ~2m45 cold (`target/evolution` removed:
//! ~95 s of it the check, half of that building dependencies; ~35 s
//! regenerating the corpus, 30 s of mutations) and ~1m20 warm. If a group does
//! not compile, a second `cargo check` compiles each of its entries alone (the
//! slow path runs only when something is broken) and their verdicts come from
//! it; a group that fails although each of its entries compiles alone fails the
//! test too: regen accepted the combined spec, so its code must compile, as a
//! mutation's must.
//!
//! Knobs (environment): `OZ_MUTATION_SEED` (hex `0x…` or decimal),
//! `OZ_MUTATIONS` (how many, default 300), `OZ_MUTATION_SECS` (time cap,
//! default 30), `OZ_MUTATION_ONLY` (run just that index, and not the corpus,
//! to reproduce one),
//! `OZ_MUTATION_SAMPLES` (how many generated crates to compile, default 3).
//!
//! Run it with `cargo test -p tests --test evolution -- --nocapture` to see
//! the groups, the verdict table and timings even when it passes.

use std::collections::HashSet;
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
const DEFAULT_SECS: u64 = 30;
const DEFAULT_SAMPLES: usize = 3;
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
    let mut corpus = if settings.only.is_some() {
        println!("OZ_MUTATION_ONLY is set: reproducing one mutation, corpus skipped");
        Vec::new()
    } else {
        run_corpus(&root, &published, &mut failures)
    };
    let corpus_time = started.elapsed();

    let started = Instant::now();
    let groups = group_corpus(&published, &baseline, &mut corpus);
    let grouping_time = started.elapsed();

    let started = Instant::now();
    let mutations = run_mutations(&root, &published, &baseline, &settings, &mut failures);
    let mutation_time = started.elapsed();

    let main = compile(
        &root,
        &baseline,
        &corpus,
        &groups,
        &mutations,
        &mut failures,
    );
    let alone = attribute(&root, &corpus, &groups, main.as_ref(), &mut failures);
    let checks = Checks { main, alone };

    print_groups(&corpus, &groups);
    print_table(&corpus, &groups, &mutations, &checks);
    judge(&corpus, &groups, &mutations, &checks, &mut failures);
    print_summary(
        &corpus,
        &groups,
        &mutations,
        [corpus_time, grouping_time, mutation_time],
        &checks,
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
        Ok(Ok(generated)) => {
            // Every operation gets a typed mock (oz_api::mock), whatever the
            // spec: regen checks the mocks it rendered and warns otherwise.
            let missing: Vec<&String> = (generated.warnings.iter())
                .filter(|w| w.contains("has no mock in oz_api::mock"))
                .collect();
            match missing[..] {
                [] => Ours::Generated(rust_of(&generated.files)),
                _ => Ours::Refused {
                    display: format!("regenerated, but {missing:?}"),
                    located: false,
                },
            }
        }
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
    batch::client_code(files)
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
    /// The entry's JSON Patch (None for a full spec file), and whether it removes anything.
    edits: Option<Vec<Value>>,
    removes: bool,
    ours: Option<Ours>,
    /// progenitor alone, with our fixes: its Rust file or why it could not.
    reference: Option<Result<String, String>>,
    elapsed: Duration,
    /// The number of the group it is compiled in (`g-<n>`), if any.
    group: Option<usize>,
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
    // The hostile specs that must regenerate (tests/hostile/) are compiled here
    // too, in the same batch; xtask's hostile_specs test checks the rest of them.
    let hostile = corpus::load_dir(&root.join("tests/hostile"))
        .into_iter()
        .filter(|e| {
            e.as_ref().map_or(true, |e| {
                e.expect == Expect::Regenerates && e.edits().is_some()
            })
        });
    let entries: Vec<_> = corpus::load_dir(&root.join("tests/evolution"))
        .into_iter()
        .chain(hostile)
        .collect();
    let runs = parallel_map(&entries, |entry| match entry {
        Ok(entry) => run_entry(entry, published),
        Err(error) => EntryRun {
            stem: error.split(':').next().unwrap_or("?").to_string(),
            bad: Some(error.clone()),
            expect: None,
            edits: None,
            removes: false,
            ours: None,
            reference: None,
            elapsed: Duration::ZERO,
            group: None,
        },
    });
    for run in &runs {
        if let Some(error) = &run.bad {
            failures.push(format!("bad corpus entry: {error}"));
        }
        // Text from the spec stays text (checked on the hostile entries only:
        // parsing every entry's code would cost seconds each).
        let hostile = entries
            .iter()
            .flatten()
            .any(|e| e.stem == run.stem && e.file.parent().is_some_and(|d| d.ends_with("hostile")));
        if let (true, Some(Ours::Generated(rust))) = (hostile, &run.ours) {
            let doctests = tests::doctests_in(rust);
            if !doctests.is_empty() {
                failures.push(format!(
                    "{}: docs would run as doctests: {doctests:?}",
                    run.stem
                ));
            }
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
        edits: entry.edits().map(<[Value]>::to_vec),
        removes: entry.removes(),
        ours: None,
        reference: None,
        elapsed: Duration::ZERO,
        group: None,
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

// ---- 2. groups, for compiling -------------------------------------------------------

/// Regenerating entries compiled together, as one crate.
struct Group {
    /// Named `g-<number>`, numbered from 1 in the order of their first entries.
    number: usize,
    /// Indices into the corpus runs, in file order.
    entries: Vec<usize>,
    /// The Rust generated from the group's spec (an entry's own, for a group of one).
    generated: String,
}

impl Group {
    fn member(&self) -> String {
        format!("g-{}", self.number)
    }

    fn stems<'a>(&self, corpus: &'a [EntryRun]) -> Vec<&'a str> {
        self.entries
            .iter()
            .map(|&i| corpus[i].stem.as_str())
            .collect()
    }
}

/// Packs the entries that must regenerate, and did, into groups to compile
/// (`corpus::pack`): greedily in file order, an entry joins the current group
/// when (a) its edits apply on top of the group's, (b) they touch nothing
/// another member's touched, and (c) the combined spec regenerates into code
/// that has each member's own change: every line the member's code adds to
/// the published code, and none that it takes away. So no member's change is
/// lost or undone in the combination (a removed operation taking out the
/// schemas only it used, say, which (b) cannot see).
///
/// Entries that remove things are packed only with each other, so that the
/// large groups are plain growth and a removal never stands between another
/// entry and its verdict; full spec files are compiled alone.
///
/// Regenerating the combined spec after every join would cost one regen
/// (~1 s) per entry, in sequence. So (c) is checked on each group as a whole,
/// all groups at once (its code is needed anyway), and only a group that
/// fails it is packed again entry by entry, asking (c) at every join.
fn group_corpus(published: &Value, baseline: &str, corpus: &mut [EntryRun]) -> Vec<Group> {
    let regenerating: Vec<usize> = (0..corpus.len())
        .filter(|&i| {
            matches!(corpus[i].expect, Some(Expect::Regenerates))
                && matches!(corpus[i].ours, Some(Ours::Generated(_)))
        })
        .collect();
    let (edited, files): (Vec<usize>, Vec<usize>) = regenerating
        .into_iter()
        .partition(|&i| corpus[i].edits.is_some());
    let (removing, growing): (Vec<usize>, Vec<usize>) =
        edited.into_iter().partition(|&i| corpus[i].removes);
    let runs: &[EntryRun] = corpus;
    let own = |i: usize| match &runs[i].ours {
        Some(Ours::Generated(rust)) => rust.as_str(),
        _ => unreachable!("only regenerated entries are grouped"),
    };
    let published_lines = code_lines(baseline);
    // The combined spec's code, or why the entries cannot be one group.
    let combine = |spec: &Value, entries: &[usize]| -> Result<String, String> {
        let rust = generate(spec)?;
        let lines = code_lines(&rust);
        for &i in entries {
            let alone = code_lines(own(i));
            if alone
                .iter()
                .any(|l| !published_lines.contains(l) && !lines.contains(l))
            {
                return Err(format!(
                    "the combined code lacks lines that {} alone generates",
                    runs[i].stem
                ));
            }
            if published_lines
                .iter()
                .any(|l| !alone.contains(l) && lines.contains(l))
            {
                return Err(format!(
                    "the combined code keeps lines that {} alone takes away",
                    runs[i].stem
                ));
            }
        }
        Ok(rust)
    };
    let mut packed = pack(published, runs, &growing, |_, _| true);
    packed.extend(pack(published, runs, &removing, |_, _| true));
    let combined = parallel_map(&packed, |(entries, spec)| {
        (entries.len() > 1).then(|| combine(spec, entries))
    });
    let mut sets: Vec<(Vec<usize>, String)> = files
        .iter()
        .map(|&i| (vec![i], own(i).to_string()))
        .collect();
    for ((entries, _), generated) in packed.into_iter().zip(combined) {
        match generated {
            None => sets.push((entries.clone(), own(entries[0]).to_string())),
            Some(Ok(rust)) => sets.push((entries, rust)),
            Some(Err(why)) => {
                println!(
                    "grouping: {} entries from {} cannot be one group ({}); packing them one by one",
                    entries.len(),
                    runs[entries[0]].stem,
                    truncate(first_line(&why), 120)
                );
                // The code of every combination accepted.
                let mut accepted: Vec<(Value, String)> = Vec::new();
                let repacked = pack(published, runs, &entries, |spec, members| {
                    combine(spec, members)
                        .map(|rust| accepted.push((spec.clone(), rust)))
                        .is_ok()
                });
                for (members, spec) in repacked {
                    let rust = if members.len() == 1 {
                        own(members[0]).to_string()
                    } else {
                        accepted
                            .iter()
                            .rev()
                            .find(|(accepted, _)| *accepted == spec)
                            .map(|(_, rust)| rust.clone())
                            .expect("a group of several is a combination that was accepted")
                    };
                    sets.push((members, rust));
                }
            }
        }
    }
    sets.sort_by_key(|(entries, _)| entries[0]);
    let groups: Vec<Group> = sets
        .into_iter()
        .enumerate()
        .map(|(n, (entries, generated))| Group {
            number: n + 1,
            entries,
            generated,
        })
        .collect();
    for group in &groups {
        for &i in &group.entries {
            corpus[i].group = Some(group.number);
        }
    }
    groups
}

/// `corpus::pack` of corpus entries (indices into `runs`, for `fits` too):
/// each group's entries and spec.
fn pack(
    published: &Value,
    runs: &[EntryRun],
    entries: &[usize],
    mut fits: impl FnMut(&Value, &[usize]) -> bool,
) -> Vec<(Vec<usize>, Value)> {
    let lists: Vec<&[Value]> = entries
        .iter()
        .map(|&i| runs[i].edits.as_deref().unwrap_or_default())
        .collect();
    let to_runs =
        |members: &[usize]| -> Vec<usize> { members.iter().map(|&m| entries[m]).collect() };
    corpus::pack(published, &lists, |spec, members| {
        fits(spec, &to_runs(members))
    })
    .into_iter()
    .map(|p| (to_runs(&p.members), p.spec))
    .collect()
}

/// The lines of generated code (without its header), trimmed.
fn code_lines(generated: &str) -> HashSet<&str> {
    batch::code_of(generated).lines().map(str::trim).collect()
}

/// Regen of a spec (as JSON): its Rust, or why not.
fn generate(spec: &Value) -> Result<String, String> {
    let scratch = Scratch::new();
    std::fs::write(scratch.spec(), serde_json::to_string_pretty(spec).unwrap()).unwrap();
    match regen(&scratch) {
        Ok(Ok(generated)) => Ok(rust_of(&generated.files)),
        Ok(Err(error)) => Err(error.to_string()),
        Err(panic) => Err(format!("regen panicked: {panic}")),
    }
}

// ---- 3. seeded mutations -----------------------------------------------------------

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

// ---- 4. one batch compile, and a second when a group fails -----------------------------

fn compile(
    root: &Path,
    baseline: &str,
    corpus: &[EntryRun],
    groups: &[Group],
    mutations: &Mutations,
    failures: &mut Vec<String>,
) -> Option<Checked> {
    let mut batch = Batch::new(root);
    // The control: if the published spec's crate fails, so will everything
    // (the hand-written layer is mid-change), and the verdicts say so.
    batch.add_client(PUBLISHED, baseline.to_string());
    for group in groups {
        batch.add_client(&group.member(), group.generated.clone());
        batch.note(
            &group.member(),
            &format!(
                "Evolution corpus entries compiled together (tests/tests/evolution.rs):\n{}",
                group.stems(corpus).join("\n")
            ),
        );
    }
    for run in corpus {
        // Regenerated, though a refusal was expected (a failure already): alone.
        if let (None, Some(Ours::Generated(rust))) = (run.group, &run.ours) {
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
    check(&batch, failures)
}

fn check(batch: &Batch, failures: &mut Vec<String>) -> Option<Checked> {
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

/// Groups of more than one entry whose crate did not compile.
fn failed_groups<'a>(groups: &'a [Group], main: &Checked) -> Vec<&'a Group> {
    groups
        .iter()
        .filter(|g| g.entries.len() > 1 && !main.compiled(&g.member()))
        .collect()
}

/// The slow path, only when something is broken: a second `cargo check` of
/// each entry of the groups that did not compile, alone, for entry-level
/// verdicts. Not when the control failed too (then everything fails, and
/// the hand-written layer is the news) or cargo itself did.
fn attribute(
    root: &Path,
    corpus: &[EntryRun],
    groups: &[Group],
    main: Option<&Checked>,
    failures: &mut Vec<String>,
) -> Option<Checked> {
    let main = main.filter(|c| c.cargo_error.is_none() && c.compiled(PUBLISHED))?;
    let failed = failed_groups(groups, main);
    if failed.is_empty() {
        return None;
    }
    let mut batch = Batch::partial(root);
    for group in &failed {
        for &i in &group.entries {
            let run = &corpus[i];
            if let Some(Ours::Generated(rust)) = &run.ours {
                batch.add_client(&run.member(), rust.clone());
                batch.note(
                    &run.member(),
                    &format!(
                        "Evolution corpus entry {} alone: its group {} did not compile.",
                        run.stem,
                        group.member()
                    ),
                );
            }
        }
    }
    let names: Vec<String> = failed.iter().map(|g| g.member()).collect();
    println!(
        "{} did not compile: cargo check of their {} entries one by one …",
        names.join(", "),
        failed.iter().map(|g| g.entries.len()).sum::<usize>()
    );
    check(&batch, failures)
}

// ---- 5. verdicts ------------------------------------------------------------------------

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

/// The two checks: the main one, and the one of entries alone (only when a
/// group did not compile).
struct Checks {
    main: Option<Checked>,
    alone: Option<Checked>,
}

/// The member whose compiling decides an entry's verdict, and the check that
/// compiled it: its group's crate, or the entry alone when its group did not
/// compile and was checked entry by entry.
fn decided_by<'a>(
    run: &EntryRun,
    groups: &[Group],
    checks: &'a Checks,
) -> (String, Option<&'a Checked>) {
    let main = checks.main.as_ref();
    let Some(group) = run.group.map(|n| &groups[n - 1]) else {
        return (run.member(), main);
    };
    match (&checks.alone, main) {
        (Some(alone), Some(main)) if group.entries.len() > 1 && !main.compiled(&group.member()) => {
            (run.member(), Some(alone))
        }
        _ => (group.member(), main),
    }
}

fn print_groups(corpus: &[EntryRun], groups: &[Group]) {
    if groups.is_empty() {
        return;
    }
    println!(
        "\ngroups compiled (each: the published spec with the edits of its entries, in order):"
    );
    for group in groups {
        println!("  {}: {}", group.member(), group.stems(corpus).join(", "));
    }
}

fn print_table(corpus: &[EntryRun], groups: &[Group], mutations: &Mutations, checks: &Checks) {
    let checked = checks.main.as_ref();
    println!("\n| entry | expect | ours | group | compiles | progenitor alone | regen |");
    println!("|---|---|---|---|---|---|---:|");
    println!(
        "| ({PUBLISHED}: the published spec, the control) | compiles | regenerated | - | {} | - | - |",
        compiles(checked, PUBLISHED)
    );
    for run in corpus {
        let expect = run
            .expect
            .as_ref()
            .map_or("BAD ENTRY".into(), ToString::to_string);
        let group = run.group.map_or("-".into(), |n| groups[n - 1].member());
        let (ours, compiled) = match &run.ours {
            None => ("-".to_string(), "-".into()),
            Some(ours @ Ours::Generated(_)) => {
                let (member, checked) = decided_by(run, groups, checks);
                let mut verdict = compiles_shown(checked, &member);
                if run.group.is_some() && member == run.member() {
                    verdict.push_str(&format!(" (alone; {group} did not compile)"));
                }
                (ours.short(), verdict)
            }
            Some(ours) => (ours.short(), "-".into()),
        };
        println!(
            "| {} | {} | {} | {} | {} | {} | {} ms |",
            run.stem,
            expect,
            truncate(&ours, 90),
            group,
            compiled,
            reference_verdict(run, checked),
            run.elapsed.as_millis()
        );
    }
    for sample in &mutations.samples {
        println!(
            "| {} | compiles | regenerated | - | {} | - | ({}) |",
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
    groups: &[Group],
    mutations: &Mutations,
    checks: &Checks,
    failures: &mut Vec<String>,
) {
    let checked = checks.main.as_ref();
    if let Some(c) = checked.filter(|c| c.cargo_error.is_none() && !c.compiled(PUBLISHED)) {
        failures.push(format!(
            "the crate generated from the published spec does not compile: every other verdict is suspect\n{}",
            indent(&c.excerpt(PUBLISHED, EXCERPT_LINES))
        ));
    }
    for (index, run) in corpus.iter().enumerate() {
        if let (Some(expect), Some(ours)) = (&run.expect, &run.ours)
            && let Some(problem) = judge_entry(index, run, expect, ours, groups, checks)
        {
            failures.push(format!("corpus entry {}: {problem}", run.stem));
        }
    }
    let Some(checked) = checked.filter(|c| c.cargo_error.is_none()) else {
        return;
    };
    // A group that does not compile though each of its entries does alone: its
    // spec is one regen accepted, so its code must compile (as a mutation's must).
    if let Some(alone) = checks.alone.as_ref().filter(|c| c.cargo_error.is_none()) {
        for group in failed_groups(groups, checked) {
            if group
                .entries
                .iter()
                .all(|&i| alone.compiled(&corpus[i].member()))
            {
                failures.push(format!(
                    "group {} ({}) does not compile, though each of its entries does alone: their \
                     edits together regenerate, so the code must compile (an interaction between \
                     spec changes the pipeline misses)\n{}",
                    group.member(),
                    group.stems(corpus).join(", "),
                    indent(&checked.excerpt(&group.member(), EXCERPT_LINES))
                ));
            }
        }
    }
    for sample in &mutations.samples {
        let member = sample.member();
        if checked.compiled(&member) {
            continue;
        }
        let what = if checked.only_hand_written_errors(&member) {
            // The generated code compiles, but something oz-api's hand-written
            // layer uses is gone: codegen's `needs` check should have refused it.
            "the generated code compiles but the hand-written layer does not (a need missing from codegen/src/model/needs.rs?)"
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
    index: usize,
    run: &EntryRun,
    expect: &Expect,
    ours: &Ours,
    groups: &[Group],
    checks: &Checks,
) -> Option<String> {
    let (member, checked) = decided_by(run, groups, checks);
    // Where the errors are those of a group of several (not checked entry by
    // entry: the control failed too), its first entry shows them.
    let group = run.group.map(|n| &groups[n - 1]);
    let shared = group.filter(|g| g.entries.len() > 1 && member == g.member());
    let errors = || match shared {
        Some(g) if g.entries[0] != index => {
            format!("    (the errors of {}: see its first entry)", g.member())
        }
        _ => checked.map_or(String::new(), |c| {
            indent(&c.excerpt(&member, EXCERPT_LINES))
        }),
    };
    let crate_of = match shared {
        Some(g) => format!("the crate of its group {}", g.member()),
        None => "the crate".to_string(),
    };
    match (expect, ours) {
        (_, Ours::Panicked(message)) => Some(format!("regen panicked: {message}")),
        (Expect::Regenerates, Ours::Generated(_)) => match compiles(checked, &member) {
            "yes" | "cargo failed" | "not checked" => None,
            "no (hand-written)" => Some(format!(
                "regenerated and generated.rs compiles, but the hand-written layer of {crate_of} \
                 does not (a need missing from codegen/src/model/needs.rs?):\n{}",
                errors()
            )),
            _ => Some(format!(
                "regenerated, but {crate_of} does not compile:\n{}",
                errors()
            )),
        },
        (Expect::Regenerates, Ours::Refused { display, .. }) => Some(format!(
            "expected to regenerate, but refused:\n{}\n  progenitor alone: {}",
            indent(display),
            reference_verdict(run, checked)
        )),
        (Expect::Refused(pinned), Ours::Generated(_)) => Some(format!(
            "expected a refusal containing {pinned:?}, but it regenerated (crate compiles: {})",
            compiles(checked, &member)
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

// ---- 6. numbers ---------------------------------------------------------------------------

fn print_summary(
    corpus: &[EntryRun],
    groups: &[Group],
    mutations: &Mutations,
    [corpus_time, grouping_time, mutation_time]: [Duration; 3],
    checks: &Checks,
) {
    let checked = checks.main.as_ref();
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
    if !groups.is_empty() {
        let grouped: usize = groups.iter().map(|g| g.entries.len()).sum();
        let alone = groups.iter().filter(|g| g.entries.len() == 1).count();
        println!(
            "groups: {grouped} regenerating entries compiled as {} crates ({alone} of one entry); grouping {:.1} s",
            groups.len(),
            grouping_time.as_secs_f64()
        );
    }
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
            "cargo check: {} crates ({} checked anew, the rest fresh from an earlier run) in {:.1} s{}, {} with errors",
            checked.members,
            checked.rebuilt,
            checked.elapsed.as_secs_f64(),
            checked.dependencies.map_or(String::new(), |d| format!(
                " (dependencies built anew, done after {:.1} s)",
                d.as_secs_f64()
            )),
            checked.errors.len()
        );
    }
    if let Some(alone) = &checks.alone {
        println!(
            "cargo check of entries alone (their group did not compile): {} crates in {:.1} s, {} with errors",
            alone.members,
            alone.elapsed.as_secs_f64(),
            alone.errors.len()
        );
    }
}
