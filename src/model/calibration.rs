//! What a calibration leaves uncertain, as the scenario carries it: a set of draws from the
//! fit's posterior, each a value of every fitted parameter (and of the structural readings
//! the facts cannot decide between). Each replication runs with one draw, so target
//! probabilities include what the facts cannot pin down; the draws of one reading give the
//! probability under that reading.
//!
//! A parameter acts on the programme as a whole ([`Programme::with_draw`]): multipliers
//! of every group's hazards, the extension probability and second limit of the groups that
//! extend, and the pace of the extended (their hazards from the time limit on).

use super::{CauseFactors, ExitCause, Group, ProfileBand, Programme, HAZARD_CAUSES};

/// A parameter a calibration fits and its draws vary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Parameter {
    /// Multiplies every group's work, studies and fk_samverkan hazards.
    Positive,
    /// Multiplies every group's studies hazard (on top of `positive`).
    Studies,
    /// Multiplies every group's other hazard.
    Other,
    /// The extension probability of every group that extends at its time limit.
    Extension,
    /// Multiplies every hazard from the time limit on, in groups that extend: the pace of
    /// the extended.
    AfterLimit,
    /// The second limit (months) of every group that extends.
    SecondLimit,
}

impl Parameter {
    /// Every parameter.
    pub const ALL: [Parameter; 6] = [
        Parameter::Positive,
        Parameter::Studies,
        Parameter::Other,
        Parameter::Extension,
        Parameter::AfterLimit,
        Parameter::SecondLimit,
    ];

    /// The identifier in scenario and facts files.
    pub fn id(self) -> &'static str {
        match self {
            Parameter::Positive => "positive",
            Parameter::Studies => "studies",
            Parameter::Other => "other",
            Parameter::Extension => "extension",
            Parameter::AfterLimit => "after_limit",
            Parameter::SecondLimit => "second_limit",
        }
    }

    /// Looks a parameter up by identifier.
    pub fn from_id(id: &str) -> Option<Parameter> {
        Self::ALL.into_iter().find(|p| p.id() == id)
    }

    /// The values allowed, for validation.
    pub fn range(self) -> (f64, f64) {
        match self {
            Parameter::Extension => (0.0, 1.0),
            Parameter::SecondLimit => (2.0, 1200.0),
            _ => (1e-6, 100.0),
        }
    }
}

/// A structural reading: one way of reading the facts that they cannot rule out.
#[derive(Debug, Clone, PartialEq)]
pub struct Reading {
    /// Identifier.
    pub id: String,
    /// What it says, in a line.
    pub label: String,
}

/// One draw: the reading it belongs to and a value of every parameter.
#[derive(Debug, Clone, PartialEq)]
pub struct Draw {
    /// Index into [`Calibration::readings`].
    pub reading: usize,
    /// One value per parameter, in [`Calibration::parameters`] order.
    pub values: Vec<f64>,
}

/// The calibration's posterior draws.
#[derive(Debug, Clone, PartialEq)]
pub struct Calibration {
    /// Where the draws come from (the fit that made them), for reports.
    pub source: String,
    /// The parameters each draw gives.
    pub parameters: Vec<Parameter>,
    /// The structural readings.
    pub readings: Vec<Reading>,
    /// The draws (replication `i` uses draw `i mod len`).
    pub draws: Vec<Draw>,
}

impl Calibration {
    /// The reading of each draw.
    pub fn reading_of_draws(&self) -> Vec<usize> {
        self.draws.iter().map(|d| d.reading).collect()
    }
}

impl Programme {
    /// The programme with every parameter of draw `k` of its calibration applied (and no
    /// calibration left to apply), in its previous phases too: a replication runs every
    /// phase with the same rates.
    pub fn with_draw(&self, k: usize) -> Programme {
        let mut p = self.clone();
        let Some(c) = p.calibration.take() else {
            return p;
        };
        let mut phase = Some(&mut p);
        while let Some(q) = phase {
            q.calibration = None;
            for (&parameter, &value) in c.parameters.iter().zip(&c.draws[k].values) {
                q.adjust(parameter, value);
            }
            phase = q.carry_over.as_deref_mut();
        }
        p
    }

    /// Applies one parameter value to every group it acts on.
    pub fn adjust(&mut self, parameter: Parameter, value: f64) {
        for g in &mut self.groups {
            match parameter {
                Parameter::Positive => {
                    for k in 0..HAZARD_CAUSES {
                        if ExitCause::HAZARD[k].is_supported_outcome() {
                            g.hazards[k] *= value;
                        }
                    }
                }
                Parameter::Studies => g.hazards[ExitCause::Studies as usize] *= value,
                Parameter::Other => g.hazards[ExitCause::Other as usize] *= value,
                Parameter::Extension => {
                    if let Some(e) = &mut g.extension {
                        e.probability = value.clamp(0.0, 1.0);
                    }
                }
                Parameter::SecondLimit => {
                    if let Some(e) = &mut g.extension {
                        e.until = (value.round() as u32).max(g.max_duration + 1);
                    }
                }
                Parameter::AfterLimit => {
                    if g.extension.is_some() {
                        let from = g.max_duration;
                        scale_from(g, from, [value; HAZARD_CAUSES]);
                    }
                }
            }
        }
    }
}

