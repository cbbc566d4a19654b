//! The `kraftsim` binary as a user runs it: default run, JSON, CSV files, `validate`, and
//! errors for bad input (message, non-zero exit, nothing written).

use assert_cmd::Command;
use predicates::prelude::*;
use predicates::str::contains;

fn kraftsim() -> Command {
    Command::cargo_bin("kraftsim").unwrap()
}

fn write(dir: &tempfile::TempDir, name: &str, text: &str) -> String {
    let p = dir.path().join(name);
    std::fs::write(&p, text).unwrap();
    p.display().to_string()
}

#[test]
fn run_on_the_default_scenario_shows_years_targets_and_escalating_goals() {
    kraftsim()
        .args(["run", "--reps", "200"])
        .assert()
        .success()
        .stdout(contains("Malmökraften 2025–2027"))
        .stdout(contains("Exits to work or studies"))
        .stdout(contains("  women"))
        .stdout(contains("  men"))
        .stdout(contains("positive_exits ≥ 350 in 2025"))
        .stdout(contains("positive_exits ≥ 450 in 2027"))
        .stdout(contains("positive_exits ≥ 1200 in 2025–2027 in total"))
        .stdout(contains("parameter uncertainty on"))
        .stdout(contains("rel +5"))
        .stdout(contains("pp  +3"));
}

#[test]
fn json_has_the_documented_shape() {
    let out = kraftsim()
        .args(["run", "--reps", "100", "--seed", "3", "--format", "json"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["replications"], 100);
    assert_eq!(v["seed"], 3);
    let years = v["years"].as_array().unwrap();
    assert_eq!(years.len(), 3);
    for y in years {
        for m in [
            "positive_exits",
            "positive_share",
            "work_exits",
            "studies_exits",
            "fk_samverkan",
            "other_exits",
            "time_limit_exits",
            "exits",
            "entrants",
            "person_years",
            "budget_sek",
            "cost_per_positive_exit",
        ] {
            let d = &y["metrics"][m];
            for k in ["mean", "sd", "p5", "p50", "p95"] {
                assert!(d[k].is_number(), "{m}.{k}");
                assert!(
                    d["women"][k].is_number() && d["men"][k].is_number(),
                    "{m} by gender"
                );
            }
        }
    }
    let cumulative = v["targets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["years"].is_array())
        .unwrap();
    assert_eq!(cumulative["years"], serde_json::json!([2025, 2026, 2027]));
    assert!(cumulative["probability"].is_number() && cumulative["se"].is_number());
}

#[test]
fn out_writes_every_csv_and_the_json() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("results");
    kraftsim()
        .args(["run", "--reps", "50", "--out"])
        .arg(&out)
        .assert()
        .success();
    for f in [
        "annual.csv",
        "monthly.csv",
        "teams.csv",
        "targets.csv",
        "groups.csv",
        "escalating_goals.csv",
        "summary.json",
    ] {
        let text = std::fs::read_to_string(out.join(f)).unwrap_or_else(|_| panic!("{f} written"));
        assert!(text.lines().count() > 1, "{f} has rows");
    }
    let monthly = std::fs::read_to_string(out.join("monthly.csv")).unwrap();
    assert!(monthly.starts_with("month,series,mean,p5,p25,p50,p75,p95\n2025-01,"));
    let names: Vec<_> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert!(
        names.iter().all(|n| !n.contains(".tmp-")),
        "no temporary files: {names:?}"
    );
}

#[test]
fn thread_count_does_not_change_the_output() {
    let run = |t: &str| {
        kraftsim()
            .args(["run", "--reps", "150", "--format", "json", "--threads", t])
            .output()
            .unwrap()
            .stdout
    };
    assert_eq!(run("1"), run("2"));
}

#[test]
fn validate_prints_the_resolved_scenario() {
    let dir = tempfile::tempdir().unwrap();
    let f = write(&dir, "v.toml", "extends = \"malmo\"\n[teams]\ncount = 8\n");
    kraftsim()
        .args(["validate", &f])
        .assert()
        .success()
        .stdout(contains("is valid"))
        .stdout(contains("10 teams"))
        .stdout(contains("count = 8"))
        .stdout(contains("[groups.af_job]"));
}

#[test]
fn syntax_errors_give_file_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let f = write(
        &dir,
        "broken.toml",
        "extends = \"malmo\"\n[calendar\nstart = \"2025-01\"\n",
    );
    kraftsim()
        .args(["run", &f, "--reps", "10"])
        .assert()
        .failure()
        .stderr(contains("Error: "))
        .stderr(contains("broken.toml:2:"));
}

