//! `kraftsim fit`: the model's parameters fitted jointly to every fact of a period, by
//! simulated maximum likelihood on common random numbers, under each reading of what the
//! facts leave open.
//!
//! **Likelihood.** For a parameter value θ the period is simulated `R` times with the same
//! seed (common random numbers: the likelihood is then a smooth function of θ, not noise),
//! parameter uncertainty off. A figure (a count or a share over a window) observed as `x`
//! contributes `(x − μ)² / v + ln v`, with μ and v the mean and variance of the simulated
//! figure (the observed period is one realisation of the process); a composition of
//! closures observed as counts `n_k` contributes the multinomial deviance
//! `2 Σ n_k ln(n_k / (N p_k))`, `p_k` the simulated share of category `k` among the same
//! closures. The cause and stay compositions of a register are taken as independent given
//! θ (their joint table is not published): a composite likelihood.
//!
//! **Estimate and uncertainty.** The parameters are searched on a log scale (hazard
//! multipliers) or logit scale (the extension probability) by Nelder–Mead, with a weak
//! normal prior (standard deviation 1 on that scale, centred on the starting values) that
//! keeps a parameter the facts say nothing about where it started. The posterior is the
//! Laplace approximation at the optimum: normal, with the inverse of the Hessian of the
//! negative log posterior (central differences on common random numbers) as covariance.
//! Its draws are what the scenario's `[calibration]` carries.
//!
//! **Readings.** Each reading is fitted on its own; its weight is its Laplace evidence
//! (likelihood at the optimum × prior × posterior volume), normalised over the readings,
//! and the draws are shared out by weight. The goodness of fit of each is its deviance
//! against the facts' degrees of freedom (data less parameters).

use rand::SeedableRng;
use rand_distr::{Distribution, StandardNormal};
use rand_xoshiro::Xoshiro256PlusPlus;

use super::facts::{Fact, Facts, Observed, Register};
use super::linalg::{cholesky, invert};
use crate::model::calibration::{Calibration, Draw, Parameter, Reading};
use crate::model::Programme;
use crate::montecarlo::{self, Plan, RunError};
use crate::stats::backtest::{inside, placement};
use crate::stats::observe::{Composition, Figure};

/// The fit under one reading.
#[derive(Debug, Clone)]
pub struct ReadingFit {
    /// The reading of the register.
    pub register: Register,
    /// The estimate of each parameter.
    pub estimate: Vec<f64>,
    /// Its 95 % interval.
    pub interval: Vec<(f64, f64)>,
    /// The estimate on the search scale.
    pub theta: Vec<f64>,
    /// The posterior covariance on the search scale, `n × n`.
    pub covariance: Vec<f64>,
    /// Deviance of the fitted facts at the estimate.
    pub deviance: f64,
    /// Degrees of freedom: independent data less parameters.
    pub df: usize,
    /// The probability of a deviance as large if the model is right (chi-square).
    pub p_value: f64,
    /// Laplace log evidence (up to a constant shared by the readings).
    pub log_evidence: f64,
    /// Each fitted fact's share of the deviance, by id.
    pub contributions: Vec<(String, f64)>,
    /// Each fitted figure at the estimate: id, observed, simulated mean and standard
    /// deviation.
    pub figures: Vec<(String, f64, f64, f64)>,
    /// Likelihood evaluations spent.
    pub evaluations: usize,
}

/// The fit under every reading.
#[derive(Debug, Clone)]
pub struct FitResult {
    /// The parameters fitted, in order.
    pub parameters: Vec<Parameter>,
    /// Per reading.
    pub readings: Vec<ReadingFit>,
    /// Each reading's weight.
    pub weights: Vec<f64>,
}

/// The search scale of a parameter value: log for multipliers, logit for a probability.
fn to_scale(p: Parameter, v: f64) -> f64 {
    match p {
        Parameter::Extension => {
            let v = v.clamp(1e-6, 1.0 - 1e-6);
            (v / (1.0 - v)).ln()
        }
        Parameter::SecondLimit => v,
        _ => v.max(1e-9).ln(),
    }
}

