//! The charts of a run, built from its [`Summary`] (no simulation here) in English or
//! Swedish: cumulative exits to work or studies (fan), each year's distribution with its
//! target, target probabilities, escalating goals, active caseload, and gender.

use super::charts::{
    self, percent_label, Chart, ChartError, FanChart, HistogramChart, Line, ProbabilityBars,
    Series, YearSeries, GOAL_COLOURS, MAIN, MEN, TARGET, WOMEN,
};
use super::lang::{Lang, Texts};
use crate::stats::{Summary, TargetResult};

/// Any of the run's charts.
#[derive(Debug, Clone, PartialEq)]
pub enum Figure {
    /// A fan chart over months.
    Fan(FanChart),
    /// A histogram of one year.
    Histogram(HistogramChart),
    /// Target probabilities.
    Bars(ProbabilityBars),
    /// Values per year.
    Years(YearSeries),
}

impl Chart for Figure {
    fn size(&self) -> (u32, u32) {
        match self {
            Figure::Fan(c) => c.size(),
            Figure::Histogram(c) => c.size(),
            Figure::Bars(c) => c.size(),
            Figure::Years(c) => c.size(),
        }
    }

    fn draw<DB: plotters::prelude::DrawingBackend>(
        &self,
        area: &plotters::prelude::DrawingArea<DB, plotters::coord::Shift>,
    ) -> Result<(), ChartError>
    where
        DB::ErrorType: 'static,
    {
        match self {
            Figure::Fan(c) => c.draw(area),
            Figure::Histogram(c) => c.draw(area),
            Figure::Bars(c) => c.draw(area),
            Figure::Years(c) => c.draw(area),
        }
    }
}

/// A chart with its file stem and caption.
#[derive(Debug, Clone, PartialEq)]
pub struct NamedFigure {
    /// File stem, e.g. `cumulative-positive-exits`.
    pub name: String,
    /// One-sentence caption for the report.
    pub caption: String,
    /// The chart.
    pub figure: Figure,
}

/// The one-year, everyone, exits-to-work-or-studies target of `year`, if the scenario
/// sets one.
pub fn volume_target(s: &Summary, year: i32) -> Option<&TargetResult> {
    s.targets
        .iter()
        .find(|t| t.metric == "positive_exits" && t.year == Some(year) && t.gender.is_none())
}

fn year_of(month: &str) -> Option<i32> {
    month.get(..4)?.parse().ok()
}

fn quantiles(s: &Summary, series: &str) -> Vec<[f64; 5]> {
    s.monthly
        .iter()
        .map(|m| {
            m.series
                .get(series)
                .map_or([f64::NAN; 5], |q| [q.p5, q.p25, q.p50, q.p75, q.p95])
        })
        .collect()
}

