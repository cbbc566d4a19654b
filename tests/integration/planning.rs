//! Planning commands: command-line overrides, `compare` on common random numbers, `sweep`
//! and `size`.

use kraftsim::commands::compare::{self, CompareOptions};
use kraftsim::commands::{Format, SimOptions};
use kraftsim::model::Metric;
use kraftsim::scenario::{self, overrides, Override, ScenarioError};
use kraftsim::stats::paired::{paired, RowKind};
use kraftsim::stats::summary::replication_values;

use crate::common::{collect, mean_se, programme};

fn reference() -> scenario::Scenario {
    scenario::load_builtin("reference").unwrap().unwrap()
}

fn with(set: &[&str]) -> Result<scenario::Scenario, ScenarioError> {
    let o: Vec<Override> = set.iter().map(|s| Override::parse(s).unwrap()).collect();
    overrides::apply_all(reference(), &o)
}

fn sim(reps: u64, seed: u64) -> SimOptions {
    SimOptions {
        replications: reps,
        seed,
        threads: None,
        no_uncertainty: false,
        simulator: Default::default(),
    }
}

#[test]
fn overrides_change_the_programme_like_the_file_would() {
    let s = with(&[
        "teams.count=10",
        "intake.per_team=25",
        "targets.0.at_least=123",
    ])
    .unwrap();
    let file = programme("extends = \"reference\"\n[teams]\ncount = 10\n[intake]\nper_team = 25\n");
    assert_eq!(s.programme.teams.len(), 10);
    assert_eq!(s.programme.teams, file.teams);
    assert_eq!(s.programme.intake, file.intake);
    assert_eq!(s.programme.targets[0].threshold, 123.0);
    assert!(s.origin.contains("--set teams.count=10"), "{}", s.origin);
}

#[test]
fn overrides_reject_unknown_keys_with_the_files_message() {
    let by_set = with(&["groups.fk.hazards.wrk=0.01"])
        .unwrap_err()
        .to_string();
    let by_file = scenario::load_text(
        "extends = \"reference\"\n[groups.fk.hazards]\nwrk = 0.01\n",
        "v.toml",
        None,
    )
    .unwrap_err()
    .to_string();
    let message = "unknown field `wrk`, expected one of `work`, `studies`, `fk_samverkan`, `other` (at key `groups.fk.hazards.wrk`)";
    assert!(by_file.ends_with(message), "{by_file}");
    assert!(by_set.ends_with(message), "{by_set}");
    assert!(
        by_set.starts_with("--set groups.fk.hazards.wrk=0.01: "),
        "{by_set}"
    );
}

#[test]
fn overrides_reject_invalid_values_with_the_files_problems() {
    let by_set = with(&["groups.fk.share_women=1.5"]).unwrap_err();
    let by_file = scenario::load_text(
        "extends = \"reference\"\n[groups.fk]\nshare_women = 1.5\n",
        "v.toml",
        None,
    )
    .unwrap_err();
    match (by_set, by_file) {
        (
            ScenarioError::Invalid { problems: a, .. },
            ScenarioError::Invalid { problems: b, .. },
        ) => {
            assert_eq!(a, b);
            assert_eq!(a[0].path, "groups.fk.share_women");
        }
        other => panic!("expected two semantic errors, got {other:?}"),
    }
    let wrong_type = with(&["intake.per_team=many"]).unwrap_err().to_string();
    assert!(
        wrong_type.contains("invalid type: string \"many\""),
        "{wrong_type}"
    );
    assert!(wrong_type.contains("intake.per_team"), "{wrong_type}");
}

#[test]
fn overrides_do_not_invent_groups_or_array_entries() {
    let e = with(&["groups.fkk.hazards.work=0.01"])
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("groups has no entry `fkk`") && e.contains("af_job"),
        "{e}"
    );
    let e = with(&["targets.99.at_least=1"]).unwrap_err().to_string();
    assert!(e.contains("index 99 is out of range"), "{e}");
    let e = Override::parse("teams.count").unwrap_err().to_string();
    assert!(e.contains("KEY=VALUE"), "{e}");
}

fn options(scenarios: &[&str], variants: &[&str], reps: u64) -> CompareOptions {
    CompareOptions {
        scenarios: scenarios.iter().map(|s| s.to_string()).collect(),
        variants: variants.iter().map(|s| s.to_string()).collect(),
        set: vec![],
        targets: vec![],
        sim: sim(reps, 7),
        out: None,
        format: Format::Json,
        csv_dialect: Default::default(),
    }
}

#[test]
fn comparing_a_scenario_with_itself_gives_exactly_zero_differences() {
    let opts = options(&["reference", "reference"], &[], 300);
    let alts = compare::alternatives(&opts).unwrap();
    let programmes: Vec<_> = alts.iter().map(|(_, s)| s.programme.clone()).collect();
    let targets = programmes[0].targets.clone();
    let labels = alts.into_iter().map(|(a, _)| a).collect();
    let c = compare::evaluate(labels, &programmes, &targets, &opts.sim, &|_| {}).unwrap();
    assert!(c.rows.iter().any(|r| r.kind == RowKind::Probability));
    for r in &c.rows {
        let d = r.differences[0];
        if r.values[0].is_finite() {
            assert_eq!((d.mean, d.se), (0.0, 0.0), "{} {}", r.year, r.quantity);
        }
    }
}