/// A parameter value from the search scale.
fn from_scale(p: Parameter, x: f64) -> f64 {
    match p {
        Parameter::Extension => 1.0 / (1.0 + (-x).exp()),
        Parameter::SecondLimit => x,
        _ => x.exp(),
    }
}

/// The programme with parameter values set (multipliers of its own values).
pub fn adjusted(base: &Programme, parameters: &[Parameter], values: &[f64]) -> Programme {
    let mut p = base.clone();
    p.calibration = None;
    let mut phase = Some(&mut p);
    while let Some(q) = phase {
        for (&k, &v) in parameters.iter().zip(values) {
            q.adjust(k, v);
        }
        phase = q.carry_over.as_deref_mut();
    }
    p
}

/// What one simulation gives for the fitted facts: per figure the simulated values, per
/// composition the pooled counts, per sampled register the mean closures it samples from.
struct Simulated {
    figures: Vec<Vec<f64>>,
    compositions: Vec<Vec<f64>>,
    sizes: Vec<f64>,
}

/// The fitted facts of one reading, resolved.
struct Resolved<'a> {
    figures: Vec<(&'a Fact, Figure, f64)>,
    compositions: Vec<(&'a Fact, Composition, Vec<f64>)>,
    /// Sizes of a register that is a sample: the closures it samples from. Its observed
    /// size says nothing about the rates (the sampled share is unknown) but enters the
    /// evidence: with a uniform sampling share, any size up to the `C` closures it samples
    /// from has probability `1 / (C + 1)`.
    sizes: Vec<(&'a Fact, Figure)>,
}

fn resolve<'a>(facts: &'a Facts, register: &Register, fitted_only: bool) -> Resolved<'a> {
    let mut r = Resolved {
        figures: Vec::new(),
        compositions: Vec::new(),
        sizes: Vec::new(),
    };
    for f in facts.facts.iter().filter(|f| f.fitted || !fitted_only) {
        match &f.observed {
            Observed::Figure { value, .. } => match f.figure(register) {
                Some(fig) => r.figures.push((f, fig, *value)),
                None => r.sizes.push((
                    f,
                    Figure {
                        measure: crate::stats::observe::Measure::Exits(
                            crate::stats::observe::ALL_CAUSES,
                        ),
                        window: register.closed,
                        filter: crate::stats::observe::Filter {
                            cohort: register.cohort,
                            ..Default::default()
                        },
                    },
                )),
            },
            Observed::Composition { counts, .. } => {
                if let Some(c) = f.composition(register) {
                    r.compositions.push((f, c, counts.clone()));
                }
            }
        }
    }
    r
}

/// One replication's values of `figures` and counts of the facts' compositions.
fn measured<'a>(
    engine: &crate::engine::Engine,
    log: &[crate::engine::Participation],
    figures: impl Iterator<Item = &'a Figure>,
    r: &Resolved,
) -> (Vec<f64>, Vec<Vec<f64>>) {
    let cats = |profile: u16| engine.profile_categories(profile);
    (
        figures.map(|f| f.value(log)).collect(),
        r.compositions
            .iter()
            .map(|(_, c, _)| c.counts(log, &cats))
            .collect(),
    )
}

fn simulate(p: &Programme, plan: &Plan, r: &Resolved) -> Result<Simulated, RunError> {
    let per_rep = montecarlo::observe(
        p,
        plan,
        &|engine, log| {
            let figures = r.figures.iter().map(|(_, f, _)| f);
            measured(
                engine,
                log,
                figures.chain(r.sizes.iter().map(|(_, f)| f)),
                r,
            )
        },
        &|_| {},
    )?;
    let sizes = (0..r.sizes.len())
        .map(|i| {
            moments(
                &per_rep
                    .iter()
                    .map(|(f, _)| f[r.figures.len() + i])
                    .collect::<Vec<_>>(),
            )
            .0
        })
        .collect();
    let figures = (0..r.figures.len())
        .map(|i| per_rep.iter().map(|(f, _)| f[i]).collect())
        .collect();
    let compositions = (0..r.compositions.len())
        .map(|i| {
            let mut pooled = vec![0.0; r.compositions[i].2.len()];
            for (_, c) in &per_rep {
                for (s, x) in pooled.iter_mut().zip(&c[i]) {
                    *s += x;
                }
            }
            pooled
        })
        .collect();
    Ok(Simulated {
        figures,
        compositions,
        sizes,
    })
}

