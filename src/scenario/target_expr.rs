//! Targets written on the command line: `positive_exits>=450@2027`,
//! `positive_exits:women>=200@2026`, `positive_exits>=1200@2025-2027` (cumulative),
//! `budget_sek<=60e6@2026`, optionally wrapped as `P(...)`.
//!
//! An expression becomes the same table as a `[[targets]]` entry and is validated by the
//! scenario validator, so a misspelt metric or a year outside the horizon gives the
//! message the file would.

use super::{programme_from_table, Scenario, ScenarioError};
use crate::model::Target;

/// Parses an expression into a `[[targets]]` table (not yet validated).
pub fn parse(expr: &str) -> Result<toml::Table, String> {
    let text = expr.trim();
    let text = text
        .strip_prefix("P(")
        .and_then(|t| t.strip_suffix(')'))
        .unwrap_or(text);
    let (lhs, direction, rest) = ["≥", ">=", "≤", "<="]
        .iter()
        .find_map(|op| {
            text.split_once(op).map(|(l, r)| {
                let d = if op.contains('>') || *op == "≥" {
                    "at_least"
                } else {
                    "at_most"
                };
                (l.trim(), d, r.trim())
            })
        })
        .ok_or_else(|| {
            format!("`{expr}`: expected METRIC>=VALUE@YEAR, e.g. positive_exits>=450@2027")
        })?;
    let (value, years) = rest
        .split_once('@')
        .ok_or_else(|| format!("`{expr}`: say which year with @YEAR, e.g. @2027 or @2025-2027"))?;
    let (metric, gender) = match lhs.split_once(':') {
        Some((m, g)) => (m.trim(), Some(g.trim())),
        None => (lhs, None),
    };
    let number: f64 = value
        .trim()
        .replace('_', "")
        .parse()
        .map_err(|_| format!("`{expr}`: `{}` is not a number", value.trim()))?;
    let years = parse_years(years.trim()).map_err(|m| format!("`{expr}`: {m}"))?;
    let mut t = toml::Table::new();
    t.insert("metric".into(), metric.into());
    if years.len() == 1 {
        t.insert("year".into(), years[0].into());
    } else {
        t.insert(
            "years".into(),
            toml::Value::Array(years.into_iter().map(toml::Value::from).collect()),
        );
    }
    t.insert(direction.into(), number.into());
    if let Some(g) = gender {
        t.insert("gender".into(), g.into());
    }
    t.insert("label".into(), canonical(text).into());
    Ok(t)
}

/// `2027`, `2025-2027` / `2025..2027` (inclusive), or `2025,2027`.
fn parse_years(text: &str) -> Result<Vec<i64>, String> {
    let year = |s: &str| {
        s.trim()
            .parse::<i64>()
            .map_err(|_| format!("`{}` is not a year", s.trim()))
    };
    if let Some((a, b)) = text.split_once("..").or_else(|| text.split_once('-')) {
        let (a, b) = (year(a)?, year(b)?);
        if b < a || b - a > 200 {
            return Err(format!("{a}–{b} is not a range of years"));
        }
        return Ok((a..=b).collect());
    }
    text.split(',').map(year).collect()
}

/// The expression without spaces or a `P(…)` wrapper, used as its label and column name.
fn canonical(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

/// Resolves target expressions against a scenario (its metrics, years and genders) with
/// the scenario validator.
pub fn resolve(scenario: &Scenario, exprs: &[String]) -> Result<Vec<Target>, ScenarioError> {
    let mut tables = Vec::new();
    for e in exprs {
        tables.push(toml::Value::Table(parse(e).map_err(|message| {
            ScenarioError::Override {
                arg: format!("target {e}"),
                key: String::new(),
                message,
            }
        })?));
    }
    let mut table = scenario.table.clone();
    table.insert("targets".into(), toml::Value::Array(tables));
    let programme = programme_from_table(&table, &scenario.origin).map_err(|e| match e {
        ScenarioError::Invalid { problems, .. } => {
            let messages: Vec<String> = problems
                .iter()
                .map(|p| {
                    let i = p
                        .path
                        .strip_prefix("targets[")
                        .and_then(|r| r.split(']').next())
                        .and_then(|i| i.parse::<usize>().ok());
                    match i.and_then(|i| exprs.get(i)) {
                        Some(expr) => format!("target `{expr}`: {}", p.message),
                        None => p.to_string(),
                    }
                })
                .collect();
            ScenarioError::Override {
                arg: "target".into(),
                key: String::new(),
                message: messages.join("; "),
            }
        }
        other => other,
    })?;
    Ok(programme.targets)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_single_cumulative_and_gendered_targets() {
        let t = parse("positive_exits>=450@2027").unwrap();
        assert_eq!(t["metric"].as_str(), Some("positive_exits"));
        assert_eq!(t["year"].as_integer(), Some(2027));
        assert_eq!(t["at_least"].as_float(), Some(450.0));
        let t = parse("P(positive_exits:women >= 200 @ 2025-2027)").unwrap();
        assert_eq!(t["years"].as_array().unwrap().len(), 3);
        assert_eq!(t["gender"].as_str(), Some("women"));
        let t = parse("budget_sek<=6e7@2026").unwrap();
        assert_eq!(t["at_most"].as_float(), Some(6e7));
    }

    #[test]
    fn explains_what_is_wrong() {
        assert!(parse("positive_exits=450@2027")
            .unwrap_err()
            .contains("expected"));
        assert!(parse("positive_exits>=450").unwrap_err().contains("@YEAR"));
        assert!(parse("positive_exits>=many@2027")
            .unwrap_err()
            .contains("not a number"));
    }

    #[test]
    fn resolves_with_the_scenario_validator() {
        let s = crate::scenario::load_builtin("malmo").unwrap().unwrap();
        let t = resolve(&s, &["positive_exits>=450@2027".into()]).unwrap();
        assert_eq!(t.len(), 1);
        assert_eq!(t[0].years, vec![2027]);
        let err = resolve(&s, &["positive_exit>=450@2027".into()])
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("positive_exit>=450@2027") && err.contains("metric"),
            "{err}"
        );
        let err = resolve(&s, &["positive_exits>=450@2031".into()])
            .unwrap_err()
            .to_string();
        assert!(err.contains("outside the horizon"), "{err}");
    }
}
