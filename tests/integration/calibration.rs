//! The calibration: the default scenario run with 2018–2019 staffing and volumes must place
//! every 2018–2019 fact (`scenarios/facts/malmo-2018-2019.toml`) inside its P5–P95; the fit
//! must recover known parameters from facts the engine generated, with intervals that cover
//! them about as often as they say; facts files with mistakes get errors that name them;
//! and backtest windows count what the same replication's records count.

use std::path::Path;

use kraftsim::calibrate::facts;
use kraftsim::calibrate::fit::{self, Prediction};
use kraftsim::model::calibration::Parameter;
use kraftsim::model::{ExitCause, Programme};
use kraftsim::montecarlo::{self, Plan};
use kraftsim::stats::observe::{Figure, Filter, Measure, MonthRange, ALL_CAUSES};

use crate::common::programme;

fn shipped(path: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(path)).unwrap()
}

fn plan(replications: u64, seed: u64) -> Plan {
    Plan {
        replications,
        seed,
        threads: None,
        ..Plan::default()
    }
}

/// Every shipped fact, fitted or only checked, lies inside the default's P5–P95 under the
/// reading the default is calibrated to (docs/calibration.md's table), with the default's
/// posterior draws and chance; and the shares of the register's closures it gives are
/// within a few points of the facts.
#[test]
fn the_default_places_every_2018_2019_fact_inside_its_p5_p95() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/calibration-2018-2019.toml");
    let p = kraftsim::scenario::load_path(&path).unwrap().programme;
    assert!(
        p.calibration.is_some() && p.parameter_uncertainty,
        "the draws are inherited"
    );
    let f = facts::parse(
        &shipped("scenarios/facts/malmo-2018-2019.toml"),
        "facts",
        &p,
    )
    .unwrap();
    let register = f.readings.iter().find(|r| r.id == "cohort_2018").unwrap();
    let preds = fit::predictive(&p, &f, register, &plan(1000, 2018)).unwrap();
    assert_eq!(preds.len(), 32, "every fact and category is checked");
    let outside: Vec<&Prediction> = preds.iter().filter(|x| !x.inside()).collect();
    assert!(outside.is_empty(), "outside P5–P95: {outside:#?}");
}

/// A small programme whose rates the synthetic facts come from.
fn small() -> Programme {
    programme(
        r#"extends = "reference"
targets = []
[uncertainty]
enabled = false
[teams]
count = 4
[calendar]
horizon_months = 24
"#,
    )
}

/// Facts of one replication of `truth` at `seed`: closures to work or studies and all
/// closures over the whole period, and the months stayed of those closed.
fn synthetic_facts(truth: &Programme, seed: u64) -> String {
    let window = MonthRange { first: 0, last: 23 };
    let positive = kraftsim::stats::observe::causes_of("positive").unwrap();
    let figure = |measure| Figure {
        measure,
        window,
        filter: Filter::default(),
    };
    let (pos, all) = (
        figure(Measure::Exits(positive)),
        figure(Measure::Exits(ALL_CAUSES)),
    );
    let logs = montecarlo::observe(truth, &plan(1, seed), &|_, log| log.to_vec(), &|_| {}).unwrap();
    let log = &logs[0];
    let mut stays = [0u32; 4];
    for x in log {
        if let Some((m, _)) = x.exit.filter(|(m, _)| window.contains(*m)) {
            let months = (m - x.entry + 1) as usize;
            stays[((months - 1) / 6).min(3)] += 1;
        }
    }
    format!(
        r#"[[facts]]
id = "positive"
metric = "positive_exits"
window = "2025-01..2026-12"
value = {}
[[facts]]
id = "exits"
metric = "exits"
window = "2025-01..2026-12"
value = {}
[[facts]]
id = "stays"
sample = "register"
by = "stay"
counts = {{ "1-6" = {}, "7-12" = {}, "13-18" = {}, "19+" = {} }}
[fit]
parameters = {{ positive = 1.0, other = 1.0 }}
replications = 300
"#,
        pos.value(log),
        all.value(log),
        stays[0],
        stays[1],
        stays[2],
        stays[3]
    )
}

