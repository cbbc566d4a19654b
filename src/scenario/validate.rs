//! Validation: raw scenario → [`Programme`], filling the documented defaults and collecting
//! every problem with its key path, the offending value and what is allowed.

mod calendar;
mod costs;
mod dynamics;
mod groups;
mod intake;
mod population;
mod staffing;
mod targets;
mod teams;

use indexmap::IndexMap;

use super::raw::*;
use super::Problem;
use crate::model::*;

/// Largest monthly hazard accepted (1 − e^−10 ≈ certain exit within the month).
pub const MAX_HAZARD: f64 = 10.0;
/// Longest horizon or warm-up accepted, in months (100 years).
pub const MAX_MONTHS: i64 = 1200;
/// Most teams accepted in one programme.
pub const MAX_TEAMS: i64 = 100_000;
/// Most scheduled entrants accepted per month (teams × per_team): beyond this a run would
/// exhaust memory rather than answer.
pub const MAX_MONTHLY_ENTRANTS: u64 = 1_000_000;
/// Most participant groups accepted (a participant's group and gender share seven bits of
/// one byte; the eighth marks an extended stay).
pub const MAX_GROUPS: usize = 64;
/// Most participants accepted per team per intake.
pub const MAX_PER_TEAM: i64 = 100_000;

/// Collects problems while reading values.
struct Checker {
    problems: Vec<Problem>,
}

impl Checker {
    fn problem(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.problems.push(Problem {
            path: path.into(),
            message: message.into(),
        });
    }

    fn required<T: Clone>(&mut self, path: &str, v: &Option<T>) -> Option<T> {
        if v.is_none() {
            self.problem(path, "is missing (required)");
        }
        v.clone()
    }

    /// A finite number in `[lo, hi]`.
    fn number(&mut self, path: &str, v: Option<f64>, default: f64, lo: f64, hi: f64) -> f64 {
        let Some(x) = v else { return default };
        if !x.is_finite() || x < lo || x > hi {
            self.problem(
                path,
                format!("{x} is not allowed: must be a finite number from {lo} to {hi}"),
            );
            return default;
        }
        x
    }

    fn gender(&mut self, path: &str, v: Option<&str>) -> Option<Gender> {
        match v {
            None => None,
            Some("women") => Some(Gender::Woman),
            Some("men") => Some(Gender::Man),
            Some(o) => {
                self.problem(path, format!("\"{o}\" is not allowed: use women or men"));
                None
            }
        }
    }

    fn probability(&mut self, path: &str, v: Option<f64>, default: f64) -> f64 {
        let Some(x) = v else { return default };
        if !x.is_finite() || !(0.0..=1.0).contains(&x) {
            self.problem(
                path,
                format!("{x} is not a probability: must be between 0 and 1"),
            );
            return default;
        }
        x
    }

    /// A whole number in `[lo, hi]`.
    fn integer(&mut self, path: &str, v: Option<i64>, default: i64, lo: i64, hi: i64) -> i64 {
        let Some(x) = v else { return default };
        if x < lo || x > hi {
            self.problem(
                path,
                format!("{x} is not allowed: must be a whole number from {lo} to {hi}"),
            );
            return default;
        }
        x
    }

    fn causes(
        &mut self,
        path: &str,
        v: &Option<RawCauses>,
        default: f64,
        lo: f64,
        hi: f64,
    ) -> CauseFactors {
        let c = v.clone().unwrap_or_default();
        [
            self.number(&format!("{path}.work"), c.work, default, lo, hi),
            self.number(&format!("{path}.studies"), c.studies, default, lo, hi),
            self.number(
                &format!("{path}.fk_samverkan"),
                c.fk_samverkan,
                default,
                lo,
                hi,
            ),
            self.number(&format!("{path}.other"), c.other, default, lo, hi),
        ]
    }

    fn cause_list(&mut self, path: &str, v: &Option<Vec<String>>, default: [bool; 4]) -> [bool; 4] {
        let Some(list) = v else { return default };
        let mut out = [false; 4];
        for (i, id) in list.iter().enumerate() {
            match ExitCause::hazard_from_id(id) {
                Some(c) => out[c as usize] = true,
                None => self.problem(
                    format!("{path}[{i}]"),
                    format!("unknown exit cause \"{id}\": allowed are work, studies, fk_samverkan, other"),
                ),
            }
        }
        out
    }