/// Every chart of the report, in order.
pub fn figures(s: &Summary, lang: Lang) -> Vec<NamedFigure> {
    let t = Texts::of(lang);
    let months: Vec<String> = s.monthly.iter().map(|m| m.month.clone()).collect();
    let bands = [
        t.median.to_string(),
        t.band_50.to_string(),
        t.band_90.to_string(),
    ];
    let mut out = Vec::new();

    // 1. Cumulative exits to work or studies through each year, with the year's target.
    let target_line: Vec<Option<f64>> = months
        .iter()
        .map(|m| {
            year_of(m)
                .and_then(|y| volume_target(s, y))
                .map(|t| t.threshold)
        })
        .collect();
    let mut lines = Vec::new();
    if target_line.iter().any(Option::is_some) {
        lines.push(Line {
            label: t.target.into(),
            values: target_line,
            colour: TARGET,
        });
    }
    out.push(NamedFigure {
        name: "cumulative-positive-exits".into(),
        caption: t.caption_cumulative.into(),
        figure: Figure::Fan(FanChart {
            title: t.title_cumulative.into(),
            y_label: t.positive_exits.into(),
            band_labels: bands.clone(),
            months: months.clone(),
            quantiles: quantiles(s, "positive_exits_year_to_date"),
            lines,
            breaks: months
                .iter()
                .enumerate()
                .filter(|(_, m)| m.ends_with("-01"))
                .map(|(i, _)| i)
                .collect(),
        }),
    });

    // 2. Each year's distribution with the target and its probability.
    for y in &s.years {
        let Some(bins) = &y.positive_exits_histogram else {
            continue;
        };
        let total: u64 = bins.counts.iter().sum();
        let target = volume_target(s, y.year);
        let note = match target {
            Some(tr) => format!(
                "P(≥ {}) = {} ± {:.1}",
                tr.threshold,
                percent_label(tr.probability),
                tr.se * 100.0
            ),
            None => String::new(),
        };
        out.push(NamedFigure {
            name: format!("distribution-{}", y.year),
            caption: t
                .caption_distribution
                .replace("{year}", &y.year.to_string()),
            figure: Figure::Histogram(HistogramChart {
                title: format!("{} {}", t.title_distribution, y.year),
                x_label: t.positive_exits.into(),
                y_label: t.share_of_futures.into(),
                start: bins.start,
                width: bins.width,
                shares: bins
                    .counts
                    .iter()
                    .map(|&c| c as f64 / total.max(1) as f64)
                    .collect(),
                target: target.map(|t| t.threshold),
                note,
            }),
        });
    }

    // 3. Probability of each target.
    if !s.targets.is_empty() {
        out.push(NamedFigure {
            name: "target-probabilities".into(),
            caption: t.caption_targets.into(),
            figure: Figure::Bars(ProbabilityBars {
                title: t.title_targets.into(),
                x_label: t.probability.into(),
                bars: s
                    .targets
                    .iter()
                    .map(|tr| (target_text(tr, lang), tr.probability, tr.se))
                    .collect(),
            }),
        });
    }

    // 4. Escalating goals: the share per year against both readings of the step.
    if let Some(e) = &s.escalating_goals {
        let categories = e.years.iter().map(|y| y.year.to_string()).collect();
        let mut series = vec![Series {
            label: t.share_median.to_string(),
            colour: MAIN,
            values: e.years.iter().map(|y| y.share.map(|d| d.p50)).collect(),
            whiskers: e
                .years
                .iter()
                .map(|y| y.share.map(|d| (d.p5, d.p95)))
                .collect(),
        }];
        for (k, (reading, step)) in [
            ("percentage_points", e.step[0]),
            ("percentage_points", e.step[1]),
            ("relative_percent", e.step[0]),
            ("relative_percent", e.step[1]),
        ]
        .into_iter()
        .enumerate()
        {
            let label = if reading == "percentage_points" {
                format!("{} +{step} {}", t.goal, t.pp)
            } else {
                format!("{} +{step} % {}", t.goal, t.relative)
            };
            let values = e
                .years
                .iter()
                .map(|y| {
                    y.checks
                        .iter()
                        .find(|c| c.reading == reading && c.step == step)
                        .map(|c| c.goal)
                })
                .collect();
            series.push(Series {
                label,
                colour: GOAL_COLOURS[k],
                values,
                whiskers: vec![],
            });
        }
        out.push(NamedFigure {
            name: "escalating-goals".into(),
            caption: t.caption_escalating.into(),
            figure: Figure::Years(YearSeries {
                title: t.title_escalating.into(),
                y_label: t.share.into(),
                categories,
                series,
                bars: false,
                percent: true,
            }),
        });
    }

    // 5. Active caseload per month, with the cap and the waiting list.
    let mut lines = Vec::new();
    let cap: Vec<Option<f64>> = s.monthly.iter().map(|m| m.caseload_cap).collect();
    if cap.iter().any(Option::is_some) {
        lines.push(Line {
            label: t.cap.into(),
            values: cap,
            colour: TARGET,
        });
    }
    let waiting: Vec<Option<f64>> = s
        .monthly
        .iter()
        .map(|m| m.series.get("waiting").map(|q| q.p50))
        .collect();
    if waiting.iter().flatten().any(|&w| w > 0.0) {
        lines.push(Line {
            label: t.waiting.into(),
            values: waiting,
            colour: GOAL_COLOURS[1],
        });
    }
    out.push(NamedFigure {
        name: "active-caseload".into(),
        caption: t.caption_caseload.into(),
        figure: Figure::Fan(FanChart {
            title: t.title_caseload.into(),
            y_label: t.participants.into(),
            band_labels: bands,
            months,
            quantiles: quantiles(s, "active"),
            lines,
            breaks: Vec::new(),
        }),
    });

    // 6. Women and men side by side.
    let categories: Vec<String> = s.years.iter().map(|y| y.year.to_string()).collect();
    let by_gender = |metric: &str| {
        [(t.women, WOMEN, true), (t.men, MEN, false)]
            .into_iter()
            .map(|(label, colour, women)| {
                let dists: Vec<_> = s
                    .years
                    .iter()
                    .map(|y| {
                        y.metrics
                            .get(metric)
                            .and_then(|m| if women { m.women } else { m.men })
                    })
                    .collect();
                Series {
                    label: label.to_string(),
                    colour,
                    values: dists.iter().map(|d| d.map(|d| d.mean)).collect(),
                    whiskers: dists.iter().map(|d| d.map(|d| (d.p5, d.p95))).collect(),
                }
            })
            .collect::<Vec<_>>()
    };
    out.push(NamedFigure {
        name: "gender-positive-exits".into(),
        caption: t.caption_gender.into(),
        figure: Figure::Years(YearSeries {
            title: t.title_gender_exits.into(),
            y_label: t.positive_exits.into(),
            categories: categories.clone(),
            series: by_gender("positive_exits"),
            bars: true,
            percent: false,
        }),
    });
    out.push(NamedFigure {
        name: "gender-positive-share".into(),
        caption: t.caption_gender_share.into(),
        figure: Figure::Years(YearSeries {
            title: t.title_gender_share.into(),
            y_label: t.share.into(),
            categories,
            series: by_gender("positive_share"),
            bars: true,
            percent: true,
        }),
    });
    out
}

