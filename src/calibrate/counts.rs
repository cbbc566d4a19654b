//! Calibration to aggregate counts: for programmes that only have entrants by group and
//! exits by cause per month or year.
//!
//! The expected exits of a period follow from the observed entrants and the scenario's
//! hazard structure (groups, genders, profile bands, season, maximum stay), computed as the
//! engine's expectation: cohorts by month in the programme, each month losing
//! `1 − e^−H` of its members, shared over causes as `h_k / H`. Each group's hazard of a
//! cause is the scenario's times a factor `e^θ`; the θ are fitted by Poisson maximum
//! likelihood with a weak normal prior (θ ~ N(0, 1), a factor of e either way) that keeps
//! rates the counts say nothing about at the scenario's values. Caseload pressure and
//! vacancies are not part of the expectation: the rates are those of the observed period.
//!
//! How well each rate is identified is read off the posterior covariance: the share of the
//! prior variance the counts removed (1 = the counts alone determine it, 0 = they say
//! nothing), and the rate it is most strongly correlated with.

use std::fmt::Write as _;

use super::linalg::{invert, solve};

use crate::model::calendar::YearMonth;
use crate::model::{ExitCause, Gender, Programme, HAZARD_CAUSES};
use crate::records::{unknown_group, RowError};

/// Standard deviation of the prior on each log-factor.
pub const PRIOR_SD: f64 = 1.0;

/// A period of the counts file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    /// First month.
    pub first: YearMonth,
    /// Number of months (1 or 12).
    pub months: u32,
}

impl Period {
    /// The label as written in the file.
    pub fn label(&self) -> String {
        if self.months == 12 {
            format!("{}", self.first.year)
        } else {
            self.first.to_string()
        }
    }
}

/// Observed counts: entrants by group, exits by cause (in total or by group), per period.
#[derive(Debug, Clone, PartialEq)]
pub struct Counts {
    /// Consecutive periods.
    pub periods: Vec<Period>,
    /// Entrants, `[period][group]`.
    pub entrants: Vec<Vec<f64>>,
    /// Exit observations: (period, group or `None` for all groups, cause, count).
    pub exits: Vec<(usize, Option<usize>, usize, f64)>,
}

