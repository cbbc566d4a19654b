//! Fitting to history: synthetic records → calibrate recovers the rates they were
//! simulated from; aggregate counts → the counts fit; the calibrated fragment is a scenario
//! with those rates.

use kraftsim::calibrate::{self, counts, parse_bands, FitOptions};
use kraftsim::engine::{Engine, Participation, Workspace};
use kraftsim::model::{ExitCause, Gender, Programme, HAZARD_CAUSES};
use kraftsim::records;

use crate::common::programme;

/// R1's structure without caseload pressure (so the simulated rates are the scenario's),
/// with gender differences and a profile whose bands are those fitted (0–1, 2–5, 6+).
fn known_rates(teams: u32) -> Programme {
    programme(&format!(
        r#"
extends = "reference"
[teams]
count = {teams}
[pressure]
reference_per_fte = 100000.0
[groups.af_job]
profile = [
  {{ from = 0, to = 1, work = 0.6, other = 1.3 }},
  {{ gender = "women", from = 2, to = 5, studies = 1.4 }},
  {{ gender = "men", from = 2, to = 5, work = 1.2 }},
]
[groups.social_services]
profile = [{{ from = 6, work = 0.7, studies = 1.2 }}]
[intake.continuous.fk]
per_month = 12.0
"#
    ))
}

/// The scenario's hazard of a cause for gender `s` in month `d` of the programme.
fn true_rate(p: &Programme, g: usize, s: Gender, d: u32, k: usize) -> f64 {
    let group = &p.groups[g];
    group.hazards[k] * group.gender_factors(s)[k] * group.profile_at(d, s)[k]
}

/// Records of one replication, parsed back as a user's file would be.
fn synthetic(p: &Programme, seed: u64) -> records::Records {
    let engine = Engine::new(p);
    let mut ws = Workspace::default();
    let mut traj = engine.trajectory();
    let mut log: Vec<Participation> = Vec::new();
    engine.run_recorded(seed, 0, &mut ws, &mut traj, &mut log);
    let csv = records::synthetic_csv(&engine, &log, seed, 0);
    records::parse(std::str::from_utf8(&csv).unwrap(), "synthetic.csv", false).unwrap()
}

fn options() -> FitOptions {
    FitOptions {
        by_gender: true,
        bands: parse_bands("0-1,2-5,6+").unwrap(),
        ..FitOptions::default()
    }
}

/// Each fitted (group, gender, band, cause) with a positive true rate: (true rate, fit
/// cell's interval).
fn intervals(p: &Programme, fit: &calibrate::Fit) -> Vec<(f64, (f64, f64))> {
    let mut out = Vec::new();
    for (g, gf) in fit.groups.iter().enumerate() {
        assert_eq!(gf.name, p.groups[g].name);
        for cell in &gf.cells {
            let band = fit.options.bands[cell.band.unwrap()];
            for k in 0..HAZARD_CAUSES {
                let truth = true_rate(p, g, cell.gender.unwrap(), band.from, k);
                if truth > 0.0 {
                    out.push((truth, cell.interval(k)));
                }
            }
        }
    }
    out
}

#[test]
fn synthetic_records_give_back_their_rates_within_the_intervals() {
    let p = known_rates(60);
    let names: Vec<String> = p.groups.iter().map(|g| g.name.clone()).collect();
    let mut inside = 0;
    let mut total = 0;
    for seed in 1..=5 {
        let recs = synthetic(&p, seed);
        assert!(recs.rows.len() > 20_000, "{} records", recs.rows.len());
        let fit = calibrate::fit(&recs, &options(), Some(&names)).unwrap();
        for (truth, (lo, hi)) in intervals(&p, &fit) {
            total += 1;
            inside += usize::from(lo <= truth && truth <= hi);
        }
    }
    // 4 groups × 2 genders × 3 bands × 3–4 causes per seed; coverage should be 95 %.
    let coverage = inside as f64 / total as f64;
    eprintln!("round trip: {inside} of {total} intervals hold their rate ({coverage:.3})");
    let se = (0.95 * 0.05 / total as f64).sqrt();
    assert!(total >= 350, "{total} parameters");
    assert!(
        (coverage - 0.95).abs() < 4.0 * se,
        "coverage {coverage:.3} of {total} 95 % intervals (4·SE = {:.3})",
        4.0 * se
    );
}

