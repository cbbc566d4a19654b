//! The statistics a run reports, computed from a [`Collector`]: per year and metric the
//! distribution overall and for women and men, target probabilities, the escalating-goals
//! verdict under both readings, group means and monthly series.

use indexmap::IndexMap;
use serde::Serialize;

use super::collect::{
    column, planner, spread, AnnualColumn, Collector, PlannerColumn, Series, Spread,
    DECLINED_COLUMN, GENDER_COLUMNS, INELIGIBLE_COLUMN, STAY_COLUMN, WAITING_COLUMN,
};
use super::{proportion, Dist};
use crate::model::{Direction, EscalatingGoals, Gender, Metric, Programme, StepReading, Target};

/// A metric's distribution overall and by gender.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MetricSummary {
    /// Everyone.
    #[serde(flatten)]
    pub all: Option<Dist>,
    /// Women.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub women: Option<Dist>,
    /// Men.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub men: Option<Dist>,
}

/// Mean of a metric for one group, overall and by gender.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupMean {
    /// Everyone in the group.
    pub mean: f64,
    /// Women.
    pub women: f64,
    /// Men.
    pub men: f64,
}

/// One reported year.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct YearSummary {
    /// Calendar year.
    pub year: i32,
    /// Months of the year inside the horizon.
    pub months: u32,
    /// Metrics by identifier.
    pub metrics: IndexMap<String, MetricSummary>,
    /// Means per group: group → metric → mean.
    pub by_group: IndexMap<String, IndexMap<String, GroupMean>>,
    /// Means per attribute category: attribute → category → metric → mean.
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    pub by_attribute: IndexMap<String, IndexMap<String, IndexMap<String, GroupMean>>>,
    /// Histogram of exits to work or studies over replications.
    pub positive_exits_histogram: Option<Bins>,
}

/// The probability of meeting one target.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TargetResult {
    /// Metric identifier.
    pub metric: String,
    /// The year, for a one-year target.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub year: Option<i32>,
    /// The years, for a cumulative target.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub years: Option<Vec<i32>>,
    /// Threshold.
    pub threshold: f64,
    /// `at_least` or `at_most`.
    pub direction: &'static str,
    /// `women`, `men`, or absent for everyone.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gender: Option<&'static str>,
    /// Label from the scenario.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub label: String,
    /// The target as a command-line expression, e.g. `positive_exits>=450@2027`.
    pub expression: String,
    /// Mean of the metric over the target's years.
    pub mean: f64,
    /// Share of replications meeting the target.
    pub probability: f64,
    /// Monte Carlo standard error of the probability.
    pub se: f64,
    /// The probability under each structural reading of the calibration (absent without
    /// one): the share of that reading's replications meeting the target.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub by_reading: Option<IndexMap<String, ReadingProbability>>,
}

/// A target's probability under one structural reading.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReadingProbability {
    /// Share of the reading's replications meeting the target.
    pub probability: f64,
    /// Its Monte Carlo standard error.
    pub se: f64,
    /// The reading's replications.
    pub replications: u64,
}

/// The escalating goal for one year under one reading and step.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GoalCheck {
    /// `percentage_points` or `relative_percent`.
    pub reading: &'static str,
    /// The yearly step.
    pub step: f64,
    /// The goal share for the year.
    pub goal: f64,
    /// P(share ≥ goal).
    pub probability: f64,
    /// Its standard error.
    pub se: f64,
    /// P(women's share ≥ goal).
    pub probability_women: f64,
    /// P(men's share ≥ goal).
    pub probability_men: f64,
    /// P(the share rose by at least the step since last year); absent in the first year.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub step_probability: Option<f64>,
}

/// The escalating goals for one year.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EscalatingYear {
    /// Calendar year.
    pub year: i32,
    /// The share of exits to work or studies.
    pub share: Option<Dist>,
    /// Checks under both readings and both ends of the step range.
    pub checks: Vec<GoalCheck>,
}

/// The escalating-goals verdict.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EscalatingSummary {
    /// Which closures the share is taken of (`all_closures` or `excluding_time_limit`).
    pub share: &'static str,
    /// First goal year.
    pub first_year: i32,
    /// Goal share in the first year.
    pub first_share: f64,
    /// Step range.
    pub step: [f64; 2],
    /// Years from the first goal year on.
    pub years: Vec<EscalatingYear>,
}