#[test]
fn semantic_errors_list_every_problem_with_its_key() {
    let dir = tempfile::tempdir().unwrap();
    let f = write(
        &dir,
        "bad.toml",
        "extends = \"malmo\"\n[groups.fk]\nshare_women = 1.5\n[intake]\nmix = { af_job = 0.6, social_services = 0.35, ama = 0.15 }\n[[targets]]\nmetric = \"positive_exits\"\nyear = 2030\nat_least = 1\n",
    );
    kraftsim()
        .args(["validate", &f])
        .assert()
        .failure()
        .stderr(contains("3 problems"))
        .stderr(contains("groups.fk.share_women: 1.5 is not a probability"))
        .stderr(contains("intake.mix: shares sum to 1.1"))
        .stderr(contains("targets[0].year: 2030 is outside the horizon"));
}

#[test]
fn a_failed_run_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let bad = write(
        &dir,
        "bad.toml",
        "extends = \"malmo\"\n[calendar]\nhorizon_months = 0\n",
    );
    let out = dir.path().join("out");
    kraftsim()
        .args(["run", &bad, "--out"])
        .arg(&out)
        .assert()
        .failure()
        .stderr(contains("calendar.horizon_months"));
    assert!(!out.exists());
    // An output folder that cannot be created (a file stands in the way) fails cleanly.
    let blocker = write(&dir, "file", "x");
    kraftsim()
        .args(["run", "--reps", "10", "--out", &format!("{blocker}/sub")])
        .assert()
        .failure()
        .stderr(contains("cannot create output folder"));
}

/// No output replaces the command's own input, a device or a folder; a symlink is written
/// through and stays a link.
#[test]
fn outputs_never_replace_inputs_devices_or_folders() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = write(&dir, "sc.toml", "extends = \"reference\"\n");
    kraftsim()
        .args(["run", &scenario, "--reps", "10", "--report", &scenario])
        .assert()
        .failure()
        .stderr(contains("is one of this command's inputs"));
    assert_eq!(
        std::fs::read_to_string(&scenario).unwrap(),
        "extends = \"reference\"\n"
    );
    let records = dir.path().join("records.csv");
    kraftsim()
        .args(["synth", "reference", "--out"])
        .arg(&records)
        .assert()
        .success();
    let before = std::fs::read(&records).unwrap();
    kraftsim()
        .args(["calibrate"])
        .arg(&records)
        .arg("--out")
        .arg(&records)
        .assert()
        .failure()
        .stderr(contains("is one of this command's inputs"));
    assert_eq!(
        std::fs::read(&records).unwrap(),
        before,
        "the records are untouched"
    );
    kraftsim()
        .args(["run", "reference", "--reps", "10", "--report", "/dev/null"])
        .assert()
        .failure()
        .stderr(contains("not a regular file"));
    assert!(!std::fs::metadata("/dev/null").unwrap().is_file());
    kraftsim()
        .args(["run", "reference", "--reps", "10", "--report"])
        .arg(dir.path())
        .assert()
        .failure()
        .stderr(contains("is a folder"));
    let real = write(&dir, "real.html", "old");
    let link = dir.path().join("link.html");
    std::os::unix::fs::symlink(&real, &link).unwrap();
    kraftsim()
        .args(["run", "reference", "--reps", "10", "--quiet", "--report"])
        .arg(&link)
        .assert()
        .success();
    assert!(std::fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
    assert!(std::fs::read_to_string(&real)
        .unwrap()
        .starts_with("<!DOCTYPE html>"));
}

