//! Scenario files: reading TOML (with `extends` to refine a built-in or another file),
//! reporting syntax and type errors at file, line and column, and validating the result
//! into a [`Programme`](crate::model::Programme).
//!
//! Two stages, as in the rest of the pipeline: [`raw`] mirrors the file with serde and
//! rejects unknown fields; [`validate`] fills documented defaults and checks every value,
//! collecting all problems with their key paths before giving up.

pub mod comments;
pub mod overrides;
pub mod raw;
pub mod target_expr;
pub mod validate;

use std::fmt;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::model::Programme;
pub use overrides::Override;
use raw::RawScenario;

/// The embedded default scenario (Malmö 2025–2027).
pub const MALMO: &str = include_str!("../../scenarios/malmo-2025-2027.toml");
/// The embedded reference workload R1.
pub const REFERENCE: &str = include_str!("../../scenarios/reference.toml");
/// The embedded phase before the default scenario (Malmö 2023-09 – 2024-12), which the
/// default carries over from.
pub const MALMO_2023_2024: &str = include_str!("../../scenarios/malmo-2023-2024.toml");

/// The built-in scenarios a file may extend, by name.
pub const BUILTINS: [(&str, &str); 3] = [
    ("malmo", MALMO),
    ("reference", REFERENCE),
    ("malmo-2023-2024", MALMO_2023_2024),
];

/// Deepest `extends` chain followed before assuming a cycle.
const MAX_EXTENDS_DEPTH: usize = 8;
/// Longest chain of phases (`carry_over.from`) followed.
const MAX_PHASES: usize = 8;

/// One semantic problem in a scenario, located by its key path.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    /// Dotted key path, e.g. `groups.af_job.hazards.work`.
    pub path: String,
    /// What is wrong and what is allowed.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

/// Why a scenario could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    /// The file could not be read.
    #[error("cannot read scenario file {path}: {source}")]
    Read {
        /// Path as given.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The TOML is malformed or a value has the wrong type or an unknown key.
    #[error("{origin}:{line}:{column}: {message}{}", key_suffix(.key))]
    Syntax {
        /// File (or built-in name) the text came from.
        origin: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// Key path where the problem was found, if known.
        key: String,
        /// What is wrong.
        message: String,
    },
    /// `extends` names neither a built-in scenario nor a readable file.
    #[error("{origin}: extends = \"{name}\" is neither a built-in scenario ({}) nor a readable file ({reason})", builtin_names())]
    UnknownBase {
        /// File that said `extends`.
        origin: String,
        /// The value of `extends`.
        name: String,
        /// Why the file could not be read.
        reason: String,
    },
    /// A command-line override (`--set KEY=VALUE`) is malformed, addresses something that
    /// does not exist, or gives a value of the wrong type.
    #[error("--set {arg}: {message}{}", key_suffix(.key))]
    Override {
        /// The override as given.
        arg: String,
        /// Key path where the problem was found.
        key: String,
        /// What is wrong and what is allowed.
        message: String,
    },
    /// `carry_over.from` names neither a built-in scenario nor a readable file.
    #[error("{origin}: carry_over.from = \"{name}\" is neither a built-in scenario ({}) nor a readable file ({reason})", builtin_names())]
    UnknownPhase {
        /// File that said `carry_over`.
        origin: String,
        /// The value of `carry_over.from`.
        name: String,
        /// Why the file could not be read.
        reason: String,
    },
    /// The chain of previous phases is longer than kraftsim follows (most likely a cycle).
    #[error("{origin}: the chain of previous phases (carry_over.from) is longer than {MAX_PHASES}; is there a cycle?")]
    PhasesTooDeep {
        /// Scenario where the chain was cut.
        origin: String,
    },
    /// The `extends` chain is too deep (most likely a cycle).
    #[error("{origin}: the chain of `extends` is deeper than {MAX_EXTENDS_DEPTH} files; is there a cycle?")]
    ExtendsTooDeep {
        /// File where the chain was cut.
        origin: String,
    },
    /// Values are out of range or inconsistent; every problem is listed.
    #[error("{origin}: {} problem{} in the scenario:\n{}", .problems.len(), if .problems.len() == 1 { "" } else { "s" }, list(.problems))]
    Invalid {
        /// File (or built-in name).
        origin: String,
        /// Every problem found.
        problems: Vec<Problem>,
    },
}