/// Reads a counts file against a programme's groups. Columns: `period` (YYYY or YYYY-MM,
/// consecutive), `entrants_GROUP` for each group, and `exits_CAUSE` (all groups) or
/// `exits_CAUSE_GROUP` for hazard causes. Errors name line, column and value.
pub fn parse(text: &str, origin: &str, p: &Programme) -> Result<Counts, String> {
    let (mut reader, header) = crate::records::csv_reader(text, origin)?;
    let group_names: Vec<&str> = p.groups.iter().map(|g| g.name.as_str()).collect();
    let c_period = header
        .iter()
        .position(|h| h == "period")
        .ok_or_else(|| format!("{origin}:1: no period column (YYYY or YYYY-MM)"))?;
    #[derive(Clone, Copy)]
    enum Col {
        Period,
        Entrants(usize),
        Exits(Option<usize>, usize),
    }
    let group = |h: &str, g: &str| {
        group_names
            .iter()
            .position(|n| *n == g)
            .ok_or_else(|| format!("{origin}:1: column {h}: {}", unknown_group(g, &group_names)))
    };
    let mut cols = Vec::new();
    for h in &header {
        let col = if h == "period" {
            Col::Period
        } else if let Some(g) = h.strip_prefix("entrants_") {
            Col::Entrants(group(h, g)?)
        } else if let Some(rest) = h.strip_prefix("exits_") {
            let cause = ExitCause::HAZARD
                .iter()
                .find(|c| rest == c.id() || rest.starts_with(&format!("{}_", c.id())))
                .ok_or_else(|| {
                    format!(
                        "{origin}:1: column {h}: write exits_CAUSE or exits_CAUSE_GROUP with \
                         a cause of work, studies, fk_samverkan, other"
                    )
                })?;
            let group = match rest.strip_prefix(cause.id()).unwrap_or("") {
                "" => None,
                g => Some(group(h, &g[1..])?),
            };
            Col::Exits(group, *cause as usize)
        } else {
            return Err(format!(
                "{origin}:1: unknown column {h}: use period, entrants_GROUP, exits_CAUSE or \
                 exits_CAUSE_GROUP"
            ));
        };
        cols.push(col);
    }
    if !cols.iter().any(|c| matches!(c, Col::Exits(..))) {
        return Err(format!(
            "{origin}:1: no exits column: give exits_CAUSE (e.g. exits_work) or \
             exits_CAUSE_GROUP"
        ));
    }
    let mut counts = Counts {
        periods: Vec::new(),
        entrants: Vec::new(),
        exits: Vec::new(),
    };
    for row in reader.records() {
        let row = row.map_err(|e| format!("{origin}: {e}"))?;
        let line = row.position().map_or(0, |q| q.line());
        let value = |i: usize| row.get(i).unwrap_or("");
        let bad = |i: usize, problem: String| {
            RowError {
                origin: origin.to_string(),
                line,
                column: header[i].clone(),
                value: value(i).to_string(),
                problem,
            }
            .to_string()
        };
        let text = value(c_period);
        let period = if text.len() == 4 {
            text.parse::<i32>().ok().map(|year| Period {
                first: YearMonth { year, month: 1 },
                months: 12,
            })
        } else {
            YearMonth::parse(text).map(|first| Period { first, months: 1 })
        }
        .ok_or_else(|| bad(c_period, "not a period: use YYYY or YYYY-MM".into()))?;
        if let Some(prev) = counts.periods.last() {
            let expected = prev.first.plus(prev.months as i32);
            if period.months != prev.months || period.first != expected {
                let expected = Period {
                    first: expected,
                    months: prev.months,
                };
                return Err(bad(
                    c_period,
                    format!(
                        "periods must follow each other, all years or all months (expected {})",
                        expected.label()
                    ),
                ));
            }
        }
        let k = counts.periods.len();
        counts.periods.push(period);
        counts.entrants.push(vec![0.0; p.groups.len()]);
        for (i, col) in cols.iter().enumerate() {
            let number = || {
                value(i)
                    .parse::<f64>()
                    .ok()
                    .filter(|x| x.is_finite() && *x >= 0.0)
                    .ok_or_else(|| bad(i, "not a count (a number 0 or more)".into()))
            };
            match *col {
                Col::Period => {}
                Col::Entrants(g) => counts.entrants[k][g] = number()?,
                Col::Exits(g, cause) => counts.exits.push((k, g, cause, number()?)),
            }
        }
    }
    if counts.periods.is_empty() {
        return Err(format!("{origin}: no periods: the file has only a header"));
    }
    Ok(counts)
}

/// One fitted rate.
#[derive(Debug, Clone, PartialEq)]
pub struct FittedRate {
    /// Group index.
    pub group: usize,
    /// Hazard cause index.
    pub cause: usize,
    /// The scenario's hazard.
    pub prior: f64,
    /// The fitted hazard.
    pub rate: f64,
    /// Posterior standard deviation of the log-factor (≈ relative standard error).
    pub sd: f64,
    /// Share of the prior variance the counts removed (0–1).
    pub identified: f64,
    /// The rate it is most correlated with, and the correlation.
    pub partner: Option<(usize, f64)>,
}

impl FittedRate {
    /// The 95 % interval of the rate.
    pub fn interval(&self) -> (f64, f64) {
        let f = (super::Z95 * self.sd).exp();
        (self.rate / f, self.rate * f)
    }

    /// How well the counts identify the rate, in words.
    pub fn verdict(&self) -> &'static str {
        if self.identified >= 0.9 {
            "well identified"
        } else if self.identified >= 0.5 {
            "weakly identified"
        } else {
            "not identified (the scenario's value stands)"
        }
    }
}

/// The result of a counts calibration.
#[derive(Debug, Clone, PartialEq)]
pub struct CountsFit {
    /// Fitted rates (group, cause) with a positive scenario hazard.
    pub rates: Vec<FittedRate>,
    /// Observed and expected exits: (period, group or all, cause, observed, expected).
    pub check: Vec<(usize, Option<usize>, usize, f64, f64)>,
    /// Poisson deviance of the fit and its degrees of freedom.
    pub deviance: (f64, usize),
}

