//! `kraftsim calibrate`: hazards from the programme's own records (or aggregate counts),
//! written as a scenario fragment.

use std::path::{Path, PathBuf};

use crate::calibrate::{self, counts, Band, FitOptions};
use crate::output;
use crate::records::{self, Date};

/// What `calibrate` needs.
#[derive(Debug, Clone)]
pub struct CalibrateOptions {
    /// The records file.
    pub records: PathBuf,
    /// Separate rates by gender.
    pub by_gender: bool,
    /// Bands of months in the programme.
    pub bands: Vec<Band>,
    /// Start of observation.
    pub from: Option<Date>,
    /// End of observation.
    pub until: Option<Date>,
    /// Smallest number of people a shown cell may rest on.
    pub min_people: u32,
    /// Leave bad rows out (and count them) instead of stopping.
    pub skip_bad_rows: bool,
    /// A scenario the fragment refines (checked for the records' groups).
    pub extends: Option<String>,
    /// Where to write the fragment.
    pub out: PathBuf,
}

/// Reads the records, estimates, writes the fragment and returns the summary.
pub fn calibrate(o: &CalibrateOptions) -> anyhow::Result<String> {
    crate::output::protect(&o.records);
    let recs = records::read(&o.records, o.skip_bad_rows)?;
    let groups: Option<Vec<String>> = match &o.extends {
        Some(base) => {
            let s = super::load_named(Some(base))?;
            Some(s.programme.groups.iter().map(|g| g.name.clone()).collect())
        }
        None => None,
    };
    let options = FitOptions {
        by_gender: o.by_gender,
        bands: o.bands.clone(),
        from: o.from,
        until: o.until,
        min_people: o.min_people,
    };
    let fit = calibrate::fit(&recs, &options, groups.as_deref())
        .map_err(|e| anyhow::anyhow!("{}: {e}", o.records.display()))?;
    let extends = o.extends.as_deref().map(extends_value);
    let source = file_name(&o.records);
    let text = calibrate::fragment(&fit, &source, extends.as_deref());
    if extends.is_some() {
        // A fragment that extends a scenario is a scenario: prove it loads before writing.
        crate::scenario::load_text(&text, &o.out.display().to_string(), o.out.parent())
            .map_err(|e| anyhow::anyhow!("the calibrated scenario does not validate: {e}"))?;
    }
    output::write_all(&[(o.out.clone(), text.into_bytes())])?;
    let mut summary = calibrate::summary(&fit);
    if let Some(note) = recs.skipped_note() {
        summary.push_str(&format!("\n{note}\n"));
    }
    summary.push_str(&format!(
        "\nWrote the scenario fragment to {}.\n",
        o.out.display()
    ));
    Ok(summary)
}

/// What `calibrate --counts` needs.
#[derive(Debug, Clone)]
pub struct CountsOptions {
    /// The counts file.
    pub counts: PathBuf,
    /// The scenario whose hazard structure is fitted (and that the fragment extends).
    pub scenario: String,
    /// Where to write the fragment.
    pub out: PathBuf,
}

/// Fits group rates to aggregate counts, writes the fragment and returns the summary.
pub fn calibrate_counts(o: &CountsOptions) -> anyhow::Result<String> {
    let scenario = super::load_named(Some(&o.scenario))?;
    let p = &scenario.programme;
    let origin = o.counts.display().to_string();
    crate::output::protect(&o.counts);
    let text = std::fs::read_to_string(&o.counts)
        .map_err(|e| anyhow::anyhow!("cannot read {origin}: {e}"))?;
    let counts = counts::parse(&text, &origin, p).map_err(anyhow::Error::msg)?;
    let fit = counts::fit(p, &counts).map_err(|e| anyhow::anyhow!("{origin}: {e}"))?;
    let source = file_name(&o.counts);
    let fragment = counts::fragment(p, &fit, &source, Some(&extends_value(&o.scenario)));
    crate::scenario::load_text(&fragment, &o.out.display().to_string(), o.out.parent())
        .map_err(|e| anyhow::anyhow!("the calibrated scenario does not validate: {e}"))?;
    output::write_all(&[(o.out.clone(), fragment.into_bytes())])?;
    let mut summary = counts::summary(p, &counts, &fit);
    summary.push_str(&format!("\nWrote the scenario to {}.\n", o.out.display()));
    Ok(summary)
}

/// A file's name without its folder, as the fragment's comment names its source.
fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// The `extends` value that names `base` wherever the fragment is written: built-in names
/// as they are, files by absolute path.
fn extends_value(base: &str) -> String {
    let path = Path::new(base);
    if !path.exists() {
        return base.to_string();
    }
    std::fs::canonicalize(path)
        .map(|p| p.display().to_string())
        .unwrap_or_else(|_| base.to_string())
}