/// Mean and quantiles of a monthly series.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Quantiles {
    /// Mean.
    pub mean: f64,
    /// 5th percentile.
    pub p5: f64,
    /// 25th percentile.
    pub p25: f64,
    /// Median.
    pub p50: f64,
    /// 75th percentile.
    pub p75: f64,
    /// 95th percentile.
    pub p95: f64,
}

/// A histogram of a yearly count over replications: `counts[i]` replications had a value
/// in `[start + i·width, start + (i+1)·width)`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Bins {
    /// Lower edge of the first bin.
    pub start: f64,
    /// Bin width.
    pub width: f64,
    /// Replications per bin.
    pub counts: Vec<u64>,
}

impl Bins {
    /// Bins integer-valued `values` into about `target` bins of whole-number width.
    pub fn of_counts(values: &[f64], target: usize) -> Option<Bins> {
        let finite = values.iter().copied().filter(|v| v.is_finite());
        let lo = finite.clone().fold(f64::INFINITY, f64::min);
        let hi = finite.fold(f64::NEG_INFINITY, f64::max);
        if !lo.is_finite() {
            return None;
        }
        let width = ((hi - lo + 1.0) / target.max(1) as f64).ceil().max(1.0);
        let n = ((hi - lo) / width).floor() as usize + 1;
        let mut counts = vec![0u64; n];
        for v in values.iter().filter(|v| v.is_finite()) {
            counts[(((v - lo) / width).floor() as usize).min(n - 1)] += 1;
        }
        Some(Bins {
            start: lo,
            width,
            counts,
        })
    }
}

/// One month of the monthly summary.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MonthSummary {
    /// `YYYY-MM`.
    pub month: String,
    /// Series by identifier.
    pub series: IndexMap<String, Quantiles>,
    /// Mean caseload of each team.
    pub team_caseload_mean: Vec<f64>,
    /// The programme's caseload cap this month (cap per team × teams taking intake), if
    /// the scenario sets one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub caseload_cap: Option<f64>,
}

/// Everything a run reports.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    /// kraftsim version that produced it.
    pub tool_version: &'static str,
    /// Scenario name.
    pub scenario: String,
    /// Number of replications.
    pub replications: u64,
    /// Master seed.
    pub seed: u64,
    /// Whether replications drew their own hazards from the parameter uncertainty.
    pub parameter_uncertainty: bool,
    /// The standard error asked for with `--precision`, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub precision: Option<f64>,
    /// Whether every probability reached that precision within the replication limit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub precision_reached: Option<bool>,
    /// Per-year statistics.
    pub years: Vec<YearSummary>,
    /// Target probabilities.
    pub targets: Vec<TargetResult>,
    /// Escalating goals, if the scenario sets them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub escalating_goals: Option<EscalatingSummary>,
    /// Monthly series.
    pub monthly: Vec<MonthSummary>,
    /// What the run's parameter draws come from, where they come from a calibration.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub calibration: Option<CalibrationNote>,
}

/// The calibration a run's parameter draws come from: its source, its readings (with the
/// share of replications each ran) and the number of draws.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CalibrationNote {
    /// The fit that made the draws, as the scenario states it.
    pub source: String,
    /// The structural readings: id, label and share of the draws.
    pub readings: Vec<ReadingNote>,
    /// Number of draws.
    pub draws: usize,
}

/// One structural reading of a calibration.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReadingNote {
    /// Identifier.
    pub id: String,
    /// What the reading says.
    pub label: String,
    /// Share of the draws under it.
    pub share: f64,
}

/// The note on a programme's calibration, where its runs draw from one.
fn calibration_note(p: &Programme) -> Option<CalibrationNote> {
    let c = p.active_calibration()?;
    let n = c.draws.len();
    Some(CalibrationNote {
        source: c.source.clone(),
        readings: c
            .readings
            .iter()
            .enumerate()
            .map(|(i, r)| ReadingNote {
                id: r.id.clone(),
                label: r.label.clone(),
                share: c.draws.iter().filter(|d| d.reading == i).count() as f64 / n as f64,
            })
            .collect(),
        draws: n,
    })
}