/// The fit recovers the multipliers that generated the facts (0.8 on work and studies, 1.25
/// on other exits) from ten synthetic histories: the mean estimate within 4 standard errors
/// of the truth, the 95 % intervals covering it in at least 16 of the 20 cases (at the
/// nominal 95 %, 15 or fewer happen with probability 1.6 %), and no wider than the
/// estimates' spread says.
#[test]
fn the_fit_recovers_known_parameters_from_synthetic_facts() {
    let base = small();
    let truth_values = [0.8, 1.25];
    let truth = fit::adjusted(
        &base,
        &[Parameter::Positive, Parameter::Other],
        &truth_values,
    );
    let mut covered = 0;
    let mut estimates = [Vec::new(), Vec::new()];
    let mut widths = [Vec::new(), Vec::new()];
    for seed in 0..10 {
        let text = synthetic_facts(&truth, 7000 + seed);
        let f = facts::parse(&text, "synthetic.toml", &base).unwrap();
        let r = fit::fit(&base, &f, 11 + seed, None).unwrap();
        let reading = &r.readings[0];
        for k in 0..2 {
            let (lo, hi) = reading.interval[k];
            covered += usize::from(lo <= truth_values[k] && truth_values[k] <= hi);
            estimates[k].push(reading.estimate[k].ln());
            widths[k].push((hi.ln() - lo.ln()) / (2.0 * 1.96));
        }
    }
    eprintln!("fit recovery: 95 % intervals covered the truth in {covered} of 20; log estimates {estimates:?}");
    for k in 0..2 {
        let (m, se) = crate::common::mean_se(&estimates[k]);
        let t = truth_values[k].ln();
        assert!(
            (m - t).abs() < 4.0 * se,
            "parameter {k}: mean log estimate {m:.3} ± {se:.3} vs {t:.3}"
        );
        // The intervals' standard error against the estimates' spread over histories (an
        // SD of 10 values is within a factor of 2 of the truth with probability > 99 %).
        let spread = se * (estimates[k].len() as f64).sqrt();
        let (stated, _) = crate::common::mean_se(&widths[k]);
        assert!(
            (0.5..2.0).contains(&(stated / spread)),
            "parameter {k}: stated standard error {stated:.3} vs spread {spread:.3}"
        );
    }
    assert!(
        covered >= 16,
        "95 % intervals covered the truth in {covered} of 20"
    );
}

/// Mistakes in a facts file are refused with the fact, the key and what is allowed.
#[test]
fn facts_files_with_mistakes_name_them() {
    let p = small();
    let fit = "[fit]\nparameters = { positive = 1.0 }\n";
    let cases = [
        ("[[facts]]\nid = \"a\"\nmetric = \"exits\"\nwindow = \"2030-01..2030-06\"\nvalue = 1\n", "outside the simulated months"),
        ("[[facts]]\nid = \"a\"\nmetric = \"exitz\"\nwindow = \"2025\"\nvalue = 1\n", "unknown metric \"exitz\""),
        ("[[facts]]\nid = \"a\"\nmetric = \"exits\"\nvalue = 1\n", "give a window"),
        ("[[facts]]\nid = \"a\"\nmetric = \"exits\"\nwindow = \"2025\"\ngroup = \"nobody\"\nvalue = 1\n", "group \"nobody\" is not a group of the scenario: use af_job"),
        ("[[facts]]\nid = \"a\"\nsample = \"register\"\nby = \"stay\"\nshares = { \"1-6\" = 1.0, \"7-12\" = 0.0, \"13-18\" = 0.0, \"19+\" = 0.0 }\n", "shares need a total"),
        ("[[facts]]\nid = \"a\"\nsample = \"register\"\nby = \"height\"\ncounts = { tall = 3 }\n", "by = \"height\" is neither cause, stay nor an attribute"),
        ("[[facts]]\nid = \"a\"\nmetric = \"budget_sek\"\nwindow = \"2025\"\nvalue = 1\n", "cannot be measured on participations"),
    ];
    for (text, expected) in cases {
        let err = facts::parse(&format!("{text}{fit}"), "f.toml", &p).unwrap_err();
        assert!(err.starts_with("f.toml"), "{err}");
        assert!(err.contains(expected), "{expected:?} not in {err}");
    }
    let err = facts::parse("[[facts]]\nid = \"a\"\nmetric = \"exits\"\nwindow = \"2025\"\nvalue = 1\n[fit]\nparameters = { speed = 1.0 }\n", "f.toml", &p).unwrap_err();
    assert!(
        err.contains("\"speed\" is not a parameter: use positive"),
        "{err}"
    );
    let err = facts::parse("[[facts]]\nid = 1\n", "f.toml", &p).unwrap_err();
    assert!(
        err.starts_with("f.toml:2:"),
        "a type error names its line: {err}"
    );
}

