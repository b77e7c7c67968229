//! Fault injection: the real `quarry` binary killed with SIGKILL at random moments during
//! `add`, `suggest`, `review` (line mode) and `review import`, then checked: the project
//! opens, `quarry check` passes, every decision the program confirmed before the kill is
//! stored exactly once, and running the interrupted command again completes the job. A last
//! scenario runs two coders' reviews while `add` and `suggest` run, and looks for "database
//! is locked".
//!
//! Kill moments come from a seeded SplitMix64. Each scenario prints its seed; set
//! `QUARRY_FAULT_SEED` to that number to replay the same moments (the machine's speed still
//! decides where exactly they land). Kills are randomness, never an assertion.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{mpsc, OnceLock};
use std::time::{Duration, Instant};

// ------------------------------------------------------------------ seeds and context

/// A small seeded generator (SplitMix64).
struct Rng(u64);

impl Rng {
    /// The generator of one scenario: the run's seed mixed with the scenario's name.
    fn for_scenario(name: &str) -> (Rng, u64) {
        let seed = *SEED.get_or_init(|| {
            std::env::var("QUARRY_FAULT_SEED")
                .ok()
                .and_then(|s| s.trim().parse().ok())
                .unwrap_or_else(|| {
                    std::time::SystemTime::now()
                        .duration_since(std::time::UNIX_EPOCH)
                        .map_or(1, |d| d.as_nanos() as u64)
                })
        });
        eprintln!(
            "faults::{name}: seed {seed} (replay: QUARRY_FAULT_SEED={seed} cargo test --test \
             faults {name})"
        );
        // FNV-1a of the name, so scenarios do not share their moments.
        let h = name.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
        });
        (Rng(seed ^ h), seed)
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n`.
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    /// A duration between `lo` and `hi`.
    fn between(&mut self, lo: Duration, hi: Duration) -> Duration {
        let span = hi.saturating_sub(lo).as_micros() as u64;
        lo + Duration::from_micros(self.below(span + 1))
    }
}

static SEED: OnceLock<u64> = OnceLock::new();

/// Where a failure happened, for messages.
#[derive(Clone)]
struct Ctx {
    scenario: &'static str,
    seed: u64,
    iteration: usize,
}

impl fmt::Display for Ctx {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "[{} iteration {}; replay with QUARRY_FAULT_SEED={}]",
            self.scenario, self.iteration, self.seed
        )
    }
}

/// How the kills of a scenario landed.
#[derive(Default)]
struct Tally {
    kills: usize,
    mid_work: usize,
}

impl Tally {
    fn report(&self, scenario: &str, extra: &str) {
        eprintln!(
            "faults::{scenario}: {} kills, {} landed mid-work (the rest after the command had \
             finished){extra}",
            self.kills, self.mid_work
        );
    }
}

// ------------------------------------------------------------------ running quarry

fn bin() -> PathBuf {
    assert_cmd::cargo::cargo_bin("quarry")
}

/// `quarry` in `dir`, with a clean environment for the variables it reads.
fn quarry(dir: &Path) -> Command {
    let mut c = Command::new(bin());
    c.current_dir(dir)
        .env_remove("QUARRY_PROJECT")
        .env_remove("QUARRY_CODER")
        .env("QUARRY_CONFIG", dir.join("no-settings"))
        // Small batches, so that `add` commits many times and kills land between commits.
        .env("QUARRY_BATCH_BYTES", "50000")
        .env("NO_COLOR", "1");
    c
}

/// What a finished command printed.
struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

fn run(dir: &Path, args: &[&str]) -> Run {
    let out = quarry(dir).args(args).output().expect("running quarry");
    Run {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Runs quarry and expects exit 0 and no word of a locked database; returns stdout.
fn ok(dir: &Path, args: &[&str], ctx: &Ctx) -> String {
    let r = run(dir, args);
    assert!(
        r.code == Some(0),
        "{ctx} quarry {args:?} exited with {:?}\nstderr:\n{}\nstdout:\n{}",
        r.code,
        r.stderr,
        tail(&r.stdout)
    );
    not_locked(&r.stderr, args, ctx);
    r.stdout
}

fn not_locked(stderr: &str, what: &[&str], ctx: &Ctx) {
    let lower = stderr.to_lowercase();
    assert!(
        !lower.contains("locked") && !lower.contains("busy") && !lower.contains("panicked"),
        "{ctx} quarry {what:?} said:\n{stderr}"
    );
}

fn tail(s: &str) -> &str {
    let start = s.len().saturating_sub(2000);
    let start = (start..=s.len())
        .find(|&i| s.is_char_boundary(i))
        .unwrap_or(0);
    &s[start..]
}

/// `quarry check` passes (a stale index is only noted).
fn check(dir: &Path, ctx: &Ctx) {
    let r = run(dir, &["check", "--sample", "200"]);
    assert!(
        r.code == Some(0),
        "{ctx} quarry check failed ({:?}) in {}:\n{}\n{}",
        r.code,
        dir.display(),
        r.stdout,
        r.stderr
    );
}

/// Starts quarry with its stderr going to a file in `dir` (read with [`stderr_of`]).
fn spawn(dir: &Path, args: &[&str], stdin: Stdio, stdout: Stdio, label: &str) -> Child {
    let err = std::fs::File::create(dir.join(format!("stderr-{label}"))).unwrap();
    quarry(dir)
        .args(args)
        .stdin(stdin)
        .stdout(stdout)
        .stderr(err)
        .spawn()
        .expect("starting quarry")
}

fn stderr_of(dir: &Path, label: &str) -> String {
    std::fs::read_to_string(dir.join(format!("stderr-{label}"))).unwrap_or_default()
}

/// Sends SIGKILL after `delay`; returns whether the command was still at work then. A
/// command that ended before must have succeeded (`label` names it in messages).
fn kill_after(
    child: &mut Child,
    start: Instant,
    delay: Duration,
    dir: &Path,
    label: &str,
    ctx: &Ctx,
) -> bool {
    let ended = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break Some(status);
        }
        let now = start.elapsed();
        if now >= delay {
            break None;
        }
        std::thread::sleep(Duration::from_millis(1).min(delay - now));
    };
    match ended {
        Some(status) => {
            assert!(
                status.success(),
                "{ctx} {label} ended with {status} before the kill:\n{}",
                stderr_of(dir, label)
            );
            false
        }
        None => {
            let _ = child.kill(); // SIGKILL on Unix
            let _ = child.wait();
            true
        }
    }
}

fn json(s: &str, ctx: &Ctx) -> serde_json::Value {
    serde_json::from_str(s).unwrap_or_else(|e| panic!("{ctx} not JSON ({e}): {}", tail(s)))
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else if !e.file_name().to_string_lossy().ends_with("-shm") {
            std::fs::copy(e.path(), &target).unwrap();
        }
    }
}

// ------------------------------------------------------------------ the shared corpus

/// The corpus and two finished projects every scenario starts from.
struct Fixture {
    /// Where everything of this run is kept (kept after the run, for a look at a failure).
    root: PathBuf,
    /// The paths given to `add`.
    inputs: Vec<String>,
    /// A project after `add` (no suggestions).
    added: PathBuf,
    /// The same after `suggest` with [`CODEBOOKS`].
    suggested: PathBuf,
    /// Document name -> segments, as an uninterrupted `add` stores them.
    documents: BTreeMap<String, u64>,
    /// Every stored suggestion, as JSON text, after an uninterrupted `suggest`.
    suggestions: BTreeSet<String>,
    add_time: Duration,
    suggest_time: Duration,
}

const CODEBOOKS: [&str; 6] = [
    "--codebook",
    "sm-uptake",
    "--codebook",
    "kta",
    "--codebook",
    "tdf",
];

/// Generated documents (as JSON lines) and their turns: many short ones, because `add`
/// receives parsed documents in batches of 512 (or 4 MB) and commits at most once a batch.
const GENERATED_DOCS: usize = 2400;
const TURNS: usize = 3;
/// In this many files.
const FILES: usize = 12;

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let ctx = Ctx {
            scenario: "fixture",
            seed: 0,
            iteration: 0,
        };
        // One folder per run under cargo's temporary folder for tests; the last run's stays.
        let base = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("faults");
        let _ = std::fs::remove_dir_all(&base);
        let root = base.join(std::process::id().to_string());
        std::fs::create_dir_all(&root).unwrap();
        let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
        // Turns of the sample study's interviews, recombined into many more documents.
        let mut pool = Vec::new();
        for n in 1..=7 {
            // Some are not UTF-8 (the sample study shows the encodings quarry reads).
            let bytes =
                std::fs::read(repo.join(format!("data/sample/P0{n}_interview.txt"))).unwrap();
            let text = String::from_utf8_lossy(&bytes);
            for line in text.lines() {
                if let Some((who, said)) = line.trim_start_matches('\u{feff}').split_once(": ") {
                    if who.len() < 40 && said.len() > 40 {
                        pool.push((who.to_string(), said.to_string()));
                    }
                }
            }
        }
        assert!(pool.len() > 100, "the sample study has turns to reuse");
        let corpus = root.join("corpus");
        std::fs::create_dir_all(&corpus).unwrap();
        let mut rng = Rng(42);
        for file in 0..FILES {
            let mut f = std::io::BufWriter::new(
                std::fs::File::create(corpus.join(format!("group{file:02}.jsonl"))).unwrap(),
            );
            for d in (file..GENERATED_DOCS).step_by(FILES) {
                for t in 0..TURNS {
                    let (who, said) = &pool[rng.below(pool.len() as u64) as usize];
                    let line = serde_json::json!({
                        "doc": format!("g{d:04}"),
                        "speaker": who,
                        "text": format!("{said} (turn {t})"),
                    });
                    writeln!(f, "{line}").unwrap();
                }
            }
        }
        let inputs = vec![
            corpus.to_string_lossy().into_owned(),
            repo.join("data/sample").to_string_lossy().into_owned(),
        ];
        let added = root.join("added");
        std::fs::create_dir_all(&added).unwrap();
        ok(&added, &["init"], &ctx);
        let mut args = vec!["add"];
        args.extend(inputs.iter().map(String::as_str));
        let start = Instant::now();
        ok(&added, &args, &ctx);
        let add_time = start.elapsed();
        let documents = documents(&added, &ctx);
        let suggested = root.join("suggested");
        copy_dir(&added, &suggested);
        let mut args = vec!["suggest"];
        args.extend(CODEBOOKS);
        let start = Instant::now();
        ok(&suggested, &args, &ctx);
        let suggest_time = start.elapsed();
        let suggestions = suggestions(&suggested, &ctx);
        eprintln!(
            "faults: corpus of {} documents ({} segments): add {add_time:.1?}, suggest \
             {suggest_time:.1?} ({} suggestions)",
            documents.len(),
            documents.values().sum::<u64>(),
            suggestions.len()
        );
        Fixture {
            root,
            inputs,
            added,
            suggested,
            documents,
            suggestions,
            add_time,
            suggest_time,
        }
    })
}

/// A new folder for one scenario's project.
fn scratch(name: &str) -> PathBuf {
    let p = fixture().root.join(name);
    let _ = std::fs::remove_dir_all(&p);
    p
}

/// Document name -> segments; a name stored twice is an error.
fn documents(dir: &Path, ctx: &Ctx) -> BTreeMap<String, u64> {
    let docs = json(
        &ok(dir, &["list", "documents", "--format", "json"], ctx),
        ctx,
    );
    let mut out = BTreeMap::new();
    for d in docs.as_array().unwrap() {
        let name = d["name"].as_str().unwrap().to_string();
        let n = d["segments"].as_u64().unwrap();
        assert!(
            out.insert(name.clone(), n).is_none(),
            "{ctx} document {name} stored twice"
        );
    }
    out
}

fn suggestions(dir: &Path, ctx: &Ctx) -> BTreeSet<String> {
    let rows = json(
        &ok(dir, &["list", "suggestions", "--format", "json"], ctx),
        ctx,
    );
    rows.as_array()
        .unwrap()
        .iter()
        .map(|r| r.to_string())
        .collect()
}

/// A decision as the tests know it: (segment, codebook, code) -> (accept, code instead).
type Key = (i64, String, String);
type Verdict = (bool, Option<String>);

/// A coder's standing decisions, asserting none is stored twice.
fn decisions(dir: &Path, coder: &str, ctx: &Ctx) -> HashMap<Key, Verdict> {
    let p = quarry::project::Project::open(dir)
        .unwrap_or_else(|e| panic!("{ctx} the project does not open: {e}"));
    let mut out = HashMap::new();
    for d in p.store().decisions(Some(coder)).unwrap() {
        let key = (d.segment, d.codebook.clone(), d.code.clone());
        let v = (d.accept, d.replacement.clone());
        assert!(
            out.insert(key.clone(), v).is_none(),
            "{ctx} {coder}'s decision on {key:?} is stored twice"
        );
    }
    out
}

/// Every confirmed decision is stored, as it was made.
fn assert_confirmed(stored: &HashMap<Key, Verdict>, confirmed: &HashMap<Key, Verdict>, ctx: &Ctx) {
    for (k, v) in confirmed {
        match stored.get(k) {
            Some(s) => assert_eq!(s, v, "{ctx} decision on {k:?} stored differently"),
            None => panic!("{ctx} confirmed decision on {k:?} ({v:?}) is lost"),
        }
    }
}

// ------------------------------------------------------------------ 1. add

#[test]
fn killed_add_stores_whole_documents_and_a_rerun_completes_them() {
    let f = fixture();
    let (mut rng, seed) = Rng::for_scenario("add");
    let mut tally = Tally::default();
    let mut partial = 0;
    let mut args = vec!["add"];
    args.extend(f.inputs.iter().map(String::as_str));
    let ctx = |iteration| Ctx {
        scenario: "add",
        seed,
        iteration,
    };
    // The re-run of the completed project: every document once, check passes, the index
    // finds what an uninterrupted project's finds.
    let finish = |dir: &Path, ctx: &Ctx| {
        ok(dir, &args, ctx);
        assert_eq!(
            documents(dir, ctx),
            f.documents,
            "{ctx} the re-run stores every document once"
        );
        check(dir, ctx);
        let hits = ok(dir, &["search", "social media", "--count"], ctx);
        let want = ok(&f.added, &["search", "social media", "--count"], ctx);
        assert_eq!(hits, want, "{ctx} search after the re-run");
    };
    // Each kill interrupts the re-run of the one before (index rebuild included) until a
    // kill finds every document stored; that project is finished and a new one begun.
    let mut projects = 0;
    let mut dir = PathBuf::new();
    for k in 0..15 {
        let ctx = ctx(k);
        if k == 0 || documents(&dir, &ctx).len() == f.documents.len() {
            if k > 0 {
                finish(&dir, &ctx);
            }
            dir = scratch(&format!("add-{projects}"));
            std::fs::create_dir_all(&dir).unwrap();
            ok(&dir, &["init"], &ctx);
            projects += 1;
        }
        let label = format!("add{k}");
        let start = Instant::now();
        let mut child = spawn(&dir, &args, Stdio::null(), Stdio::null(), &label);
        // Half the kills at a random moment, half once the write-ahead log has grown past a
        // random size (commits under way), then a little later.
        let delay = if k % 2 == 0 {
            rng.between(Duration::from_millis(20), f.add_time)
        } else {
            let wal = dir.join(".quarry/quarry.db-wal");
            let want = 1 + rng.below(2_500_000);
            while std::fs::metadata(&wal).map_or(0, |m| m.len()) < want
                && start.elapsed() < f.add_time
                && child.try_wait().unwrap().is_none()
            {
                std::thread::sleep(Duration::from_millis(1));
            }
            start.elapsed() + rng.between(Duration::ZERO, Duration::from_millis(30))
        };
        tally.kills += 1;
        if kill_after(&mut child, start, delay, &dir, &label, &ctx) {
            tally.mid_work += 1;
        }
        not_locked(&stderr_of(&dir, &label), &args, &ctx);
        check(&dir, &ctx);
        let docs = documents(&dir, &ctx);
        for (name, n) in &docs {
            assert_eq!(
                f.documents.get(name),
                Some(n),
                "{ctx} document {name} is not whole after the kill ({delay:?} in)"
            );
        }
        if !docs.is_empty() && docs.len() < f.documents.len() {
            partial += 1;
        }
    }
    finish(&dir, &ctx(15));
    tally.report(
        "add",
        &format!("; {partial} left part of the documents stored; {projects} projects"),
    );
}

// ------------------------------------------------------------------ 2. suggest

#[test]
fn killed_suggest_leaves_the_previous_run_whole_and_a_rerun_matches_an_uninterrupted_one() {
    let f = fixture();
    let (mut rng, seed) = Rng::for_scenario("suggest");
    let mut tally = Tally::default();
    let dir = scratch("suggest");
    copy_dir(&f.added, &dir);
    let mut first = vec!["suggest"];
    first.extend(CODEBOOKS);
    let mut rerun = first.clone();
    rerun.push("--rerun");
    // Five kills of a first run (nothing stored before), the run to the end, then five
    // kills of `--rerun` over the stored suggestions, and a `--rerun` to the end.
    for (i, args) in std::iter::repeat_n(&first, 5)
        .chain(std::iter::repeat_n(&rerun, 5))
        .enumerate()
    {
        let ctx = Ctx {
            scenario: "suggest",
            seed,
            iteration: i,
        };
        if i == 5 {
            ok(&dir, &first, &ctx);
            assert_eq!(suggestions(&dir, &ctx), f.suggestions, "{ctx} first run");
        }
        let label = format!("suggest{i}");
        let start = Instant::now();
        let mut child = spawn(&dir, args, Stdio::null(), Stdio::null(), &label);
        // A re-run reads no less, but has no new words to store: it takes about half as long.
        let window = if i < 5 {
            f.suggest_time
        } else {
            f.suggest_time * 3 / 5
        };
        let delay = rng.between(Duration::from_millis(10), window);
        tally.kills += 1;
        let mid = kill_after(&mut child, start, delay, &dir, &label, &ctx);
        if mid {
            tally.mid_work += 1;
        }
        not_locked(&stderr_of(&dir, &label), args, &ctx);
        check(&dir, &ctx);
        let now = suggestions(&dir, &ctx);
        if i < 5 {
            assert!(
                now.is_empty() || now == f.suggestions,
                "{ctx} an interrupted first run stored part of its suggestions ({} of {})",
                now.len(),
                f.suggestions.len()
            );
        } else {
            assert_eq!(
                now, f.suggestions,
                "{ctx} an interrupted --rerun changed them"
            );
        }
    }
    let ctx = Ctx {
        scenario: "suggest",
        seed,
        iteration: 10,
    };
    ok(&dir, &rerun, &ctx);
    assert_eq!(suggestions(&dir, &ctx), f.suggestions, "{ctx} --rerun");
    check(&dir, &ctx);
    tally.report("suggest", "");
}

// ------------------------------------------------------------------ 3. review (line mode)

/// What a line-mode review showed and what it was told, in order.
struct Session {
    /// The items shown: (segment, code).
    shown: Vec<(i64, String)>,
    /// The decisions `run_lines` said it saved (`saved: #SEGMENT CODE ...`), in order.
    saved: Vec<(i64, String)>,
    /// Whether the closing line ("N decided, ...") was printed.
    finished: bool,
    /// The whole output, for messages.
    stdout: String,
}