/// Sums of base counts over some period, for one gender or both, from which every metric
/// follows.
#[derive(Debug, Clone, Copy, Default)]
pub struct Counts {
    /// Exits per cause, in `ExitCause::ALL` order.
    pub causes: [f64; 5],
    /// Entrants.
    pub entrants: f64,
    /// Person-years.
    pub person_years: f64,
    /// Budget, SEK.
    pub budget: f64,
    /// Months in the programme of those closed, summed.
    pub stay_months: f64,
    /// Participants enrolled at the start of the period (before its first intake).
    pub start_caseload: f64,
    /// Monthly active caseloads, summed, and the number of months.
    pub caseload_months: (f64, f64),
    /// Lowest and highest monthly caseload.
    pub caseload_range: (f64, f64),
    /// Median months in the programme of those closed (NaN over several years or without
    /// closures).
    pub median_months: f64,
    /// FK cases closed, and closed to work.
    pub fk: (f64, f64),
}

impl Counts {
    fn gather(c: &Collector, rep: usize, years: &[usize], gender: Option<usize>) -> Counts {
        let mut out = Counts::default();
        let genders: &[usize] = match gender {
            Some(0) => &[0],
            Some(_) => &[1],
            None => &[0, 1],
        };
        for &y in years {
            for &s in genders {
                for k in 0..5 {
                    out.causes[k] += c.value(rep, y, s * GENDER_COLUMNS + k) as f64;
                }
                out.entrants += c.value(rep, y, column(AnnualColumn::Entrants, s)) as f64;
            }
            for &s in genders {
                let planned = |k: PlannerColumn| c.value(rep, y, planner(k, s)) as f64;
                out.stay_months += planned(PlannerColumn::StayMonths);
                out.caseload_months.0 += planned(PlannerColumn::CaseloadMonths);
                out.fk.0 += planned(PlannerColumn::FkClosed);
                out.fk.1 += planned(PlannerColumn::FkWork);
                if Some(&y) == years.first() {
                    out.start_caseload += planned(PlannerColumn::StartCaseload);
                }
            }
            out.caseload_months.1 += c.years[y].months as f64;
            let low = c.value(rep, y, spread(Spread::CaseloadMin, gender)) as f64;
            let high = c.value(rep, y, spread(Spread::CaseloadMax, gender)) as f64;
            out.caseload_range = if Some(&y) == years.first() {
                (low, high)
            } else {
                (
                    out.caseload_range.0.min(low),
                    out.caseload_range.1.max(high),
                )
            };
            let median = c.value(rep, y, spread(Spread::MedianStay2, gender));
            out.median_months = if years.len() == 1 && median > 0 {
                median as f64 / 2.0
            } else {
                f64::NAN
            };
            let py = |s| c.value(rep, y, column(AnnualColumn::PersonYears24, s)) as f64 / 24.0;
            let year_py: f64 = genders.iter().map(|&s| py(s)).sum();
            let total_py = py(0) + py(1);
            out.person_years += year_py;
            // A gender's budget is the budget shared by person-years (who used the places).
            let b = c.budget_of(rep, y) as f64;
            out.budget += if gender.is_none() {
                b
            } else if total_py > 0.0 {
                b * year_py / total_py
            } else {
                b / 2.0
            };
        }
        out
    }

