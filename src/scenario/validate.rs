//! Validation: raw scenario → [`Programme`], filling the documented defaults and collecting
//! every problem with its key path, the offending value and what is allowed.

mod population;

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
    let mut c = Checker {
        problems: Vec::new(),
    };

    // Calendar first: months elsewhere are checked against it.
    let rc = raw.calendar.clone().unwrap_or_default();
    let start_text = c.required("calendar.start", &rc.start);
    let start = start_text.as_deref().and_then(|t| {
        let ym = YearMonth::parse(t);
        if ym.is_none() {
            c.problem(
                "calendar.start",
                format!("\"{t}\" is not a month: write YYYY-MM, e.g. 2025-01"),
            );
        }
        ym
    });
    let horizon = c.required("calendar.horizon_months", &rc.horizon_months);
    let horizon = c.integer("calendar.horizon_months", horizon, 12, 1, MAX_MONTHS) as u32;
    let warmup = c.integer("calendar.warmup_months", rc.warmup_months, 0, 0, MAX_MONTHS) as u32;
    let calendar = Calendar {
        start: start.unwrap_or(YearMonth {
            year: 2025,
            month: 1,
        }),
        horizon,
        warmup,
    };
    let report_years: Vec<i32> = calendar.years().iter().map(|y| y.year).collect();

    // Groups.
    let raw_groups: IndexMap<String, RawGroup> = raw.groups.clone().unwrap_or_default();
    if raw_groups.is_empty() {
        c.problem(
            "groups",
            "no participant groups are defined: add at least one [groups.NAME] table",
        );
    }
    let names: Vec<String> = raw_groups.keys().cloned().collect();
    if names.len() > MAX_GROUPS {
        c.problem(
            "groups",
            format!(
                "{} groups defined: at most {MAX_GROUPS} are allowed",
                names.len()
            ),
        );
    }
    let mut groups = Vec::new();
    for (name, g) in &raw_groups {
        let p = format!("groups.{name}");
        if !is_identifier(name) {
            c.problem(
                &p,
                format!(
                    "\"{name}\" is not a valid group name: use lower-case letters, digits and _"
                ),
            );
        }
        let share_women = c.probability(&format!("{p}.share_women"), g.share_women, 0.5);
        let hazards = c.causes(&format!("{p}.hazards"), &g.hazards, 0.0, 0.0, MAX_HAZARD);
        let women = c.causes(&format!("{p}.women"), &g.women, 1.0, 0.0, 100.0);
        let men = c.causes(&format!("{p}.men"), &g.men, 1.0, 0.0, 100.0);
        let uncertainty = c.causes(&format!("{p}.uncertainty"), &g.uncertainty, 0.0, 0.0, 2.0);
        let max_duration = c.integer(
            &format!("{p}.max_duration_months"),
            g.max_duration_months,
            12,
            1,
            MAX_MONTHS,
        ) as u32;
        let extension = g.extension.as_ref().map(|e| {
            let ep = format!("{p}.extension");
            let probability = c.required(&format!("{ep}.probability"), &e.probability);
            let probability = c.probability(&format!("{ep}.probability"), probability, 0.0);
            let until = c.required(&format!("{ep}.until_months"), &e.until_months);
            let until = c.integer(
                &format!("{ep}.until_months"),
                until,
                max_duration as i64 + 1,
                max_duration as i64 + 1,
                MAX_MONTHS,
            ) as u32;
            Extension { probability, until }
        });
        let mut profile: Vec<ProfileBand> = Vec::new();
        for (i, b) in g.profile.clone().unwrap_or_default().iter().enumerate() {
            let bp = format!("{p}.profile[{i}]");
            let from = c.required(&format!("{bp}.from"), &b.from);
            let from = c.integer(&format!("{bp}.from"), from, 0, 0, MAX_MONTHS) as u32;
            let to = b.to.map(|t| {
                c.integer(
                    &format!("{bp}.to"),
                    Some(t),
                    from as i64,
                    from as i64,
                    MAX_MONTHS,
                ) as u32
            });
            let factors = [
                c.number(&format!("{bp}.work"), b.work, 1.0, 0.0, 100.0),
                c.number(&format!("{bp}.studies"), b.studies, 1.0, 0.0, 100.0),
                c.number(
                    &format!("{bp}.fk_samverkan"),
                    b.fk_samverkan,
                    1.0,
                    0.0,
                    100.0,
                ),
                c.number(&format!("{bp}.other"), b.other, 1.0, 0.0, 100.0),
            ];
            let gender = c.gender(&format!("{bp}.gender"), b.gender.as_deref());
            if let Some(prev) = profile.iter().find(|q| {
                let q_to = q.to.unwrap_or(u32::MAX);
                let b_to = to.unwrap_or(u32::MAX);
                let same = q.gender.is_none() || gender.is_none() || q.gender == gender;
                same && from <= q_to && q.from <= b_to
            }) {
                c.problem(
                    &bp,
                    format!(
                        "overlaps the band starting at month {}: bands of the same gender must \
                         not overlap",
                        prev.from
                    ),
                );
            }
            profile.push(ProfileBand {
                gender,
                from,
                to,
                factors,
            });
        }
        groups.push(Group {
            name: name.clone(),
            share_women,
            hazards,
            women,
            men,
            profile,
            max_duration,
            extension,
            uncertainty,
        });
    }

    // Teams.
    let rt = raw.teams.clone().unwrap_or_default();
    let count = c.integer("teams.count", rt.count, 0, 0, MAX_TEAMS) as usize;
    let standard = c.roles("teams.roles", &rt.roles, [1.0, 1.0, 1.0, 0.0]);
    let restart = c.ramp("teams.restart_ramp", &rt.restart_ramp);
    let stop = rt
        .stop
        .as_deref()
        .and_then(|s| month(&mut c, "teams.stop", s, &calendar, false));
    let mut teams: Vec<Team> = (0..count)
        .map(|_| Team {
            cohort: "existing".into(),
            standard,
            posts: standard,
            start: None,
            stop,
            ramp: restart,
            ramp_from: 0,
        })
        .collect();
    for (name, cohort) in rt.added.clone().unwrap_or_default() {
        let p = format!("teams.added.{name}");
        let n = c.required(&format!("{p}.count"), &cohort.count);
        let n = c.integer(&format!("{p}.count"), n, 0, 0, MAX_TEAMS) as usize;
        let st = c.required(&format!("{p}.start"), &cohort.start);
        // An emptied cohort (count = 0) need not start inside the horizon, so a variant
        // can switch a cohort off without touching its dates.
        let start_m = st.and_then(|s| month(&mut c, &format!("{p}.start"), &s, &calendar, n > 0));
        let stop_m = cohort
            .stop
            .as_deref()
            .and_then(|s| month(&mut c, &format!("{p}.stop"), s, &calendar, false));
        if let (Some(a), Some(b)) = (start_m, stop_m) {
            if b <= a {
                c.problem(format!("{p}.stop"), "must come after start");
            }
        }
        let roles = c.roles(&format!("{p}.roles"), &cohort.roles, standard);
        let ramp = c.ramp(&format!("{p}.ramp"), &cohort.ramp);
        let start_m = start_m.unwrap_or(0);
        for _ in 0..n {
            // A cohort's own ramp runs from its start; the restart ramp applies too if it
            // has none and starts at the horizon's beginning.
            let (ramp, from) = match (ramp, restart) {
                (Some(r), _) => (Some(r), start_m),
                (None, Some(r)) => (Some(r), 0),
                (None, None) => (None, 0),
            };
            teams.push(Team {
                cohort: name.clone(),
                standard: roles,
                posts: roles,
                start: Some(start_m),
                stop: stop_m,
                ramp,
                ramp_from: from,
            });
        }
    }
    if teams.is_empty() && raw.teams.is_some() {
        c.problem(
            "teams.count",
            "0 teams in all: a programme needs at least one team (teams.count or teams.added)",
        );
    } else if teams.is_empty() {
        c.problem("teams", "is missing: set teams.count");
    }
    if teams.len() as i64 > MAX_TEAMS {
        c.problem(
            "teams",
            format!(
                "{} teams in all: at most {MAX_TEAMS} are allowed",
                teams.len()
            ),
        );
    }
    let withdrawn = c.roles("teams.withdrawn", &rt.withdrawn, [0.0; 4]);
    for (r, role) in TeamRole::ALL.iter().enumerate() {
        let mut left = withdrawn[r];
        let available: f64 = teams.iter().map(|t| t.posts[r]).sum();
        if left > available + 1e-9 {
            c.problem(
                format!("teams.withdrawn.{}", role.id()),
                format!(
                    "{left} FTE withdrawn but the teams have only {available} FTE of this role"
                ),
            );
            continue;
        }
        for t in teams.iter_mut().rev() {
            if left <= 0.0 {
                break;
            }
            let take = left.min(t.posts[r]);
            t.posts[r] -= take;
            left -= take;
        }
    }

    // Staffing dynamics.
    let rs = raw.staffing.clone().unwrap_or_default();
    let dyn_raw = [
        &rs.employment_officer,
        &rs.social_secretary,
        &rs.labour_market_secretary,
        &rs.insurance_investigator,
    ];
    let mut roles = [RoleDynamics::INERT; TEAM_ROLES];
    for (i, role) in TeamRole::ALL.iter().enumerate() {
        let Some(d) = dyn_raw[i] else { continue };
        let p = format!("staffing.{}", role.id());
        roles[i] = RoleDynamics {
            vacancy_probability: c.probability(
                &format!("{p}.vacancy_probability"),
                d.vacancy_probability,
                0.0,
            ),
            refill_months: c.integer(
                &format!("{p}.refill_months"),
                d.refill_months,
                0,
                0,
                MAX_MONTHS,
            ) as u32,
            onboarding_months: c.integer(
                &format!("{p}.onboarding_months"),
                d.onboarding_months,
                0,
                0,
                MAX_MONTHS,
            ) as u32,
            onboarding_productivity: c.probability(
                &format!("{p}.onboarding_productivity"),
                d.onboarding_productivity,
                1.0,
            ),
            effect: c.causes(&format!("{p}.effect"), &d.effect, 0.0, 0.0, 1.0),
        };
    }

    // Support staff.
    let mut support = Vec::new();
    for (role, s) in raw.support.clone().unwrap_or_default() {
        let p = format!("support.{role}");
        if !is_identifier(&role) {
            c.problem(
                &p,
                format!(
                    "\"{role}\" is not a valid role name: use lower-case letters, digits and _"
                ),
            );
        }
        let fte = c.required(&format!("{p}.fte"), &s.fte);
        let fte = c.number(&format!("{p}.fte"), fte, 0.0, 0.0, 1e6);
        let causes = c.cause_list(&format!("{p}.causes"), &s.causes, [false; 4]);
        let max_effect = c.number(&format!("{p}.max_effect"), s.max_effect, 0.0, 0.0, 100.0);
        let half_saturation = c.number(
            &format!("{p}.half_saturation"),
            s.half_saturation,
            1.0,
            1e-9,
            1e6,
        );
        if max_effect > 0.0 && s.reference.is_none() {
            c.problem(format!("{p}.reference"), "is missing: needed when max_effect > 0 (the capacity, FTE per 100 participants, at which the group hazards were estimated)");
        }
        let reference = c.number(&format!("{p}.reference"), s.reference, 0.0, 0.0, 1e6);
        let served = c.group_list(&format!("{p}.groups"), &s.groups, &names);
        support.push(SupportStaff {
            role,
            fte,
            causes,
            groups: served,
            max_effect,
            half_saturation,
            reference,
        });
    }

    // Intake.
    let ri = raw.intake.clone().unwrap_or_default();
    if raw.intake.is_none() {
        c.problem("intake", "is missing: add an [intake] table");
    }
    let kind = ri.schedule.clone().unwrap_or_else(|| "every".into());
    let schedule = match kind.as_str() {
        "every" => {
            let months = c.integer("intake.every_months", ri.every_months, 1, 1, MAX_MONTHS) as u32;
            let first = ri
                .first_month
                .as_deref()
                .and_then(|s| month(&mut c, "intake.first_month", s, &calendar, false))
                .unwrap_or(0);
            Schedule::Every {
                months,
                offset: first.rem_euclid(months as i32) as u32,
            }
        }
        "rotating" => {
            let b = c.required("intake.blocks", &ri.blocks);
            Schedule::Rotating {
                blocks: c.integer("intake.blocks", b, 1, 1, MAX_TEAMS) as u32,
            }
        }
        "months" => {
            let list = c.required("intake.months", &ri.months).unwrap_or_default();
            let ms = list
                .iter()
                .enumerate()
                .filter_map(|(i, s)| {
                    month(&mut c, &format!("intake.months[{i}]"), s, &calendar, true)
                })
                .collect();
            Schedule::Months(ms)
        }
        other => {
            c.problem(
                "intake.schedule",
                format!("\"{other}\" is not a schedule: allowed are every, rotating, months"),
            );
            Schedule::Every {
                months: 1,
                offset: 0,
            }
        }
    };
    let per_team = c.integer("intake.per_team", ri.per_team, 35, 0, MAX_PER_TEAM) as u32;
    if teams.len() as u64 * per_team as u64 > MAX_MONTHLY_ENTRANTS {
        c.problem(
            "intake.per_team",
            format!(
                "{} teams × {per_team} per intake = {} entrants at one intake: at most {MAX_MONTHLY_ENTRANTS} are supported",
                teams.len(),
                teams.len() as u64 * per_team as u64
            ),
        );
    }
    let mut mix = vec![0.0; names.len()];
    match &ri.mix {
        None if per_team > 0 && !names.is_empty() => {
            c.problem("intake.mix", "is missing: give the share of each group in a scheduled intake, e.g. mix = { af_job = 0.5, social_services = 0.5 }")
        }
        None => {}
        Some(m) => mix = mix_shares(&mut c, "intake.mix", m, &names),
    }
    let mut pauses = Vec::new();
    for (i, pz) in ri.pauses.clone().unwrap_or_default().iter().enumerate() {
        let p = format!("intake.pauses[{i}]");
        let from = c
            .required(&format!("{p}.from"), &pz.from)
            .and_then(|s| month(&mut c, &format!("{p}.from"), &s, &calendar, true));
        let to = c
            .required(&format!("{p}.to"), &pz.to)
            .and_then(|s| month(&mut c, &format!("{p}.to"), &s, &calendar, true));
        if let (Some(a), Some(b)) = (from, to) {
            if b < a {
                c.problem(format!("{p}.to"), "comes before from");
            }
            pauses.push((a, b));
        }
    }
    let cap = ri.cap.as_ref().map(|cp| {
        let n = c.required("intake.cap.per_team", &cp.per_team);
        let per_team = c.integer("intake.cap.per_team", n, 1, 1, MAX_PER_TEAM) as u32;
        let overflow = match cp.overflow.as_deref().unwrap_or("wait") {
            "wait" => Overflow::Wait,
            "decline" => Overflow::Decline,
            o => {
                c.problem(
                    "intake.cap.overflow",
                    format!("\"{o}\" is not allowed: use wait or decline"),
                );
                Overflow::Wait
            }
        };
        CaseloadCap { per_team, overflow }
    });
    let mut continuous = Vec::new();
    for (g, ci) in ri.continuous.clone().unwrap_or_default() {
        let p = format!("intake.continuous.{g}");
        let per_month = c.required(&format!("{p}.per_month"), &ci.per_month);
        let per_month = c.number(&format!("{p}.per_month"), per_month, 0.0, 0.0, 1e5);
        match names.iter().position(|n| *n == g) {
            Some(group) => continuous.push(ContinuousIntake { group, per_month }),
            None => c.problem(
                p,
                format!(
                    "unknown group \"{g}\": the scenario's groups are {}",
                    names.join(", ")
                ),
            ),
        }
    }

    // Initial caseload.
    let mut initial = Vec::new();
    for (i, ic) in raw.initial.clone().unwrap_or_default().iter().enumerate() {
        let p = format!("initial[{i}]");
        let g = c.required(&format!("{p}.group"), &ic.group);
        let group = g.as_ref().and_then(|g| {
            let k = names.iter().position(|n| n == g);
            if k.is_none() {
                c.problem(
                    format!("{p}.group"),
                    format!(
                        "unknown group \"{g}\": the scenario's groups are {}",
                        names.join(", ")
                    ),
                );
            }
            k
        });
        let count = c.required(&format!("{p}.count"), &ic.count);
        let count = c.integer(&format!("{p}.count"), count, 0, 0, 10_000_000) as u32;
        let range = ic.months_spent.clone().unwrap_or_else(|| vec![0, 0]);
        let spent = if range.len() != 2 || range[0] < 0 || range[1] < range[0] {
            c.problem(
                format!("{p}.months_spent"),
                format!("{range:?} is not allowed: give [first, last] with 0 <= first <= last"),
            );
            (0, 0)
        } else {
            (range[0] as u32, range[1] as u32)
        };
        if let Some(k) = group {
            if spent.1 >= groups[k].max_duration {
                c.problem(
                    format!("{p}.months_spent"),
                    format!(
                        "{} months spent is not below the group's max_duration_months ({})",
                        spent.1, groups[k].max_duration
                    ),
                );
            }
            initial.push(InitialCohort {
                group: k,
                count,
                months_spent: spent,
            });
        }
    }

    // Pressure.
    let pressure = raw.pressure.as_ref().map(|rp| {
        let r = c.required("pressure.reference_per_fte", &rp.reference_per_fte);
        Pressure {
            reference_per_fte: c.number("pressure.reference_per_fte", r, 1.0, 1e-9, 1e9),
            exponent: c.number("pressure.exponent", rp.exponent, 0.5, 0.0, 10.0),
            causes: c.cause_list("pressure.causes", &rp.causes, [true, true, true, false]),
        }
    });

    // Seasonality.
    let rse = raw.seasonality.clone().unwrap_or_default();
    let mut seasonality = [NEUTRAL; 12];
    for (k, (id, vals)) in [
        ("work", &rse.work),
        ("studies", &rse.studies),
        ("fk_samverkan", &rse.fk_samverkan),
        ("other", &rse.other),
    ]
    .into_iter()
    .enumerate()
    {
        let Some(v) = vals else { continue };
        let p = format!("seasonality.{id}");
        if v.len() != 12 {
            c.problem(
                &p,
                format!("has {} values: give 12, January to December", v.len()),
            );
            continue;
        }
        for (mo, x) in v.iter().enumerate() {
            seasonality[mo][k] = c.number(&format!("{p}[{mo}]"), Some(*x), 1.0, 0.0, 100.0);
        }
    }

    // Shocks.
    let mut shocks = Vec::new();
    for (name, s) in raw.shocks.clone().unwrap_or_default() {
        let p = format!("shocks.{name}");
        let enabled = s.enabled.unwrap_or(true);
        let from = c
            .required(&format!("{p}.from"), &s.from)
            .and_then(|t| month(&mut c, &format!("{p}.from"), &t, &calendar, enabled));
        let to = c
            .required(&format!("{p}.to"), &s.to)
            .and_then(|t| month(&mut c, &format!("{p}.to"), &t, &calendar, enabled));
        let groups_hit = c.group_list(&format!("{p}.groups"), &s.groups, &names);
        let factors = c.causes(&format!("{p}.factors"), &s.factors, 1.0, 0.0, 100.0);
        let vacancy_factors = c.roles(&format!("{p}.vacancy_factor"), &s.vacancy_factor, [1.0; 4]);
        let shock_mix = s
            .mix
            .as_ref()
            .map(|m| mix_shares(&mut c, &format!("{p}.mix"), m, &names));
        if let (Some(a), Some(b)) = (from, to) {
            if b < a {
                c.problem(format!("{p}.to"), "comes before from");
            }
            if enabled {
                if s.intake_pause == Some(true) {
                    pauses.push((a, b));
                }
                shocks.push(Shock {
                    name,
                    from: a,
                    to: b,
                    groups: groups_hit,
                    factors,
                    vacancy_factors,
                    mix: shock_mix,
                });
            }
        }
    }

    // Who enters: attributes and the target-group definition applied.
    let attributes = population::attributes(&mut c, &raw.attributes, &names);
    let definition = population::definitions(
        &mut c,
        &raw.definitions,
        &raw.definition,
        &names,
        &attributes,
    );

    // Targets.
    let mut targets = Vec::new();
    for (i, t) in raw.targets.clone().unwrap_or_default().iter().enumerate() {
        let p = format!("targets[{i}]");
        let metric = c.required(&format!("{p}.metric"), &t.metric).and_then(|m| {
            let k = Metric::from_id(&m);
            if k.is_none() {
                let all: Vec<&str> = Metric::ALL.iter().map(|m| m.id()).collect();
                c.problem(
                    format!("{p}.metric"),
                    format!("unknown metric \"{m}\": allowed are {}", all.join(", ")),
                );
            }
            k
        });
        let years: Vec<i64> = match (&t.year, &t.years) {
            (Some(y), None) => vec![*y],
            (None, Some(ys)) if !ys.is_empty() => ys.clone(),
            _ => {
                c.problem(&p, "give exactly one of year = YYYY or years = [YYYY, ...]");
                vec![]
            }
        };
        for y in &years {
            if !report_years.contains(&(*y as i32)) {
                c.problem(
                    format!("{p}.year"),
                    format!("{y} is outside the horizon: the simulated years are {report_years:?}"),
                );
            }
        }
        let (threshold, direction) = match (t.at_least, t.at_most) {
            (Some(v), None) => (v, Direction::AtLeast),
            (None, Some(v)) => (v, Direction::AtMost),
            _ => {
                c.problem(&p, "give exactly one of at_least or at_most");
                (0.0, Direction::AtLeast)
            }
        };
        if !threshold.is_finite() {
            c.problem(&p, format!("threshold {threshold} is not a finite number"));
        }
        let gender = c.gender(&format!("{p}.gender"), t.gender.as_deref());
        if let Some(metric) = metric {
            targets.push(Target {
                metric,
                years: years.iter().map(|&y| y as i32).collect(),
                threshold,
                direction,
                gender,
                label: t.label.clone().unwrap_or_default(),
            });
        }
    }

    // Escalating goals.
    let escalating_goals = raw
        .escalating_goals
        .as_ref()
        .filter(|e| e.enabled.unwrap_or(true))
        .map(|e| {
            let fy = c
                .required("escalating_goals.first_year", &e.first_year)
                .unwrap_or(calendar.start.year as i64);
            if !report_years.contains(&(fy as i32)) {
                c.problem(
                    "escalating_goals.first_year",
                    format!(
                        "{fy} is outside the horizon: the simulated years are {report_years:?}"
                    ),
                );
            }
            let fs = c.required("escalating_goals.first_share", &e.first_share);
            let first_share = c.probability("escalating_goals.first_share", fs, 0.4);
            let step = e.step.clone().unwrap_or_else(|| vec![3.0, 5.0]);
            let (step_min, step_max) = if step.len() == 2
                && step
                    .iter()
                    .all(|s| s.is_finite() && (0.0..=100.0).contains(s))
                && step[0] <= step[1]
            {
                (step[0], step[1])
            } else {
                c.problem(
                    "escalating_goals.step",
                    format!("{step:?} is not allowed: give [min, max] with 0 <= min <= max <= 100"),
                );
                (3.0, 5.0)
            };
            let share = match e.share.as_deref() {
                None | Some("all_closures") => ShareBasis::AllClosures,
                Some("excluding_time_limit") => ShareBasis::ExcludingTimeLimit,
                Some(other) => {
                    c.problem(
                        "escalating_goals.share",
                        format!(
                            "\"{other}\" is not allowed: use all_closures (the share of every \
                             closure) or excluding_time_limit (closures at the time limit left out)"
                        ),
                    );
                    ShareBasis::AllClosures
                }
            };
            EscalatingGoals {
                first_year: fy as i32,
                first_share,
                step_min,
                step_max,
                share,
            }
        });

    // Costs.
    let rco = raw.costs.clone().unwrap_or_default();
    let per_fte = rco.per_fte.clone().unwrap_or_default();
    let mut team_roles = [0.0; TEAM_ROLES];
    let mut support_roles = Vec::new();
    for (role, rate) in &per_fte {
        let p = format!("costs.per_fte.{role}");
        let v = c.number(&p, Some(*rate), 0.0, 0.0, 1e9);
        if let Some(r) = TeamRole::ALL.iter().position(|t| t.id() == role) {
            team_roles[r] = v;
        }
        if support.iter().any(|s| &s.role == role) {
            support_roles.push((role.clone(), v));
        } else if !TeamRole::ALL.iter().any(|t| t.id() == role) {
            c.problem(p, format!("\"{role}\" is neither a team role (employment_officer, social_secretary, labour_market_secretary, insurance_investigator) nor a [support] role of this scenario"));
        }
    }
    if raw.costs.is_some() {
        for (r, role) in TeamRole::ALL.iter().enumerate() {
            if teams.iter().any(|t| t.posts[r] > 0.0) && !per_fte.contains_key(role.id()) {
                c.problem(
                    format!("costs.per_fte.{}", role.id()),
                    "is missing: every role with posts needs a cost rate",
                );
            }
        }
        for s in &support {
            if s.fte > 0.0 && !per_fte.contains_key(&s.role) {
                c.problem(
                    format!("costs.per_fte.{}", s.role),
                    "is missing: every support role with FTE needs a cost rate",
                );
            }
        }
    }
    let costs = Costs {
        team_roles,
        support_roles,
        overhead_per_year: c.number(
            "costs.overhead_per_year",
            rco.overhead_per_year,
            0.0,
            0.0,
            1e12,
        ),
    };

    let parameter_uncertainty = raw
        .uncertainty
        .as_ref()
        .and_then(|u| u.enabled)
        .unwrap_or(true);
    let calibration = calibration(&mut c, raw);

    if !c.problems.is_empty() {
        return Err(c.problems);
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
        intake: Intake {
            schedule,
            per_team,
            mix,
            pauses,
            cap,
            continuous,
        },
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