/// Parses what `run_lines` prints: item headers (`[k of n] CODE: name ...` then
/// `document · speaker · place · #SEGMENT`) and `saved:` lines.
fn parse_session(stdout: String) -> Session {
    let mut shown = Vec::new();
    let mut saved = Vec::new();
    let mut code = None;
    let mut finished = false;
    for line in stdout.lines() {
        let line = line.trim_start_matches("> ");
        // `saved: #12 smu.barriers accepted (decision 7)`, printed once it is committed; a
        // line cut short by the kill has no closing parenthesis.
        if let Some(rest) = line.strip_prefix("saved: #") {
            let mut parts = rest.split_whitespace();
            if let (Some(seg), Some(c), true) = (parts.next(), parts.next(), line.ends_with(')')) {
                if let Ok(seg) = seg.parse::<i64>() {
                    saved.push((seg, c.to_string()));
                }
            }
            continue;
        }
        if let Some(c) = code.take() {
            // A line cut short by the kill is not an item shown.
            if let Some(seg) = line
                .rsplit_once(" · #")
                .and_then(|(_, s)| s.trim().parse::<i64>().ok())
            {
                shown.push((seg, c));
            }
        } else if line.starts_with('[') && line.contains(" of ") {
            let after = line.split_once("] ").unwrap().1;
            let c = after
                .split([':', ' '])
                .next()
                .unwrap_or_default()
                .to_string();
            code = Some(c);
        } else if line.contains(" decided, ") && line.ends_with(" left.") {
            finished = true;
        }
    }
    Session {
        shown,
        saved,
        finished,
        stdout,
    }
}