/// A target in words, e.g. "400 exits to work or studies in 2026".
pub fn target_text(tr: &TargetResult, lang: Lang) -> String {
    let t = Texts::of(lang);
    let when = match (&tr.year, &tr.years) {
        (Some(y), _) => y.to_string(),
        (_, Some(ys)) => format!(
            "{}–{} {}",
            ys.first().copied().unwrap_or_default(),
            ys.last().copied().unwrap_or_default(),
            t.in_total
        ),
        _ => String::new(),
    };
    let what = t.metric(&tr.metric);
    let who = match tr.gender {
        Some("women") => format!(" ({})", t.women),
        Some(_) => format!(" ({})", t.men),
        None => String::new(),
    };
    let amount = if tr.metric == "positive_share" {
        format!("{:.0} %", tr.threshold * 100.0)
    } else {
        thousands(tr.threshold, lang)
    };
    let op = if tr.direction == "at_least" {
        ""
    } else {
        t.at_most
    };
    format!("{op}{amount} {what}{who} {}{when}", t.in_year)
}

/// A whole number with a thin thousands separator (space in Swedish, comma in English).
pub fn thousands(v: f64, lang: Lang) -> String {
    let digits = format!("{:.0}", v.abs());
    let sep = match lang {
        Lang::En => ",",
        Lang::Sv => "\u{a0}",
    };
    let mut out = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push_str(sep);
        }
        out.push(ch);
    }
    if v < 0.0 {
        format!("−{out}")
    } else {
        out
    }
}

/// SVG text of every figure.
pub fn svgs(figures: &[NamedFigure]) -> Result<Vec<String>, ChartError> {
    figures.iter().map(|f| charts::svg(&f.figure)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::fixture;

    #[test]
    fn every_chart_of_the_issue_is_built_from_a_summary() {
        let f = figures(&fixture::summary(), Lang::En);
        let names: Vec<&str> = f.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "cumulative-positive-exits",
                "distribution-2025",
                "distribution-2026",
                "target-probabilities",
                "escalating-goals",
                "active-caseload",
                "gender-positive-exits",
                "gender-positive-share",
            ]
        );
        let Figure::Fan(c) = &f[0].figure else {
            panic!("cumulative chart is a fan chart")
        };
        // The target line follows the year: 350 in 2025, 400 in 2026; breaks each January.
        assert_eq!(c.lines[0].values[0], Some(350.0));
        assert_eq!(c.lines[0].values[23], Some(400.0));
        assert_eq!(c.breaks, vec![0, 12]);
        let Figure::Histogram(h) = &f[2].figure else {
            panic!("distribution chart is a histogram")
        };
        assert_eq!(h.target, Some(400.0));
        assert_eq!(h.note, "P(≥ 400) = 50% ± 0.5");
        assert!((h.shares.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        let Figure::Bars(b) = &f[3].figure else {
            panic!("targets chart is bars")
        };
        assert_eq!(b.bars.len(), 3);
        assert_eq!(
            b.bars[2].0,
            "800 exits to work or studies in 2025–2026 combined"
        );
        let Figure::Years(e) = &f[4].figure else {
            panic!("escalating chart is per year")
        };
        // The median share and both readings at both ends of the step.
        assert_eq!(e.series.len(), 5);
        assert_eq!(e.series[2].values, vec![Some(0.40), Some(0.45)]);
        let Figure::Fan(cl) = &f[5].figure else {
            panic!("caseload chart is a fan chart")
        };
        assert_eq!(cl.lines.len(), 2, "cap and waiting list");
    }

    #[test]
    fn charts_render_as_svg_with_their_words_in_both_languages() {
        for (lang, words) in [
            (
                Lang::En,
                [
                    "Exits to work or studies so far this year",
                    "women",
                    "target",
                ],
            ),
            (
                Lang::Sv,
                [
                    "Avslut mot arbete eller studier hittills i år",
                    "kvinnor",
                    "mål",
                ],
            ),
        ] {
            let f = figures(&fixture::summary(), lang);
            let all: String = svgs(&f).unwrap().concat();
            for w in words {
                assert!(all.contains(w), "{lang:?}: missing {w}");
            }
            assert_eq!(all.matches("<svg").count(), f.len());
        }
    }

    #[test]
    fn numbers_get_the_languages_thousands_separator() {
        assert_eq!(thousands(1200.0, Lang::En), "1,200");
        assert_eq!(thousands(1200.0, Lang::Sv), "1\u{a0}200");
        assert_eq!(thousands(350.0, Lang::Sv), "350");
        assert_eq!(thousands(1234567.0, Lang::En), "1,234,567");
    }
}