#[test]
fn intervals_narrow_with_the_square_root_of_the_sample() {
    let widths = |teams: u32| {
        let p = known_rates(teams);
        let names: Vec<String> = p.groups.iter().map(|g| g.name.clone()).collect();
        let fit = calibrate::fit(&synthetic(&p, 7), &options(), Some(&names)).unwrap();
        // The large groups' work and other rates: hundreds of exits per cell.
        let mut w = Vec::new();
        for gf in &fit.groups[..2] {
            for cell in &gf.cells {
                for k in [0, 3] {
                    let (lo, hi) = cell.interval(k);
                    w.push((hi - lo) / cell.rate(k));
                }
            }
        }
        w.iter().sum::<f64>() / w.len() as f64
    };
    let (small, large) = (widths(12), widths(48));
    // Four times the participants: relative widths halve (√4), up to sampling noise.
    let ratio = small / large;
    eprintln!("relative 95 % width: 12 teams {small:.3}, 48 teams {large:.3}, ratio {ratio:.3}");
    assert!((1.8..2.2).contains(&ratio), "width ratio {ratio:.3}");
}

#[test]
fn the_fragment_is_a_scenario_with_the_fitted_rates() {
    let p = known_rates(24);
    let names: Vec<String> = p.groups.iter().map(|g| g.name.clone()).collect();
    let fit = calibrate::fit(&synthetic(&p, 3), &options(), Some(&names)).unwrap();
    let text = calibrate::fragment(&fit, "synthetic.csv", Some("reference"));
    assert!(!text.contains("S000001"), "no record ids in the output");
    let fitted = programme(&text);
    for (g, gf) in fit.groups.iter().enumerate() {
        for cell in &gf.cells {
            let band = fit.options.bands[cell.band.unwrap()];
            for k in 0..HAZARD_CAUSES {
                let s = cell.gender.unwrap();
                let engine_rate = true_rate(&fitted, g, s, band.from, k);
                let rate = cell.rate(k);
                assert!(
                    (engine_rate - rate).abs() <= 1e-3 * rate + 1e-6,
                    "{} {:?} band {} cause {k}: scenario {engine_rate} vs fit {rate}",
                    gf.name,
                    s,
                    band.label()
                );
            }
        }
        // Uncertainty is the pooled rate's relative standard error.
        let u = fitted.groups[g].uncertainty[0];
        assert!((u - gf.pooled.relative_se(0)).abs() < 1e-4);
    }
}

#[test]
fn cells_of_few_people_are_suppressed_in_every_output() {
    let text = "id,entry,exit,cause,group,gender\n\
                a,2025-01-01,2025-03-10,work,af_job,women\n\
                b,2025-01-01,2025-05-10,other,af_job,women\n\
                c,2025-01-01,,,af_job,men\n";
    let recs = records::parse(text, "few.csv", false).unwrap();
    let options = FitOptions {
        by_gender: true,
        ..FitOptions::default()
    };
    let fit = calibrate::fit(&recs, &options, None).unwrap();
    let fragment = calibrate::fragment(&fit, "few.csv", None);
    let summary = calibrate::summary(&fit);
    for out in [&fragment, &summary] {
        assert!(out.contains("uppressed"), "{out}");
        assert!(
            !out.contains("person-months;"),
            "no counts of 3 people: {out}"
        );
    }
    assert!(!fragment.contains("hazards ="));
}