/// The decision a line-mode command makes.
fn verdict_of(cmd: &str) -> Verdict {
    match cmd.split_whitespace().collect::<Vec<_>>().as_slice() {
        ["a", ..] => (true, None),
        ["r", ..] => (false, None),
        ["c", code, ..] => (false, Some(code.to_string())),
        _ => unreachable!("{cmd}"),
    }
}

fn random_command(rng: &mut Rng) -> String {
    match rng.below(10) {
        0..=5 => "a".into(),
        6..=8 => "r not this time".into(),
        _ => "c smu.passive_use seen, not used".into(),
    }
}

/// Runs `quarry review` in line mode for `coder`, writing `commands` one every `pace`, and
/// kills it after `kill` (None: lets it end). Returns the session, whether the kill landed
/// mid-work, and stderr.
fn review_session(
    dir: &Path,
    coder: &str,
    commands: Vec<String>,
    pace: Duration,
    kill: Option<Duration>,
    label: &str,
    ctx: &Ctx,
) -> (Session, bool, String) {
    let args = [
        "review",
        "--lines",
        "--coder",
        coder,
        "--codebook",
        "sm-uptake",
    ];
    let mut child = spawn(dir, &args, Stdio::piped(), Stdio::piped(), label);
    let mut stdin = child.stdin.take().unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel::<()>();
    let reader = std::thread::spawn(move || {
        let mut all = String::new();
        let mut told = false;
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if !told && line.starts_with('[') {
                let _ = tx.send(());
                told = true;
            }
            all.push_str(&line);
            all.push('\n');
        }
        all
    });
    let writer = std::thread::spawn(move || {
        for c in commands {
            if writeln!(stdin, "{c}").and_then(|()| stdin.flush()).is_err() {
                return; // killed
            }
            if !pace.is_zero() {
                std::thread::sleep(pace);
            }
        }
    });
    let mut mid = false;
    if let Some(delay) = kill {
        // Counted from the first item shown, so the delay falls in the deciding.
        let _ = rx.recv_timeout(Duration::from_secs(60));
        mid = kill_after(&mut child, Instant::now(), delay, dir, label, ctx);
    }
    let status = child.wait().unwrap();
    assert!(
        mid || status.success(),
        "{ctx} {label} ended with {status}:\n{}",
        stderr_of(dir, label)
    );
    writer.join().unwrap();
    let session = parse_session(reader.join().unwrap());
    (session, mid, stderr_of(dir, label))
}

