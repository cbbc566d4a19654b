//! The HTML report and charts from the command line: files written, both languages, the
//! Swedish CSV dialect, and the report rendered by headless Chromium.

use std::path::{Path, PathBuf};
use std::process::Command as Process;

use assert_cmd::Command;
use predicates::str::contains;

fn kraftsim() -> Command {
    Command::cargo_bin("kraftsim").unwrap()
}

#[test]
fn run_writes_report_charts_and_swedish_csv() {
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("rapport.html");
    kraftsim()
        .args([
            "run",
            "--reps",
            "200",
            "--lang",
            "sv",
            "--csv-dialect",
            "excel-sv",
            "--report",
        ])
        .arg(&report)
        .arg("--charts")
        .arg(dir.path().join("charts"))
        .arg("--out")
        .arg(dir.path().join("out"))
        .assert()
        .success();
    let page = std::fs::read_to_string(&report).unwrap();
    assert!(page.starts_with("<!DOCTYPE html>"));
    assert!(page.contains("<html lang=\"sv\">"));
    assert!(page.contains("Nås målen?"));
    assert!(page.contains("avslut mot arbete eller studier"));
    assert!(page.contains("årsplatser"));
    assert!(page.contains("Stegrande mål"));
    assert_eq!(page.matches("<svg").count(), 9, "every chart inline");
    for chart in [
        "cumulative-positive-exits",
        "distribution-2025",
        "distribution-2027",
        "target-probabilities",
        "escalating-goals",
        "active-caseload",
        "gender-positive-exits",
        "gender-positive-share",
    ] {
        for ext in ["svg", "png"] {
            let p = dir.path().join("charts").join(format!("{chart}.{ext}"));
            assert!(p.exists(), "{}", p.display());
        }
    }
    let annual = std::fs::read(dir.path().join("out/annual.csv")).unwrap();
    assert_eq!(&annual[..3], "\u{feff}".as_bytes(), "byte-order mark");
    let text = String::from_utf8(annual[3..].to_vec()).unwrap();
    assert!(text.starts_with("year;metric;gender;mean;sd;p5;p50;p95\n"));
    let row = text.lines().nth(1).unwrap();
    assert!(
        row.contains(',') && !row.contains('.'),
        "decimal comma: {row}"
    );
}

#[test]
fn the_english_report_is_the_default() {
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("report.html");
    kraftsim()
        .args(["run", "reference", "--reps", "100", "--report"])
        .arg(&report)
        .assert()
        .success()
        .stdout(contains("Targets"));
    let page = std::fs::read_to_string(&report).unwrap();
    assert!(page.contains("<html lang=\"en\">"));
    assert!(page.contains("Will the targets be reached?"));
    assert!(page.contains("reached in"));
}

fn chromium() -> Option<PathBuf> {
    ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .find_map(|name| {
            std::env::var_os("PATH")?
                .to_str()?
                .split(':')
                .map(|d| Path::new(d).join(name))
                .find(|p| p.is_file())
        })
}

/// Renders the report in headless Chromium and checks the screenshot shows a page with
/// charts, not a blank one. Skipped when Chromium is absent unless
/// `KRAFTSIM_REQUIRE_CHROMIUM` is set (CI sets it after installing Chromium).
#[test]
fn the_report_renders_in_headless_chromium() {
    let Some(browser) = chromium() else {
        assert!(
            std::env::var_os("KRAFTSIM_REQUIRE_CHROMIUM").is_none(),
            "Chromium is required but not installed"
        );
        eprintln!("skipped: Chromium is not installed");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("report.html");
    kraftsim()
        .args(["run", "--reps", "300", "--report"])
        .arg(&report)
        .assert()
        .success();
    let shot = dir.path().join("shot.png");
    let status = Process::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            "--window-size=1280,1600",
        ])
        .arg(format!(
            "--user-data-dir={}",
            dir.path().join("profile").display()
        ))
        .arg(format!("--screenshot={}", shot.display()))
        .arg(format!("file://{}", report.display()))
        .output()
        .expect("Chromium starts");
    assert!(
        shot.exists(),
        "no screenshot: {}",
        String::from_utf8_lossy(&status.stderr)
    );
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(&shot).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).unwrap();
    let channels = info.color_type.samples();
    let pixels: Vec<&[u8]> = buf[..info.buffer_size()].chunks(channels).collect();
    let ink = pixels
        .iter()
        .filter(|p| p[..3].iter().any(|&c| c < 200))
        .count();
    let blue = pixels
        .iter()
        .filter(|p| p[2] > 120 && p[0] < 90 && p[1] < 140)
        .count();
    assert!(
        ink * 100 > pixels.len() * 3,
        "mostly blank: {ink} of {} pixels inked",
        pixels.len()
    );
    assert!(
        blue > 2_000,
        "no chart colour on the first screen ({blue} blue pixels)"
    );
}
