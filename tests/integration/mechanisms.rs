//! Each model mechanism has an effect that can be checked exactly: a factor of zero stops
//! what it acts on, in the months it acts, and nothing else.

use kraftsim::engine::{Engine, Trajectory, Workspace};
use kraftsim::model::{ExitCause, Programme};

use crate::common::programme;

fn runs(p: &Programme, seeds: u64) -> Vec<Trajectory> {
    let engine = Engine::new(p);
    let mut ws = Workspace::default();
    (0..seeds)
        .map(|s| {
            let mut t = engine.trajectory();
            engine.run(s, 0, &mut ws, &mut t);
            t
        })
        .collect()
}

fn cause_in_month(t: &Trajectory, m: usize, cause: ExitCause) -> u32 {
    (0..t.groups)
        .flat_map(|g| (0..2).map(move |s| (g, s)))
        .map(|(g, s)| t.exits_of(m, g, s, cause as usize))
        .sum()
}

/// The reference workload without pressure, so that team factors are exactly 1.
const BASE: &str = "extends = \"reference\"\ntargets = []\n[pressure]\nexponent = 0.0\n";

#[test]
fn a_ramp_from_zero_stops_positive_exits_in_its_first_month_only() {
    let p = programme(&format!(
        "{BASE}[teams]\nrestart_ramp = {{ start = 0.0, months = 6 }}\n"
    ));
    let ts = runs(&p, 5);
    for t in &ts {
        assert_eq!(
            cause_in_month(t, 0, ExitCause::Work) + cause_in_month(t, 0, ExitCause::Studies),
            0
        );
        assert!(
            cause_in_month(t, 0, ExitCause::Other) > 0,
            "other exits are not ramped"
        );
    }
    assert!(
        ts.iter()
            .map(|t| cause_in_month(t, 1, ExitCause::Work))
            .sum::<u32>()
            > 0,
        "the ramp rises after month 0"
    );
}

#[test]
fn without_any_employment_officer_a_full_effect_stops_work_exits() {
    let p = programme(&format!(
        "{BASE}[teams.withdrawn]\nemployment_officer = 12\n[staffing.employment_officer]\neffect = {{ work = 1.0 }}\n"
    ));
    for t in runs(&p, 5) {
        assert_eq!(
            (0..t.months)
                .map(|m| cause_in_month(&t, m, ExitCause::Work))
                .sum::<u32>(),
            0
        );
        assert!(
            (0..t.months)
                .map(|m| cause_in_month(&t, m, ExitCause::Studies))
                .sum::<u32>()
                > 0
        );
    }
}

#[test]
fn vacancies_that_never_refill_end_work_exits() {
    // Every post falls vacant in month 0 and stays vacant for the whole horizon.
    let p = programme(&format!(
        "{BASE}[staffing.employment_officer]\nvacancy_probability = 1.0\nrefill_months = 100\neffect = {{ work = 1.0 }}\n"
    ));
    for t in runs(&p, 3) {
        assert_eq!(
            (0..t.months)
                .map(|m| cause_in_month(&t, m, ExitCause::Work))
                .sum::<u32>(),
            0
        );
    }
}

#[test]
fn a_shock_acts_in_its_months_and_groups_only() {
    let p = programme(&format!(
        "{BASE}[shocks.stop]\nfrom = \"2025-03\"\nto = \"2025-05\"\ngroups = [\"af_job\", \"social_services\", \"ama\"]\nfactors = {{ work = 0.0 }}\n"
    ));
    let fk = p.group_index("fk").unwrap();
    let ts = runs(&p, 10);
    for t in &ts {
        for m in 2..=4 {
            for g in 0..t.groups {
                if g != fk {
                    assert_eq!(
                        t.exits_of(m, g, 0, 0) + t.exits_of(m, g, 1, 0),
                        0,
                        "month {m} group {g}"
                    );
                }
            }
        }
    }
    let outside: u32 = ts
        .iter()
        .map(|t| cause_in_month(t, 6, ExitCause::Work))
        .sum();
    assert!(outside > 0);
}