/// Mean and variance of the finite values.
fn moments(v: &[f64]) -> (f64, f64) {
    let x: Vec<f64> = v.iter().copied().filter(|x| x.is_finite()).collect();
    let n = x.len().max(1) as f64;
    let mean = x.iter().sum::<f64>() / n;
    let var = x.iter().map(|y| (y - mean).powi(2)).sum::<f64>() / (n - 1.0).max(1.0);
    (mean, var)
}

/// Each fitted fact's deviance contribution, and −2 log likelihood (with the figures'
/// normal constants and the sampled registers' sizes, so that readings compare on the
/// same facts).
fn deviance(r: &Resolved, s: &Simulated) -> (Vec<(String, f64)>, f64) {
    let mut parts = Vec::new();
    let mut total = 0.0;
    for ((fact, _, x), sim) in r.figures.iter().zip(&s.figures) {
        let (mu, v) = moments(sim);
        let v = v.max(1e-9 * mu.abs().max(1.0));
        let d = (x - mu).powi(2) / v;
        parts.push((fact.id.clone(), d));
        total += d + (2.0 * std::f64::consts::PI * v).ln();
    }
    for c in &s.sizes {
        total += 2.0 * (c + 1.0).ln();
    }
    for ((fact, _, counts), pooled) in r.compositions.iter().zip(&s.compositions) {
        let n: f64 = counts.iter().sum();
        let m: f64 = pooled.iter().sum();
        let d: f64 = counts
            .iter()
            .zip(pooled)
            .filter(|(c, _)| **c > 0.0)
            .map(|(c, q)| {
                let p = (q / m.max(1e-300)).max(1e-12);
                2.0 * c * (c / (n * p)).ln()
            })
            .sum();
        parts.push((fact.id.clone(), d));
        total += d;
    }
    (parts, total)
}

/// Nelder–Mead on `f` from `x0` with initial steps `step`: the minimum found and its value.
fn nelder_mead(
    f: &mut dyn FnMut(&[f64]) -> f64,
    x0: &[f64],
    step: f64,
    iterations: usize,
) -> (Vec<f64>, f64) {
    let n = x0.len();
    let mut pts: Vec<Vec<f64>> = vec![x0.to_vec()];
    for i in 0..n {
        let mut p = x0.to_vec();
        p[i] += step;
        pts.push(p);
    }
    let mut vals: Vec<f64> = pts.iter().map(|p| f(p)).collect();
    for _ in 0..iterations {
        let mut order: Vec<usize> = (0..=n).collect();
        order.sort_by(|&a, &b| vals[a].total_cmp(&vals[b]));
        pts = order.iter().map(|&i| pts[i].clone()).collect();
        vals = order.iter().map(|&i| vals[i]).collect();
        if (vals[n] - vals[0]).abs() < 1e-3 {
            break;
        }
        let centre: Vec<f64> = (0..n)
            .map(|j| pts[..n].iter().map(|p| p[j]).sum::<f64>() / n as f64)
            .collect();
        let along = |t: f64| -> Vec<f64> {
            (0..n)
                .map(|j| centre[j] + t * (pts[n][j] - centre[j]))
                .collect()
        };
        let reflected = along(-1.0);
        let fr = f(&reflected);
        if fr < vals[0] {
            let expanded = along(-2.0);
            let fe = f(&expanded);
            (pts[n], vals[n]) = if fe < fr {
                (expanded, fe)
            } else {
                (reflected, fr)
            };
        } else if fr < vals[n - 1] {
            (pts[n], vals[n]) = (reflected, fr);
        } else {
            let contracted = along(0.5);
            let fc = f(&contracted);
            if fc < vals[n] {
                (pts[n], vals[n]) = (contracted, fc);
            } else {
                for i in 1..=n {
                    pts[i] = (0..n)
                        .map(|j| pts[0][j] + 0.5 * (pts[i][j] - pts[0][j]))
                        .collect();
                    vals[i] = f(&pts[i]);
                }
            }
        }
    }
    let best = (0..=n)
        .min_by(|&a, &b| vals[a].total_cmp(&vals[b]))
        .unwrap_or(0);
    (pts[best].clone(), vals[best])
}

