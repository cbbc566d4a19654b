//! Property tests over randomly generated valid scenarios, and over mutated scenario text.
//!
//! The mutation test is the project's fuzz target: cargo-fuzz needs a nightly toolchain,
//! so proptest generates and mutates scenario text on stable Rust (truncations, deleted
//! and inserted bytes, replaced values); loading must return a scenario or an error,
//! never panic.

use kraftsim::engine::{Engine, Workspace};
use kraftsim::model::EXIT_CAUSES;
use kraftsim::montecarlo::{self, Plan};
use kraftsim::report::json::to_json;
use kraftsim::scenario::{load_text, MALMO, REFERENCE};
use proptest::prelude::*;

/// A random valid scenario as TOML text.
fn scenario() -> impl Strategy<Value = String> {
    let group = (
        0.0..1.0f64,
        prop::array::uniform4(0.0..0.3f64),
        1i64..15,
        prop::bool::ANY,
        0.0..0.4f64,
    );
    (
        (1i64..6, 0i64..3, 0i64..12, prop::option::of(1i64..12), 1i64..30, 0i64..6),
        prop::collection::vec(group, 1..4),
        (0usize..3, 1i64..4, 0i64..20, 0.0..5.0f64, prop::option::of((0i64..24, 0i64..3))),
        (prop::option::of((5i64..60, prop::bool::ANY)), prop::option::of(0.5..3.0f64), 0.0..0.3f64, prop::bool::ANY, 0i64..3),
    )
        .prop_map(|(cal, groups, intake, misc)| {
            let (teams, added, added_start, added_stop, horizon, warmup) = cal;
            let (schedule, k, per_team, fk_rate, pause) = intake;
            let (cap, pressure_ref, vacancy, uncertainty, spent) = misc;
            let mut t = format!(
                "name = \"random\"\n[calendar]\nstart = \"2025-01\"\nhorizon_months = {horizon}\nwarmup_months = {warmup}\n\
                 [teams]\ncount = {teams}\nrestart_ramp = {{ start = 0.5, months = 3 }}\n"
            );
            if added > 0 {
                let start = added_start.min(horizon - 1);
                t += &format!("[teams.added.extra]\ncount = {added}\nstart = \"{}\"\nramp = {{ start = 0.2, months = 4 }}\n", month(start));
                if let Some(stop) = added_stop {
                    t += &format!("stop = \"{}\"\n", month(start + stop));
                }
            }
            t += &format!(
                "[staffing.employment_officer]\nvacancy_probability = {vacancy}\nrefill_months = 2\nonboarding_months = 1\nonboarding_productivity = 0.5\neffect = {{ work = 0.5 }}\n"
            );
            let total: f64 = groups.iter().map(|g| g.0 + 0.1).sum();
            let mut mix = Vec::new();
            for (i, (w, h, maxd, profile, women)) in groups.iter().enumerate() {
                t += &format!(
                    "[groups.g{i}]\nshare_women = {women}\nhazards = {{ work = {}, studies = {}, fk_samverkan = {}, other = {} }}\n\
                     max_duration_months = {maxd}\nuncertainty = {{ work = 0.2 }}\nwomen = {{ work = 0.8 }}\n",
                    h[0], h[1], h[2], h[3]
                );
                if *profile {
                    t += "profile = [{ from = 0, to = 1, work = 0.5 }, { from = 4, other = 1.5 }]\n";
                }
                mix.push(format!("g{i} = {}", (w + 0.1) / total));
            }
            let sched = match schedule {
                0 => format!("schedule = \"every\"\nevery_months = {k}\n"),
                1 => format!("schedule = \"rotating\"\nblocks = {k}\n"),
                _ => format!("schedule = \"months\"\nmonths = [\"2025-01\", \"{}\"]\n", month((horizon - 1).min(k * 3))),
            };
            t += &format!("[intake]\n{sched}per_team = {per_team}\nmix = {{ {} }}\n", mix.join(", "));
            if let Some((from, len)) = pause {
                let from = from.min(horizon - 1);
                t += &format!("pauses = [{{ from = \"{}\", to = \"{}\" }}]\n", month(from), month((from + len).min(horizon - 1)));
            }
            if let Some((per, wait)) = cap {
                t += &format!("cap = {{ per_team = {per}, overflow = \"{}\" }}\n", if wait { "wait" } else { "decline" });
            }
            t += &format!("[intake.continuous.g0]\nper_month = {fk_rate}\n");
            if let Some(r) = pressure_ref {
                t += &format!("[pressure]\nreference_per_fte = {r}\nexponent = 0.5\n");
            }
            t += &format!("[uncertainty]\nenabled = {uncertainty}\n");
            let max_spent = groups[0].2 - 1;
            t += &format!("[[initial]]\ngroup = \"g0\"\ncount = 7\nmonths_spent = [0, {}]\n", spent.min(max_spent));
            t
        })
}