/// The decisions a session confirmed: those it printed `saved:` for (after the commit). The
/// i-th command decides the i-th item shown, so the i-th saved line is the i-th item.
fn confirmed(s: &Session, commands: &[String], into: &mut HashMap<Key, Verdict>) -> Option<Key> {
    for (i, (seg, code)) in s.saved.iter().enumerate() {
        assert_eq!(
            s.shown.get(i),
            Some(&(*seg, code.clone())),
            "saved line {i} is not the item shown:\n{}",
            tail(&s.stdout)
        );
        let key = (*seg, "sm-uptake".to_string(), code.clone());
        assert!(
            into.insert(key.clone(), verdict_of(&commands[i])).is_none(),
            "the item {key:?} was shown again after it was decided:\n{}",
            tail(&s.stdout)
        );
    }
    // The item on screen when the kill came: its decision may be stored without the
    // `saved:` line having been printed.
    (!s.finished)
        .then(|| s.shown.get(s.saved.len()))
        .flatten()
        .map(|(seg, code)| (*seg, "sm-uptake".to_string(), code.clone()))
}

/// The suggestions of sm-uptake waiting for a coder who has decided nothing (from a review
/// sheet export).
fn export_sheet(dir: &Path, coder: &str, out: &Path, ctx: &Ctx) -> Vec<csv::StringRecord> {
    ok(
        dir,
        &[
            "review",
            "export",
            "--coder",
            coder,
            "--codebook",
            "sm-uptake",
            "--out",
            out.to_str().unwrap(),
        ],
        ctx,
    );
    let text = std::fs::read_to_string(out).unwrap();
    let mut r = csv::Reader::from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let mut rows = vec![r.headers().unwrap().clone()];
    rows.extend(r.records().map(Result::unwrap));
    rows
}

