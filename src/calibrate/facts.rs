//! Facts files: what is known about a past period, for `kraftsim fit`. Each fact is a
//! figure over a window of months (entrants, closures by cause, a caseload figure) or a
//! composition of closures (by cause, months stayed or an attribute's categories), either
//! of the whole programme or of a register that holds only some of the closures. Who the
//! register holds is a structural reading: the file lists the readings the facts allow,
//! and the fit is made under each.
//!
//! ```toml
//! [readings.cohort]
//! label = "the register holds the 2018 entrants' closures"
//! register = { cohort = "2018-02..2018-12", closed = "2018-02..2019-12", complete = true }
//!
//! [[facts]]
//! id = "positive_exits"
//! metric = "positive_exits"
//! window = "2018-02..2019-12"
//! value = 860
//!
//! [[facts]]
//! id = "register_stays"
//! sample = "register"
//! by = "stay"
//! shares = { "1-6" = 0.56, "7-12" = 0.41, "13-18" = 0.03, "19+" = 0.0 }
//! total = 1272
//!
//! [fit]
//! parameters = { positive = 0.75, other = 1.1, extension = 0.8 }
//! ```

use indexmap::IndexMap;
use serde::Deserialize;

use crate::model::calibration::Parameter;
use crate::model::{Metric, Programme};
use crate::stats::observe::{
    causes_of, Categories, Causes, Composition, Figure, Filter, Measure, MonthRange, ALL_CAUSES,
};