/// The Hessian of `f` at `x` by central differences with step `h`.
fn hessian(f: &mut dyn FnMut(&[f64]) -> f64, x: &[f64], h: f64) -> Vec<f64> {
    let n = x.len();
    let f0 = f(x);
    let at = |d: &[(usize, f64)]| {
        let mut y = x.to_vec();
        for &(i, s) in d {
            y[i] += s;
        }
        y
    };
    let mut hess = vec![0.0; n * n];
    for i in 0..n {
        let (up, down) = (f(&at(&[(i, h)])), f(&at(&[(i, -h)])));
        hess[i * n + i] = (up - 2.0 * f0 + down) / (h * h);
        for j in 0..i {
            let pp = f(&at(&[(i, h), (j, h)]));
            let pm = f(&at(&[(i, h), (j, -h)]));
            let mp = f(&at(&[(i, -h), (j, h)]));
            let mm = f(&at(&[(i, -h), (j, -h)]));
            let v = (pp - pm - mp + mm) / (4.0 * h * h);
            hess[i * n + j] = v;
            hess[j * n + i] = v;
        }
    }
    hess
}

/// Fits the parameters to the facts under every reading.
pub fn fit(
    base: &Programme,
    facts: &Facts,
    seed: u64,
    threads: Option<usize>,
) -> Result<FitResult, RunError> {
    let parameters: Vec<Parameter> = facts.fit.parameters.iter().map(|(p, _)| *p).collect();
    let start: Vec<f64> = facts
        .fit
        .parameters
        .iter()
        .map(|&(p, v)| to_scale(p, v))
        .collect();
    let plan = Plan {
        replications: facts.fit.replications,
        seed,
        threads,
        ..Plan::default()
    };
    let mut base = base.clone();
    base.parameter_uncertainty = false;
    let mut readings = Vec::new();
    for register in &facts.readings {
        let resolved = resolve(facts, register, true);
        let mut evaluations = 0;
        let mut error = None;
        let mut objective = |x: &[f64]| {
            evaluations += 1;
            let values: Vec<f64> = parameters
                .iter()
                .zip(x)
                .map(|(&p, &v)| from_scale(p, v))
                .collect();
            let prior: f64 = x.iter().zip(&start).map(|(a, b)| (a - b).powi(2)).sum();
            match simulate(&adjusted(&base, &parameters, &values), &plan, &resolved) {
                Ok(s) => deviance(&resolved, &s).1 + prior,
                Err(e) => {
                    error = Some(e);
                    f64::INFINITY
                }
            }
        };
        let (theta, _) = nelder_mead(&mut objective, &start, 0.3, 60 * parameters.len());
        let hess = hessian(&mut objective, &theta, 0.08);
        if let Some(e) = error {
            return Err(e);
        }
        // The objective is −2 log posterior: its Hessian over 2 is the precision.
        let n = parameters.len();
        let mut precision: Vec<f64> = hess.iter().map(|h| h / 2.0).collect();
        // A direction the facts (and the prior) leave flat is kept at the prior's width.
        for i in 0..n {
            precision[i * n + i] = precision[i * n + i].max(1.0);
        }
        let covariance = invert(&precision, n).unwrap_or_else(|| {
            (0..n * n)
                .map(|i| {
                    if i % (n + 1) == 0 {
                        1.0 / precision[i]
                    } else {
                        0.0
                    }
                })
                .collect()
        });
        let values: Vec<f64> = parameters
            .iter()
            .zip(&theta)
            .map(|(&p, &v)| from_scale(p, v))
            .collect();
        let sim = simulate(&adjusted(&base, &parameters, &values), &plan, &resolved)?;
        let (contributions, neg2ll) = deviance(&resolved, &sim);
        let figures = resolved
            .figures
            .iter()
            .zip(&sim.figures)
            .map(|((f, _, x), s)| {
                let (mu, v) = moments(s);
                (f.id.clone(), *x, mu, v.sqrt())
            })
            .collect();
        let dev: f64 = contributions.iter().map(|(_, d)| d).sum();
        let data = resolved.figures.len()
            + resolved
                .compositions
                .iter()
                .map(|(_, _, c)| c.iter().filter(|&&x| x > 0.0).count().max(1) - 1)
                .sum::<usize>();
        let df = data.saturating_sub(n);
        let prior: f64 = theta.iter().zip(&start).map(|(a, b)| (a - b).powi(2)).sum();
        let log_det =
            cholesky(&covariance, n).map_or(0.0, |l| (0..n).map(|i| 2.0 * l[i * n + i].ln()).sum());
        let interval = (0..n)
            .map(|i| {
                let sd = covariance[i * n + i].sqrt();
                let p = parameters[i];
                (
                    from_scale(p, theta[i] - 1.96 * sd),
                    from_scale(p, theta[i] + 1.96 * sd),
                )
            })
            .collect();
        readings.push(ReadingFit {
            register: register.clone(),
            estimate: values,
            interval,
            theta,
            covariance,
            deviance: dev,
            df,
            p_value: chi_square_upper(dev, df),
            log_evidence: -0.5 * (neg2ll + prior) + 0.5 * log_det,
            contributions,
            figures,
            evaluations,
        });
    }
    let top = readings
        .iter()
        .map(|r| r.log_evidence)
        .fold(f64::NEG_INFINITY, f64::max);
    let raw: Vec<f64> = readings
        .iter()
        .map(|r| (r.log_evidence - top).exp())
        .collect();
    let total: f64 = raw.iter().sum();
    Ok(FitResult {
        parameters,
        weights: raw.iter().map(|w| w / total).collect(),
        readings,
    })
}