/// Expected exits `[month][group][cause]` over the counts' months, with group hazards
/// multiplied by `factors[group][cause]`.
fn expected(p: &Programme, c: &Counts, factors: &[[f64; HAZARD_CAUSES]]) -> Vec<f64> {
    let months: usize = c.periods.iter().map(|q| q.months as usize).sum();
    let g_n = p.groups.len();
    let mut out = vec![0.0; months * g_n * HAZARD_CAUSES];
    let start = c.periods[0].first;
    for (g, group) in p.groups.iter().enumerate() {
        let norm = p.attribute_norm.get(g).copied();
        for s in Gender::ALL {
            let share = match s {
                Gender::Woman => group.share_women,
                Gender::Man => 1.0 - group.share_women,
            };
            let f = group.gender_factors(s);
            let max = group.max_duration as usize;
            let mut cohort = vec![0.0f64; max];
            let mut m = 0usize;
            for (k, q) in c.periods.iter().enumerate() {
                let per_month = c.entrants[k][g] / q.months as f64 * share;
                for _ in 0..q.months {
                    cohort.rotate_right(1);
                    cohort[0] = per_month;
                    let season = p.seasonality[(start.plus(m as i32).month - 1) as usize];
                    for (d, n) in cohort.iter_mut().enumerate() {
                        if *n <= 0.0 {
                            continue;
                        }
                        let prof = group.profile_at(d as u32, s);
                        let h: [f64; HAZARD_CAUSES] = std::array::from_fn(|j| {
                            let x = group.hazards[j] * factors[g][j] * f[j] * prof[j] * season[j];
                            match norm {
                                Some(nm) if nm[j] > 0.0 => x / nm[j],
                                _ => x,
                            }
                        });
                        let total: f64 = h.iter().sum();
                        if total > 0.0 {
                            let leave = *n * -(-total).exp_m1();
                            for j in 0..HAZARD_CAUSES {
                                out[(m * g_n + g) * HAZARD_CAUSES + j] += leave * h[j] / total;
                            }
                            *n -= leave;
                        }
                        if d + 1 == max {
                            *n = 0.0;
                        }
                    }
                    m += 1;
                }
            }
        }
    }
    out
}

/// Expected value of each exit observation.
fn observe(p: &Programme, c: &Counts, monthly: &[f64]) -> Vec<f64> {
    let g_n = p.groups.len();
    let mut first_month = Vec::with_capacity(c.periods.len());
    let mut m = 0;
    for q in &c.periods {
        first_month.push(m);
        m += q.months as usize;
    }
    c.exits
        .iter()
        .map(|&(k, g, cause, _)| {
            let months = first_month[k]..first_month[k] + c.periods[k].months as usize;
            months
                .map(|m| match g {
                    Some(g) => monthly[(m * g_n + g) * HAZARD_CAUSES + cause],
                    None => (0..g_n)
                        .map(|g| monthly[(m * g_n + g) * HAZARD_CAUSES + cause])
                        .sum(),
                })
                .sum()
        })
        .collect()
}

