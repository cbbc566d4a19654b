//! Command-line overrides: `--set teams.count=10`, `--set groups.fk.hazards.work=0.01`.
//!
//! An override writes one value at a dotted key path into the merged scenario table; the
//! result is then validated exactly like a file, so an unknown key or a bad value gives the
//! same message it would in the file, with the override named instead of a line.

use super::{raw_checked, validated, Scenario, ScenarioError};

/// Named tables whose entries an override may change but not create: a misspelt group or
/// role name must be an error, not a new, half-specified entry.
const NAMED_TABLES: [&str; 8] = [
    "groups",
    "support",
    "shocks",
    "attributes",
    "definitions",
    "teams.added",
    "intake.continuous",
    "costs.per_fte",
];

/// One `KEY=VALUE` override.
#[derive(Debug, Clone, PartialEq)]
pub struct Override {
    /// The argument as given (for messages).
    pub arg: String,
    /// Key path segments; a number indexes an array (`targets.0.at_least`).
    pub path: Vec<String>,
    /// The value: TOML if it parses as a TOML value, otherwise the text as a string.
    pub value: toml::Value,
}

impl Override {
    /// Parses `key.path=value`.
    pub fn parse(arg: &str) -> Result<Override, ScenarioError> {
        let bad = |message: String| ScenarioError::Override {
            arg: arg.to_string(),
            key: String::new(),
            message,
        };
        let (key, text) = arg
            .split_once('=')
            .ok_or_else(|| bad("expected KEY=VALUE, e.g. teams.count=10".into()))?;
        let path = split_key(key.trim());
        if path.first().is_some_and(|k| k == "extends") {
            return Err(bad(
                "the scenario a run starts from is its SCENARIO argument: `extends` cannot be \
                 changed with --set (write a file with extends = \"...\" and the changes)"
                    .into(),
            ));
        }
        if path.iter().any(|s| s.is_empty()) {
            return Err(bad(format!(
                "`{key}` is not a dotted key path such as groups.fk.hazards.work"
            )));
        }
        Ok(Override {
            arg: arg.to_string(),
            path,
            value: parse_value(text.trim()),
        })
    }

    /// The dotted key path.
    pub fn key(&self) -> String {
        self.path.join(".")
    }

    /// An override of `key` with an already typed value (used by sweeps and searches).
    pub fn typed(key: &str, value: toml::Value) -> Override {
        Override {
            arg: format!("{key}={value}"),
            path: key.split('.').map(str::to_string).collect(),
            value,
        }
    }

    /// Writes the value into `table`, creating missing tables on the way except entries
    /// of named tables (groups, roles, shocks, …), which must exist.
    pub fn apply(&self, table: &mut toml::Table) -> Result<(), ScenarioError> {
        let mut root = toml::Value::Table(std::mem::take(table));
        let result = self.set(&mut root);
        if let toml::Value::Table(t) = root {
            *table = t;
        }
        result
    }

    fn set(&self, root: &mut toml::Value) -> Result<(), ScenarioError> {
        let err = |depth: usize, message: String| ScenarioError::Override {
            arg: self.arg.clone(),
            key: self.path[..depth].join("."),
            message,
        };
        let mut node = root;
        for (depth, segment) in self.path.iter().enumerate() {
            let last = depth + 1 == self.path.len();
            node = match node {
                toml::Value::Table(t) => {
                    if !t.contains_key(segment) {
                        if let Some(named) = named_table(&self.path[..depth]) {
                            return Err(err(depth, unknown_entry(&named, segment, t)));
                        }
                        let fresh = if last {
                            self.value.clone()
                        } else {
                            toml::Value::Table(toml::Table::new())
                        };
                        t.insert(segment.clone(), fresh);
                    }
                    t.get_mut(segment).expect("present or just inserted")
                }
                toml::Value::Array(a) => index(a, segment).map_err(|m| err(depth, m))?,
                other => {
                    return Err(err(
                        depth,
                        format!("is a {}, not a table", other.type_str()),
                    ))
                }
            };
        }
        *node = self.value.clone();
        Ok(())
    }
}

/// The value of `text`: a TOML value (`10`, `0.5`, `true`, `[1, 2]`, `"x"`) if it parses as
/// one, otherwise the text itself as a string (`2025-03`, `rotating`).
fn parse_value(text: &str) -> toml::Value {
    format!("v = {text}")
        .parse::<toml::Table>()
        .ok()
        .and_then(|mut t| t.remove("v"))
        .unwrap_or_else(|| toml::Value::String(text.to_string()))
}

