//! Extreme but valid scenarios run without crashing or exhausting memory, and where the
//! extreme makes the answer exact, give it.

use kraftsim::montecarlo::{self, Plan};
use kraftsim::stats::collect::{column, AnnualColumn};

use crate::common::{collect, programme};

fn run(text: &str, reps: u64) -> kraftsim::stats::Summary {
    let p = programme(text);
    montecarlo::run(
        &p,
        &Plan {
            replications: reps,
            seed: 3,
            threads: None,
            ..Plan::default()
        },
        &|_| {},
    )
    .unwrap()
}

#[test]
fn one_team() {
    let s = run("extends = \"reference\"\n[teams]\ncount = 1\n", 200);
    // One team in rotating block 0 takes 30 in months 0, 3, 6, 9: 120 a year, plus FK.
    let entrants = s.years[0].metrics["entrants"].all.unwrap();
    assert!(entrants.p5 >= 120.0, "{entrants:?}");
}

#[test]
fn a_thousand_teams() {
    let s = run("extends = \"reference\"\n[teams]\ncount = 1000\n", 20);
    assert_eq!(s.monthly[0].team_caseload_mean.len(), 1000);
    let entrants = s.years[1].metrics["entrants"].all.unwrap();
    assert!(entrants.mean > 100_000.0, "{entrants:?}");
}

#[test]
fn a_fifty_year_horizon() {
    let s = run(
        "extends = \"reference\"\n[calendar]\nhorizon_months = 600\n",
        20,
    );
    assert_eq!(s.years.len(), 50);
    assert_eq!(s.years.last().unwrap().year, 2074);
}

/// With every hazard zero nobody leaves before the maximum duration: all exits are
/// max_duration exits.
#[test]
fn all_hazards_zero() {
    let mut text = String::from("extends = \"reference\"\n");
    for g in ["af_job", "social_services", "ama", "fk"] {
        text += &format!("[groups.{g}]\nhazards = {{ work = 0.0, studies = 0.0, fk_samverkan = 0.0, other = 0.0 }}\n");
    }
    let p = programme(&text);
    let c = collect(&p, 50, 4);
    for r in 0..50 {
        for y in 0..3 {
            for s in 0..2 {
                for k in [
                    AnnualColumn::Work,
                    AnnualColumn::Studies,
                    AnnualColumn::FkSamverkan,
                    AnnualColumn::Other,
                ] {
                    assert_eq!(c.value(r, y, column(k, s)), 0);
                }
            }
        }
        // Entrants of 2025 all leave at their 12th month, within 2025 or 2026.
        let maxed: u32 = (0..2)
            .map(|y| {
                c.value(r, y, column(AnnualColumn::TimeLimit, 0))
                    + c.value(r, y, column(AnnualColumn::TimeLimit, 1))
            })
            .sum();
        assert!(maxed > 0);
    }
    let s = kraftsim::stats::summarise(&p, &c, 4);
    assert_eq!(
        s.targets
            .iter()
            .find(|t| t.metric == "positive_exits")
            .unwrap()
            .probability,
        0.0
    );
}

/// With every hazard at its maximum (10 a month), everyone leaves in the month they
/// enter: a year's exits equal its entrants and its person-years are entrants / 24.
#[test]
fn all_hazards_at_the_maximum() {
    let mut text = String::from("extends = \"reference\"\n");
    for g in ["af_job", "social_services", "ama", "fk"] {
        text += &format!("[groups.{g}]\nhazards = {{ work = 10.0, studies = 10.0, fk_samverkan = 10.0, other = 10.0 }}\nwomen = {{ work = 1.0, studies = 1.0 }}\n");
    }
    let p = programme(&text);
    let c = collect(&p, 50, 5);
    for r in 0..50 {
        for y in 0..3 {
            for s in 0..2 {
                let entrants = c.value(r, y, column(AnnualColumn::Entrants, s));
                let exits: u32 = [
                    AnnualColumn::Work,
                    AnnualColumn::Studies,
                    AnnualColumn::FkSamverkan,
                    AnnualColumn::Other,
                ]
                .iter()
                .map(|&k| c.value(r, y, column(k, s)))
                .sum();
                assert_eq!(exits, entrants);
                assert_eq!(
                    c.value(r, y, column(AnnualColumn::PersonYears24, s)),
                    entrants
                );
            }
        }
    }
}