/// With common random numbers the difference between two nearly equal alternatives has a
/// much smaller standard error than the same difference from independent runs; both
/// estimate the same expected difference.
#[test]
fn common_random_numbers_shrink_the_standard_error_of_a_difference() {
    let a = reference().programme;
    let b = with(&["groups.af_job.hazards.work=0.06"])
        .unwrap()
        .programme;
    let n = 4000;
    let (ca, cb, cb_independent) = (collect(&a, n, 1), collect(&b, n, 1), collect(&b, n, 2));
    let year = a.calendar.years().len() - 1;
    let v = |c| replication_values(c, &[year], None, Metric::PositiveExits);
    let (va, vb, vi) = (v(&ca), v(&cb), v(&cb_independent));
    let crn = paired(&va, &vb);
    let independent: Vec<f64> = vi.iter().zip(&va).map(|(b, a)| b - a).collect();
    let (mean_ind, se_ind) = mean_se(&independent);
    assert!(
        crn.se < 0.5 * se_ind,
        "paired se {:.3} vs independent se {:.3}",
        crn.se,
        se_ind
    );
    // The formula the report uses for the independent standard error agrees with the
    // independent runs' actual spread (within 10 %: both are estimates from 4,000 draws).
    assert!((crn.se_independent / se_ind - 1.0).abs() < 0.1);
    let se = (crn.se.powi(2) + se_ind.powi(2)).sqrt();
    crate::common::assert_within_4se("CRN vs independent difference", crn.mean, mean_ind, se);
    assert!(crn.mean > 0.0, "a higher work hazard gives more exits");
}

#[test]
fn compare_needs_two_alternatives_and_the_same_years() {
    let e = compare::compare(&options(&["reference"], &[], 50), &|_| {})
        .unwrap_err()
        .to_string();
    assert!(e.contains("at least two alternatives"), "{e}");
    let dir = tempfile::tempdir().unwrap();
    let other = dir.path().join("short.toml");
    std::fs::write(&other, "extends = \"reference\"\n[calendar]\nhorizon_months = 24\n[[targets]]\nmetric = \"positive_exits\"\nyear = 2025\nat_least = 1\n").unwrap();
    let err = compare::compare(
        &options(&["reference", other.to_str().unwrap()], &[], 50),
        &|_| {},
    );
    let e = format!("{:#}", err.unwrap_err());
    assert!(e.contains("other years"), "{e}");
}

/// Each grid point of a sweep is exactly the run of the scenario with those overrides and
/// the same seed: same replications, same summary.
#[test]
fn sweep_grid_matches_individual_runs_with_the_same_seed() {
    use kraftsim::montecarlo;
    use kraftsim::planning::sweep::{run_grid, value_text, Dimension};
    let base = reference();
    let dims = vec![
        Dimension::parse("teams.count=10,12").unwrap(),
        Dimension::parse("intake.per_team=25..30:5").unwrap(),
    ];
    let s = sim(150, 9);
    let sweep = run_grid(&base, &dims, None, &s, &|_| {}).unwrap();
    assert_eq!(sweep.points.len(), 4);
    for point in &sweep.points {
        let set: Vec<String> = dims
            .iter()
            .zip(&point.values)
            .map(|(d, v)| format!("{}={}", d.key, value_text(v)))
            .collect();
        let set: Vec<&str> = set.iter().map(String::as_str).collect();
        let alone = montecarlo::run(&with(&set).unwrap().programme, &s.plan(), &|_| {}).unwrap();
        assert_eq!(point.summary, alone, "at {set:?}");
    }
    // More teams give more exits at the same seed, point for point.
    let exits = |i: usize| {
        sweep.points[i].summary.years[2].metrics["positive_exits"]
            .all
            .unwrap()
            .mean
    };
    assert!(exits(2) > exits(0) && exits(3) > exits(1));
}

fn size_spec(
    target: &str,
    over: &str,
    confidence: f64,
    max_reps: u64,
) -> (scenario::Scenario, kraftsim::planning::size::SizeSpec) {
    use kraftsim::planning::size::SizeSpec;
    use kraftsim::planning::sweep::Dimension;
    let base = reference();
    let targets = scenario::target_expr::resolve(&base, &[target.to_string()]).unwrap();
    let spec = SizeSpec {
        dims: vec![Dimension::parse(over).unwrap()],
        targets,
        confidence,
        budget_max: None,
        sim: sim(max_reps, 2025),
    };
    (base, spec)
}