#[test]
fn left_truncation_counts_only_observed_months() {
    // Two people entered in 2024; observation starts 2025-01-01: the one who left in
    // 2024 does not count, the other contributes from 2025-01-01 only.
    let text = "entry,exit,cause,group,gender\n\
                2024-01-01,2024-06-15,work,af_job,women\n\
                2024-07-01,2025-03-01,work,af_job,men\n";
    let recs = records::parse(text, "t.csv", false).unwrap();
    let options = FitOptions {
        from: records::Date::parse("2025-01-01"),
        min_people: 1,
        ..FitOptions::default()
    };
    let fit = calibrate::fit(&recs, &options, None).unwrap();
    let pooled = &fit.groups[0].pooled;
    assert_eq!(fit.used, 1);
    assert_eq!(pooled.events[ExitCause::Work as usize], 1);
    // 2025-01-01 to the middle of 2025-03-01: two months and half a day.
    assert!((pooled.exposure - (2.0 + 0.5 / 31.0)).abs() < 1e-9);
}

/// Monthly counts of exits by cause and group, and entrants by group, of one simulated
/// replication, as a counts file would give them.
fn counts_text(p: &Programme, seed: u64, by_group: bool) -> String {
    let engine = Engine::new(p);
    let mut ws = Workspace::default();
    let mut traj = engine.trajectory();
    engine.run(seed, 0, &mut ws, &mut traj);
    let mut header = vec!["period".to_string()];
    for g in &p.groups {
        header.push(format!("entrants_{}", g.name));
    }
    for c in ExitCause::HAZARD {
        if by_group {
            for g in &p.groups {
                header.push(format!("exits_{}_{}", c.id(), g.name));
            }
        } else {
            header.push(format!("exits_{}", c.id()));
        }
    }
    let mut text = header.join(",") + "\n";
    for m in 0..traj.months {
        let mut row = vec![p.calendar.month(m as i32).to_string()];
        for g in 0..p.groups.len() {
            row.push(traj.entrants_of(m, g).to_string());
        }
        for k in 0..HAZARD_CAUSES {
            let exits = |g: usize| traj.exits_of(m, g, 0, k) + traj.exits_of(m, g, 1, k);
            if by_group {
                for g in 0..p.groups.len() {
                    row.push(exits(g).to_string());
                }
            } else {
                row.push((0..p.groups.len()).map(exits).sum::<u32>().to_string());
            }
        }
        text += &(row.join(",") + "\n");
    }
    text
}

#[test]
fn counts_by_group_identify_every_rate_and_recover_it() {
    // The base the fit starts from has every rate 30 % off; the counts come from the
    // truth.
    let truth = known_rates(24);
    let mut base = truth.clone();
    for g in &mut base.groups {
        for h in &mut g.hazards {
            *h *= 1.3;
        }
    }
    let mut z = Vec::new();
    for seed in 1..=4 {
        let c = counts::parse(&counts_text(&truth, seed, true), "c.csv", &base).unwrap();
        let fit = counts::fit(&base, &c).unwrap();
        for r in &fit.rates {
            let t = truth.groups[r.group].hazards[r.cause];
            if r.group < 3 {
                assert!(r.identified > 0.9, "{r:?}");
            }
            z.push((r.rate.ln() - t.ln()) / r.sd);
        }
    }
    // Standardised errors: mean about 0, none beyond 4, mean square at most about 1 (below
    // 1 where the independent-Poisson information understates what monthly counts of one
    // cohort carry: the intervals are then conservative).
    let n = z.len() as f64;
    let mean = z.iter().sum::<f64>() / n;
    let var = z.iter().map(|x| x * x).sum::<f64>() / n;
    eprintln!("counts fit: {n} standardised errors, mean {mean:.3}, mean square {var:.3}");
    assert!(z.iter().all(|x| x.abs() < 4.0), "{z:?}");
    assert!(mean.abs() < 4.0 / n.sqrt(), "mean z {mean:.3} of {n}");
    assert!((0.3..1.6).contains(&var), "mean z² {var:.3} of {n}");
}

