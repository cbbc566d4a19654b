//! Properties of every replication, whatever the seed: participants are conserved month by
//! month, counts never go negative, person-years never exceed participant-months / 12,
//! and results do not depend on the number of threads.

use kraftsim::engine::{Engine, Trajectory, Workspace};
use kraftsim::model::{Programme, EXIT_CAUSES};
use kraftsim::montecarlo::{self, Plan};
use kraftsim::report::json::to_json;
use kraftsim::scenario::load_builtin;

use crate::common::programme;

fn malmo() -> Programme {
    load_builtin("malmo").unwrap().unwrap().programme
}

fn exits_in(t: &Trajectory, m: usize, g: usize, s: usize) -> u32 {
    (0..EXIT_CAUSES).map(|k| t.exits_of(m, g, s, k)).sum()
}

/// Active after intake in month m = active in m − 1, minus its exits, plus m's entrants, in
/// every (group, gender) cell; person-years are at most active participant-months / 12.
fn check_conservation(p: &Programme, seeds: std::ops::Range<u64>) {
    let engine = Engine::new(p);
    let mut ws = Workspace::default();
    let mut t = engine.trajectory();
    for seed in seeds {
        engine.run(seed, 0, &mut ws, &mut t);
        for m in 1..t.months {
            for g in 0..t.groups {
                for s in 0..2 {
                    let before = t.active[t.cell(m - 1, g, s)] as i64;
                    let now = t.active[t.cell(m, g, s)] as i64;
                    let left = exits_in(&t, m - 1, g, s) as i64;
                    let came = t.entrants[t.cell(m, g, s)] as i64;
                    assert_eq!(
                        now,
                        before - left + came,
                        "seed {seed}, month {m}, group {g}, gender {s}"
                    );
                    assert!(left <= before, "more exits than participants");
                    assert!(
                        t.person_years_24[t.cell(m, g, s)] as i64 <= 2 * now,
                        "person-years above participant-months"
                    );
                }
            }
            let teams: u32 = t.team_active[m * t.teams..(m + 1) * t.teams].iter().sum();
            let cells: u32 = (0..t.groups)
                .flat_map(|g| (0..2).map(move |s| (g, s)))
                .map(|(g, s)| t.active[t.cell(m, g, s)])
                .sum();
            assert_eq!(teams, cells, "team caseloads add up to the programme's");
        }
    }
}

#[test]
fn participants_are_conserved_in_the_default_scenario() {
    check_conservation(&malmo(), 0..20);
}

#[test]
fn participants_are_conserved_with_a_cap_a_pause_and_a_warm_up() {
    for overflow in ["wait", "decline"] {
        let p = programme(&format!(
            r#"extends = "malmo"
[carry_over]
enabled = false
[calendar]
warmup_months = 6
[intake]
pauses = [{{ from = "2025-07", to = "2025-09" }}]
cap = {{ per_team = 60, overflow = "{overflow}" }}
"#
        ));
        check_conservation(&p, 0..10);
    }
}

/// Referrals at scheduled intakes are enrolled, declined or put on the waiting list: with
/// no continuous intake, entrants + declined + growth of the waiting list equal the
/// scheduled referrals of the month, 35 for each receiving team outside pauses.
#[test]
fn referrals_are_enrolled_declined_or_waiting() {
    for overflow in ["wait", "decline"] {
        let p = programme(&format!(
            r#"extends = "malmo"
initial = []
[intake]
pauses = [{{ from = "2025-07", to = "2025-07" }}]
cap = {{ per_team = 50, overflow = "{overflow}" }}
[intake.continuous.fk]
per_month = 0.0
"#
        ));
        let engine = Engine::new(&p);
        let mut ws = Workspace::default();
        let mut t = engine.trajectory();
        let mut saw_overflow = false;
        for seed in 0..5 {
            engine.run(seed, 0, &mut ws, &mut t);
            let mut waiting_before = 0i64;
            for m in 0..t.months {
                let receiving = (0..p.teams.len())
                    .filter(|&i| {
                        p.teams[i].takes_intake(m as i32)
                            && p.intake.scheduled(m as i32, i, p.teams.len())
                    })
                    .count() as i64;
                let referrals = if p.intake.paused(m as i32) {
                    0
                } else {
                    receiving * 35
                };
                let entrants: i64 = (0..t.groups)
                    .flat_map(|g| (0..2).map(move |s| (g, s)))
                    .map(|(g, s)| t.entrants[t.cell(m, g, s)] as i64)
                    .sum();
                let waiting = t.waiting[m] as i64;
                assert_eq!(
                    entrants + t.declined[m] as i64 + waiting - waiting_before,
                    referrals,
                    "{overflow}, seed {seed}, month {m}"
                );
                if overflow == "wait" {
                    assert_eq!(t.declined[m], 0);
                } else {
                    assert_eq!(waiting, 0);
                }
                saw_overflow |= t.declined[m] > 0 || waiting > 0;
                waiting_before = waiting;
            }
        }
        assert!(
            saw_overflow,
            "the cap of 50 must bind in this scenario ({overflow})"
        );
    }
}

/// The same scenario and seed give byte-identical results at 1 and 2 threads; 301
/// replications leave a ragged last block.
#[test]
fn results_do_not_depend_on_thread_count() {
    let p = malmo();
    assert!(
        p.draws_uncertainty(),
        "the default scenario exercises parameter draws"
    );
    let run = |threads| {
        to_json(
            &montecarlo::run(
                &p,
                &Plan {
                    replications: 301,
                    seed: 5,
                    threads: Some(threads),
                    ..Plan::default()
                },
                &|_| {},
            )
            .unwrap(),
        )
    };
    let one = run(1);
    assert_eq!(one, run(2));
    assert_eq!(one, run(1), "reproducible");
    let other_seed = to_json(
        &montecarlo::run(
            &p,
            &Plan {
                replications: 301,
                seed: 6,
                threads: Some(2),
                ..Plan::default()
            },
            &|_| {},
        )
        .unwrap(),
    );
    assert_ne!(one, other_seed, "the seed matters");
}

/// A replication's result depends only on (seed, index): running it alone gives the same
/// trajectory as running it after others in the same workspace.
#[test]
fn a_replication_depends_only_on_seed_and_index() {
    let p = malmo();
    let engine = Engine::new(&p);
    let mut t1 = engine.trajectory();
    let mut t2 = engine.trajectory();
    let mut ws = Workspace::default();
    engine.run(9, 3, &mut ws, &mut t1);
    let mut fresh = Workspace::default();
    for r in 0..3 {
        engine.run(9, r, &mut fresh, &mut t2);
    }
    engine.run(9, 3, &mut fresh, &mut t2);
    assert_eq!(t1, t2);
}