/// The built-in scenarios' names, for messages.
fn builtin_names() -> String {
    BUILTINS.map(|(n, _)| n).join(", ")
}

fn key_suffix(key: &str) -> String {
    if key.is_empty() || key == "." {
        String::new()
    } else {
        format!(" (at key `{key}`)")
    }
}

fn list(problems: &[Problem]) -> String {
    problems
        .iter()
        .map(|p| format!("  - {p}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// A loaded and validated scenario.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// Where it came from (a path, or `built-in:malmo`).
    pub origin: String,
    /// The merged TOML after following `extends` (what `validate` prints).
    pub table: toml::Table,
    /// The validated programme.
    pub programme: Programme,
    /// The text of every file in the `extends` chain, the scenario's own first:
    /// (origin, text). Reports quote the comments written next to each value.
    pub sources: Vec<(String, String)>,
}

/// Loads and validates a scenario file.
pub fn load_path(path: &Path) -> Result<Scenario, ScenarioError> {
    let text = std::fs::read_to_string(path).map_err(|source| ScenarioError::Read {
        path: path.display().to_string(),
        source,
    })?;
    load_text(&text, &path.display().to_string(), path.parent())
}

/// Loads and validates a built-in scenario by name (`malmo`, `reference`).
pub fn load_builtin(name: &str) -> Option<Result<Scenario, ScenarioError>> {
    let text = BUILTINS.iter().find(|(n, _)| *n == name)?.1;
    Some(load_text(text, &format!("built-in:{name}"), None))
}

/// Loads and validates scenario text; `base_dir` resolves a relative `extends` path.
pub fn load_text(
    text: &str,
    origin: &str,
    base_dir: Option<&Path>,
) -> Result<Scenario, ScenarioError> {
    load_phase_text(text, origin, base_dir, 0)
}

/// [`load_text`] for a scenario `phase` steps back in a chain of carried-over phases.
fn load_phase_text(
    text: &str,
    origin: &str,
    base_dir: Option<&Path>,
    phase: usize,
) -> Result<Scenario, ScenarioError> {
    let mut sources = Vec::new();
    let table = merged_table(text, origin, base_dir, 0, &mut sources)?;
    let raw = raw_checked(&table).map_err(|problem| ScenarioError::Invalid {
        origin: origin.to_string(),
        problems: vec![problem],
    })?;
    let programme = validated_phase(&raw, origin, phase)?;
    Ok(Scenario {
        origin: origin.to_string(),
        table,
        programme,
        sources,
    })
}

/// Validates an already merged table (used after command-line overrides are applied).
pub fn programme_from_table(table: &toml::Table, origin: &str) -> Result<Programme, ScenarioError> {
    let raw = raw_checked(table).map_err(|problem| ScenarioError::Invalid {
        origin: origin.to_string(),
        problems: vec![problem],
    })?;
    validated(&raw, origin)
}

/// Reads a merged table into the raw mirror: a wrong type or an unknown key is a problem
/// at its key path.
pub(crate) fn raw_checked(table: &toml::Table) -> Result<RawScenario, Problem> {
    serde_path_to_error::deserialize(toml::Value::Table(table.clone())).map_err(
        |e: serde_path_to_error::Error<toml::de::Error>| Problem {
            path: e.path().to_string(),
            message: e.inner().message().to_string(),
        },
    )
}

/// Checks every value of a raw scenario, and loads and attaches its previous phase.
pub(crate) fn validated(raw: &RawScenario, origin: &str) -> Result<Programme, ScenarioError> {
    validated_phase(raw, origin, 0)
}

/// [`validated`] for a scenario `phase` steps back in a chain of phases.
fn validated_phase(
    raw: &RawScenario,
    origin: &str,
    phase: usize,
) -> Result<Programme, ScenarioError> {
    let invalid = |problems| ScenarioError::Invalid {
        origin: origin.to_string(),
        problems,
    };
    let mut programme = validate::validate(raw).map_err(invalid)?;
    let Some(from) = raw
        .carry_over
        .as_ref()
        .filter(|c| c.enabled.unwrap_or(true))
        .and_then(|c| c.from.clone())
    else {
        return Ok(programme);
    };
    if phase >= MAX_PHASES {
        return Err(ScenarioError::PhasesTooDeep {
            origin: origin.to_string(),
        });
    }
    let previous = match BUILTINS.iter().find(|(n, _)| *n == from) {
        Some((name, text)) => load_phase_text(text, &format!("built-in:{name}"), None, phase + 1)?,
        None => {
            // A relative path was resolved against the file naming it when it was read.
            let path = Path::new(&from);
            let text = std::fs::read_to_string(path).map_err(|e| ScenarioError::UnknownPhase {
                origin: origin.to_string(),
                name: from.clone(),
                reason: e.to_string(),
            })?;
            load_phase_text(&text, &from, path.parent(), phase + 1)?
        }
    };
    let problems = validate::carry_over_problems(&previous.programme, &programme, &from);
    if !problems.is_empty() {
        return Err(invalid(problems));
    }
    programme.carry_over = Some(Box::new(previous.programme));
    Ok(programme)
}

/// Parses `text`, checks its fields and types, follows `extends` and merges.
fn merged_table(
    text: &str,
    origin: &str,
    base_dir: Option<&Path>,
    depth: usize,
    sources: &mut Vec<(String, String)>,
) -> Result<toml::Table, ScenarioError> {
    if depth > MAX_EXTENDS_DEPTH {
        return Err(ScenarioError::ExtendsTooDeep {
            origin: origin.to_string(),
        });
    }
    // Deserialising the file on its own (not merged) keeps the spans, so type errors and
    // unknown keys point at a line and column of the file that has them.
    let de = toml::Deserializer::parse(text).map_err(|e| syntax(text, origin, "", &e))?;
    let raw: RawScenario = serde_path_to_error::deserialize(de)
        .map_err(|e| syntax(text, origin, &e.path().to_string(), e.inner()))?;
    let mut table: toml::Table = text
        .parse()
        .map_err(|e: toml::de::Error| syntax(text, origin, "", &e))?;
    sources.push((origin.to_string(), text.to_string()));
    // A previous phase given as a relative path is relative to the file that names it.
    if let Some(toml::Value::Table(carry)) = table.get_mut("carry_over") {
        if let Some(toml::Value::String(from)) = carry.get("from") {
            if !BUILTINS.iter().any(|(n, _)| n == from) {
                let path = base_dir.unwrap_or(Path::new(".")).join(from);
                carry.insert("from".into(), path.display().to_string().into());
            }
        }
    }
    let Some(base) = raw.extends else {
        return Ok(table);
    };
    table.remove("extends");
    let mut merged = if let Some((name, base_text)) = BUILTINS.iter().find(|(n, _)| *n == base) {
        merged_table(
            base_text,
            &format!("built-in:{name}"),
            None,
            depth + 1,
            sources,
        )?
    } else {
        let path: PathBuf = base_dir.unwrap_or(Path::new(".")).join(&base);
        let base_text = std::fs::read_to_string(&path).map_err(|e| ScenarioError::UnknownBase {
            origin: origin.to_string(),
            name: base.clone(),
            reason: e.to_string(),
        })?;
        merged_table(
            &base_text,
            &path.display().to_string(),
            path.parent(),
            depth + 1,
            sources,
        )?
    };
    anchor_attributes(&mut merged, &table);
    merge_into(&mut merged, table);
    Ok(merged)
}

/// Before `over` is merged into `base`: where `over` changes an attribute's intake
/// distribution but keeps its categories and multipliers, the groups' hazards stay
/// calibrated on `base`'s intake, so the change moves results the way a definition's
/// `share` does (who enters changes, the hazards do not follow).
fn anchor_attributes(base: &mut toml::Table, over: &toml::Table) {
    let Some(toml::Value::Table(attributes)) = over.get("attributes") else {
        return;
    };
    for (name, a) in attributes {
        let toml::Value::Table(a) = a else { continue };
        let intake = a.contains_key("distribution") || a.contains_key("by_group");
        let redefined = ["categories", "multipliers", "calibrated_on"]
            .iter()
            .any(|k| a.contains_key(*k));
        if intake && !redefined {
            anchor_attribute(base, name);
        }
    }
}

/// Records attribute `name`'s intake distribution in `base` as the one its hazards were
/// calibrated on (`calibrated_on`), unless it already names one.
pub(crate) fn anchor_attribute(base: &mut toml::Table, name: &str) {
    let Some(toml::Value::Table(attributes)) = base.get_mut("attributes") else {
        return;
    };
    let Some(toml::Value::Table(a)) = attributes.get_mut(name) else {
        return;
    };
    if a.contains_key("calibrated_on") {
        return;
    }
    let mut on = toml::Table::new();
    for key in ["distribution", "by_group"] {
        if let Some(v) = a.get(key) {
            on.insert(key.into(), v.clone());
        }
    }
    a.insert("calibrated_on".into(), toml::Value::Table(on));
}

/// Deep-merges `over` into `base`: tables merge key by key, anything else is replaced.
pub fn merge_into(base: &mut toml::Table, over: toml::Table) {
    for (key, value) in over {
        match (base.get_mut(&key), value) {
            (Some(toml::Value::Table(b)), toml::Value::Table(o)) => merge_into(b, o),
            (_, v) => {
                base.insert(key, v);
            }
        }
    }
}

fn syntax(text: &str, origin: &str, key: &str, e: &toml::de::Error) -> ScenarioError {
    let (line, column) = e
        .span()
        .map(|s| line_column(text, s.start))
        .unwrap_or((1, 1));
    ScenarioError::Syntax {
        origin: origin.to_string(),
        line,
        column,
        key: key.to_string(),
        message: e.message().trim().to_string(),
    }
}

/// 1-based line and column (in characters) of a byte offset.
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

/// Parses a raw table without validation (used by tests and overrides).
pub fn raw_from_table(table: &toml::Table) -> Result<RawScenario, String> {
    RawScenario::deserialize(toml::Value::Table(table.clone())).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtins_validate() {
        for (name, _) in BUILTINS {
            let s = load_builtin(name).unwrap();
            assert!(s.is_ok(), "{name}: {}", s.unwrap_err());
        }
    }

    #[test]
    fn syntax_error_has_line_and_column() {
        let text = "name = \"x\"\n[calendar]\nstart = 2025-01\nhorizon_months = = 3\n";
        let err = load_text(text, "bad.toml", None).unwrap_err().to_string();
        assert!(err.starts_with("bad.toml:"), "{err}");
        assert!(
            err.contains("bad.toml:3:") || err.contains("bad.toml:4:"),
            "{err}"
        );
    }

    #[test]
    fn unknown_field_names_key_and_position() {
        let text = "extends = \"reference\"\n[groups.af_job.hazards]\nwrk = 0.1\n";
        let err = load_text(text, "v.toml", None).unwrap_err().to_string();
        assert!(err.contains("v.toml:3:1"), "{err}");
        assert!(err.contains("wrk"), "{err}");
        assert!(err.contains("groups.af_job.hazards"), "{err}");
    }

    #[test]
    fn wrong_type_is_located() {
        let text = "extends = \"reference\"\n[intake]\nper_team = \"many\"\n";
        let err = load_text(text, "v.toml", None).unwrap_err().to_string();
        assert!(err.contains("v.toml:3:12"), "{err}");
        assert!(err.contains("intake.per_team"), "{err}");
    }

    #[test]
    fn extends_merges_tables_and_replaces_values() {
        let text = "extends = \"reference\"\nname = \"R1 with 10 teams\"\n[teams]\ncount = 10\n";
        let s = load_text(text, "v.toml", None).unwrap();
        assert_eq!(s.programme.teams.len(), 10);
        assert_eq!(s.programme.name, "R1 with 10 teams");
        assert_eq!(s.programme.groups.len(), 4);
        assert_eq!(s.programme.intake.per_team, 30);
    }

    #[test]
    fn unknown_base_is_reported() {
        let err = load_text("extends = \"nowhere\"\n", "v.toml", None)
            .unwrap_err()
            .to_string();
        assert!(err.contains("nowhere") && err.contains("built-in"), "{err}");
    }

    #[test]
    fn line_column_counts_characters() {
        assert_eq!(line_column("ab\ncdé f", 7), (2, 4));
    }
}