    fn group_list(&mut self, path: &str, v: &Option<Vec<String>>, groups: &[String]) -> Vec<bool> {
        let Some(list) = v else {
            return vec![true; groups.len()];
        };
        let mut out = vec![false; groups.len()];
        for (i, id) in list.iter().enumerate() {
            match groups.iter().position(|g| g == id) {
                Some(k) => out[k] = true,
                None => self.problem(
                    format!("{path}[{i}]"),
                    format!(
                        "unknown group \"{id}\": the scenario's groups are {}",
                        groups.join(", ")
                    ),
                ),
            }
        }
        out
    }

    fn roles(&mut self, path: &str, v: &Option<RawRoles>, default: RoleFte) -> RoleFte {
        let r = v.clone().unwrap_or_default();
        let vals = [
            r.employment_officer,
            r.social_secretary,
            r.labour_market_secretary,
            r.insurance_investigator,
        ];
        let mut out = default;
        for (i, role) in TeamRole::ALL.iter().enumerate() {
            out[i] = self.number(
                &format!("{path}.{}", role.id()),
                vals[i],
                default[i],
                0.0,
                100.0,
            );
        }
        out
    }

    fn ramp(&mut self, path: &str, v: &Option<RawRamp>) -> Option<Ramp> {
        let r = v.as_ref()?;
        let start = self.required(&format!("{path}.start"), &r.start);
        let months = self.required(&format!("{path}.months"), &r.months);
        let start = self.number(&format!("{path}.start"), start, 1.0, 0.0, 1.0);
        let months = self.integer(&format!("{path}.months"), months, 0, 0, MAX_MONTHS) as u32;
        Some(Ramp { start, months })
    }
}

/// Reads `YYYY-MM` into a month index relative to the calendar start, checking it lies in
/// the simulated period (warm-up included) when `within` is set.
fn month(c: &mut Checker, path: &str, text: &str, cal: &Calendar, within: bool) -> Option<i32> {
    let Some(ym) = YearMonth::parse(text) else {
        c.problem(
            path,
            format!("\"{text}\" is not a month: write YYYY-MM, e.g. 2025-01"),
        );
        return None;
    };
    let m = ym.months_since(cal.start);
    let first = -(cal.warmup as i32);
    let last = cal.horizon as i32 - 1;
    if within && (m < first || m > last) {
        c.problem(
            path,
            format!(
                "{text} is outside the simulated period {} to {}",
                cal.month(first),
                cal.month(last)
            ),
        );
        return None;
    }
    Some(m)
}

/// Validates a raw scenario into a programme, or returns every problem found.
pub fn validate(raw: &RawScenario) -> Result<Programme, Vec<Problem>> {
    let c = &mut Checker {
        problems: Vec::new(),
    };

    // The sections in the order their problems are reported. Calendar first: months
    // elsewhere are checked against it; groups next: most sections name them.
    let calendar = calendar::calendar(c, &raw.calendar);
    let report_years: Vec<i32> = calendar.years().iter().map(|y| y.year).collect();
    let groups = groups::groups(c, &raw.groups);
    let names: Vec<String> = groups.iter().map(|g| g.name.clone()).collect();
    let teams = teams::teams(c, &raw.teams, &calendar);
    let roles = staffing::staffing(c, &raw.staffing);
    let support = staffing::support(c, &raw.support, &names);
    let mut intake = intake::intake(c, &raw.intake, &calendar, teams.len(), &names);
    let initial = intake::initial(c, &raw.initial, &names, &groups);
    let pressure = dynamics::pressure(c, &raw.pressure);
    let seasonality = dynamics::seasonality(c, &raw.seasonality);
    // A shock with intake_pause adds to the intake's pauses, after those written there.
    let shocks = dynamics::shocks(c, &raw.shocks, &calendar, &names, &mut intake.pauses);

    // Who enters: attributes and the target-group definition applied.
    let attributes = population::attributes(c, &raw.attributes, &names);
    let definition =
        population::definitions(c, &raw.definitions, &raw.definition, &names, &attributes);

    let targets = targets::targets(c, &raw.targets, &report_years);
    let escalating_goals =
        targets::escalating_goals(c, &raw.escalating_goals, &calendar, &report_years);
    let costs = costs::costs(c, &raw.costs, &teams, &support);

    let parameter_uncertainty = raw
        .uncertainty
        .as_ref()
        .and_then(|u| u.enabled)
        .unwrap_or(true);
    let calibration = calibration(c, raw);

    if !c.problems.is_empty() {
        return Err(std::mem::take(&mut c.problems));
    }
    let mut programme = Programme {
        name: raw
            .name
            .clone()
            .unwrap_or_else(|| "unnamed scenario".into()),
        description: raw.description.clone().unwrap_or_default(),
        calendar,
        groups,
        teams,
        roles,
        support,
        intake,
        initial,
        pressure,
        seasonality,
        shocks,
        attribute_norm: (0..names.len())
            .map(|g| {
                attributes.iter().fold(NEUTRAL, |acc, a| {
                    let m = a.mean_multiplier(g);
                    std::array::from_fn(|k| acc[k] * m[k])
                })
            })
            .collect(),
        attributes,
        definition: None,
        eligibility: None,
        parameter_uncertainty,
        targets,
        escalating_goals,
        costs,
        resume: None,
        carry_over: None,
        calibration,
    };
    if let Some(d) = definition {
        population::apply(d, &mut programme).map_err(|p| vec![p])?;
    }
    Ok(programme)
}