fn sheet_keys(rows: &[csv::StringRecord]) -> BTreeSet<Key> {
    rows[1..]
        .iter()
        .map(|r| (r[0].parse().unwrap(), r[1].to_string(), r[2].to_string()))
        .collect()
}

#[test]
fn killed_review_keeps_every_confirmed_decision_once_and_a_rerun_finishes_the_queue() {
    let f = fixture();
    let (mut rng, seed) = Rng::for_scenario("review");
    let mut tally = Tally::default();
    let dir = scratch("review");
    copy_dir(&f.suggested, &dir);
    let pace = Duration::from_millis(3);
    // Three coders, five kills each, then each finishes their queue.
    for coder in ["ria", "rob", "rue"] {
        let ctx = Ctx {
            scenario: "review",
            seed,
            iteration: 0,
        };
        let scope = sheet_keys(&export_sheet(
            &dir,
            coder,
            &dir.join(format!("{coder}.csv")),
            &ctx,
        ));
        assert!(scope.len() > 100, "{ctx} a queue worth killing");
        let mut confirmed_all: HashMap<Key, Verdict> = HashMap::new();
        let mut left = scope.len();
        for k in 0..5 {
            let ctx = Ctx {
                iteration: tally.kills,
                ..ctx.clone()
            };
            let commands: Vec<String> = (0..left).map(|_| random_command(&mut rng)).collect();
            // Somewhere in the time the queue would take at this pace.
            let delay = rng.between(Duration::ZERO, pace * (left as u32));
            let (s, mid, stderr) = review_session(
                &dir,
                coder,
                commands.clone(),
                pace,
                Some(delay),
                &format!("{coder}{k}"),
                &ctx,
            );
            tally.kills += 1;
            tally.mid_work += usize::from(mid);
            not_locked(&stderr, &["review"], &ctx);
            let on_screen = confirmed(&s, &commands, &mut confirmed_all);
            check(&dir, &ctx);
            let stored = decisions(&dir, coder, &ctx);
            assert_confirmed(&stored, &confirmed_all, &ctx);
            // Nothing else is stored but the item that was on screen.
            for k in stored.keys() {
                assert!(
                    confirmed_all.contains_key(k) || Some(k) == on_screen.as_ref(),
                    "{ctx} a decision on {k:?} nobody confirmed"
                );
            }
            if let Some(k) = on_screen {
                if let Some(v) = stored.get(&k) {
                    confirmed_all.insert(k, v.clone());
                }
            }
            left = scope.len() - stored.len();
        }
        // The re-run finishes the queue.
        let ctx = Ctx {
            iteration: tally.kills,
            ..ctx
        };
        let commands: Vec<String> = (0..left).map(|_| random_command(&mut rng)).collect();
        let (s, _, stderr) = review_session(
            &dir,
            coder,
            commands.clone(),
            Duration::ZERO,
            None,
            &format!("{coder}-end"),
            &ctx,
        );
        not_locked(&stderr, &["review"], &ctx);
        assert!(
            s.finished || (left == 0 && s.stdout.contains("Nothing to review")),
            "{ctx} the re-run ended early:\n{}",
            tail(&s.stdout)
        );
        confirmed(&s, &commands, &mut confirmed_all);
        let stored = decisions(&dir, coder, &ctx);
        assert_confirmed(&stored, &confirmed_all, &ctx);
        let decided: BTreeSet<Key> = stored.keys().cloned().collect();
        assert_eq!(decided, scope, "{ctx} every suggestion decided, once");
        let again = ok(
            &dir,
            &[
                "review",
                "--lines",
                "--coder",
                coder,
                "--codebook",
                "sm-uptake",
            ],
            &ctx,
        );
        assert!(again.contains("Nothing to review"), "{ctx} {again}");
        check(&dir, &ctx);
    }
    tally.report("review", "");
}

