//! `kraftsim size`: the cheapest configuration that meets the target(s) with the
//! confidence asked for (see [`crate::planning::size`]).

use std::path::PathBuf;

use anyhow::bail;

use super::{Format, SimOptions};
use crate::output;
use crate::planning::size::{size as search, SizeSpec};
use crate::planning::sweep::Dimension;
use crate::report::csv::{self as csv_out, CsvDialect};
use crate::report::{json, size as render};
use crate::scenario::target_expr;

/// Everything `size` needs.
#[derive(Debug, Clone)]
pub struct SizeOptions {
    /// Scenario path or built-in name; `None` = the embedded default.
    pub scenario: Option<String>,
    /// Overrides applied first.
    pub set: Vec<String>,
    /// Targets (expressions), all of which must be met.
    pub targets: Vec<String>,
    /// Required probability.
    pub confidence: f64,
    /// Searched keys: `KEY` (a default range) or `KEY=FROM..TO[:STEP]`.
    pub over: Vec<String>,
    /// Largest acceptable yearly budget, SEK.
    pub budget_max: Option<f64>,
    /// Seed, threads, uncertainty; `replications` = the most per configuration.
    pub sim: SimOptions,
    /// Folder for size.json and size.csv.
    pub out: Option<PathBuf>,
    /// Standard-output format.
    pub format: Format,
    /// How CSV files are written.
    pub csv_dialect: CsvDialect,
}

/// Splits `--over` arguments into dimensions. Commas separate keys (`teams.count,
/// intake.per_team`); a piece that does not start with a letter continues the value list
/// of the key before it (`teams.count=3,4,6`). A key without `=` gets a default range.
pub fn dimensions(
    over: &[String],
    base: &crate::scenario::Scenario,
) -> anyhow::Result<Vec<Dimension>> {
    let mut specs: Vec<String> = Vec::new();
    for arg in over {
        for piece in arg.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let starts_key = piece.starts_with(|c: char| c.is_ascii_alphabetic());
            match specs.last_mut() {
                Some(last) if !starts_key && last.contains('=') => {
                    last.push(',');
                    last.push_str(piece);
                }
                _ => specs.push(piece.to_string()),
            }
        }
    }
    let dims = specs
        .iter()
        .map(|p| {
            if p.contains('=') {
                Dimension::parse(p)
            } else {
                default_range(p, base)
            }
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    if dims.is_empty() {
        bail!("size needs --over KEY, e.g. --over teams.count or --over teams.count=4..20");
    }
    Ok(dims.into_iter().map(ascending).collect())
}

/// A dimension's numeric values from smallest to largest, each once: the search for the
/// smallest configuration that meets the targets walks them in that order, so a list
/// written out of order (`teams.count=1,8,4`) must not change the answer.
fn ascending(mut d: Dimension) -> Dimension {
    let number = |v: &toml::Value| match v {
        toml::Value::Integer(i) => Some(*i as f64),
        toml::Value::Float(f) => Some(*f),
        _ => None,
    };
    if d.values
        .iter()
        .all(|v| number(v).is_some_and(f64::is_finite))
    {
        d.values.sort_by(|a, b| {
            number(a)
                .unwrap_or(0.0)
                .total_cmp(&number(b).unwrap_or(0.0))
        });
        d.values.dedup();
    }
    d
}

/// 1 up to four times the scenario's current value (at least 1..=20) for an integer key.
fn default_range(key: &str, base: &crate::scenario::Scenario) -> anyhow::Result<Dimension> {
    let mut node = Some(&base.table);
    let mut value = None;
    let path: Vec<&str> = key.split('.').collect();
    for (i, seg) in path.iter().enumerate() {
        let Some(t) = node else { break };
        match t.get(*seg) {
            Some(toml::Value::Table(sub)) if i + 1 < path.len() => node = Some(sub),
            Some(v) if i + 1 == path.len() => value = Some(v.clone()),
            _ => node = None,
        }
    }
    match value {
        Some(toml::Value::Integer(n)) => {
            let top = (4 * n).max(20);
            Dimension::parse(&format!("{key}=1..{top}"))
        }
        Some(other) => bail!(
            "--over {key}: the scenario's value is {other}, not a whole number; give a range, e.g. --over {key}=0.5..2:0.1"
        ),
        None => bail!(
            "--over {key}: the scenario does not set {key}; give a range, e.g. --over {key}=1..20"
        ),
    }
}

/// Runs the command and returns what to print.
pub fn size(opts: &SizeOptions, progress: &(dyn Fn(u64) + Sync)) -> anyhow::Result<String> {
    if opts.targets.is_empty() {
        bail!("size needs --target, e.g. --target 'positive_exits>=450@2027'");
    }
    let base = super::load_scenario(opts.scenario.as_deref(), &opts.set)?;
    let spec = SizeSpec {
        dims: dimensions(&opts.over, &base)?,
        targets: target_expr::resolve(&base, &opts.targets)?,
        confidence: opts.confidence,
        budget_max: opts.budget_max,
        sim: opts.sim.clone(),
    };
    let sizing = search(&base, &spec, progress)?;
    if let Some(dir) = &opts.out {
        output::write_all(&csv_out::files_in_dialect(
            vec![
                (dir.join("size.csv"), render::csv(&sizing)),
                (dir.join("size.json"), json::to_json(&sizing).into_bytes()),
            ],
            opts.csv_dialect,
        ))?;
    }
    Ok(match opts.format {
        Format::Table => render::table(&sizing),
        Format::Json => json::to_json(&sizing),
    })
}