fn month(m: i64) -> String {
    format!("{:04}-{:02}", 2025 + m / 12, m % 12 + 1)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn generated_scenarios_conserve_participants(text in scenario()) {
        let p = load_text(&text, "generated.toml", None).map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?.programme;
        let engine = Engine::new(&p);
        let mut ws = Workspace::default();
        let mut t = engine.trajectory();
        for seed in 0..3 {
            engine.run(seed, 0, &mut ws, &mut t);
            for m in 1..t.months {
                let mut total = 0i64;
                for g in 0..t.groups {
                    for s in 0..2 {
                        let before = t.active[t.cell(m - 1, g, s)] as i64;
                        let left: i64 = (0..EXIT_CAUSES).map(|k| t.exits_of(m - 1, g, s, k) as i64).sum();
                        let now = t.active[t.cell(m, g, s)] as i64;
                        prop_assert!(left <= before, "exits exceed caseload");
                        prop_assert_eq!(now, before - left + t.entrants[t.cell(m, g, s)] as i64);
                        prop_assert!(t.person_years_24[t.cell(m, g, s)] as i64 <= 2 * now);
                        total += now;
                    }
                }
                let teams: i64 = t.team_active[m * t.teams..(m + 1) * t.teams].iter().map(|&x| x as i64).sum();
                prop_assert_eq!(teams, total);
            }
        }
        let one = to_json(&montecarlo::run(&p, &Plan { replications: 37, seed: 1, threads: Some(1), ..Plan::default() }, &|_| {}).unwrap());
        let two = to_json(&montecarlo::run(&p, &Plan { replications: 37, seed: 1, threads: Some(2), ..Plan::default() }, &|_| {}).unwrap());
        prop_assert_eq!(one, two);
    }

    #[test]
    fn mutated_scenario_text_never_panics(
        base in prop::sample::select(vec![MALMO, REFERENCE]),
        cuts in prop::collection::vec((0.0..1.0f64, 0usize..40, ".{0,12}"), 1..4),
    ) {
        let mut text = base.to_string();
        for (at, len, insert) in cuts {
            let mut i = (at * text.len() as f64) as usize;
            while !text.is_char_boundary(i) { i -= 1; }
            let mut j = (i + len).min(text.len());
            while !text.is_char_boundary(j) { j -= 1; }
            text.replace_range(i..j, &insert);
        }
        // Loading returns a scenario or an error; a panic fails the test.
        let _ = load_text(&text, "mutated.toml", None);
    }

    #[test]
    fn replaced_values_never_panic(
        base in prop::sample::select(vec![MALMO, REFERENCE]),
        pick in 0.0..1.0f64,
        value in prop::sample::select(vec!["-1", "0", "1e308", "-1e308", "nan", "inf", "-inf", "9999999999", "\"x\"", "[]", "{}", "true", "0.5", "1200", "2025-01"]),
    ) {
        let numbers: Vec<(usize, usize)> = base.match_indices(|c: char| c.is_ascii_digit()).map(|(i, _)| (i, i + 1)).collect();
        let (i, _) = numbers[((pick * numbers.len() as f64) as usize).min(numbers.len() - 1)];
        let end = base[i..].find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '_')).map_or(base.len(), |k| i + k);
        let text = format!("{}{}{}", &base[..i], value, &base[end..]);
        if let Ok(s) = load_text(&text, "replaced.toml", None) {
            // Whatever validates must also run.
            let plan = Plan { replications: 2, seed: 1, threads: Some(1), ..Plan::default() };
            let ran = montecarlo::run(&s.programme, &plan, &|_| {});
            prop_assert!(ran.is_ok());
        }
    }
}

