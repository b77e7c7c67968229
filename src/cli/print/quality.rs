//! How good the rules and the coding are: precision per rule and term (`quarry rules`), the
//! worst terms, what `codebook tune` changed, agreement between two coders, and what the
//! ranker learned (`quarry learn`).

use super::{clip, csv_cell, sanitize, Column, Format, Labels};
use std::io::{self, Write};

fn opt(x: Option<f64>) -> String {
    x.map_or("-".into(), |v| format!("{v:.2}"))
}

fn interval(x: Option<(f64, f64)>) -> String {
    x.map_or("-".into(), |(a, b)| format!("{a:.2}-{b:.2}"))
}

/// Words with their counts: `word (n), word (n)`.
fn words(v: &[(String, usize)]) -> String {
    v.iter()
        .map(|(w, n)| format!("{w} ({n})"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Prints `quarry rules`.
pub fn rules(
    w: &mut dyn Write,
    r: &quarry::review::quality::RulesReport,
    format: Format,
) -> io::Result<()> {
    match format {
        Format::Json => writeln!(w, "{}", serde_json::to_string_pretty(r)?),
        Format::Jsonl => writeln!(w, "{}", serde_json::to_string(r)?),
        Format::Csv => rules_csv(w, r),
        Format::Table => rules_table(w, r),
    }
}

/// [`rules`] as CSV: a row per code, per rule and (for a rule of several terms) per term.
fn rules_csv(w: &mut dyn Write, r: &quarry::review::quality::RulesReport) -> io::Result<()> {
    let mut c = csv::Writer::from_writer(w);
    c.write_record([
        "code",
        "rule",
        "fired",
        "decided",
        "accepted",
        "precision",
        "low",
        "high",
        "rejected_words",
        "term",
        "only",
        "more_for_width",
    ])?;
    for code in &r.codes {
        let row = |rule: &str,
                   f: usize,
                   d: usize,
                   a: usize,
                   p: Option<f64>,
                   i: Option<(f64, f64)>,
                   rw: String| {
            vec![
                csv_cell(&code.code),
                csv_cell(rule),
                f.to_string(),
                d.to_string(),
                a.to_string(),
                p.map_or(String::new(), |v| format!("{v:.4}")),
                i.map_or(String::new(), |v| format!("{:.4}", v.0)),
                i.map_or(String::new(), |v| format!("{:.4}", v.1)),
                csv_cell(&rw),
                String::new(),
                String::new(),
                String::new(),
            ]
        };
        c.write_record(row(
            "",
            code.fired,
            code.decided,
            code.accepted,
            code.precision,
            code.interval,
            String::new(),
        ))?;
        for x in &code.rules {
            c.write_record(row(
                &x.rule,
                x.fired,
                x.decided,
                x.accepted,
                x.precision,
                x.interval,
                words(&x.rejected_words),
            ))?;
            for t in x.terms.iter().filter(|_| x.terms.len() > 1) {
                let mut rec = row(
                    &x.rule,
                    t.fired,
                    t.decided,
                    t.accepted,
                    t.precision,
                    t.interval,
                    String::new(),
                );
                rec[9] = csv_cell(&t.term);
                rec[10] = t.only.to_string();
                rec[11] = t.more.map_or(String::new(), |m| m.to_string());
                c.write_record(rec)?;
            }
        }
    }
    c.flush()
}

/// [`rules`] as a table: codes, their rules and terms, then recall.
fn rules_table(w: &mut dyn Write, r: &quarry::review::quality::RulesReport) -> io::Result<()> {
    writeln!(
        w,
        "{}: precision = accepted / decided ({}), with its 95% Wilson interval",
        sanitize(&r.codebook, true),
        r.coder
            .as_deref()
            .map_or("every coder".into(), |c| sanitize(c, true))
    )?;
    writeln!(
        w,
        "{:>6} {:>7} {:>8} {:>9} {:>11}  code / rule",
        "fired", "decided", "accepted", "precision", "interval"
    )?;
    let rule_col = Column::fit(
        r.codes
            .iter()
            .flat_map(|c| c.rules.iter().map(|x| x.rule.as_str())),
        60,
    );
    let term_col = Column::fit(
        r.codes
            .iter()
            .flat_map(|c| c.rules.iter().flat_map(|x| x.terms.iter()))
            .map(|t| t.term.as_str()),
        40,
    );
    for code in &r.codes {
        writeln!(
            w,
            "{:>6} {:>7} {:>8} {:>9} {:>11}  {}",
            code.fired,
            code.decided,
            code.accepted,
            opt(code.precision),
            interval(code.interval),
            sanitize(&code.code, true)
        )?;
        for x in &code.rules {
            writeln!(
                w,
                "{:>6} {:>7} {:>8} {:>9} {:>11}    {}{}",
                x.fired,
                x.decided,
                x.accepted,
                opt(x.precision),
                interval(x.interval),
                rule_col.get(&x.rule),
                if x.rejected_words.is_empty() {
                    String::new()
                } else {
                    format!("  rejected: {}", sanitize(&words(&x.rejected_words), true))
                }
            )?;
            for t in x.terms.iter().filter(|_| x.terms.len() > 1) {
                writeln!(
                    w,
                    "{:>6} {:>7} {:>8} {:>9} {:>11}      term {}{}",
                    t.fired,
                    t.decided,
                    t.accepted,
                    opt(t.precision),
                    interval(t.interval),
                    term_col.get(&t.term),
                    match t.only_share {
                        Some(s) if t.only > 0 => format!(
                            "  alone in {} accepted ({:.0}% of the code's)",
                            t.only,
                            100.0 * s
                        ),
                        _ => String::new(),
                    }
                )?;
            }
        }
    }
    match &r.recall {
        Some(rc) => writeln!(
            w,
            "\nRecall about {:.2} (range {:.2}-{:.2}): {} of {} randomly sampled unsuggested \
             segments had a code; {} unsuggested and {} suggested segments, segment precision \
             {:.2}.{}",
            rc.recall,
            rc.interval.0,
            rc.interval.1,
            rc.missed,
            rc.sampled,
            rc.unsuggested,
            rc.suggested,
            rc.segment_precision,
            if rc.targeted > 0 {
                format!(
                    " The {} judged segments drawn for resembling confirmed ones are left out \
                     of it.",
                    rc.targeted
                )
            } else {
                String::new()
            }
        ),
        None => writeln!(
            w,
            "\nRecall: review a sample of segments with no suggestion first \
             (quarry review --unsuggested --codebook {} --sample 30).",
            sanitize(&r.codebook, true)
        ),
    }
}

/// Prints `quarry rules --worst`: terms across rules, worst first.
pub fn worst_terms(
    w: &mut dyn Write,
    terms: &[quarry::review::quality::RankedTerm],
    format: Format,
) -> io::Result<()> {
    match format {
        Format::Json => writeln!(w, "{}", serde_json::to_string_pretty(terms)?),
        Format::Jsonl => {
            for t in terms {
                writeln!(w, "{}", serde_json::to_string(t)?)?;
            }
            Ok(())
        }
        Format::Csv => {
            let mut c = csv::Writer::from_writer(w);
            c.write_record([
                "code",
                "rule",
                "term",
                "fired",
                "decided",
                "accepted",
                "precision",
                "low",
                "high",
                "only",
                "only_share",
                "more_for_width",
            ])?;
            for t in terms {
                let q = &t.quality;
                c.write_record([
                    csv_cell(&t.code),
                    csv_cell(&t.rule),
                    csv_cell(&q.term),
                    q.fired.to_string(),
                    q.decided.to_string(),
                    q.accepted.to_string(),
                    q.precision.map_or(String::new(), |v| format!("{v:.4}")),
                    q.interval.map_or(String::new(), |v| format!("{:.4}", v.0)),
                    q.interval.map_or(String::new(), |v| format!("{:.4}", v.1)),
                    q.only.to_string(),
                    q.only_share.map_or(String::new(), |v| format!("{v:.4}")),
                    q.more.map_or(String::new(), |v| v.to_string()),
                ])?;
            }
            c.flush()
        }
        Format::Table => {
            writeln!(
                w,
                "{:>7} {:>8} {:>9} {:>11} {:>5} {:>5}  term (code: rule)",
                "decided", "accepted", "precision", "interval", "alone", "more"
            )?;
            let rule_col = Column::fit(terms.iter().map(|t| t.rule.as_str()), 50);
            for t in terms {
                let q = &t.quality;
                writeln!(
                    w,
                    "{:>7} {:>8} {:>9} {:>11} {:>5} {:>5}  {} ({}: {})",
                    q.decided,
                    q.accepted,
                    opt(q.precision),
                    interval(q.interval),
                    q.only,
                    q.more.map_or("-".into(), |m| m.to_string()),
                    sanitize(&q.term, true),
                    sanitize(&t.code, true),
                    rule_col.get(&t.rule)
                )?;
            }
            Ok(())
        }
    }
}

/// What became of a bad term, in words.
fn action(a: &quarry::review::tune::Action) -> String {
    use quarry::review::tune::Action;
    match a {
        Action::Dropped => "dropped".to_string(),
        Action::RuleDropped => "rule dropped".to_string(),
        Action::Masked(p) => format!("masked in \"{p}\""),
        Action::Context(p, r, a) => {
            format!(
                "masked in \"{p}\" (learned context: {a} of {} accepted)",
                r + a
            )
        }
        Action::Kept(why) => format!("kept: {why}"),
    }
}

/// Prints `quarry codebook tune`: the diff, each bad term and what became of it, and the
/// measured change per code; `wrote` is where the tuned codebook went (None: nothing to write).
pub fn tuned(
    w: &mut dyn Write,
    t: &quarry::review::tune::Tuned,
    cfg: &quarry::review::tune::TuneConfig,
    wrote: Option<&std::path::Path>,
    format: Format,
) -> io::Result<()> {
    match format {
        Format::Json | Format::Jsonl => {
            let v = serde_json::json!({
                "codebook": t.codebook,
                "origin": t.origin,
                "below": cfg.below,
                "confidence": cfg.confidence,
                "written": wrote.map(|p| p.display().to_string()),
                "tuned_id": t.tuned.0,
                "tuned_version": t.tuned.1,
                "changes": t.changes,
                "codes": t.codes,
                "diff": t.diff,
            });
            if matches!(format, Format::Json) {
                writeln!(w, "{}", serde_json::to_string_pretty(&v)?)
            } else {
                writeln!(w, "{}", serde_json::to_string(&v)?)
            }
        }
        Format::Csv => {
            let mut c = csv::Writer::from_writer(w);
            c.write_record([
                "code", "rule", "term", "decided", "accepted", "low", "high", "only", "action",
            ])?;
            for ch in &t.changes {
                c.write_record([
                    csv_cell(&ch.code),
                    csv_cell(&ch.rule),
                    csv_cell(&ch.term),
                    ch.decided.to_string(),
                    ch.accepted.to_string(),
                    format!("{:.4}", ch.interval.0),
                    format!("{:.4}", ch.interval.1),
                    ch.only.to_string(),
                    csv_cell(&action(&ch.action)),
                ])?;
            }
            c.flush()
        }
        Format::Table => tuned_table(w, t, cfg, wrote),
    }
}

/// [`tuned`] as text: the diff, the terms and what was done, the expected change per code,
/// and what was written.
fn tuned_table(
    w: &mut dyn Write,
    t: &quarry::review::tune::Tuned,
    cfg: &quarry::review::tune::TuneConfig,
    wrote: Option<&std::path::Path>,
) -> io::Result<()> {
    if t.changes.is_empty() {
        return writeln!(
            w,
            "{}: no term's {}% precision interval lies below {}; nothing to tune \
             (`quarry rules --codebook {} --worst` shows how many decisions each term has).",
            sanitize(&t.codebook, true),
            quarry::review::tune::percent(cfg.confidence),
            cfg.below,
            sanitize(&t.codebook, true)
        );
    }
    writeln!(w, "{}", sanitize(&t.diff, false))?;
    writeln!(
        w,
        "Terms whose {}% interval lies below {}:",
        quarry::review::tune::percent(cfg.confidence),
        cfg.below
    )?;
    writeln!(
        w,
        "{:>7} {:>8} {:>11} {:>5}  term (code: rule) -> what was done",
        "decided", "accepted", "interval", "alone"
    )?;
    let rule_col = Column::fit(t.changes.iter().map(|c| c.rule.as_str()), 50);
    for ch in &t.changes {
        writeln!(
            w,
            "{:>7} {:>8} {:>11} {:>5}  {} ({}: {}) -> {}",
            ch.decided,
            ch.accepted,
            interval(Some(ch.interval)),
            ch.only,
            sanitize(&ch.term, true),
            sanitize(&ch.code, true),
            rule_col.get(&ch.rule),
            sanitize(&action(&ch.action), true)
        )?;
    }
    if !t.codes.is_empty() {
        writeln!(
            w,
            "\nExpected change, from running the tuned rules on each code's suggestions:"
        )?;
        writeln!(
            w,
            "{:>11} {:>11} {:>15} {:>15}  code",
            "suggested", "decided", "accepted", "precision"
        )?;
        for c in &t.codes {
            let (p0, p1) = c.precision();
            writeln!(
                w,
                "{:>11} {:>11} {:>15} {:>15}  {}",
                format!("{}->{}", c.before, c.after),
                format!("{}->{}", c.decided_before.0, c.decided_after.0),
                format!("{}->{}", c.decided_before.1, c.decided_after.1),
                if p0.is_none() && p1.is_none() {
                    "-".to_string()
                } else {
                    format!("{}->{}", opt(p0), opt(p1))
                },
                sanitize(&c.code, true)
            )?;
        }
    }
    match (wrote, &cfg.id) {
        (Some(p), None) => writeln!(
            w,
            "\nWrote {} (the original is unchanged), codebook `{}` version {}. Check it \
             with `quarry codebook check {}`; `quarry suggest --codebook {}` applies it \
             in place of the rules the last run used, and decisions stay. (A later \
             `suggest --codebook {}` by name applies the original again, and says so.)",
            p.display(),
            sanitize(&t.codebook, true),
            sanitize(&t.tuned.1, true),
            p.display(),
            p.display(),
            sanitize(&t.codebook, true)
        ),
        (Some(p), Some(id)) => writeln!(
            w,
            "\nWrote {} (the original is unchanged) as codebook `{}` version {}, a \
             codebook of its own: `quarry suggest --codebook {}` makes its own \
             suggestions, and decisions on `{}` do not carry over to it.",
            p.display(),
            sanitize(id, true),
            sanitize(&t.tuned.1, true),
            p.display(),
            sanitize(&t.codebook, true)
        ),
        (None, _) => writeln!(
            w,
            "\nNothing could be changed automatically; nothing was written."
        ),
    }
}

/// Prints `quarry agreement`: per code and overall ("–" where no unit was judged by both,
/// with a sentence why), then each disagreement with its quote, code and both decisions.
pub fn agreement(
    w: &mut dyn Write,
    r: &quarry::review::quality::AgreementReport,
    labels: &Labels,
    format: Format,
) -> io::Result<()> {
    match format {
        Format::Json => writeln!(w, "{}", serde_json::to_string_pretty(r)?),
        Format::Jsonl => writeln!(w, "{}", serde_json::to_string(r)?),
        Format::Csv => {
            let mut c = csv::Writer::from_writer(w);
            c.write_record(["code", "units", "agreed", "percent", "kappa", "alpha"])?;
            let mut row = |code: &str, a: &quarry::review::stats::Agreement| {
                c.write_record([
                    csv_cell(code),
                    a.units.to_string(),
                    a.agreed.to_string(),
                    a.percent().map_or(String::new(), |p| format!("{p:.1}")),
                    a.kappa.map_or(String::new(), |v| format!("{v:.4}")),
                    a.alpha.map_or(String::new(), |v| format!("{v:.4}")),
                ])
            };
            for x in &r.codes {
                row(&x.code, &x.agreement)?;
            }
            row("(overall)", &r.overall)?;
            c.flush()
        }
        Format::Table => {
            writeln!(
                w,
                "{}: {} and {}, over the (segment, code) pairs both judged",
                sanitize(&r.codebook, true),
                sanitize(&r.first, true),
                sanitize(&r.second, true)
            )?;
            writeln!(
                w,
                "{:>6} {:>8} {:>6} {:>6}  code",
                "units", "agree", "kappa", "alpha"
            )?;
            let line = |w: &mut dyn Write, code: &str, a: &quarry::review::stats::Agreement| {
                writeln!(
                    w,
                    "{:>6} {:>8} {:>6} {:>6}  {}",
                    a.units,
                    a.percent().map_or("–".to_string(), |p| format!("{p:.1}%")),
                    opt(a.kappa),
                    opt(a.alpha),
                    sanitize(code, true)
                )
            };
            let names = labels.codes(
                r.codes
                    .iter()
                    .map(|x| (r.codebook.as_str(), x.code.as_str())),
            );
            for (x, name) in r.codes.iter().zip(&names) {
                line(w, name, &x.agreement)?;
            }
            line(w, "(overall)", &r.overall)?;
            if r.overall.units == 0 {
                writeln!(
                    w,
                    "\nNo (segment, code) pair was judged by both, so there is nothing to agree \
                     or disagree on yet: {} judged {} and {} judged {} in {}.",
                    sanitize(&r.first, true),
                    r.judged.0,
                    sanitize(&r.second, true),
                    r.judged.1,
                    sanitize(&r.codebook, true)
                )?;
            }
            if !r.disagreements.is_empty() {
                const QUOTE: usize = 160;
                writeln!(w, "\nTo discuss ({}):", r.disagreements.len())?;
                for d in &r.disagreements {
                    let len = d.text.chars().count();
                    writeln!(
                        w,
                        "  #{} {} · {}",
                        d.segment,
                        sanitize(&d.document, true),
                        sanitize(&labels.code(&r.codebook, &d.code), true)
                    )?;
                    writeln!(
                        w,
                        "    \"{}\"{}",
                        clip(&sanitize(&d.text, true), QUOTE),
                        if len > QUOTE {
                            format!(
                                " (first {} of {len} characters; `quarry show '#{}'` shows it whole)",
                                QUOTE - 1,
                                d.segment
                            )
                        } else {
                            String::new()
                        }
                    )?;
                    writeln!(
                        w,
                        "    {}: {} · {}: {}",
                        sanitize(&r.first, true),
                        sanitize(&d.first_decision, true),
                        sanitize(&r.second, true),
                        sanitize(&d.second_decision, true)
                    )?;
                }
            }
            Ok(())
        }
    }
}

/// Prints `quarry learn`.
pub fn learned(
    w: &mut dyn Write,
    books: &[quarry::ops::review::Learned],
    format: Format,
) -> io::Result<()> {
    match format {
        Format::Json => return writeln!(w, "{}", serde_json::to_string_pretty(books)?),
        Format::Jsonl => {
            return books
                .iter()
                .try_for_each(|b| writeln!(w, "{}", serde_json::to_string(b)?))
        }
        Format::Csv => {
            let mut c = csv::Writer::from_writer(w);
            c.write_record([
                "codebook", "code", "decided", "accepted", "learned", "raises", "lowers",
            ])?;
            for b in books {
                for code in &b.codes {
                    let list = |r: &[quarry::review::learn::Reason]| {
                        csv_cell(
                            &r.iter()
                                .map(ToString::to_string)
                                .collect::<Vec<_>>()
                                .join("; "),
                        )
                    };
                    c.write_record([
                        csv_cell(&b.codebook),
                        csv_cell(&code.code),
                        code.decided.to_string(),
                        code.accepted.to_string(),
                        code.learned.to_string(),
                        list(&code.raises),
                        list(&code.lowers),
                    ])?;
                }
            }
            return c.flush();
        }
        Format::Table => {}
    }
    let min = quarry::review::learn::MIN_DECISIONS;
    if books.is_empty() {
        writeln!(
            w,
            "Nothing to learn from yet: no codebook has suggestions (`quarry suggest --codebook NAME`)."
        )?;
    }
    for b in books {
        let learned = b.codes.iter().filter(|c| c.learned).count();
        writeln!(
            w,
            "Codebook {}: {} decisions; {learned} codes with predictions, {} with fewer than {min} decisions.",
            sanitize(&b.codebook, true),
            b.decisions,
            b.codes.len() - learned,
        )?;
        match &b.validation {
            Some(v) => writeln!(
                w,
                "On decisions it was not fitted on ({} folds, {} decisions, {} accepted): AUC {:.2} \
                 (0.5 is chance), {:.0}% right at even odds against {:.0}% by always giving the \
                 more common verdict.",
                v.folds,
                v.decisions,
                v.accepted,
                v.auc,
                v.accuracy * 100.0,
                v.baseline * 100.0
            )?,
            None => writeln!(
                w,
                "Not checked: the codes with predictions need both accepted and rejected decisions."
            )?,
        }
        writeln!(
            w,
            "Undecided suggestions: {}, of which {} get a prediction (`quarry review --order \
             likely`, `quarry list suggestions --format jsonl`).",
            b.undecided, b.predicted
        )?;
        for c in &b.codes {
            writeln!(
                w,
                "\n  {}: {} decided, {} accepted{}",
                sanitize(&c.code, true),
                c.decided,
                c.accepted,
                if c.learned {
                    ""
                } else {
                    " (no predictions yet)"
                }
            )?;
            for (label, list) in [("raises", &c.raises), ("lowers", &c.lowers)] {
                if !list.is_empty() {
                    let text = list
                        .iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join("; ");
                    writeln!(w, "    {label}: {}", sanitize(&text, true))?;
                }
            }
        }
        writeln!(w)?;
    }
    Ok(())
}

/// Prints `codebook propose`: the terms proposed per code with their evidence, and where the
/// new version went.
pub fn proposed(
    w: &mut dyn Write,
    p: &quarry::review::propose::Proposed,
    wrote: Option<&std::path::Path>,
    format: Format,
) -> io::Result<()> {
    match format {
        Format::Json => return writeln!(w, "{}", serde_json::to_string_pretty(p)?),
        Format::Jsonl => {
            return p
                .proposals
                .iter()
                .try_for_each(|x| writeln!(w, "{}", serde_json::to_string(x)?))
        }
        Format::Csv => {
            let mut c = csv::Writer::from_writer(w);
            c.write_record([
                "code",
                "rule",
                "confirmed",
                "unsuggested",
                "decided",
                "precision",
                "low",
                "high",
                "corpus",
                "segment",
                "example",
            ])?;
            for x in &p.proposals {
                c.write_record([
                    csv_cell(&x.code),
                    csv_cell(&x.rule),
                    x.confirmed.to_string(),
                    x.unsuggested.to_string(),
                    x.decided.to_string(),
                    format!("{:.3}", x.precision),
                    format!("{:.3}", x.interval.0),
                    format!("{:.3}", x.interval.1),
                    x.corpus.to_string(),
                    x.segment.to_string(),
                    csv_cell(&x.example),
                ])?;
            }
            return c.flush();
        }
        Format::Table => {}
    }
    if p.proposals.is_empty() {
        return writeln!(
            w,
            "No term to propose for {}: no word or phrase is in enough confirmed segments with \
             enough precision. Decide more suggestions (or `review --unsuggested`), or lower \
             --min-confirmed / --min-precision. Nothing was written.",
            sanitize(&p.codebook, true)
        );
    }
    let mut last = "";
    for x in &p.proposals {
        if x.code != last {
            writeln!(w, "\n{}", sanitize(&x.code, true))?;
            last = &x.code;
        }
        writeln!(
            w,
            "  {:24} {:>3} of {:<3} decided ({:.2}, 95% {:.2}-{:.2}), {} by hand; {} in the project",
            sanitize(&x.rule, true),
            x.confirmed,
            x.decided,
            x.precision,
            x.interval.0,
            x.interval.1,
            x.unsuggested,
            x.corpus
        )?;
        writeln!(
            w,
            "      e.g. #{} {}",
            x.segment,
            clip(&sanitize(&x.example, true), 100)
        )?;
    }
    if let Some(path) = wrote {
        writeln!(
            w,
            "\nWrote {} (version {}): {} terms added, each with its evidence in a comment. \
             Keep or delete each, then `quarry suggest --codebook {}` applies them.",
            path.display(),
            sanitize(&p.version, true),
            p.proposals.len(),
            path.display()
        )?;
    }
    Ok(())
}

/// Prints `quarry discover`.
pub fn discovered(
    w: &mut dyn Write,
    d: &quarry::review::discover::Discovery,
    top: usize,
    format: Format,
) -> io::Result<()> {
    match format {
        Format::Json => return writeln!(w, "{}", serde_json::to_string_pretty(d)?),
        Format::Jsonl => {
            return d
                .clusters
                .iter()
                .try_for_each(|c| writeln!(w, "{}", serde_json::to_string(c)?))
        }
        Format::Csv => {
            let mut c = csv::Writer::from_writer(w);
            c.write_record(["cluster", "term", "uncovered", "covered", "g2", "segments"])?;
            for cl in &d.clusters {
                for t in &cl.terms {
                    c.write_record([
                        cl.number.to_string(),
                        csv_cell(&t.rule),
                        t.uncovered.to_string(),
                        t.covered.to_string(),
                        format!("{:.1}", t.g2),
                        cl.segments.to_string(),
                    ])?;
                }
            }
            return c.flush();
        }
        Format::Table => {}
    }
    writeln!(
        w,
        "{} of {} in-scope segments have no suggestion and no code from {}.",
        d.uncovered,
        d.in_scope,
        sanitize(&d.codebook, true)
    )?;
    if d.clusters.is_empty() {
        return writeln!(
            w,
            "No word or phrase stands out among them (each must be in at least --min-segments \
             of them and relatively more frequent there than where codes reached)."
        );
    }
    for c in &d.clusters {
        let terms: Vec<String> = c
            .terms
            .iter()
            .map(|t| format!("{} ({})", t.rule, t.uncovered))
            .collect();
        writeln!(
            w,
            "\nCluster {}: {} segments\n  terms: {}",
            c.number,
            c.segments,
            sanitize(&terms.join(", "), true)
        )?;
        for (id, doc, text) in &c.examples {
            writeln!(
                w,
                "  #{id} {}: {}",
                sanitize(doc, true),
                clip(&sanitize(text, true), 160)
            )?;
        }
    }
    writeln!(
        w,
        "\nA cluster as a draft code: `quarry codebook new NAME --from-cluster N --codebook {} \
         --top {top}` (several: N,M).",
        sanitize(&d.codebook, true)
    )
}
