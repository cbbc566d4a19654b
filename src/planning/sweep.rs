//! Grids over scenario values: parsing `--vary`, building every combination, validating
//! each point like a file and running all points on the same replications (common random
//! numbers), so neighbouring points differ only by the varied values.

use anyhow::{bail, Context};
use serde::Serialize;

use crate::model::{Programme, Target};
use crate::montecarlo::{self, SimOptions};
use crate::scenario::{overrides, Override, Scenario};
use crate::stats::Summary;

/// Most grid points a sweep runs.
pub const MAX_POINTS: usize = 5_000;

/// One varied key and the values it takes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Dimension {
    /// Dotted key path.
    pub key: String,
    /// Values in order.
    #[serde(serialize_with = "as_texts")]
    pub values: Vec<toml::Value>,
}

fn as_texts<S: serde::Serializer>(v: &[toml::Value], s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(v.iter().map(value_text))
}

/// A value as written on the command line (`10`, `0.05`, `rotating`).
pub fn value_text(v: &toml::Value) -> String {
    match v {
        toml::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

impl Dimension {
    /// Parses `KEY=FROM..TO[:STEP]` (inclusive; integers stay integers) or `KEY=V1,V2,…`.
    pub fn parse(arg: &str) -> anyhow::Result<Dimension> {
        let bad = |m: String| anyhow::anyhow!("--vary {arg}: {m}");
        let (key, spec) = arg
            .split_once('=')
            .ok_or_else(|| bad("expected KEY=FROM..TO[:STEP] or KEY=V1,V2".into()))?;
        let key = key.trim().to_string();
        let spec = spec.trim();
        let values = if let Some((from, rest)) = spec.split_once("..") {
            let (to, step) = rest.split_once(':').unwrap_or((rest, "1"));
            range(from.trim(), to.trim(), step.trim()).map_err(bad)?
        } else {
            spec.split(',')
                .map(|t| Override::parse(&format!("{key}={}", t.trim())).map(|o| o.value))
                .collect::<Result<Vec<_>, _>>()?
        };
        if values.is_empty() {
            return Err(bad("no values".into()));
        }
        Ok(Dimension { key, values })
    }
}

/// The values of an inclusive range; integers if all three numbers are integers.
fn range(from: &str, to: &str, step: &str) -> Result<Vec<toml::Value>, String> {
    if let (Ok(a), Ok(b), Ok(s)) = (from.parse::<i64>(), to.parse::<i64>(), step.parse::<i64>()) {
        if s <= 0 || b < a {
            return Err(format!(
                "{from}..{to}:{step} is empty; give FROM ≤ TO and a positive STEP"
            ));
        }
        let n = (b - a) / s + 1;
        if n as usize > MAX_POINTS {
            return Err(format!("{n} values are too many (at most {MAX_POINTS})"));
        }
        return Ok((0..n).map(|i| toml::Value::Integer(a + i * s)).collect());
    }
    let num = |t: &str| {
        t.parse::<f64>()
            .map_err(|_| format!("`{t}` is not a number"))
    };
    let (a, b, s) = (num(from)?, num(to)?, num(step)?);
    if s.is_nan() || s <= 0.0 || b < a || !a.is_finite() || !b.is_finite() {
        return Err(format!(
            "{from}..{to}:{step} is empty; give FROM ≤ TO and a positive STEP"
        ));
    }
    let n = ((b - a) / s + 1e-9).floor() as usize + 1;
    if n > MAX_POINTS {
        return Err(format!("{n} values are too many (at most {MAX_POINTS})"));
    }
    // Rounded to 12 significant decimals so 0.1 + 2·0.1 prints as 0.3.
    Ok((0..n)
        .map(|i| {
            let v = a + i as f64 * s;
            toml::Value::Float((v * 1e12).round() / 1e12)
        })
        .collect())
}

/// Every combination of the dimensions' values, the last dimension varying fastest.
pub fn grid(dims: &[Dimension]) -> Vec<Vec<toml::Value>> {
    let mut points = vec![Vec::new()];
    for d in dims {
        points = points
            .into_iter()
            .flat_map(|p| {
                d.values.iter().map(move |v| {
                    let mut q = p.clone();
                    q.push(v.clone());
                    q
                })
            })
            .collect();
    }
    points
}

/// The programme at one grid point (validated like a file).
pub fn programme_at(
    base: &Scenario,
    dims: &[Dimension],
    values: &[toml::Value],
    targets: Option<&[Target]>,
) -> anyhow::Result<Programme> {
    let o: Vec<Override> = dims
        .iter()
        .zip(values)
        .map(|(d, v)| Override::typed(&d.key, v.clone()))
        .collect();
    let mut p = overrides::apply_all(base.clone(), &o)?.programme;
    if let Some(t) = targets {
        p.targets = t.to_vec();
    }
    Ok(p)
}

/// One evaluated grid point.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SweepPoint {
    /// The varied values, in dimension order.
    #[serde(serialize_with = "as_texts")]
    pub values: Vec<toml::Value>,
    /// Its full summary (the same as `run` with these overrides and seed).
    #[serde(skip)]
    pub summary: Summary,
}

/// A finished sweep.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Sweep {
    /// kraftsim version.
    pub tool_version: &'static str,
    /// Scenario origin.
    pub scenario: String,
    /// Replications per point.
    pub replications: u64,
    /// Seed shared by every point.
    pub seed: u64,
    /// The varied keys.
    pub dimensions: Vec<Dimension>,
    /// The points, in grid order.
    pub points: Vec<SweepPoint>,
}