    /// The value of a metric (ratios NaN when the denominator is 0).
    pub fn metric(&self, m: Metric) -> f64 {
        let pos = self.causes[0] + self.causes[1];
        let exits: f64 = self.causes.iter().sum();
        match m {
            Metric::PositiveExits => pos,
            Metric::PositiveShare => ratio(pos, exits),
            Metric::WorkExits => self.causes[0],
            Metric::StudiesExits => self.causes[1],
            Metric::FkSamverkan => self.causes[2],
            Metric::OtherExits => self.causes[3],
            Metric::TimeLimitExits => self.causes[4],
            Metric::Exits => exits,
            Metric::Entrants => self.entrants,
            Metric::PersonYears => self.person_years,
            Metric::BudgetSek => self.budget,
            Metric::CostPerPositiveExit => ratio(self.budget, pos),
            Metric::PositiveShareExcludingTimeLimit => ratio(pos, exits - self.causes[4]),
            Metric::MeanMonthsClosed => ratio(self.stay_months, exits),
            Metric::MedianMonthsClosed => self.median_months,
            Metric::CaseloadMean => ratio(self.caseload_months.0, self.caseload_months.1),
            Metric::CaseloadMin => self.caseload_range.0,
            Metric::CaseloadMax => self.caseload_range.1,
            Metric::Participants => self.start_caseload + self.entrants,
            Metric::FkClosed => self.fk.0,
            Metric::FkWorkExits => self.fk.1,
        }
    }
}

/// `a / b`, NaN when `b` is 0 (such replications are left out of distributions and count
/// as not meeting a target).
fn ratio(a: f64, b: f64) -> f64 {
    if b > 0.0 {
        a / b
    } else {
        f64::NAN
    }
}

fn gender_index(g: Option<Gender>) -> Option<usize> {
    g.map(|g| g as usize)
}

/// A metric's value in every replication, summed over `years` (indexes into the collector's
/// years) for one gender (0 women, 1 men) or both; ratios are ratios of the sums.
pub fn replication_values(
    c: &Collector,
    years: &[usize],
    gender: Option<usize>,
    m: Metric,
) -> Vec<f64> {
    (0..c.replications())
        .map(|r| Counts::gather(c, r, years, gender).metric(m))
        .collect()
}

/// Whether each replication meets target `t`.
pub fn target_hits(c: &Collector, t: &Target) -> Vec<bool> {
    target_values(c, t)
        .into_iter()
        .map(|v| met(v, t.threshold, t.direction))
        .collect()
}

/// The target's metric in every replication (years outside the run count as absent).
fn target_values(c: &Collector, t: &Target) -> Vec<f64> {
    let ys: Vec<usize> = t
        .years
        .iter()
        .filter_map(|&y| c.years.iter().position(|ry| ry.year == y))
        .collect();
    replication_values(c, &ys, gender_index(t.gender), t.metric)
}

fn met(v: f64, threshold: f64, d: Direction) -> bool {
    match d {
        Direction::AtLeast => v >= threshold,
        Direction::AtMost => v <= threshold,
    }
}

/// Mean entrants, exits by cause (and person-years) per replication, for both genders
/// and each, from `sum(gender, column)`.
fn means(sum: impl Fn(usize, usize) -> f64, person_years: bool) -> IndexMap<String, GroupMean> {
    let mut out = IndexMap::new();
    let mut put = |name: &str, f: &dyn Fn(usize) -> f64| {
        out.insert(
            name.to_string(),
            GroupMean {
                mean: f(0) + f(1),
                women: f(0),
                men: f(1),
            },
        );
    };
    put("entrants", &|s| sum(s, AnnualColumn::Entrants as usize));
    put("positive_exits", &|s| sum(s, 0) + sum(s, 1));
    put("work_exits", &|s| sum(s, 0));
    put("studies_exits", &|s| sum(s, 1));
    put("fk_samverkan", &|s| sum(s, 2));
    put("exits", &|s| (0..5).map(|k| sum(s, k)).sum());
    if person_years {
        put("person_years", &|s| {
            sum(s, AnnualColumn::PersonYears24 as usize) / 24.0
        });
    }
    // Share of exits to work or studies, as a ratio of the means above (0 without exits,
    // so summaries stay comparable with ==).
    let share = |f: &dyn Fn(&GroupMean) -> f64| {
        let exits = f(&out["exits"]);
        if exits > 0.0 {
            f(&out["positive_exits"]) / exits
        } else {
            0.0
        }
    };
    let positive_share = GroupMean {
        mean: share(&|m| m.mean),
        women: share(&|m| m.women),
        men: share(&|m| m.men),
    };
    out.insert("positive_share".into(), positive_share);
    out
}