/// The facts file as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFacts {
    name: Option<String>,
    readings: Option<IndexMap<String, RawReading>>,
    facts: Vec<RawFact>,
    fit: Option<RawFit>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawReading {
    label: Option<String>,
    register: RawRegister,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRegister {
    cohort: Option<String>,
    closed: String,
    complete: Option<bool>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFact {
    id: String,
    label: Option<String>,
    source: Option<String>,
    metric: Option<String>,
    window: Option<String>,
    cohort: Option<String>,
    gender: Option<String>,
    group: Option<String>,
    sample: Option<String>,
    value: Option<f64>,
    by: Option<String>,
    among: Option<String>,
    counts: Option<IndexMap<String, f64>>,
    shares: Option<IndexMap<String, f64>>,
    total: Option<f64>,
    fit: Option<bool>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFit {
    parameters: IndexMap<String, f64>,
    replications: Option<u64>,
    draws: Option<usize>,
    unidentified: Option<IndexMap<String, Vec<f64>>>,
}

/// Who a register holds under one reading.
#[derive(Debug, Clone, PartialEq)]
pub struct Register {
    /// Identifier of the reading.
    pub id: String,
    /// What the reading says.
    pub label: String,
    /// Only participations that entered in these months (all where `None`).
    pub cohort: Option<MonthRange>,
    /// Closures in these months.
    pub closed: MonthRange,
    /// Whether it holds every such closure (its size is then a fact too) or a random
    /// sample of them.
    pub complete: bool,
}

/// What a fact observed.
#[derive(Debug, Clone, PartialEq)]
pub enum Observed {
    /// A figure: its measure, window (or the register's) and filter, and its value.
    Figure {
        /// What is measured.
        measure: Measure,
        /// The months, or `None` for the register's.
        window: Option<MonthRange>,
        /// Whose participations (the register's cohort is added under its reading).
        filter: Filter,
        /// The observed value.
        value: f64,
    },
    /// A composition of closures: counts per category.
    Composition {
        /// The categories.
        by: Categories,
        /// Their names, in order.
        names: Vec<String>,
        /// Closures for these causes only.
        among: Causes,
        /// The months, or `None` for the register's.
        window: Option<MonthRange>,
        /// The observed counts per category.
        counts: Vec<f64>,
    },
}

/// One fact.
#[derive(Debug, Clone, PartialEq)]
pub struct Fact {
    /// Identifier.
    pub id: String,
    /// What it says, for tables.
    pub label: String,
    /// Where it comes from.
    pub source: String,
    /// The observation.
    pub observed: Observed,
    /// Whether the fit uses it (otherwise it is only checked).
    pub fitted: bool,
}

impl Fact {
    /// The figure this fact observes under a reading of the register (`None` for the size
    /// of a register that is only a sample).
    pub fn figure(&self, register: &Register) -> Option<Figure> {
        let Observed::Figure {
            measure,
            window,
            filter,
            ..
        } = &self.observed
        else {
            return None;
        };
        match window {
            Some(w) => Some(Figure {
                measure: *measure,
                window: *w,
                filter: *filter,
            }),
            None if register.complete => Some(Figure {
                measure: *measure,
                window: register.closed,
                filter: Filter {
                    cohort: register.cohort,
                    ..*filter
                },
            }),
            None => None,
        }
    }

    /// The composition this fact observes under a reading of the register.
    pub fn composition(&self, register: &Register) -> Option<Composition> {
        let Observed::Composition {
            by, among, window, ..
        } = &self.observed
        else {
            return None;
        };
        Some(Composition {
            by: by.clone(),
            among: *among,
            window: window.unwrap_or(register.closed),
            filter: Filter {
                cohort: window.is_none().then_some(register.cohort).flatten(),
                ..Filter::default()
            },
        })
    }
}

/// What to fit.
#[derive(Debug, Clone, PartialEq)]
pub struct FitSpec {
    /// The fitted parameters and where the search starts.
    pub parameters: Vec<(Parameter, f64)>,
    /// Replications per evaluation of the likelihood.
    pub replications: u64,
    /// Posterior draws per reading.
    pub draws: usize,
    /// Parameters the facts cannot identify, and the values carried as readings.
    pub unidentified: Vec<(Parameter, Vec<f64>)>,
}

/// A facts file, read against a programme.
#[derive(Debug, Clone, PartialEq)]
pub struct Facts {
    /// Name of the period.
    pub name: String,
    /// The readings of who the register holds (one, the whole programme, if none given).
    pub readings: Vec<Register>,
    /// The facts.
    pub facts: Vec<Fact>,
    /// What to fit.
    pub fit: FitSpec,
}

/// Reads a facts file; `p` is the programme of the period (its calendar places the months,
/// its attributes name the categories). Every problem names the file and the fact.
pub fn parse(text: &str, origin: &str, p: &Programme) -> Result<Facts, String> {
    let raw: RawFacts = toml::from_str(text).map_err(|e| {
        let at = e
            .span()
            .map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1)
            .unwrap_or(1);
        format!("{origin}:{at}: {}", e.message())
    })?;
    let cal = &p.calendar;
    let simulated = MonthRange {
        first: -(cal.warmup as i32),
        last: cal.horizon as i32 - 1,
    };
    let window = |what: &str, s: &str| {
        let w = MonthRange::parse(s, cal).map_err(|e| format!("{origin}: {what}: {e}"))?;
        if w.first < simulated.first || w.last > simulated.last {
            return Err(format!(
                "{origin}: {what}: \"{s}\" is outside the simulated months ({}): the scenario \
                 must cover the facts' period (calendar.start, horizon_months, warmup_months)",
                simulated.display(cal)
            ));
        }
        Ok(w)
    };
    let mut readings = Vec::new();
    for (id, r) in raw.readings.iter().flatten() {
        let at = format!("readings.{id}.register");
        readings.push(Register {
            id: id.clone(),
            label: r.label.clone().unwrap_or_default(),
            cohort: r
                .register
                .cohort
                .as_deref()
                .map(|c| window(&format!("{at}.cohort"), c))
                .transpose()?,
            closed: window(&format!("{at}.closed"), &r.register.closed)?,
            complete: r.register.complete.unwrap_or(false),
        });
    }
    if readings.is_empty() {
        readings.push(Register {
            id: "fitted".into(),
            label: "the whole programme".into(),
            cohort: None,
            closed: simulated,
            complete: true,
        });
    }
    let mut facts = Vec::new();
    for (i, f) in raw.facts.iter().enumerate() {
        let at = format!("{origin}: facts[{i}] ({})", f.id);
        facts.push(fact(f, &at, p, &window)?);
    }
    let rf = raw
        .fit
        .ok_or_else(|| format!("{origin}: no [fit] table: say which parameters to fit"))?;
    let parameter = |id: &str| {
        Parameter::from_id(id).ok_or_else(|| {
            format!(
                "{origin}: fit: \"{id}\" is not a parameter: use {}",
                Parameter::ALL.map(|p| p.id()).join(", ")
            )
        })
    };
    let parameters = rf
        .parameters
        .iter()
        .map(|(id, &v)| Ok((parameter(id)?, v)))
        .collect::<Result<Vec<_>, String>>()?;
    if parameters.is_empty() {
        return Err(format!("{origin}: fit.parameters is empty"));
    }
    let unidentified = rf
        .unidentified
        .iter()
        .flatten()
        .map(|(id, values)| Ok((parameter(id)?, values.clone())))
        .collect::<Result<Vec<_>, String>>()?;
    Ok(Facts {
        name: raw.name.unwrap_or_else(|| origin.to_string()),
        readings,
        facts,
        fit: FitSpec {
            parameters,
            replications: rf.replications.unwrap_or(2000).clamp(50, 1_000_000),
            draws: rf.draws.unwrap_or(40).clamp(1, 10_000),
            unidentified,
        },
    })
}

/// One fact from its raw form.
fn fact(
    f: &RawFact,
    at: &str,
    p: &Programme,
    window: &dyn Fn(&str, &str) -> Result<MonthRange, String>,
) -> Result<Fact, String> {
    let register = match f.sample.as_deref() {
        None => false,
        Some("register") => true,
        Some(other) => {
            return Err(format!(
                "{at}: sample = \"{other}\": the only sample is \"register\""
            ))
        }
    };
    let win = match (&f.window, register) {
        (Some(w), false) => Some(window(at, w)?),
        (None, true) => None,
        (None, false) => {
            return Err(format!(
                "{at}: give a window (YYYY-MM..YYYY-MM) or sample = \"register\""
            ))
        }
        (Some(_), true) => {
            return Err(format!(
                "{at}: a register fact takes its window from the reading; drop window"
            ))
        }
    };
    let gender = match f.gender.as_deref() {
        None => None,
        Some(g) => Some(
            crate::records::parse_gender(g)
                .ok_or_else(|| format!("{at}: gender \"{g}\": use women or men"))?,
        ),
    };
    let group = match f.group.as_deref() {
        None => None,
        Some(g) => Some(p.groups.iter().position(|x| x.name == g).ok_or_else(|| {
            let names: Vec<&str> = p.groups.iter().map(|x| x.name.as_str()).collect();
            format!(
                "{at}: group \"{g}\" is not a group of the scenario: use {}",
                names.join(", ")
            )
        })?),
    };
    let cohort = f.cohort.as_deref().map(|c| window(at, c)).transpose()?;
    let observed = match (&f.metric, &f.by) {
        (Some(metric), None) => {
            let m = Metric::from_id(metric)
                .ok_or_else(|| format!("{at}: unknown metric \"{metric}\""))?;
            let measure = Measure::of_metric(m)
                .ok_or_else(|| format!("{at}: {metric} cannot be measured on participations (budget and cost need the run's records)"))?;
            let value = f
                .value
                .ok_or_else(|| format!("{at}: a figure needs a value"))?;
            Observed::Figure {
                measure,
                window: win,
                filter: Filter {
                    cohort,
                    gender,
                    group,
                },
                value,
            }
        }
        (None, Some(by)) => composition(f, by, at, p, win)?,
        _ => {
            return Err(format!(
                "{at}: give either metric (a figure) or by (a composition)"
            ))
        }
    };
    Ok(Fact {
        id: f.id.clone(),
        label: f.label.clone().unwrap_or_else(|| f.id.clone()),
        source: f.source.clone().unwrap_or_default(),
        observed,
        fitted: f.fit.unwrap_or(true),
    })
}

/// A composition fact: its categories, the counts per category (given, or shares of a
/// total) and the causes it is among.
fn composition(
    f: &RawFact,
    by: &str,
    at: &str,
    p: &Programme,
    window: Option<MonthRange>,
) -> Result<Observed, String> {
    let given: IndexMap<String, f64> = match (&f.counts, &f.shares, f.total) {
        (Some(c), None, _) => c.clone(),
        (None, Some(s), Some(total)) => s.iter().map(|(k, v)| (k.clone(), v * total)).collect(),
        (None, Some(_), None) => {
            return Err(format!(
                "{at}: shares need a total (the number of closures they are shares of)"
            ))
        }
        _ => return Err(format!("{at}: give counts, or shares and a total")),
    };
    if given.values().any(|v| !v.is_finite() || *v < 0.0) {
        return Err(format!(
            "{at}: counts and shares must be finite and not negative"
        ));
    }
    let among = match f.among.as_deref() {
        None => ALL_CAUSES,
        Some(c) => causes_of(c).ok_or_else(|| format!("{at}: among = \"{c}\" is not a cause"))?,
    };
    let (categories, names): (Categories, Vec<String>) = match by {
        "cause" => {
            let mut groups = Vec::new();
            let mut named = [false; crate::model::EXIT_CAUSES];
            for k in given.keys().filter(|k| *k != "rest") {
                let c = causes_of(k)
                    .ok_or_else(|| format!("{at}: \"{k}\" is not a cause (or rest)"))?;
                for (n, &x) in named.iter_mut().zip(&c) {
                    *n |= x;
                }
                groups.push(c);
            }
            if given.contains_key("rest") {
                groups.push(named.map(|n| !n));
            }
            (
                Categories::Causes(groups),
                given
                    .keys()
                    .filter(|k| *k != "rest")
                    .chain(given.keys().filter(|k| *k == "rest"))
                    .cloned()
                    .collect(),
            )
        }
        "stay" => (
            Categories::Stays,
            ["1-6", "7-12", "13-18", "19+"].map(String::from).to_vec(),
        ),
        attribute => {
            let a = p
                .attributes
                .iter()
                .position(|a| a.id == attribute)
                .ok_or_else(|| format!("{at}: by = \"{attribute}\" is neither cause, stay nor an attribute of the scenario"))?;
            let names = p.attributes[a].categories.clone();
            (Categories::Attribute(a, names.len()), names)
        }
    };
    let counts = names
        .iter()
        .map(|n| {
            given.get(n).copied().ok_or_else(|| {
                format!(
                    "{at}: no count or share for \"{n}\" (give every category: {})",
                    names.join(", ")
                )
            })
        })
        .collect::<Result<Vec<f64>, String>>()?;
    if given.len() != names.len() {
        let unknown: Vec<&String> = given.keys().filter(|k| !names.contains(k)).collect();
        return Err(format!(
            "{at}: unknown categories {unknown:?}: the categories are {}",
            names.join(", ")
        ));
    }
    Ok(Observed::Composition {
        by: categories,
        names,
        among,
        window,
        counts,
    })
}
