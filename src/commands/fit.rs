//! `kraftsim fit`: fit a scenario's rates and time-limit policy to every fact of a past
//! period (see [`crate::calibrate::fit`]), print the estimates, each reading's fit and every
//! fact against the fitted model's P5–P95, and write the fitted scenario with its
//! posterior draws.

use std::fmt::Write as _;
use std::path::PathBuf;

use crate::calibrate::facts::{self, Facts};
use crate::calibrate::fit::{self, FitResult, Prediction};
use crate::calibrate::toml_string;
use crate::model::{ExitCause, Programme};
use crate::montecarlo::Plan;
use crate::output;

/// What `fit` needs.
#[derive(Debug, Clone)]
pub struct FitOptions {
    /// The scenario of the period (a file or built-in name).
    pub scenario: String,
    /// `--set` overrides.
    pub set: Vec<String>,
    /// The facts file.
    pub facts: PathBuf,
    /// Master seed of the simulations (common random numbers).
    pub seed: u64,
    /// Worker threads.
    pub threads: Option<usize>,
    /// Replications per likelihood evaluation (the facts file's, if not given).
    pub replications: Option<u64>,
    /// Write the fitted scenario here.
    pub out: Option<PathBuf>,
}

/// Fits and returns the report.
pub fn fit(o: &FitOptions, progress: &(dyn Fn(u64) + Sync)) -> anyhow::Result<String> {
    let scenario = super::load_scenario(Some(&o.scenario), &o.set)?;
    let p = &scenario.programme;
    let origin = o.facts.display().to_string();
    output::protect(&o.facts);
    let text = std::fs::read_to_string(&o.facts)
        .map_err(|e| anyhow::anyhow!("cannot read {origin}: {e}"))?;
    let mut facts = facts::parse(&text, &origin, p).map_err(anyhow::Error::msg)?;
    if let Some(r) = o.replications {
        facts.fit.replications = r;
    }
    let result = fit::fit(p, &facts, o.seed, o.threads)?;
    progress(1);
    let best = (0..result.readings.len())
        .max_by(|&a, &b| result.weights[a].total_cmp(&result.weights[b]))
        .unwrap_or(0);
    let calibration = result.calibration(&facts.fit.unidentified, facts.fit.draws, best, o.seed);
    let mut fitted = fit::adjusted(p, &result.parameters, &result.readings[best].estimate);
    fitted.calibration = Some(calibration);
    fitted.parameter_uncertainty = true;
    let plan = Plan {
        replications: facts.fit.replications,
        seed: o.seed ^ 0xF17,
        threads: o.threads,
        ..Plan::default()
    };
    let mut out = report(&facts, &result);
    for (r, reading) in result.readings.iter().enumerate() {
        if result.weights[r] < 0.01 {
            let _ = writeln!(
                out,
                "\nReading {} has weight {:.1e}: left out of the draws.",
                reading.register.id, result.weights[r]
            );
        }
    }
    let predictions = fit::predictive(&fitted, &facts, &result.readings[best].register, &plan)?;
    out += &predictions_table(&predictions, &result.readings[best].register.id);
    if let Some(path) = &o.out {
        let fragment = fragment(&fitted, &scenario.origin, &facts, &result, best);
        output::write_all(&[(path.clone(), fragment.into_bytes())])?;
        let _ = writeln!(
            out,
            "\nWrote the fitted scenario with its posterior draws to {}.",
            path.display()
        );
    }
    Ok(out)
}

/// The estimates and goodness of fit of every reading.
fn report(facts: &Facts, r: &FitResult) -> String {
    let mut t = String::new();
    let _ = writeln!(t, "Fit to {} ({} facts)", facts.name, facts.facts.len());
    let _ = writeln!(
        t,
        "Simulated maximum likelihood, {} replications per evaluation on common random numbers;\n\
         95 % intervals from the Laplace approximation of the posterior.",
        facts.fit.replications
    );
    for (i, fit) in r.readings.iter().enumerate() {
        let reading = format!("Reading {}: {}", fit.register.id, fit.register.label);
        let _ = writeln!(t, "\n{}", crate::report::wrap(&reading, 96, "  "));
        let _ = writeln!(
            t,
            "  weight {:.3}   deviance {:.1} on {} degrees of freedom (p = {:.3})   {} evaluations",
            r.weights[i], fit.deviance, fit.df, fit.p_value, fit.evaluations
        );
        for (k, p) in r.parameters.iter().enumerate() {
            let (lo, hi) = fit.interval[k];
            let _ = writeln!(
                t,
                "  {:<14} {:>8.4}   95 % {:.4} to {:.4}",
                p.id(),
                fit.estimate[k],
                lo,
                hi
            );
        }
        for (id, x, mu, sd) in &fit.figures {
            let _ = writeln!(
                t,
                "  {id:<24} observed {x:>8.0}   model {mu:>8.1} (sd {sd:.1})"
            );
        }
        let _ = writeln!(t, "  deviance by fact:");
        for (id, d) in &fit.contributions {
            let _ = writeln!(t, "    {id:<24} {d:>8.2}");
        }
    }
    t
}