#[test]
fn total_counts_with_a_constant_mix_say_which_rates_they_cannot_separate() {
    let p = known_rates(24);
    let c = counts::parse(&counts_text(&p, 2, false), "c.csv", &p).unwrap();
    let fit = counts::fit(&p, &c).unwrap();
    // fk_samverkan comes only from fk: identified; the work rates of the groups referred
    // in the same proportion every month trade off against each other (which of the other
    // groups' work rates is ama's strongest partner depends on the draw).
    let find = |g: &str, k: ExitCause| {
        fit.rates
            .iter()
            .find(|r| p.groups[r.group].name == g && r.cause == k as usize)
            .unwrap()
    };
    assert!(find("fk", ExitCause::FkSamverkan).identified > 0.9);
    let ama = find("ama", ExitCause::Work);
    assert!(ama.identified < 0.9, "{ama:?}");
    let (partner, r) = ama.partner.unwrap();
    assert!(r < -0.5, "{r}");
    assert_eq!(fit.rates[partner].cause, ExitCause::Work as usize);
    assert_ne!(p.groups[fit.rates[partner].group].name, "ama");
    let summary = counts::summary(&p, &c, &fit);
    assert!(summary.contains("weakly identified") || summary.contains("not identified"));
}

#[test]
fn counts_errors_name_line_column_and_value() {
    let p = known_rates(12);
    let err = counts::parse(
        "period,entrants_af_job,exits_work\n2025-01,3,x\n",
        "c.csv",
        &p,
    )
    .unwrap_err();
    assert!(err.contains("c.csv:2: column exits_work = \"x\""), "{err}");
    let err = counts::parse("period,entrants_nobody,exits_work\n", "c.csv", &p).unwrap_err();
    assert!(err.contains("\"nobody\" is not a group"), "{err}");
    let err = counts::parse(
        "period,entrants_af_job,exits_work\n2025-01,3,1\n2025-03,3,1\n",
        "c.csv",
        &p,
    )
    .unwrap_err();
    assert!(err.contains("expected 2025-02"), "{err}");
}

/// R1's structure with 6 teams: small enough that chance moves the yearly figures.
fn small_r1() -> Programme {
    programme("extends = \"reference\"\n[teams]\ncount = 6\n")
}

#[test]
fn backtests_of_histories_from_the_same_scenario_cover_as_stated() {
    use kraftsim::model::Metric;
    use kraftsim::stats::backtest::{place, Observed, Period};
    use kraftsim::stats::replication_values;
    let p = small_r1();
    let simulated = crate::common::collect(&p, 1000, 1);
    // 300 synthetic histories: other replications of another seed, each giving nine
    // observed yearly figures.
    let histories = crate::common::collect(&p, 300, 99);
    let metrics = [Metric::PositiveExits, Metric::Exits, Metric::WorkExits];
    let mut inside = (Vec::new(), Vec::new());
    let mut percentiles = Vec::new();
    let values: Vec<Vec<Vec<f64>>> = (0..3)
        .map(|y| {
            metrics
                .iter()
                .map(|&m| replication_values(&histories, &[y], None, m))
                .collect()
        })
        .collect();
    for h in 0..300 {
        let observed: Vec<Observed> = (0..3)
            .flat_map(|y| {
                metrics.iter().enumerate().map({
                    let values = &values;
                    move |(i, &metric)| Observed {
                        period: Period::Year(2025 + y as i32),
                        metric,
                        gender: None,
                        group: None,
                        value: values[y][i][h],
                    }
                })
            })
            .collect();
        let placed = place(Some(&simulated), &observed, &[]);
        let share = |level: f64| {
            placed.iter().filter(|x| x.inside(level)).count() as f64 / placed.len() as f64
        };
        inside.0.push(share(0.5));
        inside.1.push(share(0.9));
        percentiles.extend(placed.iter().map(|x| x.percentile));
    }
    let (in50, se50) = crate::common::mean_se(&inside.0);
    let (in90, se90) = crate::common::mean_se(&inside.1);
    eprintln!(
        "backtest coverage over 300 histories: 50 % interval {in50:.3}, 90 % interval {in90:.3}"
    );
    // Inclusive intervals of counts cover a little more than their nominal level; the
    // estimated quantiles of 1,000 replications a little less: 0.01 of slack.
    assert!((in50 - 0.5).abs() < 4.0 * se50 + 0.01, "{in50} ± {se50}");
    assert!((in90 - 0.9).abs() < 4.0 * se90 + 0.01, "{in90} ± {se90}");
    // Percentiles are uniform: a quarter in each quarter (within 4 SE of the histories).
    for q in 0..4 {
        let per_history: Vec<f64> = percentiles
            .chunks(9)
            .map(|c| {
                c.iter()
                    .filter(|&&x| x >= q as f64 / 4.0 && x < (q + 1) as f64 / 4.0)
                    .count() as f64
                    / 9.0
            })
            .collect();
        let (m, se) = crate::common::mean_se(&per_history);
        assert!(
            (m - 0.25).abs() < 4.0 * se + 0.01,
            "quarter {q}: {m} ± {se}"
        );
    }
}

