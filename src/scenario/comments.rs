//! Every parameter of a scenario with the comment written next to it, for the report's
//! list of assumptions.
//!
//! The scenario files say where each value comes from in comments ("domain", "calibrated",
//! "assumption"). A line-based reading is enough for the files kraftsim documents: a
//! trailing `# comment` belongs to the key on its line; a block of comment lines directly
//! above a key or a `[table]` header belongs to it; a blank line ends a block.

use indexmap::IndexMap;

use super::Scenario;

/// One parameter of the resolved scenario.
#[derive(Debug, Clone, PartialEq)]
pub struct Parameter {
    /// Dotted key path (`groups.af_job.hazards.work`, `targets[0].at_least`).
    pub path: String,
    /// The value as TOML.
    pub value: String,
    /// The comment for it (or for the nearest enclosing table or key that has one).
    pub comment: String,
    /// The file the comment came from.
    pub source: String,
}

/// Comments by key path found in one file.
pub fn comments_of(text: &str) -> IndexMap<String, String> {
    let mut out = IndexMap::new();
    let mut table = String::new();
    let mut array_counts: IndexMap<String, usize> = IndexMap::new();
    let mut pending: Vec<String> = Vec::new();
    for line in text.lines() {
        let trimmed = line.trim();
        if trimmed.is_empty() {
            pending.clear();
            continue;
        }
        if let Some(c) = trimmed.strip_prefix('#') {
            pending.push(c.trim().to_string());
            continue;
        }
        let (code, trailing) = split_comment(trimmed);
        let code = code.trim();
        if let Some(name) = code.strip_prefix("[[").and_then(|r| r.strip_suffix("]]")) {
            let name = name.trim().to_string();
            let i = array_counts.entry(name.clone()).or_insert(0);
            table = format!("{name}[{i}]");
            if *i == 0 {
                // The block above the first entry describes them all.
                remember(&mut out, &name, &pending, None);
            }
            *i += 1;
            remember(&mut out, &table, &pending, trailing);
            pending.clear();
            continue;
        }
        if let Some(name) = code.strip_prefix('[').and_then(|r| r.strip_suffix(']')) {
            table = name.trim().to_string();
            remember(&mut out, &table, &pending, trailing);
            pending.clear();
            continue;
        }
        if let Some((key, _)) = code.split_once('=') {
            let key = key.trim().trim_matches('"');
            if !key.is_empty() && !key.contains(' ') {
                let path = if table.is_empty() {
                    key.to_string()
                } else {
                    format!("{table}.{key}")
                };
                remember(&mut out, &path, &pending, trailing);
            }
        }
        pending.clear();
    }
    out
}

fn remember(
    out: &mut IndexMap<String, String>,
    path: &str,
    pending: &[String],
    trailing: Option<&str>,
) {
    let mut parts: Vec<&str> = pending.iter().map(String::as_str).collect();
    if let Some(t) = trailing {
        parts.push(t);
    }
    let text = parts.join(" ");
    if !text.is_empty() {
        out.insert(path.to_string(), text);
    }
}

/// Splits a line at a `#` that is not inside a string.
fn split_comment(line: &str) -> (&str, Option<&str>) {
    let mut in_string = false;
    for (i, ch) in line.char_indices() {
        match ch {
            '"' => in_string = !in_string,
            '#' if !in_string => return (&line[..i], Some(line[i + 1..].trim())),
            _ => {}
        }
    }
    (line, None)
}

/// Every leaf value of the resolved scenario with its comment, in file order.
pub fn parameters(s: &Scenario) -> Vec<Parameter> {
    let per_source: Vec<(String, IndexMap<String, String>)> = s
        .sources
        .iter()
        .map(|(origin, text)| (origin.clone(), comments_of(text)))
        .collect();
    leaves(s)
        .into_iter()
        .map(|(path, value)| {
            let (comment, source) = find_comment(&per_source, &path);
            Parameter {
                path,
                value: value.to_string(),
                comment,
                source,
            }
        })
        .collect()
}

/// Every leaf value of the resolved scenario with its key path (arrays of tables are
/// indexed, `initial[0].count`; other arrays are one value).
pub fn leaves(s: &Scenario) -> Vec<(String, toml::Value)> {
    let mut out = Vec::new();
    flatten("", &toml::Value::Table(s.table.clone()), &mut out);
    out
}

/// The leaves that are numbers (integers or floats).
pub fn numeric_leaves(s: &Scenario) -> Vec<(String, toml::Value)> {
    leaves(s)
        .into_iter()
        .filter(|(_, v)| v.is_integer() || v.is_float())
        .collect()
}

fn flatten(prefix: &str, v: &toml::Value, out: &mut Vec<(String, toml::Value)>) {
    match v {
        toml::Value::Table(t) => {
            for (k, v) in t {
                let p = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                flatten(&p, v, out);
            }
        }
        toml::Value::Array(a) if a.iter().all(|x| x.is_table()) && !a.is_empty() => {
            for (i, x) in a.iter().enumerate() {
                flatten(&format!("{prefix}[{i}]"), x, out);
            }
        }
        other => out.push((prefix.to_string(), other.clone())),
    }
}

/// The comment for `path` in the first source (the scenario's own file first) that has
/// one for it or, failing that, for its nearest ancestor.
fn find_comment(sources: &[(String, IndexMap<String, String>)], path: &str) -> (String, String) {
    let mut candidate = path.to_string();
    loop {
        for (origin, comments) in sources {
            if let Some(c) = comments.get(&candidate) {
                return (c.clone(), origin.clone());
            }
        }
        match candidate.rfind(['.', '[']) {
            Some(i) => candidate.truncate(i),
            None => return (String::new(), String::new()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trailing_and_block_comments_attach_to_their_keys() {
        let text = "# a block\n# of two lines\n[teams]\ncount = 10   # ten teams\nroles = { a = 1 }  # \"hub\" roles\n\nstop = \"2027-01\"\n\n[[targets]]\n# first\nmetric = \"x\"\n[[targets]]\nmetric = \"y\" # second\n";
        let c = comments_of(text);
        assert_eq!(c["teams"], "a block of two lines");
        assert_eq!(c["teams.count"], "ten teams");
        assert_eq!(c["teams.roles"], "\"hub\" roles");
        assert!(!c.contains_key("teams.stop"));
        assert_eq!(c["targets[0].metric"], "first");
        assert_eq!(c["targets[1].metric"], "second");
    }

    #[test]
    fn the_default_scenario_says_where_values_come_from() {
        let s = crate::scenario::load_builtin("malmo").unwrap().unwrap();
        let p = parameters(&s);
        let count = p.iter().find(|p| p.path == "teams.count").unwrap();
        assert_eq!(count.value, "10");
        assert!(count.comment.starts_with("domain"), "{}", count.comment);
        // Leaves of inline tables inherit the comment of their key.
        let r = p
            .iter()
            .find(|p| p.path == "teams.roles.employment_officer")
            .unwrap();
        assert!(
            r.comment.contains("one AF employment officer"),
            "{}",
            r.comment
        );
        let with_comment = p.iter().filter(|p| !p.comment.is_empty()).count();
        assert!(with_comment * 2 >= p.len(), "{with_comment} of {}", p.len());
        let target = p.iter().find(|p| p.path == "targets[3].at_least").unwrap();
        assert!(
            target.comment.contains("communication plan"),
            "{}",
            target.comment
        );
    }
}