#[test]
fn seasonality_scales_each_calendar_month() {
    let mut studies = ["1.0"; 12];
    studies[6] = "0.0"; // July
    let p = programme(&format!(
        "{BASE}[seasonality]\nstudies = [{}]\n",
        studies.join(", ")
    ));
    for t in runs(&p, 5) {
        for july in [6, 18, 30] {
            assert_eq!(cause_in_month(&t, july, ExitCause::Studies), 0);
        }
    }
}

#[test]
fn a_stopped_cohort_takes_no_intake_and_winds_down() {
    let p = programme(&format!(
        "{BASE}[teams]\ncount = 10\n[teams.added.pilot]\ncount = 2\nstart = \"2025-01\"\nstop = \"2025-07\"\n"
    ));
    for t in runs(&p, 5) {
        for m in 6..t.months {
            for team in 10..12 {
                let now = t.team_active[m * t.teams + team];
                let before = t.team_active[(m - 1) * t.teams + team];
                assert!(
                    now <= before,
                    "no intake after the stop (month {m}, team {team})"
                );
            }
        }
        // Everyone has left 12 months after the last intake.
        assert_eq!(
            t.team_active[18 * t.teams + 10] + t.team_active[18 * t.teams + 11],
            0
        );
    }
}

#[test]
fn a_cohort_starting_later_has_no_caseload_before() {
    let p = programme(&format!(
        "{BASE}[teams]\ncount = 10\n[teams.added.later]\ncount = 2\nstart = \"2026-01\"\n"
    ));
    for t in runs(&p, 3) {
        for m in 0..12 {
            assert_eq!(
                t.team_active[m * t.teams + 10] + t.team_active[m * t.teams + 11],
                0
            );
        }
        // Teams 8–11 form the third rotating block: their first intake is 2026-03.
        assert!(t.team_active[14 * t.teams + 10] + t.team_active[14 * t.teams + 11] >= 60);
    }
}

#[test]
fn parameter_uncertainty_widens_the_spread_but_keeps_the_mean() {
    use crate::common::{assert_within_4se, collect, mean_se};
    use kraftsim::stats::collect::{column, AnnualColumn};
    let text = format!(
        "{BASE}[uncertainty]\nenabled = true\n[groups.af_job]\nuncertainty = {{ work = 0.3 }}\n"
    );
    let mut with = programme(&text);
    let reps = 1500;
    let work = |c: &kraftsim::stats::Collector| -> Vec<f64> {
        (0..reps as usize)
            .map(|r| {
                (c.value(r, 1, column(AnnualColumn::Work, 0))
                    + c.value(r, 1, column(AnnualColumn::Work, 1))) as f64
            })
            .collect()
    };
    let a = work(&collect(&with, reps, 21));
    with.parameter_uncertainty = false;
    let b = work(&collect(&with, reps, 22));
    let (ma, sa) = mean_se(&a);
    let (mb, sb) = mean_se(&b);
    // The multipliers have mean 1, but the exits are a concave function of the hazard
    // (competing risks, maximum duration), so allow the mean a small Jensen gap: 2 %.
    assert_within_4se(
        "mean with uncertainty",
        ma,
        mb,
        (sa * sa + sb * sb).sqrt() + 0.02 * mb / 4.0,
    );
    assert!(
        sa > 2.0 * sb,
        "spread with uncertainty ({sa}) is much wider than without ({sb})"
    );
}

/// An intake-pause shock is exactly an intake pause: nobody enters in its months, and the
/// whole run equals the same scenario with `intake.pauses`.
#[test]
fn an_intake_pause_shock_stops_all_intake_in_its_months() {
    let shock = programme(&format!(
        "{BASE}[shocks.pandemic]\nfrom = \"2025-04\"\nto = \"2025-06\"\nintake_pause = true\n"
    ));
    let pause = programme(&format!(
        "{BASE}[intake]\npauses = [{{ from = \"2025-04\", to = \"2025-06\" }}]\n"
    ));
    let (a, b) = (runs(&shock, 5), runs(&pause, 5));
    for (s, p) in a.iter().zip(&b) {
        assert_eq!(s.entrants, p.entrants);
        assert_eq!(s.exits, p.exits);
        for m in 3..=5 {
            assert_eq!((0..s.groups).map(|g| s.entrants_of(m, g)).sum::<u32>(), 0);
        }
        assert!((0..s.groups).map(|g| s.entrants_of(6, g)).sum::<u32>() > 0);
    }
}