impl FitResult {
    /// Posterior draws for the scenario's `[calibration]`: `draws` in all, shared out over
    /// the readings by weight (at least one for a reading of weight above 1 %), each reading
    /// crossed with every value of the parameters the facts cannot identify. The values of
    /// multipliers are relative to `estimate_of` (the reading the scenario's own values are
    /// set to), so a draw at the estimate changes nothing.
    pub fn calibration(
        &self,
        unidentified: &[(Parameter, Vec<f64>)],
        draws: usize,
        reference: usize,
        seed: u64,
    ) -> Calibration {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed ^ 0xD8A4);
        let mut parameters = self.parameters.clone();
        parameters.extend(unidentified.iter().map(|(p, _)| *p));
        let combos: Vec<Vec<f64>> = unidentified.iter().fold(vec![vec![]], |acc, (_, values)| {
            acc.iter()
                .flat_map(|a| values.iter().map(move |v| [a.clone(), vec![*v]].concat()))
                .collect()
        });
        let mut readings = Vec::new();
        let mut out = Vec::new();
        let base = &self.readings[reference];
        for (r, fit) in self.readings.iter().enumerate() {
            if self.weights[r] < 0.01 {
                continue;
            }
            let n = self.parameters.len();
            let l = cholesky(&fit.covariance, n).unwrap_or_else(|| vec![0.0; n * n]);
            let share = ((draws as f64 * self.weights[r]).round() as usize).max(1);
            for combo in &combos {
                let label = unidentified
                    .iter()
                    .zip(combo)
                    .map(|((p, _), v)| format!("{} {v}", p.id()))
                    .collect::<Vec<_>>();
                let id = [
                    vec![fit.register.id.clone()],
                    label.iter().map(|s| s.replace(' ', "_")).collect(),
                ]
                .concat()
                .join("_");
                readings.push(Reading {
                    id,
                    label: [vec![fit.register.label.clone()], label]
                        .concat()
                        .join("; "),
                });
                let reading = readings.len() - 1;
                for _ in 0..share.div_ceil(combos.len()).max(1) {
                    let z: Vec<f64> = (0..n).map(|_| StandardNormal.sample(&mut rng)).collect();
                    let mut values: Vec<f64> = (0..n)
                        .map(|i| {
                            let x =
                                fit.theta[i] + (0..=i).map(|j| l[i * n + j] * z[j]).sum::<f64>();
                            let p = self.parameters[i];
                            let v = from_scale(p, x);
                            match p {
                                Parameter::Extension | Parameter::SecondLimit => v,
                                _ => v / base.estimate[i],
                            }
                        })
                        .collect();
                    values.extend(combo);
                    out.push(Draw { reading, values });
                }
            }
        }
        Calibration {
            source: String::new(),
            parameters,
            readings,
            draws: out,
        }
    }
}