/// Validates every grid point, then runs them all on the same seed.
pub fn run_grid(
    base: &Scenario,
    dims: &[Dimension],
    targets: Option<&[Target]>,
    sim: &SimOptions,
    progress: &(dyn Fn(u64) + Sync),
) -> anyhow::Result<Sweep> {
    let points = grid(dims);
    if points.len() > MAX_POINTS {
        bail!(
            "the grid has {} points; at most {MAX_POINTS} are run",
            points.len()
        );
    }
    let programmes = points
        .iter()
        .map(|v| {
            programme_at(base, dims, v, targets).with_context(|| {
                let at: Vec<String> = dims
                    .iter()
                    .zip(v)
                    .map(|(d, v)| format!("{}={}", d.key, value_text(v)))
                    .collect();
                format!("at grid point {}", at.join(", "))
            })
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let plan = sim.plan();
    let mut out = Vec::new();
    for (values, p) in points.into_iter().zip(programmes) {
        let summary = montecarlo::run(&sim.prepare(&p), &plan, progress)?;
        out.push(SweepPoint { values, summary });
    }
    Ok(Sweep {
        tool_version: env!("CARGO_PKG_VERSION"),
        scenario: base.origin.clone(),
        replications: plan.replications,
        seed: plan.seed,
        dimensions: dims.to_vec(),
        points: out,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(arg: &str) -> Vec<String> {
        Dimension::parse(arg)
            .unwrap()
            .values
            .iter()
            .map(value_text)
            .collect()
    }

    #[test]
    fn ranges_are_inclusive_and_keep_integers_integers() {
        assert_eq!(values("teams.count=8..11"), ["8", "9", "10", "11"]);
        assert_eq!(
            values("intake.per_team=25..45:5"),
            ["25", "30", "35", "40", "45"]
        );
        assert_eq!(values("intake.per_team=25..44:5"), ["25", "30", "35", "40"]);
        assert_eq!(
            values("groups.fk.hazards.work=0.1..0.3:0.1"),
            ["0.1", "0.2", "0.3"]
        );
        assert_eq!(
            values("intake.schedule=every,rotating"),
            ["every", "rotating"]
        );
        assert_eq!(values("teams.count=3,5,9"), ["3", "5", "9"]);
    }

    #[test]
    fn bad_ranges_are_explained() {
        for (arg, says) in [
            ("teams.count", "KEY=FROM..TO"),
            ("teams.count=9..8", "empty"),
            ("teams.count=1..5:0", "empty"),
            ("teams.count=a..5", "not a number"),
            ("teams.count=1..100000", "too many"),
        ] {
            let e = Dimension::parse(arg).unwrap_err().to_string();
            assert!(e.contains(says), "{arg}: {e}");
        }
    }

    #[test]
    fn grid_is_every_combination_with_the_last_key_fastest() {
        let d = |k: &str, v: &[i64]| Dimension {
            key: k.into(),
            values: v.iter().map(|&x| toml::Value::Integer(x)).collect(),
        };
        let g = grid(&[d("a", &[1, 2]), d("b", &[7, 8, 9])]);
        assert_eq!(g.len(), 6);
        assert_eq!(g[1], vec![toml::Value::Integer(1), toml::Value::Integer(8)]);
        assert_eq!(g[3], vec![toml::Value::Integer(2), toml::Value::Integer(7)]);
    }
}