/// A vacancy wave multiplies the vacancy probability in its months: a factor of 0 over the
/// whole horizon is exactly a vacancy probability of 0, and a wave raises vacancies.
#[test]
fn a_vacancy_shock_scales_the_vacancy_probability() {
    let staffing = "[staffing.employment_officer]\nvacancy_probability = 0.05\nrefill_months = 3\neffect = { work = 1.0 }\n";
    let none = programme(&format!(
        "{BASE}{staffing}[shocks.freeze]\nfrom = \"2025-01\"\nto = \"2027-12\"\nvacancy_factor = {{ employment_officer = 0.0 }}\n"
    ));
    let zero = programme(&format!(
        "{BASE}[staffing.employment_officer]\nvacancy_probability = 0.0\nrefill_months = 3\neffect = {{ work = 1.0 }}\n"
    ));
    for (a, b) in runs(&none, 4).iter().zip(&runs(&zero, 4)) {
        assert_eq!(a.exits, b.exits);
    }
    let wave = programme(&format!(
        "{BASE}{staffing}[shocks.wave]\nfrom = \"2026-01\"\nto = \"2026-06\"\nvacancy_factor = {{ employment_officer = 10.0 }}\n"
    ));
    let plain = programme(&format!("{BASE}{staffing}"));
    let work_2026 = |p: &Programme| -> u32 {
        runs(p, 20)
            .iter()
            .map(|t| {
                (12..24)
                    .map(|m| cause_in_month(t, m, ExitCause::Work))
                    .sum::<u32>()
            })
            .sum()
    };
    assert!(work_2026(&wave) < work_2026(&plain));
}

/// A shift of intake composition changes who enters at scheduled intakes in its months
/// only: over the whole horizon it equals the same `intake.mix`, and outside its months
/// entrants are exactly those of the scenario without it.
#[test]
fn an_intake_mix_shock_changes_who_enters_in_its_months_only() {
    let whole = programme(&format!(
        "{BASE}[shocks.shift]\nfrom = \"2025-01\"\nto = \"2027-12\"\nmix = {{ af_job = 0.7, ama = 0.3 }}\n"
    ));
    let mixed = programme(&format!(
        "{BASE}[intake]\nmix = {{ af_job = 0.7, social_services = 0.0, ama = 0.3 }}\n"
    ));
    for (a, b) in runs(&whole, 3).iter().zip(&runs(&mixed, 3)) {
        assert_eq!(a.entrants, b.entrants);
        assert_eq!(a.exits, b.exits);
    }
    let shifted = programme(&format!(
        "{BASE}[shocks.shift]\nfrom = \"2025-04\"\nto = \"2025-06\"\nmix = {{ af_job = 1.0 }}\n"
    ));
    let plain = programme(BASE);
    let (social, ama) = (
        shifted.group_index("social_services").unwrap(),
        shifted.group_index("ama").unwrap(),
    );
    for (s, p) in runs(&shifted, 5).iter().zip(&runs(&plain, 5)) {
        for m in 0..s.months {
            let inside = (3..=5).contains(&m);
            for g in 0..s.groups {
                if inside && (g == social || g == ama) {
                    assert_eq!(s.entrants_of(m, g), 0, "month {m} group {g}");
                } else if !inside {
                    assert_eq!(
                        s.entrants_of(m, g),
                        p.entrants_of(m, g),
                        "month {m} group {g}"
                    );
                }
            }
        }
    }
}