/// A record: entry month, exit month and cause, group, whether a woman.
type Row = (i32, Option<(i32, String)>, String, bool);

/// Figures over windows of months, for a group and a gender, measured on a replication's
/// participations, equal the same figures summed from `synth`'s records of that replication
/// (written to a file and read back as a user's register would be).
#[test]
fn backtest_windows_count_what_synth_records_count() {
    use kraftsim::commands::synth::{synth, SynthOptions};
    let dir = std::env::temp_dir().join(format!("kraftsim-windows-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let out = dir.join("records.csv");
    let (seed, replication) = (31, 3);
    synth(&SynthOptions {
        scenario: Some("malmo".into()),
        set: vec![],
        seed,
        replication,
        out: out.clone(),
    })
    .unwrap();
    let text = std::fs::read_to_string(&out).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    let p = kraftsim::scenario::load_builtin("malmo")
        .unwrap()
        .unwrap()
        .programme;
    let logs = montecarlo::observe(
        &p,
        &plan(replication + 1, seed),
        &|_, log| log.to_vec(),
        &|_| {},
    )
    .unwrap();
    let log = &logs[replication as usize];
    // The records: (entry month, exit month and cause, group, women) by month index.
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header = reader.headers().unwrap().clone();
    let col = |n: &str| header.iter().position(|h| h == n).unwrap();
    let month = |date: &str| {
        let (y, m): (i32, i32) = (date[..4].parse().unwrap(), date[5..7].parse().unwrap());
        (y - 2025) * 12 + m - 1
    };
    let rows: Vec<Row> = reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            let exit = (!r[col("exit")].is_empty())
                .then(|| (month(&r[col("exit")]), r[col("cause")].to_string()));
            (
                month(&r[col("entry")]),
                exit,
                r[col("group")].to_string(),
                &r[col("gender")] == "women",
            )
        })
        .collect();
    assert_eq!(rows.len(), log.len());
    let cal = &p.calendar;
    let af = p.group_index("af_job").unwrap();
    let women = kraftsim::model::Gender::Woman;
    for w in ["2025-03..2025-10", "2024-11..2025-02", "2026", "2027-06"] {
        let window = MonthRange::parse(w, cal).unwrap();
        let fig = |measure, filter| {
            Figure {
                measure,
                window,
                filter,
            }
            .value(log)
        };
        let in_w = |m: i32| window.contains(m);
        let positive = kraftsim::stats::observe::causes_of("positive").unwrap();
        let work = rows
            .iter()
            .filter(|r| {
                r.1.as_ref()
                    .is_some_and(|(m, c)| in_w(*m) && (c == "work" || c == "studies"))
            })
            .count() as f64;
        assert_eq!(
            fig(Measure::Exits(positive), Filter::default()),
            work,
            "{w}: exits to work or studies"
        );
        let limit = rows
            .iter()
            .filter(|r| {
                r.2 == "af_job"
                    && r.3
                    && r.1
                        .as_ref()
                        .is_some_and(|(m, c)| in_w(*m) && c == ExitCause::TimeLimit.id())
            })
            .count() as f64;
        let mut set = [false; kraftsim::model::EXIT_CAUSES];
        set[ExitCause::TimeLimit as usize] = true;
        let filter = Filter {
            group: Some(af),
            gender: Some(women),
            cohort: None,
        };
        assert_eq!(
            fig(Measure::Exits(set), filter),
            limit,
            "{w}: women of af_job closed at the limit"
        );
        let entrants = rows.iter().filter(|r| in_w(r.0)).count() as f64;
        assert_eq!(
            fig(Measure::Entrants, Filter::default()),
            entrants,
            "{w}: entrants"
        );
        let active = |m: i32| {
            rows.iter()
                .filter(|r| r.0 <= m && r.1.as_ref().is_none_or(|(x, _)| *x >= m))
                .count()
        };
        let months: Vec<usize> = (window.first..=window.last).map(active).collect();
        let max = *months.iter().max().unwrap() as f64;
        let min = *months.iter().min().unwrap() as f64;
        assert_eq!(
            fig(Measure::CaseloadMax, Filter::default()),
            max,
            "{w}: highest caseload"
        );
        assert_eq!(
            fig(Measure::CaseloadMin, Filter::default()),
            min,
            "{w}: lowest caseload"
        );
    }
}