#[test]
fn nowcasts_from_mid_year_states_match_what_the_full_years_did() {
    use kraftsim::model::calendar::YearMonth;
    use kraftsim::montecarlo::{collect, Plan};
    use kraftsim::stats::target_hits;
    let p = small_r1();
    // 2025's first target: 370 exits to work or studies, scaled to 6 of 12 teams.
    let target = kraftsim::model::Target {
        threshold: 185.0,
        ..p.targets[0].clone()
    };
    let as_of = YearMonth {
        year: 2025,
        month: 6,
    };
    let engine = Engine::new(&p);
    let mut ws = Workspace::default();
    let mut traj = engine.trajectory();
    let (mut hits, mut probabilities) = (Vec::new(), Vec::new());
    for h in 0..300 {
        let mut log = Vec::new();
        engine.run_recorded(77, h, &mut ws, &mut traj, &mut log);
        let year: u32 = (0..12)
            .map(|m| {
                (0..4)
                    .map(|g| {
                        (0..2)
                            .map(|s| traj.exits_of(m, g, s, 0) + traj.exits_of(m, g, s, 1))
                            .sum::<u32>()
                    })
                    .sum::<u32>()
            })
            .sum();
        hits.push(f64::from(u8::from(year as f64 >= target.threshold)));
        // The history's records up to the end of June give the state.
        let csv = records::synthetic_csv(&engine, &log, 77, h);
        let recs = records::parse(std::str::from_utf8(&csv).unwrap(), "state.csv", false).unwrap();
        let mut q = p.clone();
        let state = records::state(&recs, &q, as_of).unwrap();
        // The state's exits so far are the history's own January–June exits.
        let first_half: u32 = (0..6)
            .flat_map(|m| (0..4).flat_map(move |g| (0..2).map(move |s| (m, g, s))))
            .map(|(m, g, s)| (0..5).map(|k| traj.exits_of(m, g, s, k)).sum::<u32>())
            .sum();
        assert_eq!(state.exits.iter().map(|e| e.4).sum::<u32>(), first_half);
        q.resume = Some(state);
        q.targets = vec![target.clone()];
        let plan = Plan {
            replications: 200,
            seed: 1000 + h,
            threads: None,
            ..Plan::default()
        };
        let c = collect(&q, &plan, &|_| {}).unwrap();
        let met = target_hits(&c, &target);
        probabilities.push(met.iter().filter(|&&m| m).count() as f64 / met.len() as f64);
    }
    // The nowcast probability is the conditional probability given the state: on average
    // it equals the share of full years that met the target (the tower property) ...
    let diff: Vec<f64> = hits
        .iter()
        .zip(&probabilities)
        .map(|(a, b)| a - b)
        .collect();
    let (d, se) = crate::common::mean_se(&diff);
    let (hit_rate, _) = crate::common::mean_se(&hits);
    let (mean_p, _) = crate::common::mean_se(&probabilities);
    eprintln!("nowcast: full years met {hit_rate:.3}, mean nowcast probability {mean_p:.3}");
    crate::common::assert_within_4se("met − nowcast probability", d, 0.0, se);
    // ... and it separates the histories: among states it gives below 30 % and above 70 %,
    // the full years met the target about as often as it said.
    for (lo, hi) in [(0.0, 0.3), (0.7, 1.01)] {
        let sel: Vec<(f64, f64)> = hits
            .iter()
            .zip(&probabilities)
            .filter(|(_, &p)| p >= lo && p < hi)
            .map(|(&a, &b)| (a, b))
            .collect();
        assert!(sel.len() >= 15, "{} states in [{lo}, {hi})", sel.len());
        let diff: Vec<f64> = sel.iter().map(|(a, b)| a - b).collect();
        let (d, se) = crate::common::mean_se(&diff);
        eprintln!(
            "  nowcast in [{lo}, {hi}): {} states, met − said {d:.3} ± {se:.3}",
            sel.len()
        );
        assert!(d.abs() < 4.0 * se + 0.02, "[{lo}, {hi}): {d} ± {se}");
    }
}