/// Builds the summary of a finished run.
pub fn summarise(p: &Programme, c: &Collector, seed: u64) -> Summary {
    let n = c.replications() as u64;
    let year_index = |y: i32| c.years.iter().position(|ry| ry.year == y);
    let mut years = Vec::new();
    for (yi, ry) in c.years.iter().enumerate() {
        let mut metrics = IndexMap::new();
        for m in Metric::ALL {
            let dist = |g| Dist::of(&mut replication_values(c, &[yi], g, m));
            metrics.insert(
                m.id().to_string(),
                MetricSummary {
                    all: dist(None),
                    women: dist(Some(0)),
                    men: dist(Some(1)),
                },
            );
        }
        let extra = |col: usize| {
            let mut v: Vec<f64> = (0..c.replications())
                .map(|r| c.value(r, yi, col) as f64)
                .collect();
            MetricSummary {
                all: Dist::of(&mut v),
                women: None,
                men: None,
            }
        };
        for (b, name) in [
            "exits_stay_1_6_months",
            "exits_stay_7_12_months",
            "exits_stay_13_18_months",
            "exits_stay_19_plus_months",
        ]
        .iter()
        .enumerate()
        {
            metrics.insert(name.to_string(), extra(STAY_COLUMN + b));
        }
        metrics.insert("declined".into(), extra(DECLINED_COLUMN));
        metrics.insert("waiting_at_year_end".into(), extra(WAITING_COLUMN));
        if p.eligibility.is_some() {
            metrics.insert("ineligible".into(), extra(INELIGIBLE_COLUMN));
        }

        let mut by_group = IndexMap::new();
        for (g, group) in p.groups.iter().enumerate() {
            let sum = |s: usize, col: usize| {
                c.monthly.group_sums[((yi * c.groups + g) * 2 + s) * GENDER_COLUMNS + col] as f64
                    / n.max(1) as f64
            };
            by_group.insert(group.name.clone(), means(sum, true));
        }
        let mut by_attribute = IndexMap::new();
        let mut k = 0;
        for a in &p.attributes {
            let mut cats = IndexMap::new();
            for cat in &a.categories {
                let sum = |s: usize, col: usize| {
                    c.monthly.category_sums
                        [((yi * c.categories + k) * 2 + s) * GENDER_COLUMNS + col]
                        as f64
                        / n.max(1) as f64
                };
                cats.insert(cat.clone(), means(sum, false));
                k += 1;
            }
            by_attribute.insert(a.id.clone(), cats);
        }
        let positive_exits_histogram = Bins::of_counts(
            &replication_values(c, &[yi], None, Metric::PositiveExits),
            40,
        );
        years.push(YearSummary {
            year: ry.year,
            months: ry.months,
            metrics,
            by_group,
            by_attribute,
            positive_exits_histogram,
        });
    }

    let targets = p.targets.iter().map(|t| target_result(c, t)).collect();
    let escalating_goals = p
        .escalating_goals
        .as_ref()
        .map(|e| escalating(c, e, &year_index));

    let ns = Series::ALL.len();
    let monthly = (0..c.months)
        .map(|m| {
            let mut series = IndexMap::new();
            for (i, s) in Series::ALL.iter().enumerate() {
                let h = &c.monthly.histograms[m * ns + i];
                if h.is_empty() {
                    continue;
                }
                let k = s.scale();
                series.insert(
                    s.id().to_string(),
                    Quantiles {
                        mean: h.mean() * k,
                        p5: h.quantile(0.05) * k,
                        p25: h.quantile(0.25) * k,
                        p50: h.quantile(0.5) * k,
                        p75: h.quantile(0.75) * k,
                        p95: h.quantile(0.95) * k,
                    },
                );
            }
            MonthSummary {
                month: p.calendar.month(m as i32).to_string(),
                series,
                team_caseload_mean: c.monthly.team_sums[m * c.teams..(m + 1) * c.teams]
                    .iter()
                    .map(|&s| s as f64 / n.max(1) as f64)
                    .collect(),
                caseload_cap: p.intake.cap.as_ref().map(|cap| {
                    let month = m as i32;
                    let teams = p.teams.iter().filter(|t| t.takes_intake(month)).count();
                    (cap.per_team as usize * teams) as f64
                }),
            }
        })
        .collect();

    Summary {
        tool_version: env!("CARGO_PKG_VERSION"),
        scenario: p.name.clone(),
        replications: n,
        seed,
        parameter_uncertainty: p.draws_uncertainty(),
        precision: None,
        precision_reached: None,
        years,
        targets,
        escalating_goals,
        monthly,
        calibration: calibration_note(p),
    }
}