/// A small synthetic records file of R1 (the first 60 rows).
fn records_text() -> String {
    use kraftsim::engine::Workspace;
    let p = load_text(REFERENCE, "r1.toml", None).unwrap().programme;
    let engine = Engine::new(&p);
    let (mut ws, mut t, mut log) = (Workspace::default(), engine.trajectory(), Vec::new());
    engine.run_recorded(1, 0, &mut ws, &mut t, &mut log);
    let csv = kraftsim::records::synthetic_csv(&engine, &log, 1, 0);
    String::from_utf8(csv)
        .unwrap()
        .lines()
        .take(60)
        .collect::<Vec<_>>()
        .join("\n")
}

fn mutate(base: &str, cuts: Vec<(f64, usize, String)>) -> String {
    let mut text = base.to_string();
    for (at, len, insert) in cuts {
        let mut i = (at * text.len() as f64) as usize;
        while !text.is_char_boundary(i) {
            i -= 1;
        }
        let mut j = (i + len).min(text.len());
        while !text.is_char_boundary(j) {
            j -= 1;
        }
        text.replace_range(i..j, &insert);
    }
    text
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, failure_persistence: None, ..ProptestConfig::default() })]

    /// Records, counts and observed figures with random damage are read, calibrated,
    /// backtested and nowcast without a panic: each step gives a result or an error.
    #[test]
    fn mutated_history_files_never_panic(
        cuts in prop::collection::vec((0.0..1.0f64, 0usize..30, "[-,0-9a-z_\n .]{0,10}"), 1..5),
        skip in any::<bool>(),
        by_gender in any::<bool>(),
    ) {
        use kraftsim::calibrate::{self, counts, parse_bands, FitOptions};
        use kraftsim::model::calendar::YearMonth;
        use kraftsim::records;
        let p = load_text(REFERENCE, "r1.toml", None).unwrap().programme;
        let text = mutate(&records_text(), cuts.clone());
        if let Ok(recs) = records::parse(&text, "mutated.csv", skip) {
            let options = FitOptions { by_gender, bands: parse_bands("0-1,2-5,6+").unwrap(), ..FitOptions::default() };
            if let Ok(fit) = calibrate::fit(&recs, &options, None) {
                let _ = calibrate::fragment(&fit, "mutated.csv", None);
                let _ = calibrate::summary(&fit);
            }
            if let Ok(state) = records::state(&recs, &p, YearMonth { year: 2025, month: 6 }) {
                let mut q = p.clone();
                q.resume = Some(state);
                let plan = Plan { replications: 2, seed: 1, threads: Some(1), ..Plan::default() };
                let ran = montecarlo::run(&q, &plan, &|_| {});
                prop_assert!(ran.is_ok());
            }
        }
        let counts_text = mutate(
            "period,entrants_af_job,entrants_social_services,entrants_ama,entrants_fk,exits_work,exits_other_fk\n\
             2025-01,180,126,54,3,0,1\n2025-02,0,0,0,2,14,0\n2025-03,0,0,0,4,20,1\n",
            cuts.clone(),
        );
        if let Ok(c) = counts::parse(&counts_text, "counts.csv", &p) {
            if let Ok(fit) = counts::fit(&p, &c) {
                let _ = counts::summary(&p, &c, &fit);
            }
        }
        let observed = mutate(
            "year,window,metric,value,gender,group\n2025,,positive_exits,380,,\n2026,,positive_share,0.4,women,\n\
             ,2025-02..2025-09,caseload_max,300,women,af_job\n,2026,exits,20,,fk\n",
            cuts.clone(),
        );
        if let Ok(obs) = kraftsim::stats::backtest::parse_observed(&observed, "observed.csv", &p) {
            for o in &obs {
                let _ = (o.label(&p), o.figure(&p));
            }
        }
        let facts_text = mutate(
            "[readings.cohort]\nregister = { cohort = \"2025-01..2025-06\", closed = \"2025-01..2026-12\", complete = true }\n\
             [[facts]]\nid = \"a\"\nmetric = \"exits\"\nwindow = \"2025-03..2026-02\"\ngroup = \"fk\"\nvalue = 30\n\
             [[facts]]\nid = \"b\"\nsample = \"register\"\nby = \"stay\"\nshares = { \"1-6\" = 0.5, \"7-12\" = 0.5, \"13-18\" = 0.0, \"19+\" = 0.0 }\ntotal = 100\n\
             [fit]\nparameters = { positive = 1.0 }\n",
            cuts,
        );
        let _ = kraftsim::calibrate::facts::parse(&facts_text, "facts.toml", &p);
    }
}