/// Fits the group rates to the counts (penalised Poisson likelihood, Fisher scoring).
pub fn fit(p: &Programme, c: &Counts) -> Result<CountsFit, String> {
    let params: Vec<(usize, usize)> = (0..p.groups.len())
        .flat_map(|g| (0..HAZARD_CAUSES).map(move |k| (g, k)))
        .filter(|&(g, k)| p.groups[g].hazards[k] > 0.0)
        .collect();
    let n = params.len();
    if n == 0 {
        return Err("the scenario's hazards are all zero: nothing to fit".into());
    }
    let y: Vec<f64> = c.exits.iter().map(|e| e.3).collect();
    let factors_of = |theta: &[f64]| {
        let mut f = vec![[1.0; HAZARD_CAUSES]; p.groups.len()];
        for (&(g, k), t) in params.iter().zip(theta) {
            f[g][k] = t.exp();
        }
        f
    };
    let mu_of = |theta: &[f64]| observe(p, c, &expected(p, c, &factors_of(theta)));
    let objective = |theta: &[f64], mu: &[f64]| {
        let ll: f64 = y
            .iter()
            .zip(mu)
            .map(|(&y, &m)| if m > 0.0 { y * m.ln() - m } else { 0.0 })
            .sum();
        ll - theta.iter().map(|t| t * t).sum::<f64>() / (2.0 * PRIOR_SD * PRIOR_SD)
    };
    let mut theta = vec![0.0; n];
    let mut mu = mu_of(&theta);
    let mut best = objective(&theta, &mu);
    let mut precision = vec![0.0; n * n];
    for _ in 0..50 {
        // Jacobian of the expectations by central differences on the log scale.
        let step = 1e-4;
        let mut jac = vec![0.0; y.len() * n];
        for i in 0..n {
            let mut up = theta.clone();
            up[i] += step;
            let mut down = theta.clone();
            down[i] -= step;
            let (a, b) = (mu_of(&up), mu_of(&down));
            for o in 0..y.len() {
                jac[o * n + i] = (a[o] - b[o]) / (2.0 * step);
            }
        }
        let mut grad = vec![0.0; n];
        precision.fill(0.0);
        for o in 0..y.len() {
            let m = mu[o].max(1e-9);
            for i in 0..n {
                grad[i] += jac[o * n + i] * (y[o] - m) / m;
                for j in 0..n {
                    precision[i * n + j] += jac[o * n + i] * jac[o * n + j] / m;
                }
            }
        }
        for i in 0..n {
            grad[i] -= theta[i] / (PRIOR_SD * PRIOR_SD);
            precision[i * n + i] += 1.0 / (PRIOR_SD * PRIOR_SD);
        }
        let delta =
            solve(&precision, &grad, n).ok_or("the fit's information matrix is singular")?;
        let mut scale = 1.0;
        let mut improved = false;
        for _ in 0..30 {
            let cand: Vec<f64> = theta
                .iter()
                .zip(&delta)
                .map(|(t, d)| t + scale * d)
                .collect();
            let m = mu_of(&cand);
            let v = objective(&cand, &m);
            if v >= best - 1e-12 {
                let gain = v - best;
                theta = cand;
                mu = m;
                best = v;
                improved = gain > 1e-9;
                break;
            }
            scale /= 2.0;
        }
        if !improved {
            break;
        }
    }
    let cov = invert(&precision, n).ok_or("the fit's information matrix is singular")?;
    let rates = params
        .iter()
        .enumerate()
        .map(|(i, &(g, k))| {
            let var = cov[i * n + i];
            let partner = (0..n)
                .filter(|&j| j != i)
                .map(|j| (j, cov[i * n + j] / (var * cov[j * n + j]).sqrt()))
                .max_by(|a, b| a.1.abs().total_cmp(&b.1.abs()));
            FittedRate {
                group: g,
                cause: k,
                prior: p.groups[g].hazards[k],
                rate: p.groups[g].hazards[k] * theta[i].exp(),
                sd: var.sqrt(),
                identified: (1.0 - var / (PRIOR_SD * PRIOR_SD)).clamp(0.0, 1.0),
                partner,
            }
        })
        .collect();
    let deviance = y
        .iter()
        .zip(&mu)
        .map(|(&y, &m)| {
            let m = m.max(1e-9);
            2.0 * (if y > 0.0 { y * (y / m).ln() } else { 0.0 } - (y - m))
        })
        .sum();
    Ok(CountsFit {
        rates,
        check: c
            .exits
            .iter()
            .zip(&mu)
            .map(|(&(k, g, cause, obs), &m)| (k, g, cause, obs, m))
            .collect(),
        deviance: (deviance, y.len().saturating_sub(n)),
    })
}

fn rate_name(p: &Programme, g: usize, k: usize) -> String {
    format!("{}.{}", p.groups[g].name, ExitCause::HAZARD[k].id())
}

/// The rate a fitted rate is most correlated with, by name, if the correlation is strong
/// enough to mention (|r| ≥ 0.5).
fn partner(p: &Programme, fit: &CountsFit, r: &FittedRate) -> Option<(String, f64)> {
    let (j, c) = r.partner.filter(|(_, c)| c.abs() >= 0.5)?;
    Some((rate_name(p, fit.rates[j].group, fit.rates[j].cause), c))
}