#[test]
fn missing_files_and_bad_arguments_are_errors() {
    kraftsim()
        .args(["run", "no-such-file.toml"])
        .assert()
        .failure()
        .stderr(contains("cannot read scenario file no-such-file.toml"));
    kraftsim()
        .args(["run", "--reps", "0"])
        .assert()
        .failure()
        .stderr(contains("--reps"));
    kraftsim()
        .args(["run", "--format", "xml"])
        .assert()
        .failure();
}

#[test]
fn builtin_names_run() {
    kraftsim()
        .args(["run", "reference", "--reps", "20"])
        .assert()
        .success()
        .stdout(contains("Reference workload R1").and(contains("positive_share ≥ 51.0% in 2025")));
}

/// A run killed while it simulates leaves the previous output files whole and no
/// temporary files behind: files are written to temporary names and renamed only at the end.
#[test]
fn an_interrupted_run_leaves_the_old_files() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    std::fs::create_dir(&out).unwrap();
    std::fs::write(out.join("annual.csv"), "old results\n").unwrap();
    let exe = assert_cmd::cargo::cargo_bin("kraftsim");
    let mut child = std::process::Command::new(exe)
        .args(["run", "--reps", "5000000", "--threads", "1", "--out"])
        .arg(&out)
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(400));
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(
        std::fs::read_to_string(out.join("annual.csv")).unwrap(),
        "old results\n"
    );
    let names: Vec<_> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 1, "{names:?}");
}

/// A reader that stops early (`kraftsim run | head`) ends the run quietly: no panic
/// message, exit code 0.
#[test]
fn a_closed_output_pipe_is_not_a_crash() {
    let exe = assert_cmd::cargo::cargo_bin("kraftsim");
    let mut child = std::process::Command::new(exe)
        .args(["--quiet", "run", "--reps", "2000", "--format", "json"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Closing the read end before the run prints makes its write fail with a broken pipe.
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(out.status.success(), "{:?}: {stderr}", out.status);
}

#[test]
fn set_overrides_work_on_run_and_validate_and_name_the_override_in_errors() {
    kraftsim()
        .args(["validate", "reference", "--set", "teams.count=10"])
        .assert()
        .success()
        .stdout(contains("10 teams"));
    kraftsim()
        .args([
            "run",
            "reference",
            "--reps",
            "20",
            "--set",
            "intake.per_team=many",
        ])
        .assert()
        .failure()
        .stderr(contains("--set intake.per_team=many: invalid type"))
        .stderr(contains("intake.per_team"));
    kraftsim()
        .args([
            "run",
            "reference",
            "--reps",
            "20",
            "--set",
            "groups.fk.share_women=2",
        ])
        .assert()
        .failure()
        .stderr(contains("groups.fk.share_women: 2 is not a probability"));
}

#[test]
fn compare_prints_paired_differences_and_writes_files() {
    let dir = tempfile::tempdir().unwrap();
    kraftsim()
        .args([
            "compare",
            "reference",
            "--variant",
            "better AF matching: groups.af_job.hazards.work=0.06",
            "--reps",
            "200",
            "--out",
        ])
        .arg(dir.path())
        .assert()
        .success()
        .stdout(contains("B − A"))
        .stdout(contains("better AF matching"))
        .stdout(contains("P(positive_exits>="))
        .stdout(contains("independent runs would give"));
    let csv = std::fs::read_to_string(dir.path().join("compare.csv")).unwrap();
    assert!(csv.starts_with("year,quantity,gender,kind,alternative,name,value,difference"));
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("compare.json")).unwrap()).unwrap();
    assert_eq!(json["alternatives"].as_array().unwrap().len(), 2);
}

