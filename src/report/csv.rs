//! CSV outputs (RFC 4180): annual summary, monthly summary, per-team caseload, targets,
//! escalating goals and group means, each a pure function to bytes.

use crate::stats::{Dist, Summary};

/// A CSV writer into memory.
pub(crate) fn writer() -> csv::Writer<Vec<u8>> {
    csv::Writer::from_writer(Vec::new())
}

/// The bytes written.
pub(crate) fn finish(w: csv::Writer<Vec<u8>>) -> Vec<u8> {
    w.into_inner().expect("writing to memory cannot fail")
}

/// A number, empty when not finite.
pub(crate) fn num(v: f64) -> String {
    if v.is_finite() {
        format!("{v}")
    } else {
        String::new()
    }
}

fn dist_fields(d: Option<&Dist>) -> Vec<String> {
    match d {
        Some(d) => vec![num(d.mean), num(d.sd), num(d.p5), num(d.p50), num(d.p95)],
        None => vec![String::new(); 5],
    }
}

/// How CSV files are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CsvDialect {
    /// RFC 4180: comma-separated, decimal point, no byte-order mark.
    #[default]
    Rfc4180,
    /// For Swedish Excel: semicolon-separated, decimal comma, UTF-8 byte-order mark, so a
    /// double-click opens the file with the right columns and numbers.
    ExcelSv,
}

/// Rewrites RFC 4180 CSV bytes in `dialect`. Fields that are numbers get a decimal comma
/// in `excel-sv`; a text field that a spreadsheet would run as a formula (starting with
/// `=`, `+`, `-`, `@`, a tab or a carriage return: a scenario's label, a group or category
/// name) gets a leading `'` in both dialects, so it is shown, never run.
pub fn in_dialect(rfc: &[u8], dialect: CsvDialect) -> Vec<u8> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(rfc);
    let mut w = match dialect {
        CsvDialect::Rfc4180 => csv::WriterBuilder::new()
            .flexible(true)
            .from_writer(Vec::new()),
        CsvDialect::ExcelSv => csv::WriterBuilder::new()
            .delimiter(b';')
            .flexible(true)
            .from_writer(Vec::from("\u{feff}".as_bytes())),
    };
    for record in reader.records() {
        let record = record.expect("kraftsim's own CSV parses");
        let fields: Vec<String> = record
            .iter()
            .map(|f| {
                let number = f.parse::<f64>().is_ok();
                if number && f.contains('.') && dialect == CsvDialect::ExcelSv {
                    f.replace('.', ",")
                } else if !number && f.starts_with(['=', '+', '-', '@', '\t', '\r']) {
                    format!("'{f}")
                } else {
                    f.to_string()
                }
            })
            .collect();
        w.write_record(&fields).expect("in memory");
    }
    finish(w)
}

/// Rewrites the `.csv` files among `files` in `dialect`, leaving other files alone.
pub fn files_in_dialect(
    files: Vec<(std::path::PathBuf, Vec<u8>)>,
    dialect: CsvDialect,
) -> Vec<(std::path::PathBuf, Vec<u8>)> {
    files
        .into_iter()
        .map(|(path, bytes)| {
            if path.extension().is_some_and(|e| e == "csv") {
                let converted = in_dialect(&bytes, dialect);
                (path, converted)
            } else {
                (path, bytes)
            }
        })
        .collect()
}

/// `annual.csv`: one row per year, metric and gender (`all`, `women`, `men`).
pub fn annual(s: &Summary) -> Vec<u8> {
    let mut w = writer();
    w.write_record(["year", "metric", "gender", "mean", "sd", "p5", "p50", "p95"])
        .expect("in memory");
    for y in &s.years {
        for (name, m) in &y.metrics {
            for (who, d) in [("all", &m.all), ("women", &m.women), ("men", &m.men)] {
                if who != "all" && d.is_none() {
                    continue;
                }
                let mut row = vec![y.year.to_string(), name.clone(), who.to_string()];
                row.extend(dist_fields(d.as_ref()));
                w.write_record(&row).expect("in memory");
            }
        }
    }
    finish(w)
}

/// `monthly.csv`: one row per month and series: mean and P5/P50/P95.
pub fn monthly(s: &Summary) -> Vec<u8> {
    let mut w = writer();
    w.write_record(["month", "series", "mean", "p5", "p25", "p50", "p75", "p95"])
        .expect("in memory");
    for m in &s.monthly {
        for (name, q) in &m.series {
            w.write_record([
                m.month.clone(),
                name.clone(),
                num(q.mean),
                num(q.p5),
                num(q.p25),
                num(q.p50),
                num(q.p75),
                num(q.p95),
            ])
            .expect("in memory");
        }
    }
    finish(w)
}

/// `teams.csv`: mean caseload of each team in each month.
pub fn teams(s: &Summary) -> Vec<u8> {
    let mut w = writer();
    w.write_record(["month", "team", "mean_caseload"])
        .expect("in memory");
    for m in &s.monthly {
        for (t, v) in m.team_caseload_mean.iter().enumerate() {
            w.write_record([m.month.clone(), t.to_string(), num(*v)])
                .expect("in memory");
        }
    }
    finish(w)
}

/// `targets.csv`: one row per target with its probability and standard error.
pub fn targets(s: &Summary) -> Vec<u8> {
    let mut w = writer();
    w.write_record([
        "metric",
        "years",
        "direction",
        "threshold",
        "gender",
        "label",
        "mean",
        "probability",
        "se",
    ])
    .expect("in memory");
    for t in &s.targets {
        let years = match (&t.year, &t.years) {
            (Some(y), _) => y.to_string(),
            (_, Some(ys)) => ys
                .iter()
                .map(|y| y.to_string())
                .collect::<Vec<_>>()
                .join("+"),
            _ => String::new(),
        };
        w.write_record([
            t.metric.clone(),
            years,
            t.direction.to_string(),
            num(t.threshold),
            t.gender.unwrap_or("all").to_string(),
            t.label.clone(),
            num(t.mean),
            num(t.probability),
            num(t.se),
        ])
        .expect("in memory");
    }
    finish(w)
}