#[test]
fn a_state_with_stays_beyond_the_maximum_closes_them_at_once() {
    use kraftsim::model::calendar::YearMonth;
    // A profile with bands: months in the programme index the band table.
    let p = known_rates(6);
    // Enrolled since 2019 (12-month maximum): closed with max_duration in July 2025.
    let text = "entry,exit,cause,group,gender,team\n\
                2019-03-01,,,af_job,women,1\n\
                2025-06-01,,,ama,men,2\n";
    let recs = records::parse(text, "state.csv", false).unwrap();
    let mut q = p.clone();
    q.resume = Some(
        records::state(
            &recs,
            &q,
            YearMonth {
                year: 2025,
                month: 6,
            },
        )
        .unwrap(),
    );
    q.intake.per_team = 0;
    let engine = Engine::new(&q);
    let mut ws = Workspace::default();
    let mut traj = engine.trajectory();
    engine.run(1, 0, &mut ws, &mut traj);
    let max_duration = ExitCause::TimeLimit as usize;
    assert!(
        traj.exits_of(6, 0, 0, max_duration)
            + traj.exits_of(6, 0, 0, 0)
            + traj.exits_of(6, 0, 0, 1)
            + traj.exits_of(6, 0, 0, 3)
            == 1
    );
    assert_eq!(
        traj.active[traj.cell(6, 2, 1)],
        1,
        "the June entrant is active in July"
    );
}

/// Dates with a multi-byte character, a sign, or a placeholder year (9999-12-31, 0001-01-01)
/// are bad values named with their line and column, never a panic and never a stretched
/// observation window; skipping leaves exactly those rows out.
#[test]
fn implausible_and_malformed_dates_are_named_or_skipped() {
    let text = "id,entry,exit,cause,group,gender\n\
                1,2025-0é-1,,,af_job,women\n\
                2,2025-01-01,9999-12-31,work,af_job,women\n\
                3,0001-01-01,2025-03-01,other,fk,men\n\
                4,+999-01-01,,,af_job,men\n\
                5,2025-01-01,2025-02-10,work,af_job,men\n";
    let err = records::parse(text, "p.csv", false)
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with("p.csv:2: column entry = \"2025-0é-1\": not a date"),
        "{err}"
    );
    let only = |row: &str| format!("id,entry,exit,cause,group,gender\n{row}\n");
    let err = records::parse(
        &only("2,2025-01-01,9999-12-31,work,af_job,women"),
        "p.csv",
        false,
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("column exit = \"9999-12-31\": outside 1990–2100: a placeholder"),
        "{err}"
    );
    let err = records::parse(
        &only("3,0001-01-01,2025-03-01,other,fk,men"),
        "p.csv",
        false,
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("column entry = \"0001-01-01\": outside 1990–2100"),
        "{err}"
    );
    let skipped = records::parse(text, "p.csv", true).unwrap();
    assert_eq!(skipped.rows.len(), 1);
    assert_eq!(skipped.skipped.len(), 4);
    assert_eq!(
        skipped.latest().map(|d| d.to_string()),
        Some("2025-02-10".to_string())
    );
}