#[test]
fn sweep_writes_one_row_per_point_and_year_and_heatmaps() {
    let dir = tempfile::tempdir().unwrap();
    kraftsim()
        .args([
            "sweep",
            "malmo",
            "--vary",
            "teams.count=9..10",
            "--vary",
            "intake.per_team=30,35",
            "--target",
            "positive_exits>=450@2027",
            "--reps",
            "64",
            "--csv-dialect",
            "excel-sv",
            "--out",
        ])
        .arg(dir.path())
        .assert()
        .success()
        .stdout(contains("P(positive_exits>=450@2027)"))
        .stdout(contains("budget MSEK/yr"));
    let csv = std::fs::read_to_string(dir.path().join("sweep.csv")).unwrap();
    // 4 points × 3 years, plus the header.
    assert_eq!(csv.lines().count(), 13, "{csv}");
    assert!(csv.starts_with("\u{feff}teams.count;intake.per_team;year;"));
    for f in ["sweep-probability", "sweep-cost"] {
        let svg = std::fs::read_to_string(dir.path().join(format!("{f}.svg"))).unwrap();
        assert!(svg.starts_with("<svg") && svg.contains("teams.count"));
        let png = std::fs::read(dir.path().join(format!("{f}.png"))).unwrap();
        assert_eq!(&png[1..4], b"PNG");
    }
    kraftsim()
        .args([
            "sweep",
            "reference",
            "--vary",
            "teams.cout=1..3",
            "--reps",
            "10",
        ])
        .assert()
        .failure()
        .stderr(contains("teams.cout"));
}

#[test]
fn size_gives_the_same_answer_whatever_the_order_of_a_value_list() {
    let answer = |over: &str| {
        let out = kraftsim()
            .args([
                "size",
                "scenarios/new-kraft-midsize.toml",
                "--target",
                "positive_exits>=150@2028",
            ])
            .args([
                "--confidence",
                "0.8",
                "--over",
                over,
                "--reps",
                "256",
                "--format",
                "json",
            ])
            .assert()
            .success();
        String::from_utf8(out.get_output().stdout.clone()).unwrap()
    };
    assert_eq!(answer("teams.count=1,8,4,2"), answer("teams.count=1,2,4,8"));
}

#[test]
fn size_answers_in_words_and_lists_what_it_evaluated() {
    kraftsim()
        .args([
            "size",
            "scenarios/new-kraft-midsize.toml",
            "--target",
            "positive_exits>=150@2028",
            "--confidence",
            "0.8",
            "--over",
            "teams.count=1..8",
            "--reps",
            "1024",
        ])
        .assert()
        .success()
        .stdout(contains("Answer: teams.count = "))
        .stdout(contains("Next cheaper: teams.count = "))
        .stdout(contains("MSEK per year"))
        .stdout(contains("Evaluated "));
    kraftsim()
        .args([
            "size",
            "reference",
            "--target",
            "positive_exits>=450@2027",
            "--over",
            "teams.count",
            "--confidence",
            "1.5",
        ])
        .assert()
        .failure()
        .stderr(contains("strictly between 0 and 1"));
}

#[test]
fn no_progress_bar_when_standard_error_is_not_a_terminal() {
    // assert_cmd captures standard error through a pipe: nothing may appear there, even
    // for a run long enough to show a bar on a terminal.
    kraftsim()
        .args(["run", "--reps", "3000", "--threads", "1"])
        .assert()
        .success()
        .stderr(predicates::str::is_empty());
    kraftsim()
        .args(["run", "reference", "--reps", "100", "--quiet"])
        .assert()
        .success()
        .stderr(predicates::str::is_empty());
}