fn named_table(path: &[String]) -> Option<String> {
    let joined = path.join(".");
    NAMED_TABLES.contains(&joined.as_str()).then_some(joined)
}

fn unknown_entry(named: &str, key: &str, t: &toml::Table) -> String {
    let known: Vec<&str> = t.keys().map(String::as_str).collect();
    format!(
        "{named} has no entry `{key}`; known: {}",
        if known.is_empty() {
            "none".to_string()
        } else {
            known.join(", ")
        }
    )
}

fn index<'a>(a: &'a mut [toml::Value], segment: &str) -> Result<&'a mut toml::Value, String> {
    let len = a.len();
    let i: usize = segment.parse().map_err(|_| {
        format!(
            "is an array; index it with a number from 0 to {}",
            len.max(1) - 1
        )
    })?;
    a.get_mut(i)
        .ok_or_else(|| format!("has {len} entries; index {i} is out of range"))
}

/// The segments of a dotted key path as TOML writes it: bare (`groups.fk`) or quoted where a
/// segment has a dot or is to be read literally (`attributes.age.distribution."60-65"`). An
/// unterminated quote or an empty segment gives an empty segment, which the caller reports.
fn split_key(key: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = key;
    loop {
        rest = rest.trim_start();
        let (segment, after) = match rest.strip_prefix('"') {
            Some(quoted) => match quoted.find('"') {
                Some(end) => (quoted[..end].to_string(), quoted[end + 1..].trim_start()),
                None => (String::new(), ""),
            },
            None => {
                let end = rest.find('.').unwrap_or(rest.len());
                (rest[..end].trim().to_string(), &rest[end..])
            }
        };
        out.push(segment);
        match after.strip_prefix('.') {
            Some(next) => rest = next,
            None if after.is_empty() => return out,
            None => {
                out.push(String::new());
                return out;
            }
        }
    }
}

/// Applies overrides to a loaded scenario and validates the result.
pub fn apply_all(scenario: Scenario, overrides: &[Override]) -> Result<Scenario, ScenarioError> {
    if overrides.is_empty() {
        return Ok(scenario);
    }
    let mut table = scenario.table;
    for o in overrides {
        // A new intake distribution is a change of who enters: the hazards stay calibrated
        // on the scenario's (as with a variant, and a definition's share).
        let segments: Vec<&str> = o.path.iter().map(String::as_str).collect();
        if let ["attributes", name, "distribution" | "by_group", ..] = segments.as_slice() {
            super::anchor_attribute(&mut table, name);
        }
        o.apply(&mut table)?;
    }
    let args: Vec<&str> = overrides.iter().map(|o| o.arg.as_str()).collect();
    let origin = format!("{} with --set {}", scenario.origin, args.join(" --set "));
    // A wrong type or unknown key is reported against the override that put it there;
    // out-of-range values are listed like the file's problems, by key path.
    let raw = raw_checked(&table).map_err(|p| {
        let at = p.path.replace('[', ".").replace(']', "");
        match overrides
            .iter()
            .rev()
            .find(|o| at.starts_with(&o.key()) || o.key().starts_with(&at))
        {
            Some(o) => ScenarioError::Override {
                arg: o.arg.clone(),
                key: p.path.clone(),
                message: p.message.clone(),
            },
            None => ScenarioError::Invalid {
                origin: origin.clone(),
                problems: vec![p],
            },
        }
    })?;
    let programme = validated(&raw, &origin)?;
    Ok(Scenario {
        origin,
        table,
        programme,
        sources: scenario.sources,
    })
}

#[cfg(test)]
mod tests {
    use super::split_key;

    #[test]
    fn key_paths_split_like_toml_dotted_keys() {
        assert_eq!(
            split_key("groups.fk.hazards.work"),
            ["groups", "fk", "hazards", "work"]
        );
        assert_eq!(
            split_key("attributes.age.distribution.\"60-65\""),
            ["attributes", "age", "distribution", "60-65"]
        );
        assert_eq!(split_key("a.\"b.c\".d"), ["a", "b.c", "d"]);
        assert_eq!(split_key("a . b"), ["a", "b"]);
        assert!(
            split_key("a.\"b").iter().any(String::is_empty),
            "unterminated quote"
        );
        assert!(
            split_key("a.\"b\"c").iter().any(String::is_empty),
            "text after a quote"
        );
        assert!(split_key("a..b").iter().any(String::is_empty));
    }

    #[test]
    fn extends_cannot_be_set() {
        let err = super::Override::parse("extends=\"reference\"")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("`extends` cannot be changed with --set"),
            "{err}"
        );
    }
}