/// A number with at most six decimals and no trailing zeros (1.0999999999999999 → 1.1).
fn short(x: f64) -> String {
    let s = format!("{x:.6}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

fn is_identifier(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || ch == '_')
        && s.chars().next().is_some_and(|ch| ch.is_ascii_lowercase())
}

/// Group shares of an intake mix (`intake.mix`, a shock's or a definition's `mix`).
fn mix_shares(
    c: &mut Checker,
    path: &str,
    m: &IndexMap<String, f64>,
    names: &[String],
) -> Vec<f64> {
    shares(
        c,
        path,
        m,
        names,
        &("group", "the scenario's groups are".to_string()),
    )
}

/// Shares over named items (groups of a mix, categories of an attribute): each a
/// probability of a known item, summing to 1; items not named get 0. `what` is the
/// item's noun and the phrase that lists the known ones.
fn shares(
    c: &mut Checker,
    path: &str,
    m: &IndexMap<String, f64>,
    names: &[String],
    what: &(&str, String),
) -> Vec<f64> {
    let mut out = vec![0.0; names.len()];
    for (g, share) in m {
        let p = format!("{path}.{g}");
        let v = c.probability(&p, Some(*share), 0.0);
        match names.iter().position(|n| n == g) {
            Some(k) => out[k] = v,
            None => c.problem(
                p,
                format!(
                    "unknown {} \"{g}\": {} {}",
                    what.0,
                    what.1,
                    names.join(", ")
                ),
            ),
        }
    }
    let total: f64 = m.values().sum();
    if (total - 1.0).abs() > 1e-6 && total.is_finite() {
        c.problem(
            path,
            format!("shares sum to {}: they must sum to 1", short(total)),
        );
    }
    out
}

/// The `[calibration]` block: known parameters, readings, and draws of the right length
/// with values in range.
fn calibration(c: &mut Checker, raw: &RawScenario) -> Option<Calibration> {
    use crate::model::calibration::{Draw, Parameter, Reading};
    let rc = raw.calibration.as_ref()?;
    let mut parameters = Vec::new();
    for (i, id) in rc.parameters.clone().unwrap_or_default().iter().enumerate() {
        match Parameter::from_id(id) {
            Some(p) => parameters.push(p),
            None => c.problem(
                format!("calibration.parameters[{i}]"),
                format!(
                    "\"{id}\" is not a parameter: use {}",
                    Parameter::ALL.map(|p| p.id()).join(", ")
                ),
            ),
        }
    }
    let readings: Vec<Reading> = match &rc.readings {
        Some(r) if !r.is_empty() => r
            .iter()
            .map(|(id, label)| Reading {
                id: id.clone(),
                label: label.clone(),
            })
            .collect(),
        _ => vec![Reading {
            id: "fitted".into(),
            label: "the fitted model".into(),
        }],
    };
    let rows = rc.draws.clone().unwrap_or_default();
    if rows.is_empty() {
        c.problem(
            "calibration.draws",
            "is missing or empty: give at least one draw",
        );
    }
    let mut draws = Vec::new();
    for (i, row) in rows.iter().enumerate() {
        let path = format!("calibration.draws[{i}]");
        if row.len() != parameters.len() + 1 {
            c.problem(
                &path,
                format!(
                    "has {} values: give the reading's index and then one value per parameter \
                     ({} in all)",
                    row.len(),
                    parameters.len() + 1
                ),
            );
            continue;
        }
        let reading = row[0];
        if reading.fract() != 0.0 || reading < 0.0 || reading as usize >= readings.len() {
            c.problem(
                format!("{path}[0]"),
                format!(
                    "{reading} is not a reading: give its index, 0 to {}",
                    readings.len() - 1
                ),
            );
            continue;
        }
        let mut values = Vec::with_capacity(parameters.len());
        for (j, (&p, &v)) in parameters.iter().zip(&row[1..]).enumerate() {
            let (lo, hi) = p.range();
            values.push(c.number(&format!("{path}[{}]", j + 1), Some(v), lo, lo, hi));
        }
        draws.push(Draw {
            reading: reading as usize,
            values,
        });
    }
    Some(Calibration {
        source: rc.source.clone().unwrap_or_default(),
        parameters,
        readings,
        draws,
    })
}

/// What stops `next` from starting with the end state of `previous` (its
/// `carry_over.from = "{from}"`): the phases must follow each other without a gap, have the
/// same groups in the same order and the same attributes (a carried participant keeps
/// their categories), and `next` must not also list an initial caseload.
pub(crate) fn carry_over_problems(
    previous: &Programme,
    next: &Programme,
    from: &str,
) -> Vec<Problem> {
    let mut problems = Vec::new();
    let mut problem = |path: &str, message: String| {
        problems.push(Problem {
            path: path.into(),
            message,
        })
    };
    let ends = previous
        .calendar
        .start
        .plus(previous.calendar.horizon as i32);
    let first = next.calendar.start.plus(-(next.calendar.warmup as i32));
    if ends != first {
        problem(
            "carry_over.from",
            format!(
                "\"{from}\" ends with {} but this scenario's first simulated month is {first}: the \
                 previous phase must end the month before (its start plus horizon_months); to start \
                 this scenario from its `initial` caseload instead, set carry_over.enabled = false",
                ends.plus(-1)
            ),
        );
    }
    let names = |p: &Programme| p.groups.iter().map(|g| g.name.clone()).collect::<Vec<_>>();
    if names(previous) != names(next) {
        problem(
            "carry_over.from",
            format!(
                "\"{from}\" has the groups {:?}, this scenario {:?}: both phases need the same \
                 groups in the same order",
                names(previous),
                names(next)
            ),
        );
    }
    let attributes = |p: &Programme| {
        p.attributes
            .iter()
            .map(|a| (a.id.clone(), a.categories.clone()))
            .collect::<Vec<_>>()
    };
    if attributes(previous) != attributes(next) {
        problem(
            "carry_over.from",
            format!(
                "\"{from}\" and this scenario have different attributes or categories: a \
                 carried participant keeps their categories, so both need the same [attributes]"
            ),
        );
    }
    if !next.initial.is_empty() {
        problem(
            "initial",
            "is given as well as carry_over: the caseload at the start is the previous \
             phase's end state (set initial = [] to use carry_over)"
                .into(),
        );
    }
    problems
}

#[cfg(test)]
mod tests {
    use crate::scenario::{load_text, ScenarioError};

    fn problems(text: &str) -> Vec<String> {
        match load_text(text, "t.toml", None) {
            Err(ScenarioError::Invalid { problems, .. }) => {
                problems.iter().map(|p| p.to_string()).collect()
            }
            Err(e) => panic!("expected semantic problems, got {e}"),
            Ok(_) => vec![],
        }
    }

    #[test]
    fn attributes_and_definitions_name_what_is_wrong() {
        let text = r#"
extends = "malmo"
definition = "nobody"
[attributes.age]
distribution = { "16-29" = 0.5, "30-44" = 0.3, old = 0.1 }
multipliers.ancient = { work = 0.5 }
[definitions.bad]
exclude = { height = ["tall"], education = ["none"] }
only = { disability = [] }
share = { social_assistance = { yes = 1.5 }, education = { compulsory = 0.2, unknown = 0.1 } }
ineligible = "drop"
"#;
        let p = problems(text).join("\n");
        for expected in [
            "attributes.age.distribution.old: unknown category \"old\": the categories of age are 16-29, 30-44, 45-59, 60-65",
            // Tables merge over the base's (extends), so the base's 45-59 and 60-65 count.
            "attributes.age.distribution: shares sum to 1.431: they must sum to 1",
            "attributes.age.multipliers.ancient: unknown category",
            "definitions.bad.exclude.height: unknown attribute \"height\": the scenario's attributes are",
            "definitions.bad.exclude.education[0]: unknown category \"none\": the categories of education are compulsory",
            "definitions.bad.only.disability: leaves no category of disability eligible",
            "definitions.bad.share.social_assistance.yes: 1.5 is not a probability",
            "definitions.bad.share.education: gives 2 categories: give one",
            "definitions.bad.ineligible: \"drop\" is not allowed: use refill",
            "definition: \"nobody\" is not defined: the scenario's definitions are over_30, no_60_plus",
        ] {
            assert!(p.contains(expected), "missing {expected:?} in\n{p}");
        }
    }

    #[test]
    fn an_unreachable_share_gives_the_reachable_range() {
        let text = "extends = \"malmo\"\ndefinition = \"d\"\n[intake]\nmix = { af_job = 0.0, social_services = 1.0, ama = 0.0 }\n[definitions.d]\nshare = { social_assistance = { yes = 0.5 } }\n";
        let p = problems(text).join("\n");
        assert!(
            p.contains("definitions.d.share.social_assistance.yes: 0.5 cannot be reached"),
            "{p}"
        );
    }

    #[test]
    fn a_shock_mix_is_checked_like_the_intake_mix() {
        let text = "extends = \"reference\"\n[shocks.s]\nfrom = \"2025-02\"\nto = \"2025-03\"\nmix = { af_job = 0.5, nobody = 0.2 }\n";
        let err = crate::scenario::load_text(text, "v.toml", None)
            .unwrap_err()
            .to_string();
        assert!(err.contains("shocks.s.mix.nobody: unknown group"), "{err}");
        assert!(err.contains("shocks.s.mix: shares sum to 0.7"), "{err}");
    }

    #[test]
    fn collects_every_problem_with_paths() {
        let p = problems(
            r#"extends = "reference"
[groups.af_job]
share_women = 1.2
[groups.af_job.hazards]
work = -0.1
[intake]
mix = { af_job = 0.5, social_services = 0.35, ama = 0.10 }
[[targets]]
metric = "positive_exits"
year = 2031
at_least = 10
"#,
        );
        let joined = p.join("\n");
        assert!(
            joined.contains("groups.af_job.share_women: 1.2 is not a probability"),
            "{joined}"
        );
        assert!(
            joined.contains("groups.af_job.hazards.work: -0.1"),
            "{joined}"
        );
        assert!(
            joined.contains("intake.mix: shares sum to 0.95"),
            "{joined}"
        );
        assert!(
            joined.contains("targets[0].year: 2031 is outside the horizon"),
            "{joined}"
        );
        assert_eq!(p.len(), 4, "{joined}");
    }

    #[test]
    fn unknown_group_and_month_outside_horizon() {
        let p = problems(
            r#"extends = "reference"
[intake]
mix = { af_job = 0.5, social_services = 0.35, amma = 0.15 }
pauses = [{ from = "2024-05", to = "2025-02" }]
"#,
        )
        .join("\n");
        assert!(p.contains("intake.mix.amma: unknown group \"amma\""), "{p}");
        assert!(
            p.contains(
                "intake.pauses[0].from: 2024-05 is outside the simulated period 2025-01 to 2027-12"
            ),
            "{p}"
        );
    }

    #[test]
    fn nan_and_infinity_are_rejected() {
        let p = problems("extends = \"reference\"\n[groups.fk.hazards]\nwork = nan\nother = inf\n")
            .join("\n");
        assert!(
            p.contains("groups.fk.hazards.work: NaN is not allowed"),
            "{p}"
        );
        assert!(
            p.contains("groups.fk.hazards.other: inf is not allowed"),
            "{p}"
        );
    }

    #[test]
    fn withdrawn_posts_come_from_the_last_teams() {
        let s = load_text(
            "extends = \"reference\"\n[teams.withdrawn]\nsocial_secretary = 2\n",
            "t.toml",
            None,
        )
        .unwrap();
        let ss: Vec<f64> = s.programme.teams.iter().map(|t| t.posts[1]).collect();
        assert_eq!(&ss[..10], &[1.0; 10]);
        assert_eq!(&ss[10..], &[0.0, 0.0]);
        assert!(s.programme.teams.iter().all(|t| t.standard[1] == 1.0));
    }

    #[test]
    fn zero_teams_is_an_error() {
        let p = problems("extends = \"reference\"\n[teams]\ncount = 0\n").join("\n");
        assert!(p.contains("teams.count: 0 teams in all"), "{p}");
    }
}