/// `P(χ²_k ≥ x)`, the upper tail of a chi-square distribution with `k` degrees of
/// freedom (the regularised upper incomplete gamma function Q(k/2, x/2), by its series
/// below and continued fraction above `a + 1`, Numerical Recipes' `gammq`).
pub fn chi_square_upper(x: f64, k: usize) -> f64 {
    if k == 0 {
        return f64::NAN;
    }
    let (a, x) = (k as f64 / 2.0, x / 2.0);
    if x <= 0.0 {
        return 1.0;
    }
    let ln_gamma_a = ln_gamma(a);
    if x < a + 1.0 {
        let (mut sum, mut term, mut ap) = (1.0 / a, 1.0 / a, a);
        for _ in 0..1000 {
            ap += 1.0;
            term *= x / ap;
            sum += term;
            if term.abs() < sum.abs() * 1e-15 {
                break;
            }
        }
        1.0 - (sum.ln() - x + a * x.ln() - ln_gamma_a).exp()
    } else {
        let tiny = 1e-300;
        let mut b = x + 1.0 - a;
        let mut c = 1.0 / tiny;
        let mut d = 1.0 / b;
        let mut h = d;
        for i in 1..1000 {
            let an = -(i as f64) * (i as f64 - a);
            b += 2.0;
            d = an * d + b;
            d = if d.abs() < tiny { tiny } else { d };
            c = b + an / c;
            c = if c.abs() < tiny { tiny } else { c };
            d = 1.0 / d;
            let delta = d * c;
            h *= delta;
            if (delta - 1.0).abs() < 1e-15 {
                break;
            }
        }
        (-x + a * x.ln() - ln_gamma_a).exp() * h
    }
}