fn target_result(c: &Collector, t: &Target) -> TargetResult {
    let v = target_values(c, t);
    let hits = v
        .iter()
        .filter(|&&x| met(x, t.threshold, t.direction))
        .count() as u64;
    let finite: Vec<f64> = v.iter().copied().filter(|x| x.is_finite()).collect();
    let (probability, se) = proportion(hits, v.len() as u64);
    let by_reading = (c.readings.len() > 1).then(|| {
        c.readings
            .iter()
            .enumerate()
            .map(|(k, id)| {
                let of_reading: Vec<f64> = v
                    .iter()
                    .enumerate()
                    .filter(|&(r, _)| c.reading_of(r) == Some(k))
                    .map(|(_, &x)| x)
                    .collect();
                let n = of_reading.len() as u64;
                let hits = of_reading
                    .iter()
                    .filter(|&&x| met(x, t.threshold, t.direction))
                    .count() as u64;
                let (probability, se) = proportion(hits, n);
                (
                    id.clone(),
                    ReadingProbability {
                        probability,
                        se,
                        replications: n,
                    },
                )
            })
            .collect()
    });
    TargetResult {
        by_reading,
        metric: t.metric.id().to_string(),
        year: (t.years.len() == 1).then(|| t.years[0]),
        years: (t.years.len() > 1).then(|| t.years.clone()),
        threshold: t.threshold,
        direction: match t.direction {
            Direction::AtLeast => "at_least",
            Direction::AtMost => "at_most",
        },
        gender: t.gender.map(|g| g.plural_id()),
        label: t.label.clone(),
        expression: t.expression(),
        mean: finite.iter().sum::<f64>() / finite.len().max(1) as f64,
        probability,
        se,
    }
}

fn escalating(
    c: &Collector,
    e: &EscalatingGoals,
    year_index: &dyn Fn(i32) -> Option<usize>,
) -> EscalatingSummary {
    let n = c.replications() as u64;
    let share = |yi: usize, g: Option<usize>| replication_values(c, &[yi], g, e.share.metric());
    let mut years = Vec::new();
    for ry in c.years.iter().filter(|y| y.year >= e.first_year) {
        let yi = year_index(ry.year).expect("year of the horizon");
        let all = share(yi, None);
        let women = share(yi, Some(0));
        let men = share(yi, Some(1));
        let previous = year_index(ry.year - 1)
            .filter(|_| ry.year > e.first_year)
            .map(|p| share(p, None));
        let mut checks = Vec::new();
        for reading in StepReading::BOTH {
            for step in [e.step_min, e.step_max] {
                let goal = e.goal(ry.year, step, reading);
                let count = |v: &[f64]| v.iter().filter(|&&x| x >= goal - 1e-12).count() as u64;
                let (probability, se) = proportion(count(&all), n);
                let step_probability = previous.as_ref().map(|prev| {
                    let rose = all
                        .iter()
                        .zip(prev)
                        .filter(|(now, before)| match reading {
                            StepReading::PercentagePoints => {
                                **now - **before >= step / 100.0 - 1e-12
                            }
                            StepReading::RelativePercent => {
                                **now >= **before * (1.0 + step / 100.0) - 1e-12
                            }
                        })
                        .count() as u64;
                    proportion(rose, n).0
                });
                checks.push(GoalCheck {
                    reading: reading.id(),
                    step,
                    goal,
                    probability,
                    se,
                    probability_women: proportion(count(&women), n).0,
                    probability_men: proportion(count(&men), n).0,
                    step_probability,
                });
            }
        }
        years.push(EscalatingYear {
            year: ry.year,
            share: Dist::of(&mut all.clone()),
            checks,
        });
    }
    EscalatingSummary {
        share: e.share.id(),
        first_year: e.first_year,
        first_share: e.first_share,
        step: [e.step_min, e.step_max],
        years,
    }
}