/// Multiplies a group's profile by `factors` in every month from `from` on: bands that
/// straddle `from` are split there, and months no band covers get a band of their own.
fn scale_from(g: &mut Group, from: u32, factors: CauseFactors) {
    let mut bands: Vec<ProfileBand> = Vec::new();
    for b in g.profile.drain(..) {
        let ends_before = b.to.is_some_and(|t| t < from);
        if ends_before {
            bands.push(b);
            continue;
        }
        if b.from < from {
            bands.push(ProfileBand {
                to: Some(from - 1),
                ..b.clone()
            });
        }
        bands.push(ProfileBand {
            from: b.from.max(from),
            factors: std::array::from_fn(|k| b.factors[k] * factors[k]),
            ..b
        });
    }
    // Months from `from` on that no band of a gender covers take the factors alone.
    for gender in [None, Some(super::Gender::Woman), Some(super::Gender::Man)] {
        let covered = |d: u32, bands: &[ProfileBand]| {
            bands.iter().any(|b| {
                d >= b.from
                    && b.to.is_none_or(|t| d <= t)
                    && (b.gender.is_none() || gender.is_none() || b.gender == gender)
            })
        };
        // A band for both genders only where neither gender has one; per gender where one
        // gender has bands of its own.
        let gendered = bands.iter().any(|b| b.gender.is_some());
        if gender.is_none() == gendered {
            continue;
        }
        let mut d = from;
        let last = g.longest_stay().max(from + 1);
        while d < last {
            if covered(d, &bands) {
                d += 1;
                continue;
            }
            let start = d;
            while d < last && !covered(d, &bands) {
                d += 1;
            }
            bands.push(ProfileBand {
                gender,
                from: start,
                to: (d < last).then(|| d - 1),
                factors,
            });
        }
    }
    bands.sort_by_key(|b| (b.from, b.gender.map(|s| s as u8)));
    g.profile = bands;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Extension, Gender};

    fn group(profile: Vec<ProfileBand>) -> Group {
        Group {
            name: "g".into(),
            share_women: 0.5,
            hazards: [0.1; 4],
            women: [1.0; 4],
            men: [1.0; 4],
            profile,
            max_duration: 12,
            extension: Some(Extension {
                probability: 0.5,
                until: 24,
            }),
            uncertainty: [0.0; 4],
        }
    }

    /// Scaling from the time limit on multiplies exactly the months from it on, for every
    /// month and gender, whatever bands were there (none, one straddling the limit, one
    /// per gender).
    #[test]
    fn scaling_from_the_limit_changes_exactly_the_months_after_it() {
        let band = |gender, from, to, x: f64| ProfileBand {
            gender,
            from,
            to,
            factors: [x; 4],
        };
        for profile in [
            vec![],
            vec![band(None, 0, Some(1), 0.6), band(None, 6, None, 2.0)],
            vec![
                band(Some(Gender::Woman), 0, Some(15), 0.5),
                band(Some(Gender::Man), 3, None, 3.0),
            ],
        ] {
            let before = group(profile);
            let mut after = before.clone();
            scale_from(&mut after, 12, [0.1; 4]);
            for d in 0..30 {
                for s in Gender::ALL {
                    let (a, b) = (before.profile_at(d, s)[0], after.profile_at(d, s)[0]);
                    let want = if d >= 12 { a * 0.1 } else { a };
                    assert!((b - want).abs() < 1e-12, "month {d} {s:?}: {b} not {want}");
                }
            }
        }
    }

    /// Each parameter acts on what it names, in every group: the hazards it multiplies,
    /// the extension it sets (only where a group extends), the months after the limit.
    #[test]
    fn a_draw_sets_what_its_parameters_name() {
        let mut fixed = group(vec![]);
        fixed.extension = None;
        fixed.name = "fixed".into();
        let mut p = crate::scenario::load_text("extends = \"reference\"\n", "t", None)
            .unwrap()
            .programme;
        p.groups = vec![group(vec![]), fixed];
        p.calibration = Some(Calibration {
            source: String::new(),
            parameters: Parameter::ALL.to_vec(),
            readings: vec![Reading {
                id: "r".into(),
                label: String::new(),
            }],
            draws: vec![Draw {
                reading: 0,
                values: vec![0.5, 2.0, 3.0, 0.9, 0.25, 30.0],
            }],
        });
        let q = p.with_draw(0);
        assert!(q.calibration.is_none());
        let (extends, fixed) = (&q.groups[0], &q.groups[1]);
        for g in [extends, fixed] {
            assert_eq!(g.hazards, [0.05, 0.1, 0.05, 0.30000000000000004]);
        }
        assert_eq!(
            extends.extension,
            Some(Extension {
                probability: 0.9,
                until: 30
            })
        );
        assert_eq!(fixed.extension, None);
        assert_eq!(extends.profile_at(11, Gender::Woman), [1.0; 4]);
        assert_eq!(extends.profile_at(12, Gender::Man), [0.25; 4]);
        assert_eq!(fixed.profile_at(12, Gender::Man), [1.0; 4]);
    }
}