/// `ln Γ(x)` for `x > 0` (Lanczos, g = 7, nine coefficients; about 15 digits).
fn ln_gamma(x: f64) -> f64 {
    const G: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        return (std::f64::consts::PI / (std::f64::consts::PI * x).sin()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let t = x + 7.5;
    let s: f64 = G[0] + (1..9).map(|i| G[i] / (x + i as f64)).sum::<f64>();
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + s.ln()
}

/// The predictive distribution of every fact (fitted or checked) under a programme whose
/// calibration draws carry the fit's uncertainty: P5, median and P95 of the figure or of
/// each category's share, over replications (a register that is a sample of the closures
/// adds its sampling error: a multinomial draw of its size per replication).
pub fn predictive(
    p: &Programme,
    facts: &Facts,
    register: &Register,
    plan: &Plan,
) -> Result<Vec<Prediction>, RunError> {
    let resolved = resolve(facts, register, false);
    let per_rep = montecarlo::observe(
        p,
        plan,
        &|engine, log| {
            measured(
                engine,
                log,
                resolved.figures.iter().map(|(_, f, _)| f),
                &resolved,
            )
        },
        &|_| {},
    )?;
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(plan.seed ^ 0x5052_4544);
    let mut out = Vec::new();
    for (i, (fact, _, x)) in resolved.figures.iter().enumerate() {
        let values: Vec<f64> = per_rep.iter().map(|(f, _)| f[i]).collect();
        out.push(Prediction::new(fact.id.clone(), None, *x, &values));
    }
    for (i, (fact, _, counts)) in resolved.compositions.iter().enumerate() {
        let n: f64 = counts.iter().sum();
        let Observed::Composition { names, .. } = &fact.observed else {
            continue;
        };
        let shares: Vec<Vec<f64>> = per_rep
            .iter()
            .map(|(_, c)| {
                let sim = &c[i];
                let total: f64 = sim.iter().sum();
                let probs: Vec<f64> = sim.iter().map(|x| x / total.max(1e-300)).collect();
                if register.complete || total <= 0.0 {
                    probs
                } else {
                    multinomial_shares(&probs, n.round() as u64, &mut rng)
                }
            })
            .collect();
        for (k, name) in names.iter().enumerate() {
            let values: Vec<f64> = shares.iter().map(|s| s[k]).collect();
            out.push(Prediction::new(
                fact.id.clone(),
                Some(name.clone()),
                counts[k] / n.max(1e-300),
                &values,
            ));
        }
    }
    Ok(out)
}

/// Shares of a multinomial draw of `n` over probabilities `p` (sequential binomials).
fn multinomial_shares(p: &[f64], n: u64, rng: &mut Xoshiro256PlusPlus) -> Vec<f64> {
    let mut left = n;
    let mut rest = 1.0;
    let mut out = Vec::with_capacity(p.len());
    for &pk in p {
        let k = if left == 0 || rest <= 0.0 {
            0
        } else {
            let prob = (pk / rest).clamp(0.0, 1.0);
            rand_distr::Binomial::new(left, prob).map_or(0, |b| b.sample(rng))
        };
        out.push(k as f64 / n.max(1) as f64);
        left -= k;
        rest -= pk;
    }
    out
}

/// One fact's (or category's) observed value, its percentile among the simulated values
/// and their P5, P25, median, P75 and P95.
#[derive(Debug, Clone, PartialEq)]
pub struct Prediction {
    /// The fact's id.
    pub fact: String,
    /// The category, for a composition.
    pub category: Option<String>,
    /// The observed value (a share, for a composition).
    pub observed: f64,
    /// Share of simulated values below the observed one (ties count half).
    pub percentile: f64,
    /// P5, P25, median, P75, P95.
    pub quantiles: [f64; 5],
}

impl Prediction {
    /// The observed value placed among `simulated`.
    pub fn new(
        fact: String,
        category: Option<String>,
        observed: f64,
        simulated: &[f64],
    ) -> Prediction {
        let (percentile, quantiles) = placement(observed, simulated);
        Prediction {
            fact,
            category,
            observed,
            percentile,
            quantiles,
        }
    }

    /// Whether the observed value lies within P5–P95.
    pub fn inside(&self) -> bool {
        inside(self.observed, &self.quantiles, 0.9)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The chi-square tail against values computed independently (Python's
    /// `math.erfc` for one degree of freedom, `math.exp` for two).
    #[test]
    fn chi_square_tails() {
        // k = 1: P(χ² ≥ x) = erfc(√(x/2)); k = 2: e^{−x/2}.
        assert!((chi_square_upper(3.841458820694124, 1) - 0.05).abs() < 1e-9);
        assert!((chi_square_upper(10.0, 2) - (-5.0f64).exp()).abs() < 1e-12);
        assert!((chi_square_upper(1.0, 2) - (-0.5f64).exp()).abs() < 1e-12);
        // k = 4: e^{−x/2}(1 + x/2).
        assert!((chi_square_upper(6.0, 4) - (-3.0f64).exp() * 4.0).abs() < 1e-12);
    }

    /// Nelder–Mead finds the minimum of a quadratic bowl, and the Hessian by differences
    /// is the bowl's.
    #[test]
    fn the_search_and_the_curvature_of_a_known_bowl() {
        let mut bowl = |x: &[f64]| {
            3.0 * (x[0] - 1.0).powi(2) + (x[1] + 2.0).powi(2) + (x[0] - 1.0) * (x[1] + 2.0)
        };
        let (x, v) = nelder_mead(&mut bowl, &[0.0, 0.0], 0.5, 400);
        assert!(
            (x[0] - 1.0).abs() < 0.05 && (x[1] + 2.0).abs() < 0.05 && v < 1e-3,
            "{x:?} {v}"
        );
        let h = hessian(&mut bowl, &[1.0, -2.0], 0.1);
        for (got, want) in h.iter().zip([6.0, 1.0, 1.0, 2.0]) {
            assert!((got - want).abs() < 1e-9, "{h:?}");
        }
    }
}