// ------------------------------------------------------------------ 4. review import

#[test]
fn killed_review_import_stores_all_or_nothing_and_a_rerun_stores_the_rest_once() {
    let f = fixture();
    let (mut rng, seed) = Rng::for_scenario("import");
    let mut tally = Tally::default();
    let dir = scratch("import");
    copy_dir(&f.suggested, &dir);
    let ctx = Ctx {
        scenario: "import",
        seed,
        iteration: 0,
    };
    // One sheet, filled in; every coder below has decided nothing, so it fits them all.
    let rows = export_sheet(&dir, "sheet", &dir.join("export.csv"), &ctx);
    let decision = rows[0].iter().position(|h| h == "decision").unwrap();
    let cells = ["accept", "no", "a", "reject", "smu.passive_use"];
    let mut want: HashMap<Key, Verdict> = HashMap::new();
    let mut w = csv::Writer::from_path(dir.join("filled.csv")).unwrap();
    w.write_record(&rows[0]).unwrap();
    for (i, r) in rows[1..].iter().enumerate() {
        let cell = cells[i % cells.len()];
        let mut r: Vec<String> = r.iter().map(str::to_string).collect();
        r[decision] = cell.to_string();
        w.write_record(&r).unwrap();
        let v = match cell {
            "accept" | "a" => (true, None),
            "no" | "reject" => (false, None),
            code => (false, Some(code.to_string())),
        };
        want.insert((r[0].parse().unwrap(), r[1].clone(), r[2].clone()), v);
    }
    w.flush().unwrap();
    drop(w);
    let sheet = dir.join("filled.csv");
    let sheet = sheet.to_str().unwrap();
    // An import that runs to the end, to know how long one takes.
    let start = Instant::now();
    let out = ok(&dir, &["review", "import", sheet, "--coder", "calm"], &ctx);
    let took = start.elapsed();
    assert!(
        out.contains(&format!("Applied {} decisions", want.len())),
        "{ctx} {out}"
    );
    assert_eq!(decisions(&dir, "calm", &ctx), want, "{ctx} an import");
    let mut landed = (0, 0); // (none stored, all stored)
    for i in 0..10 {
        let ctx = Ctx {
            iteration: i,
            ..ctx.clone()
        };
        let coder = format!("imp{i}");
        let args = ["review", "import", sheet, "--coder", &coder];
        let label = format!("import{i}");
        let start = Instant::now();
        let mut child = spawn(&dir, &args, Stdio::null(), Stdio::null(), &label);
        let delay = rng.between(Duration::from_millis(5), took * 4 / 5);
        tally.kills += 1;
        tally.mid_work += usize::from(kill_after(&mut child, start, delay, &dir, &label, &ctx));
        not_locked(&stderr_of(&dir, &label), &args, &ctx);
        check(&dir, &ctx);
        let stored = decisions(&dir, &coder, &ctx);
        if stored.is_empty() {
            landed.0 += 1;
        } else {
            assert_eq!(
                stored, want,
                "{ctx} an interrupted import stored part of it"
            );
            landed.1 += 1;
        }
        // Again: what is not stored yet is stored; what is, is counted as already applied
        // and left alone.
        let r = run(&dir, &args);
        not_locked(&r.stderr, &args, &ctx);
        assert_eq!(r.code, Some(0), "{ctx} {}\n{}", r.stdout, r.stderr);
        if !stored.is_empty() {
            assert!(
                r.stdout.contains("Applied 0 decisions")
                    && r.stdout
                        .contains(&format!("{} rows already applied", want.len())),
                "{ctx} {}",
                r.stdout
            );
        }
        assert_eq!(
            decisions(&dir, &coder, &ctx),
            want,
            "{ctx} after the re-run"
        );
    }
    check(&dir, &ctx);
    tally.report(
        "import",
        &format!(
            "; {} stored nothing, {} everything (an import takes {took:.1?})",
            landed.0, landed.1
        ),
    );
}