/// The scenario fragment: fitted hazards and their posterior relative standard deviation
/// as `uncertainty`, with the identification of each rate in comments.
pub fn fragment(p: &Programme, fit: &CountsFit, source: &str, extends: Option<&str>) -> String {
    let mut t = String::new();
    let _ = writeln!(
        t,
        "# Calibrated by kraftsim calibrate --counts from {source}: group hazards fitted to the\n\
         # observed exits by Poisson maximum likelihood (prior: the base scenario's hazards, a\n\
         # factor of e either way as one standard deviation). `uncertainty` is each rate's\n\
         # posterior relative standard deviation. \"identified\" is the share of the prior's\n\
         # variance the counts removed (1 = the counts alone determine the rate)."
    );
    if let Some(base) = extends {
        let _ = writeln!(t, "\nextends = {}", super::toml_string(base));
    }
    for (g, group) in p.groups.iter().enumerate() {
        let _ = writeln!(t, "\n[groups.{}]", group.name);
        let mut hazards = group.hazards;
        let mut unc = group.uncertainty;
        for r in fit.rates.iter().filter(|r| r.group == g) {
            let (lo, hi) = r.interval();
            let _ = writeln!(
                t,
                "# {}: {:.5} (95 % {lo:.5}-{hi:.5}; base {:.5}), {} ({:.2}){}",
                ExitCause::HAZARD[r.cause].id(),
                r.rate,
                r.prior,
                r.verdict(),
                r.identified,
                partner(p, fit, r)
                    .map(|(name, c)| format!(", correlated with {name} (r = {c:.2})"))
                    .unwrap_or_default()
            );
            hazards[r.cause] = r.rate;
            unc[r.cause] = ((r.sd * r.sd).exp() - 1.0).sqrt().min(2.0);
        }
        let line = |v: [f64; HAZARD_CAUSES], digits: usize| {
            let parts: Vec<String> = ExitCause::HAZARD
                .iter()
                .enumerate()
                .map(|(k, c)| format!("{} = {:.*}", c.id(), digits, v[k]))
                .collect();
            format!("{{ {} }}", parts.join(", "))
        };
        let _ = writeln!(t, "hazards = {}", line(hazards, 6));
        let _ = writeln!(t, "uncertainty = {}", line(unc, 4));
    }
    t
}

/// The terminal summary: fitted rates with identification, and observed against expected
/// exits.
pub fn summary(p: &Programme, c: &Counts, fit: &CountsFit) -> String {
    let mut t = String::new();
    let _ = writeln!(
        t,
        "Fitted to {} periods ({} to {}), {} exit counts; deviance {:.1} on {} degrees of \
         freedom.\n",
        c.periods.len(),
        c.periods[0].label(),
        c.periods[c.periods.len() - 1].label(),
        c.exits.len(),
        fit.deviance.0,
        fit.deviance.1
    );
    let _ = writeln!(
        t,
        "{:<28} {:>9} {:>21} {:>9}  identification",
        "rate", "fitted", "95 % interval", "base"
    );
    for r in &fit.rates {
        let (lo, hi) = r.interval();
        let _ = writeln!(
            t,
            "{:<28} {:>9.5} {:>21} {:>9.5}  {} ({:.2}){}",
            rate_name(p, r.group, r.cause),
            r.rate,
            format!("{lo:.5}-{hi:.5}"),
            r.prior,
            r.verdict(),
            r.identified,
            partner(p, fit, r)
                .map(|(name, c)| format!("; r = {c:.2} with {name}"))
                .unwrap_or_default()
        );
    }
    let _ = writeln!(
        t,
        "\n{:<10} {:<28} {:>9} {:>9}",
        "period", "exits", "observed", "fitted"
    );
    for &(k, g, cause, obs, m) in &fit.check {
        let what = match g {
            Some(g) => rate_name(p, g, cause),
            None => ExitCause::HAZARD[cause].id().to_string(),
        };
        let _ = writeln!(
            t,
            "{:<10} {:<28} {:>9.0} {:>9.1}",
            c.periods[k].label(),
            what,
            obs,
            m
        );
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cholesky_solves_and_inverts() {
        let a = [4.0, 2.0, 2.0, 3.0];
        let x = solve(&a, &[2.0, 1.0], 2).unwrap();
        assert!((4.0 * x[0] + 2.0 * x[1] - 2.0).abs() < 1e-12);
        assert!((2.0 * x[0] + 3.0 * x[1] - 1.0).abs() < 1e-12);
        let inv = invert(&a, 2).unwrap();
        assert!((inv[0] - 3.0 / 8.0).abs() < 1e-12);
        assert!(solve(&[1.0, 2.0, 2.0, 1.0], &[1.0, 1.0], 2).is_none());
    }
}