#[test]
fn sensitivity_ranks_parameters_and_draws_a_tornado() {
    let dir = tempfile::tempdir().unwrap();
    kraftsim()
        .args([
            "sensitivity",
            "reference",
            "--metric",
            "P(positive_exits>=560@2027)",
            "--delta",
            "10%",
            "--only",
            "teams.count,groups.fk.hazards.work",
            "--reps",
            "200",
            "--out",
        ])
        .arg(dir.path())
        .assert()
        .success()
        .stdout(contains("sensitivity of P(positive_exits>=560@2027)"))
        .stdout(contains("teams.count"));
    let svg = std::fs::read_to_string(dir.path().join("tornado.svg")).unwrap();
    assert!(svg.contains("teams.count") && svg.contains("+10 %"));
    let csv = std::fs::read_to_string(dir.path().join("sensitivity.csv")).unwrap();
    assert_eq!(csv.lines().count(), 3);
    kraftsim()
        .args([
            "sensitivity",
            "reference",
            "--metric",
            "positive_exits@2027",
            "--only",
            "teams.cont",
            "--reps",
            "10",
        ])
        .assert()
        .failure()
        .stderr(contains("teams.cont"));
}

#[test]
fn shock_switches_on_a_named_shock_and_rejects_unknown_names() {
    let exits_2026 = |extra: &[&str]| {
        let out = kraftsim()
            .args(["run", "--reps", "300", "--format", "json"])
            .args(extra)
            .output()
            .unwrap();
        assert!(out.status.success());
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        v["years"][1]["metrics"]["positive_exits"]["mean"]
            .as_f64()
            .unwrap()
    };
    // The default's subsidy cut lowers AF-referred work exits by a fifth in 2026.
    assert!(exits_2026(&["--shock", "subsidy_cut"]) < exits_2026(&[]) - 20.0);
    kraftsim()
        .args(["run", "--reps", "10", "--shock", "pandemic"])
        .assert()
        .failure()
        .stderr(contains(
            "shocks has no entry `pandemic`; known: subsidy_cut, intake_stop, af_vacancy_wave",
        ));
}

#[test]
fn stress_compares_definitions_and_writes_its_files() {
    let dir = tempfile::tempdir().unwrap();
    kraftsim()
        .args([
            "stress",
            "--reps",
            "100",
            "--definition",
            "no_60_plus",
            "--set",
            "definitions.no_60_plus.ineligible=shrink",
            "--out",
        ])
        .arg(dir.path())
        .assert()
        .success()
        .stdout(contains("no_60_plus: Exclude people over 60"))
        .stdout(contains("[shrink]"))
        .stdout(contains("Share gap, women − men"))
        .stdout(contains("Referrals outside the target group"))
        .stdout(contains("P(positive_exits>=400@2026)"));
    let csv = std::fs::read_to_string(dir.path().join("stress.csv")).unwrap();
    assert!(csv.contains("positive_share_gap") && csv.contains("ineligible"));
    assert!(dir.path().join("stress.json").exists());
    // An unknown definition names the key and the known ones.
    kraftsim()
        .args(["stress", "--reps", "10", "--definition", "over_90"])
        .assert()
        .failure()
        .stderr(contains("definition: \"over_90\" is not defined"))
        .stderr(contains("no_60_plus"));
}

#[test]
fn run_with_a_definition_reports_attributes() {
    let dir = tempfile::tempdir().unwrap();
    kraftsim()
        .args(["run", "--reps", "100", "--definition", "over_30", "--out"])
        .arg(dir.path())
        .assert()
        .success()
        .stdout(contains("By participant attribute"))
        .stdout(contains("age 16-29"));
    let csv = std::fs::read_to_string(dir.path().join("attributes.csv")).unwrap();
    let young: Vec<&str> = csv
        .lines()
        .filter(|l| l.contains(",age,16-29,entrants,"))
        .collect();
    assert_eq!(young.len(), 3, "{csv}");
    for l in young {
        assert!(l.ends_with(",0,0,0"), "nobody under 30 enters: {l}");
    }
}