// ------------------------------------------------------------------ 5. at the same time

#[test]
fn two_coders_review_while_add_and_suggest_run_and_nothing_waits_into_an_error() {
    let f = fixture();
    let (mut rng, seed) = Rng::for_scenario("concurrent");
    let dir = scratch("concurrent");
    copy_dir(&f.suggested, &dir);
    let ctx = Ctx {
        scenario: "concurrent",
        seed,
        iteration: 0,
    };
    // New documents for `add` to bring in while the coders work.
    let more = dir.join("more");
    std::fs::create_dir_all(&more).unwrap();
    for n in 0..3 {
        let src = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data/sample/P01_interview.txt");
        let mut text = std::fs::read(src).unwrap();
        text.extend_from_slice(format!("\n(copy {n})\n").as_bytes());
        std::fs::write(more.join(format!("late{n}.txt")), text).unwrap();
    }
    let queue = f.suggestions.len();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let background = {
        let (dir, stop, ctx) = (dir.clone(), stop.clone(), ctx.clone());
        std::thread::spawn(move || {
            let mut runs = 0;
            let mut rerun = vec!["suggest"];
            rerun.extend(CODEBOOKS);
            rerun.push("--rerun");
            let mut n = 0;
            while !stop.load(std::sync::atomic::Ordering::SeqCst) || runs < 2 {
                if n < 3 {
                    let file = dir.join(format!("more/late{n}.txt"));
                    ok(&dir, &["add", file.to_str().unwrap()], &ctx);
                    n += 1;
                }
                ok(&dir, &rerun, &ctx);
                runs += 1;
            }
            (runs, n)
        })
    };
    let coders: Vec<_> = ["ann", "ben"]
        .into_iter()
        .map(|coder| {
            let commands: Vec<String> = (0..queue).map(|_| random_command(&mut rng)).collect();
            let (dir, ctx) = (dir.clone(), ctx.clone());
            std::thread::spawn(move || {
                let (s, _, stderr) = review_session(
                    &dir,
                    coder,
                    commands.clone(),
                    Duration::ZERO,
                    None,
                    &format!("{coder}-together"),
                    &ctx,
                );
                (coder, commands, s, stderr)
            })
        })
        .collect();
    let mut sessions = Vec::new();
    for c in coders {
        sessions.push(c.join().unwrap());
    }
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    let (runs, added) = background
        .join()
        .expect("add and suggest ran without an error");
    for (coder, commands, s, stderr) in &sessions {
        not_locked(stderr, &["review", "--coder", coder], &ctx);
        assert!(
            s.finished,
            "{ctx} {coder}'s review ended early:\n{stderr}\n{}",
            tail(&s.stdout)
        );
        let mut want = HashMap::new();
        confirmed(s, commands, &mut want);
        let stored = decisions(&dir, coder, &ctx);
        assert_eq!(stored, want, "{ctx} {coder}'s decisions");
    }
    check(&dir, &ctx);
    eprintln!(
        "faults::concurrent: ann and ben decided {} and {} while suggest ran {runs} times \
         and add {added} times",
        sessions[0].2.shown.len(),
        sessions[1].2.shown.len()
    );
}