/// Every fact (fitted or checked) against the fitted model's P5–P95.
fn predictions_table(preds: &[Prediction], reading: &str) -> String {
    format!(
        "\nEvery fact against the fitted model (reading {reading}, posterior draws and chance):\n{}",
        facts_table(preds)
    )
}

/// Facts against a model: observed, P5, median, P95, the observed value's percentile and
/// whether it lies inside P5–P95 (shares in per cent), within 90 columns.
pub fn facts_table(preds: &[Prediction]) -> String {
    let mut t = String::new();
    let _ = writeln!(
        t,
        "  {:<34} {:>9} {:>9} {:>9} {:>9} {:>6}  inside",
        "fact", "observed", "P5", "median", "P95", "pct"
    );
    for p in preds {
        let share = p.category.is_some() || p.observed.abs() <= 1.0 && p.observed.fract() != 0.0;
        let f = |x: f64| {
            if !x.is_finite() {
                "–".to_string()
            } else if share {
                format!("{:.1} %", 100.0 * x)
            } else {
                format!("{x:.0}")
            }
        };
        let name = match &p.category {
            Some(c) => format!("{} {c}", p.fact),
            None => p.fact.clone(),
        };
        let _ = writeln!(
            t,
            "  {name:<34} {:>9} {:>9} {:>9} {:>9} {:>6.1}  {}",
            f(p.observed),
            f(p.quantiles[0]),
            f(p.quantiles[2]),
            f(p.quantiles[4]),
            100.0 * p.percentile,
            if p.inside() { "yes" } else { "NO" }
        );
    }
    t
}

/// The fitted scenario: the period's scenario with every group's fitted hazards,
/// extension and profile, and the posterior draws.
fn fragment(p: &Programme, origin: &str, facts: &Facts, r: &FitResult, best: usize) -> String {
    let mut t = String::new();
    let fit = &r.readings[best];
    let _ = writeln!(
        t,
        "# Fitted by kraftsim fit to {} ({}).",
        facts.name, facts.fit.replications
    );
    for (k, param) in r.parameters.iter().enumerate() {
        let (lo, hi) = fit.interval[k];
        let _ = writeln!(
            t,
            "#   {} = {:.4} (95 % {:.4} to {:.4})",
            param.id(),
            fit.estimate[k],
            lo,
            hi
        );
    }
    let extends = origin.strip_prefix("built-in:").unwrap_or(origin);
    let _ = writeln!(t, "extends = {}\n", toml_string(extends));
    for g in &p.groups {
        let _ = writeln!(t, "[groups.{}]", g.name);
        let h = ExitCause::HAZARD
            .iter()
            .map(|c| format!("{} = {:.5}", c.id(), g.hazards[*c as usize]))
            .collect::<Vec<_>>()
            .join(", ");
        let _ = writeln!(t, "hazards = {{ {h} }}");
        if let Some(e) = g.extension {
            let _ = writeln!(
                t,
                "extension = {{ probability = {:.4}, until_months = {} }}",
                e.probability, e.until
            );
        }
        let bands: Vec<String> = g
            .profile
            .iter()
            .map(|b| {
                let mut s = format!("{{ from = {}", b.from);
                if let Some(to) = b.to {
                    let _ = write!(s, ", to = {to}");
                }
                if let Some(gender) = b.gender {
                    let _ = write!(s, ", gender = \"{}\"", gender.plural_id());
                }
                for c in ExitCause::HAZARD {
                    let _ = write!(s, ", {} = {:.4}", c.id(), b.factors[c as usize]);
                }
                s + " }"
            })
            .collect();
        let _ = writeln!(t, "profile = [{}]\n", bands.join(", "));
    }
    if let Some(c) = &p.calibration {
        let _ = writeln!(t, "[calibration]");
        let _ = writeln!(
            t,
            "source = {}",
            toml_string(&format!("the facts of {} (kraftsim fit)", facts.name))
        );
        let ids: Vec<String> = c.parameters.iter().map(|p| toml_string(p.id())).collect();
        let _ = writeln!(t, "parameters = [{}]", ids.join(", "));
        let readings: Vec<String> = c
            .readings
            .iter()
            .map(|r| format!("{} = {}", r.id, toml_string(&r.label)))
            .collect();
        let _ = writeln!(t, "readings = {{ {} }}", readings.join(", "));
        let _ = writeln!(t, "draws = [");
        for d in &c.draws {
            let values: Vec<String> = d.values.iter().map(|v| format!("{v:.4}")).collect();
            let _ = writeln!(t, "  [{}, {}],", d.reading, values.join(", "));
        }
        let _ = writeln!(t, "]");
    }
    t
}