#[test]
fn synth_then_calibrate_writes_a_runnable_scenario_without_personal_data() {
    let dir = tempfile::tempdir().unwrap();
    let records = dir.path().join("records.csv");
    let fitted = dir.path().join("fitted.toml");
    kraftsim()
        .args(["synth", "reference", "--seed", "5", "--out"])
        .arg(&records)
        .assert()
        .success()
        .stdout(contains("synthetic participations"));
    kraftsim()
        .arg("calibrate")
        .arg(&records)
        .args(["--by", "group,gender", "--bands", "0-1,2-5,6+"])
        .args(["--extends", "reference", "--out"])
        .arg(&fitted)
        .assert()
        .success()
        .stdout(contains("women, months 0-1"))
        .stdout(contains("Wrote the scenario fragment"));
    let text = std::fs::read_to_string(&fitted).unwrap();
    assert!(text.contains("gender = \"women\", from = 0, to = 1"));
    assert!(!text.contains("S00"), "record ids never reach an output");
    kraftsim()
        .arg("run")
        .arg(&fitted)
        .args(["--reps", "50"])
        .assert()
        .success();
}

#[test]
fn calibrate_names_the_bad_row_or_skips_and_counts_it() {
    let dir = tempfile::tempdir().unwrap();
    let records = write(
        &dir,
        "r.csv",
        "id,entry,exit,cause,group,gender\n\
         1,2025-01-01,2025-03-05,work,af_job,women\n\
         2,2025-01-01,2025-02-30,work,af_job,men\n\
         3,2025-01-01,,,af_job,men\n",
    );
    let out = dir.path().join("fit.toml");
    kraftsim()
        .args(["calibrate", &records, "--out"])
        .arg(&out)
        .assert()
        .failure()
        .stderr(contains(
            "r.csv:3: column exit = \"2025-02-30\": not a date",
        ))
        .stderr(contains("--skip-bad-rows"));
    assert!(!out.exists(), "nothing written on error");
    kraftsim()
        .args([
            "calibrate",
            &records,
            "--skip-bad-rows",
            "--min-people",
            "1",
            "--out",
        ])
        .arg(&out)
        .assert()
        .success()
        .stdout(contains("1 bad row(s) left out"));
    kraftsim()
        .args(["calibrate", &records, "--by", "gender"])
        .assert()
        .failure()
        .stderr(contains("rates are always per group"));
}

#[test]
fn nowcast_and_backtest_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let records = dir.path().join("records.csv");
    kraftsim()
        .args(["synth", "reference", "--out"])
        .arg(&records)
        .assert()
        .success();
    kraftsim()
        .args([
            "run",
            "reference",
            "--as-of",
            "2025-06",
            "--reps",
            "200",
            "--state",
        ])
        .arg(&records)
        .assert()
        .success()
        .stdout(contains("as of the end of 2025-06"))
        .stdout(contains("positive_exits>=370@2025"))
        .stdout(contains("need "));
    kraftsim()
        .args(["run", "reference", "--as-of", "2029-06", "--state"])
        .arg(&records)
        .assert()
        .failure()
        .stderr(contains("outside the scenario's horizon"));
    let observed = write(
        &dir,
        "observed.csv",
        "year,metric,value,gender\n2025,positive_exits,380,\n2026,positive_share,0.4,women\n",
    );
    let out = dir.path().join("bt");
    kraftsim()
        .args([
            "backtest",
            "reference",
            "--observed",
            &observed,
            "--reps",
            "200",
            "--out",
        ])
        .arg(&out)
        .assert()
        .success()
        .stdout(contains("2026 positive_share women"))
        .stdout(contains("inside the 90 % interval"));
    for f in ["backtest.csv", "backtest.svg", "backtest.png"] {
        assert!(out.join(f).exists(), "{f}");
    }
    let bad = write(
        &dir,
        "bad.csv",
        "year,metric,value\n2031,positive_exits,3\n",
    );
    kraftsim()
        .args(["backtest", "reference", "--observed", &bad, "--reps", "10"])
        .assert()
        .failure()
        .stderr(contains(
            "bad.csv:2: column year = \"2031\": outside the simulated years",
        ));
}
