//! The self-contained HTML report for steering groups: one file with inline CSS and inline
//! SVG charts (nothing fetched, no scripts), readable offline and printable on A4, in
//! English or Swedish. Order: the verdict per year, the charts, tables by gender, the
//! scenario's assumptions with their comments, and a note on the method.

use std::fmt::Write;

use super::charts::{self, ChartError};
use super::figures::{figures, target_text, thousands};
use super::lang::{Lang, Texts};
use super::table::{cell, metric_row};
use crate::scenario::comments::Parameter;
use crate::stats::{Summary, TargetResult};

/// What the report is made from.
#[derive(Debug, Clone, Copy)]
pub struct ReportInput<'a> {
    /// The run's results.
    pub summary: &'a Summary,
    /// Every scenario parameter with its comment.
    pub parameters: &'a [Parameter],
    /// Where the scenario came from.
    pub origin: &'a str,
    /// Language.
    pub lang: Lang,
}

/// Escapes text for HTML.
pub fn esc(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A probability in words: "63 %", never 100 % or 0 % unless exact.
fn pct(p: f64) -> String {
    charts::percent_label(p).replace('%', "\u{a0}%")
}

/// A standard error in percentage points: one decimal below 1.
fn se_text(se: f64) -> String {
    let v = se * 100.0;
    if v < 1.0 {
        format!("{v:.1}\u{a0}%")
    } else {
        format!("{v:.0}\u{a0}%")
    }
}

fn last_year(t: &TargetResult) -> Option<i32> {
    t.year
        .or_else(|| t.years.as_ref().and_then(|y| y.iter().max().copied()))
}

/// The plain-language verdict: per year, each target ending that year, then the
/// escalating goal of that year.
pub fn verdicts(s: &Summary, lang: Lang) -> Vec<String> {
    let t = Texts::of(lang);
    let mut out = Vec::new();
    for y in &s.years {
        for tr in s.targets.iter().filter(|tr| last_year(tr) == Some(y.year)) {
            let mut v = t
                .verdict_sentence
                .replace("{target}", &upper_first(&target_text(tr, lang)))
                .replace("{p}", &pct(tr.probability))
                .replace("{se}", &se_text(tr.se));
            // The readings by their labels, and only where they differ as shown.
            if let Some(by) = &tr.by_reading {
                let label = |id: &str| {
                    let note = s.calibration.as_ref();
                    let r = note.and_then(|c| c.readings.iter().find(|r| r.id == id));
                    r.map_or(id.to_string(), |r| r.label.clone())
                };
                let shown: Vec<String> = by.values().map(|r| pct(r.probability)).collect();
                if shown.iter().any(|p| *p != shown[0]) {
                    let list: Vec<String> = by
                        .keys()
                        .zip(&shown)
                        .map(|(id, p)| format!("{}: {p}", label(id)))
                        .collect();
                    v.push(' ');
                    v.push_str(&t.verdict_readings.replace("{list}", &list.join("; ")));
                }
            }
            out.push(v);
        }
        if let Some(e) = &s.escalating_goals {
            if let Some(ey) = e.years.iter().find(|ey| ey.year == y.year) {
                let step = e.step[0];
                let find = |reading: &str| {
                    ey.checks
                        .iter()
                        .find(|c| c.reading == reading && c.step == step)
                };
                if let (Some(pp), Some(rel)) = (find("percentage_points"), find("relative_percent"))
                {
                    out.push(
                        t.verdict_escalating
                            .replace("{year}", &y.year.to_string())
                            .replace("{goal}", &format!("{:.1}\u{a0}%", pp.goal * 100.0))
                            .replace("{step}", &format!("{step}"))
                            .replace("{p}", &pct(pp.probability))
                            .replace("{prel}", &pct(rel.probability)),
                    );
                }
            }
        }
    }
    out
}

/// What the run's probabilities rest on, where its draws come from a calibration.
pub fn calibrated_to(s: &Summary, lang: Lang) -> Option<String> {
    let c = s.calibration.as_ref()?;
    let readings: Vec<String> = c
        .readings
        .iter()
        .map(|r| format!("{} ({}, {})", r.id, r.label, pct(r.share)))
        .collect();
    Some(
        Texts::of(lang)
            .calibrated_to
            .replace("{source}", &c.source)
            .replace("{draws}", &c.draws.to_string())
            .replace("{readings}", &readings.join("; ")),
    )
}

fn upper_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

/// The method note's paragraphs.
pub fn method_note(s: &Summary, lang: Lang) -> Vec<String> {
    let t = Texts::of(lang);
    t.method_text
        .iter()
        .map(|p| {
            p.replace("{reps}", &thousands(s.replications as f64, lang))
                .replace("{seed}", &s.seed.to_string())
                .replace("{version}", s.tool_version)
                .replace(
                    "{uncertainty}",
                    if s.parameter_uncertainty {
                        t.uncertainty_on
                    } else {
                        t.uncertainty_off
                    },
                )
        })
        .collect()
}

const CSS: &str = "
body { font-family: 'DejaVu Sans', 'Segoe UI', Arial, sans-serif; color: #222; margin: 2em auto; max-width: 60em; padding: 0 1em; line-height: 1.45; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; }
h2 { font-size: 1.25em; border-bottom: 2px solid #1f5ea0; padding-bottom: 0.2em; margin-top: 1.8em; }
h3 { font-size: 1.05em; margin-top: 1.4em; }
.subtitle { color: #555; margin-top: 0; }
.verdict { background: #f3f7fb; border-left: 5px solid #1f5ea0; padding: 0.6em 1.2em; }
.calibration { font-size: 0.9em; color: #333; margin: 0.8em 0 0 0; }
.verdict li { margin: 0.35em 0; }
figure { margin: 1.2em 0; page-break-inside: avoid; break-inside: avoid; }
figure svg { max-width: 100%; height: auto; display: block; }
figcaption { font-size: 0.9em; color: #444; margin-top: 0.3em; }
.row { display: flex; flex-wrap: wrap; gap: 1em; }
.row figure { flex: 1 1 20em; }
table { border-collapse: collapse; font-size: 0.85em; margin: 0.6em 0; width: 100%; }
th, td { border-bottom: 1px solid #ddd; padding: 0.25em 0.5em; text-align: right; vertical-align: top; }
th:first-child, td:first-child, td.text { text-align: left; }
tr.sub td:first-child { padding-left: 1.5em; color: #555; }
thead th { background: #eef2f6; }
.assumptions td { text-align: left; }
.assumptions td.value { font-family: 'DejaVu Sans Mono', monospace; white-space: pre-wrap; word-break: break-word; }
.small { font-size: 0.85em; color: #555; }
@page { size: A4; margin: 15mm; }
@media print { body { margin: 0; max-width: none; font-size: 10pt; } h2 { page-break-after: avoid; } table { page-break-inside: auto; } tr { page-break-inside: avoid; } }
";

/// The report as one HTML document.
pub fn html(input: ReportInput<'_>) -> Result<String, ChartError> {
    let s = input.summary;
    let lang = input.lang;
    let t = Texts::of(lang);
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"{}\">\n<head>\n<meta charset=\"utf-8\"/>\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n<title>{} — {}</title>\n<style>{CSS}</style>\n</head>\n<body>\n",
        lang.code(),
        esc(&s.scenario),
        esc(t.report_title)
    );
    let _ = writeln!(out, "<h1>{}</h1>", esc(&s.scenario));
    let _ = writeln!(
        out,
        "<p class=\"subtitle\">{} · {} · kraftsim {}</p>",
        esc(t.report_title),
        esc(input.origin),
        esc(s.tool_version)
    );

    let _ = writeln!(out, "<h2>{}</h2>\n<ul class=\"verdict\">", esc(t.verdict));
    for v in verdicts(s, lang) {
        let _ = writeln!(out, "<li>{}</li>", esc(&v));
    }
    let _ = writeln!(out, "</ul>");
    if let Some(note) = calibrated_to(s, lang) {
        let _ = writeln!(out, "<p class=\"calibration\">{}</p>", esc(&note));
    }

    let _ = writeln!(out, "<h2>{}</h2>", esc(t.charts));
    let figs = figures(s, lang);
    let mut in_row = false;
    for f in &figs {
        let small = matches!(
            f.figure,
            super::figures::Figure::Histogram(_) | super::figures::Figure::Years(_)
        );
        if small && !in_row {
            let _ = writeln!(out, "<div class=\"row\">");
            in_row = true;
        } else if !small && in_row {
            let _ = writeln!(out, "</div>");
            in_row = false;
        }
        let svg = charts::svg(&f.figure)?;
        let _ = writeln!(
            out,
            "<figure id=\"{}\">\n{}\n<figcaption>{}</figcaption>\n</figure>",
            esc(&f.name),
            svg.trim(),
            esc(&f.caption)
        );
    }
    if in_row {
        let _ = writeln!(out, "</div>");
    }

    let _ = writeln!(out, "<h2>{}</h2>", esc(t.tables));
    yearly_table(&mut out, s, lang);
    targets_table(&mut out, s, lang);
    escalating_table(&mut out, s, lang);

    let _ = writeln!(
        out,
        "<h2>{}</h2>\n<p class=\"small\">{}</p>\n<table class=\"assumptions\">\n<thead><tr>",
        esc(t.assumptions),
        esc(t.assumptions_intro)
    );
    for h in t.assumption_headers {
        let _ = write!(out, "<th>{}</th>", esc(h));
    }
    let _ = writeln!(out, "</tr></thead>\n<tbody>");
    for p in input.parameters {
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td class=\"value\">{}</td><td>{}</td><td class=\"small\">{}</td></tr>",
            esc(&p.path),
            esc(&p.value),
            esc(&p.comment),
            esc(&p.source)
        );
    }
    let _ = writeln!(out, "</tbody>\n</table>");

    let _ = writeln!(out, "<h2>{}</h2>", esc(t.method));
    for p in method_note(s, lang) {
        let _ = writeln!(out, "<p>{}</p>", esc(&p));
    }
    out.push_str("</body>\n</html>\n");
    Ok(out)
}

fn yearly_table(out: &mut String, s: &Summary, lang: Lang) {
    let t = Texts::of(lang);
    let _ = writeln!(
        out,
        "<p class=\"small\">{}</p>\n<table>\n<thead><tr><th></th>",
        esc(t.table_caption)
    );
    for y in &s.years {
        let _ = write!(out, "<th>{}</th>", y.year);
    }
    let _ = writeln!(out, "</tr></thead>\n<tbody>");
    for (id, label) in t.metric_rows() {
        let Some((_, unit)) = metric_row(id) else {
            continue;
        };
        if !s.years.iter().any(|y| y.metrics.contains_key(*id)) {
            continue;
        }
        for (who, name, class) in [
            (0, upper_first(label), ""),
            (1, t.women.to_string(), " class=\"sub\""),
            (2, t.men.to_string(), " class=\"sub\""),
        ] {
            let _ = write!(out, "<tr{class}><td>{}</td>", esc(&name));
            for y in &s.years {
                let d = y.metrics.get(*id).and_then(|m| match who {
                    0 => m.all.as_ref(),
                    1 => m.women.as_ref(),
                    _ => m.men.as_ref(),
                });
                let _ = write!(out, "<td>{}</td>", esc(&cell(d, unit)));
            }
            let _ = writeln!(out, "</tr>");
        }
    }
    let _ = writeln!(out, "</tbody>\n</table>");
}

fn targets_table(out: &mut String, s: &Summary, lang: Lang) {
    if s.targets.is_empty() {
        return;
    }
    let t = Texts::of(lang);
    let _ = writeln!(
        out,
        "<h3>{}</h3>\n<table>\n<thead><tr><th>{}</th><th>{}</th><th>{}</th></tr></thead>\n<tbody>",
        esc(t.targets),
        esc(t.targets),
        esc(t.probability),
        esc(t.mean)
    );
    for tr in &s.targets {
        let mean = if tr.metric == "positive_share" {
            format!("{:.1}\u{a0}%", tr.mean * 100.0)
        } else {
            format!("{:.1}", tr.mean)
        };
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td>{} ± {}</td><td>{}</td></tr>",
            esc(&upper_first(&target_text(tr, lang))),
            pct(tr.probability),
            se_text(tr.se),
            mean
        );
    }
    let _ = writeln!(out, "</tbody>\n</table>");
}

fn escalating_table(out: &mut String, s: &Summary, lang: Lang) {
    let Some(e) = &s.escalating_goals else {
        return;
    };
    let t = Texts::of(lang);
    let _ = writeln!(
        out,
        "<h3>{}</h3>\n<table>\n<thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th></th></tr></thead>\n<tbody>",
        esc(t.escalating),
        esc(t.year),
        esc(t.share),
        esc(t.goal),
        esc(t.probability),
        esc(t.women),
        esc(t.men),
        esc(t.step_probability),
    );
    for y in &e.years {
        for c in &y.checks {
            let reading = if c.reading == "percentage_points" {
                format!("+{} {}", c.step, t.pp)
            } else {
                format!("+{} % {}", c.step, t.relative)
            };
            let _ = writeln!(
                out,
                "<tr><td>{}</td><td>{}</td><td>{:.1}\u{a0}%</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"text\">{}</td></tr>",
                y.year,
                y.share
                    .map_or("–".into(), |d| format!("{:.1}\u{a0}%", d.p50 * 100.0)),
                c.goal * 100.0,
                pct(c.probability),
                pct(c.probability_women),
                pct(c.probability_men),
                c.step_probability.map_or("–".into(), pct),
                esc(&reading)
            );
        }
    }
    let _ = writeln!(out, "</tbody>\n</table>");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::fixture;

    fn page(lang: Lang) -> String {
        let params = vec![Parameter {
            path: "teams.count".into(),
            value: "10".into(),
            comment: "domain: 10 teams <before> 2025".into(),
            source: "built-in:malmo".into(),
        }];
        html(ReportInput {
            summary: &fixture::summary(),
            parameters: &params,
            origin: "test.toml",
            lang,
        })
        .unwrap()
    }

    /// Parses the page as XML (stricter than HTML: every element closed, every `&`
    /// escaped) and returns the element names and all text.
    fn parse(page: &str) -> (Vec<String>, String) {
        use quick_xml::events::Event;
        let mut reader = quick_xml::Reader::from_str(page);
        let mut names = Vec::new();
        let mut text = String::new();
        loop {
            match reader.read_event() {
                Ok(Event::Start(e)) | Ok(Event::Empty(e)) => {
                    names.push(String::from_utf8_lossy(e.name().as_ref()).into_owned())
                }
                Ok(Event::Text(t)) => {
                    text.push_str(&t.decode().unwrap());
                    text.push(' ');
                }
                Ok(Event::GeneralRef(r)) => {
                    text.push_str(&format!("&{};", String::from_utf8_lossy(&r)))
                }
                Ok(Event::Eof) => break,
                Err(e) => panic!("not well-formed at {}: {e}", reader.buffer_position()),
                _ => {}
            }
        }
        (names, text)
    }

    #[test]
    fn report_parses_and_has_every_chart_target_and_section() {
        for lang in [Lang::En, Lang::Sv] {
            let p = page(lang);
            let (names, text) = parse(&p);
            assert_eq!(names.iter().filter(|n| *n == "svg").count(), 8, "{lang:?}");
            assert!(!p.contains("<script"), "no scripts");
            assert!(
                !p.contains("http://")
                    || p.matches("http://").count()
                        == p.matches("xmlns=\"http://www.w3.org/2000/svg\"").count(),
                "nothing fetched"
            );
            let t = Texts::of(lang);
            for heading in [t.verdict, t.charts, t.tables, t.assumptions, t.method] {
                assert!(text.contains(heading), "{lang:?}: missing {heading}");
            }
            for tr in &fixture::summary().targets {
                assert!(
                    text.contains(&upper_first(&target_text(tr, lang))),
                    "{lang:?}"
                );
            }
            assert!(
                p.contains("domain: 10 teams &lt;before&gt; 2025"),
                "escaped comment"
            );
        }
    }

    #[test]
    fn verdicts_read_as_sentences_in_both_languages() {
        let s = fixture::summary();
        assert_eq!(
            verdicts(&s, Lang::En),
            [
                "350 exits to work or studies in 2025: reached in 63\u{a0}% ± 0.5\u{a0}% of simulated futures. Under each reading: the short reading: 67\u{a0}%; the long reading: 57\u{a0}%.",
                "2025: the escalating goal (40.0\u{a0}% of exits to work or studies with +3 percentage points a year) is reached in 97\u{a0}% of futures; read as +3 % a year, 97\u{a0}%.",
                "400 exits to work or studies in 2026: reached in 50\u{a0}% ± 0.5\u{a0}% of simulated futures. Under each reading: the short reading: 55\u{a0}%; the long reading: 45\u{a0}%.",
                "800 exits to work or studies in 2025–2026 combined: reached in 41\u{a0}% ± 0.5\u{a0}% of simulated futures. Under each reading: the short reading: 47\u{a0}%; the long reading: 37\u{a0}%.",
                "2026: the escalating goal (43.0\u{a0}% of exits to work or studies with +3 percentage points a year) is reached in 81\u{a0}% of futures; read as +3 % a year, 93\u{a0}%.",
            ]
        );
        assert_eq!(
            verdicts(&s, Lang::Sv)[2],
            "400 avslut mot arbete eller studier under 2026: nås i 50\u{a0}% ± 0.5\u{a0}% av de simulerade framtiderna. Per tolkning: the short reading: 55\u{a0}%; the long reading: 45\u{a0}%."
        );
    }

    #[test]
    fn the_first_page_says_what_the_probabilities_rest_on() {
        let s = fixture::summary();
        let page = page(Lang::En);
        let note = calibrated_to(&s, Lang::En).unwrap();
        assert!(
            note.contains("calibrated to kraftsim fit --facts facts.toml"),
            "{note}"
        );
        assert!(note.contains("40 draws"), "{note}");
        assert!(
            note.contains("short (the short reading, 50\u{a0}%)"),
            "{note}"
        );
        let at = |needle: &str| {
            page.find(needle)
                .unwrap_or_else(|| panic!("{needle} missing"))
        };
        let charts = format!("<h2>{}</h2>", Texts::of(Lang::En).charts);
        assert!(at("class=\"verdict\"") < at("class=\"calibration\""));
        assert!(
            at("class=\"calibration\"") < at(&charts),
            "right after the verdict"
        );
        // Readings that show the same probability are not listed.
        let mut same = s.clone();
        for r in same.targets[0].by_reading.as_mut().unwrap().values_mut() {
            r.probability = 0.634;
        }
        assert!(!verdicts(&same, Lang::En)[0].contains("Under each reading"));
        let mut plain = s.clone();
        plain.calibration = None;
        assert_eq!(calibrated_to(&plain, Lang::Sv), None);
    }

    #[test]
    fn method_note_states_replications_seed_and_version() {
        let s = fixture::summary();
        let en = method_note(&s, Lang::En).join("\n");
        assert!(en.contains("10,000 replications with seed 7"), "{en}");
        assert!(en.contains("kraftsim 0.0.0-test"));
        assert!(en.contains("parameter uncertainty was on"));
        let sv = method_note(&s, Lang::Sv).join("\n");
        assert!(sv.contains("10\u{a0}000 replikeringar med frö 7"), "{sv}");
    }
}