/// The chosen configuration meets the target at the confidence when re-run with a fresh
/// seed, and the next cheaper one does not (both within 4 Monte Carlo standard errors).
#[test]
fn size_finds_the_smallest_programme_that_meets_the_target() {
    use kraftsim::planning::size::{size, Verdict};
    let (base, spec) = size_spec("positive_exits>=450@2027", "teams.count=4..20", 0.8, 4096);
    let s = size(&base, &spec, &|_| {}).unwrap();
    let chosen = &s.evaluations[s.chosen.expect("an answer")];
    let cheaper = &s.evaluations[s.next_cheaper.expect("a cheaper neighbour")];
    assert_eq!(chosen.verdict, Verdict::Meets);
    assert_eq!(cheaper.verdict, Verdict::Fails);
    let teams = chosen.values[0].as_integer().unwrap();
    assert_eq!(cheaper.values[0].as_integer(), Some(teams - 1));
    // Bisection over 17 values: the top, then at most ⌈log2 17⌉ = 5 halvings, plus the
    // neighbour below (normally already evaluated).
    assert!(
        s.evaluations.len() <= 7,
        "{} evaluations",
        s.evaluations.len()
    );

    let fresh = |teams: i64| {
        let p = with(&[&format!("teams.count={teams}")]).unwrap().programme;
        let mut p = p;
        p.targets = spec.targets.clone();
        let run = kraftsim::montecarlo::run(&p, &sim(4000, 777_001).plan(), &|_| {}).unwrap();
        (run.targets[0].probability, run.targets[0].se.max(1e-3))
    };
    let (p, se) = fresh(teams);
    assert!(p >= 0.8 - 4.0 * se, "chosen {teams} teams: fresh P = {p}");
    let (p, se) = fresh(teams - 1);
    assert!(p < 0.8 + 4.0 * se, "{} teams: fresh P = {p}", teams - 1);
}

#[test]
fn size_reports_when_nothing_in_range_or_budget_reaches_the_target() {
    use kraftsim::planning::size::size;
    let (base, spec) = size_spec("positive_exits>=100000@2027", "teams.count=4..8", 0.8, 512);
    let s = size(&base, &spec, &|_| {}).unwrap();
    assert_eq!(s.chosen, None);
    // Only the top of the range is needed to know that nothing below it can work.
    assert_eq!(s.evaluations.len(), 1);

    let malmo = scenario::load_builtin("malmo").unwrap().unwrap();
    let targets =
        scenario::target_expr::resolve(&malmo, &["positive_exits>=600@2027".into()]).unwrap();
    let spec = kraftsim::planning::size::SizeSpec {
        dims: vec![kraftsim::planning::sweep::Dimension::parse("teams.count=6..14").unwrap()],
        targets,
        confidence: 0.8,
        budget_max: Some(30e6),
        sim: sim(512, 1),
    };
    let s = size(&malmo, &spec, &|_| {}).unwrap();
    assert_eq!(s.chosen, None);
    assert!(s.evaluations.iter().any(|e| e.over_budget));
    let text = kraftsim::report::size::table(&s);
    assert!(text.contains("within the budget"), "{text}");
}

fn sensitivity_of(
    scenario: &scenario::Scenario,
    metric: &str,
    only: &[&str],
    reps: u64,
    seed: u64,
) -> kraftsim::planning::sensitivity::Sensitivity {
    use kraftsim::planning::sensitivity::{sensitivity, Measure};
    let m = Measure::parse(metric, scenario).unwrap();
    let only: Vec<String> = only.iter().map(|s| s.to_string()).collect();
    sensitivity(scenario, &m, 0.1, &only, &sim(reps, seed), &|_| {}).unwrap()
}

/// Costs do not change exits, and a switched-off shock changes nothing: their effect on
/// exits is exactly zero on common random numbers.
#[test]
fn sensitivity_to_an_unused_parameter_is_exactly_zero() {
    let malmo = scenario::load_builtin("malmo").unwrap().unwrap();
    let s = sensitivity_of(
        &malmo,
        "positive_exits@2026",
        &[
            "costs.per_fte.employment_officer",
            "shocks.subsidy_cut.factors.work",
            "groups.af_job.hazards.work",
        ],
        200,
        3,
    );
    for e in &s.effects {
        let zero = e.parameter != "groups.af_job.hazards.work";
        for d in [e.low_difference, e.high_difference] {
            assert_eq!(d.mean == 0.0 && d.se == 0.0, zero, "{}: {d:?}", e.parameter);
        }
    }
    assert_eq!(s.effects[0].parameter, "groups.af_job.hazards.work");
}

/// Clearly separated parameters keep their order in the tornado whatever the seed.
#[test]
fn tornado_order_is_stable_across_seeds() {
    let only = [
        "groups.fk.hazards.work",
        "groups.af_job.hazards.work",
        "teams.count",
    ];
    let order = |seed| {
        let s = sensitivity_of(&reference(), "positive_exits@2027", &only, 300, seed);
        s.effects
            .iter()
            .map(|e| e.parameter.clone())
            .collect::<Vec<_>>()
    };
    let first = order(1);
    assert_eq!(
        first,
        [
            "teams.count",
            "groups.af_job.hazards.work",
            "groups.fk.hazards.work"
        ]
    );
    assert_eq!(order(2), first);
    assert_eq!(order(3), first);
}