/// `escalating_goals.csv`: the goal checks per year, reading and step.
pub fn escalating(s: &Summary) -> Option<Vec<u8>> {
    let e = s.escalating_goals.as_ref()?;
    let mut w = writer();
    w.write_record([
        "year",
        "reading",
        "step",
        "goal",
        "probability",
        "se",
        "probability_women",
        "probability_men",
        "step_probability",
    ])
    .expect("in memory");
    for y in &e.years {
        for c in &y.checks {
            w.write_record([
                y.year.to_string(),
                c.reading.to_string(),
                num(c.step),
                num(c.goal),
                num(c.probability),
                num(c.se),
                num(c.probability_women),
                num(c.probability_men),
                c.step_probability.map(num).unwrap_or_default(),
            ])
            .expect("in memory");
        }
    }
    Some(finish(w))
}

/// `groups.csv`: means per year, group and metric, overall and by gender.
pub fn groups(s: &Summary) -> Vec<u8> {
    let mut w = writer();
    w.write_record(["year", "group", "metric", "mean", "women", "men"])
        .expect("in memory");
    for y in &s.years {
        for (g, metrics) in &y.by_group {
            write_means(&mut w, &[y.year.to_string(), g.clone()], metrics);
        }
    }
    finish(w)
}

/// `attributes.csv`: means per year, attribute category and metric, overall and by gender
/// (`None` when the scenario has no attributes).
pub fn attributes(s: &Summary) -> Option<Vec<u8>> {
    if s.years.iter().all(|y| y.by_attribute.is_empty()) {
        return None;
    }
    let mut w = writer();
    w.write_record([
        "year",
        "attribute",
        "category",
        "metric",
        "mean",
        "women",
        "men",
    ])
    .expect("in memory");
    for y in &s.years {
        for (a, cats) in &y.by_attribute {
            for (cat, metrics) in cats {
                write_means(
                    &mut w,
                    &[y.year.to_string(), a.clone(), cat.clone()],
                    metrics,
                );
            }
        }
    }
    Some(finish(w))
}

/// One row per metric: the leading fields, then mean, women, men.
fn write_means(
    w: &mut csv::Writer<Vec<u8>>,
    lead: &[String],
    metrics: &indexmap::IndexMap<String, crate::stats::GroupMean>,
) {
    for (name, m) in metrics {
        let mut row = lead.to_vec();
        row.extend([name.clone(), num(m.mean), num(m.women), num(m.men)]);
        w.write_record(row).expect("in memory");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::{MetricSummary, YearSummary};
    use indexmap::IndexMap;

    #[test]
    fn excel_sv_has_bom_semicolons_and_decimal_commas() {
        let rfc = b"month,series,mean\n2025-01,active,12.5\n2025-02,\"a, b\",3\n";
        let sv = in_dialect(rfc, CsvDialect::ExcelSv);
        let text = String::from_utf8(sv).unwrap();
        assert_eq!(
            text,
            "\u{feff}month;series;mean\n2025-01;active;12,5\n2025-02;a, b;3\n"
        );
        assert_eq!(in_dialect(rfc, CsvDialect::Rfc4180), rfc.to_vec());
    }

    #[test]
    fn annual_csv_from_a_hand_built_summary() {
        let mut metrics = IndexMap::new();
        let d = Dist {
            mean: 10.0,
            sd: 1.5,
            p5: 8.0,
            p50: 10.0,
            p95: 12.5,
        };
        metrics.insert(
            "positive_exits".to_string(),
            MetricSummary {
                all: Some(d),
                women: Some(d),
                men: None,
            },
        );
        let s = Summary {
            tool_version: "0",
            scenario: "x".into(),
            replications: 1,
            seed: 1,
            parameter_uncertainty: false,
            precision: None,
            precision_reached: None,
            years: vec![YearSummary {
                year: 2025,
                months: 12,
                metrics,
                by_group: IndexMap::new(),
                by_attribute: IndexMap::new(),
                positive_exits_histogram: None,
            }],
            targets: vec![],
            escalating_goals: None,
            monthly: vec![],
            calibration: None,
        };
        let text = String::from_utf8(annual(&s)).unwrap();
        assert_eq!(
            text,
            "year,metric,gender,mean,sd,p5,p50,p95\n2025,positive_exits,all,10,1.5,8,10,12.5\n2025,positive_exits,women,10,1.5,8,10,12.5\n"
        );
    }

    #[test]
    fn formula_like_text_is_neutralised_in_both_dialects() {
        let rfc = b"label,value\n=HYPERLINK(\"x\"),-0.5\n@SUM(A1),+3\n-rm,1.5\nplain,2\n";
        let plain = String::from_utf8(in_dialect(rfc, CsvDialect::Rfc4180)).unwrap();
        assert_eq!(
            plain,
            "label,value\n\"'=HYPERLINK(\"\"x\"\")\",-0.5\n'@SUM(A1),+3\n'-rm,1.5\nplain,2\n"
        );
        let sv = String::from_utf8(in_dialect(rfc, CsvDialect::ExcelSv)).unwrap();
        assert!(sv.contains("'@SUM(A1);+3"), "{sv}");
        assert!(sv.contains("'-rm;1,5"), "{sv}");
        assert!(sv.contains(";-0,5"), "numbers keep their sign: {sv}");
    }
}