/// The escalating goals are tested on the share their `share` names: with
/// `excluding_time_limit` each year's median share is the median of that metric, and it
/// differs from the share of all closures where time-limit closures happen.
#[test]
fn escalating_goals_take_the_share_they_name() {
    let goals = "[escalating_goals]\nfirst_year = 2025\nfirst_share = 0.4\n";
    let medians = |share: &str| {
        let p = programme(&format!("{BASE}{goals}share = \"{share}\"\n"));
        let c = crate::common::collect(&p, 200, 5);
        let s = kraftsim::stats::summarise(&p, &c, 5);
        let e = s.escalating_goals.expect("goals set");
        assert_eq!(e.share, share);
        let metric = p.escalating_goals.as_ref().unwrap().share.metric();
        let by_metric = s.years[1].metrics[metric.id()].all.unwrap().p50;
        (e.years[1].share.unwrap().p50, by_metric)
    };
    let (all, all_metric) = medians("all_closures");
    let (excluding, excluding_metric) = medians("excluding_time_limit");
    assert_eq!(all, all_metric);
    assert_eq!(excluding, excluding_metric);
    assert!(excluding > all + 0.05, "{excluding} vs {all}");
}

/// A previous phase that does not fit is refused with what to fix: a gap between the
/// phases, other groups, and an initial caseload given as well.
#[test]
fn a_previous_phase_that_does_not_fit_is_refused_with_what_to_fix() {
    let dir = std::env::temp_dir().join("kraftsim-carry-over-checks");
    std::fs::create_dir_all(&dir).unwrap();
    let previous =
        "extends = \"reference\"\ntargets = []\n[calendar]\nstart = \"2024-01\"\nhorizon_months = 11\n\
                    [groups.extra]\nhazards = { other = 0.1 }\n";
    std::fs::write(dir.join("previous.toml"), previous).unwrap();
    let text = "extends = \"reference\"\n[carry_over]\nfrom = \"previous.toml\"\n\
                [[initial]]\ngroup = \"af_job\"\ncount = 5\n";
    let err = kraftsim::scenario::load_text(text, "next.toml", Some(&dir))
        .unwrap_err()
        .to_string();
    for expected in [
        "ends with 2024-11 but this scenario's first simulated month is 2025-01",
        "both phases need the same groups",
        "initial: is given as well as carry_over",
    ] {
        assert!(err.contains(expected), "{expected:?} missing from {err}");
    }
    let missing = "extends = \"reference\"\ninitial = []\n[carry_over]\nfrom = \"nowhere.toml\"\n";
    let err = kraftsim::scenario::load_text(missing, "next.toml", Some(&dir))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("carry_over.from") && err.contains("nowhere.toml"),
        "{err}"
    );
}

/// A calibration's draws: replication `i` runs draw `i mod draws`, so each reading gets
/// its share of the replications, and a target's probability is reported under each: here
/// two readings whose positive hazards differ by a factor of 1.5 put R1's 2026 target far
/// apart, and the overall probability is the replications' mixture of the two.
#[test]
fn calibration_draws_give_each_reading_its_probability() {
    let text = "extends = \"reference\"\n[uncertainty]\nenabled = true\n[calibration]\n\
                parameters = [\"positive\"]\nreadings = { low = \"lower rates\", high = \"higher rates\" }\n\
                draws = [[0, 0.8], [1, 1.2], [0, 0.8], [1, 1.2]]\n";
    let p = programme(text);
    let c = crate::common::collect(&p, 400, 9);
    let s = kraftsim::stats::summarise(&p, &c, 9);
    let t = &s.targets[2];
    let by = t.by_reading.as_ref().expect("two readings");
    let (low, high) = (&by["low"], &by["high"]);
    assert_eq!((low.replications, high.replications), (200, 200));
    assert!(high.probability > low.probability + 0.5, "{low:?} {high:?}");
    let mixture = (low.probability + high.probability) / 2.0;
    assert!((t.probability - mixture).abs() < 1e-12);
    // Without parameter uncertainty the draws are not used: the file's values run alone.
    let mut off = p.clone();
    off.parameter_uncertainty = false;
    let c = crate::common::collect(&off, 50, 9);
    let s = kraftsim::stats::summarise(&off, &c, 9);
    assert!(s.targets[2].by_reading.is_none());
}
