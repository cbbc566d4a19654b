//! Charts drawn with plotters, each from already computed results (no simulation here),
//! rendered to SVG text or PNG bytes from the same drawing code.
//!
//! Text is laid out with DejaVu Sans embedded in the binary, so charts look the same on
//! every machine and need no system fonts.

use std::error::Error;
use std::sync::Once;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::{register_font, FontStyle};

/// The embedded font (DejaVu Sans, Bitstream Vera licence: `assets/fonts/`).
const FONT_BYTES: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
/// The family name charts ask for.
pub const FONT: &str = "sans-serif";

static FONT_ONCE: Once = Once::new();

fn ensure_font() {
    FONT_ONCE.call_once(|| {
        // The font is part of the binary and known to parse; a failure would show as
        // missing text, which the chart tests catch.
        let _ = register_font(FONT, FontStyle::Normal, FONT_BYTES);
        let _ = register_font(FONT, FontStyle::Bold, FONT_BYTES);
    });
}

/// Why a chart could not be drawn.
pub type ChartError = Box<dyn Error + Send + Sync>;

/// Something that can draw itself on any plotters backend.
pub trait Chart {
    /// Size in pixels.
    fn size(&self) -> (u32, u32);
    /// Draws onto `area`.
    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Result<(), ChartError>
    where
        DB::ErrorType: 'static;
}

/// Renders a chart as an SVG document.
pub fn svg(chart: &impl Chart) -> Result<String, ChartError> {
    ensure_font();
    let mut out = String::new();
    {
        let area = SVGBackend::with_string(&mut out, chart.size()).into_drawing_area();
        chart.draw(&area)?;
        area.present()?;
    }
    Ok(out)
}

/// Renders a chart as a PNG image.
pub fn png(chart: &impl Chart) -> Result<Vec<u8>, ChartError> {
    ensure_font();
    let (w, h) = chart.size();
    let mut rgb = vec![0u8; (w * h * 3) as usize];
    {
        let area = BitMapBackend::with_buffer(&mut rgb, (w, h)).into_drawing_area();
        chart.draw(&area)?;
        area.present()?;
    }
    let mut out = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut out, w, h);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        encoder.write_header()?.write_image_data(&rgb)?;
    }
    Ok(out)
}

/// A probability as a short percentage that never rounds a near-certainty to 100 % or a
/// rare event to 0 %.
pub fn percent_label(p: f64) -> String {
    if !p.is_finite() {
        String::new()
    } else if p > 0.995 && p < 1.0 {
        ">99%".into()
    } else if p > 0.0 && p < 0.005 {
        "<1%".into()
    } else {
        format!("{:.0}%", p * 100.0)
    }
}

/// Linear interpolation between colours at `t` in [0, 1].
pub fn blend(stops: &[RGBColor], t: f64) -> RGBColor {
    let t = if t.is_finite() {
        t.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let k = stops.len() - 1;
    let x = t * k as f64;
    let i = (x.floor() as usize).min(k.saturating_sub(1));
    let f = x - i as f64;
    let (a, b) = (stops[i], stops[(i + 1).min(k)]);
    let mix = |p: u8, q: u8| (p as f64 + (q as f64 - p as f64) * f).round() as u8;
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

/// Low-to-high scale for probabilities: pale to deep green.
pub const PROBABILITY_SCALE: [RGBColor; 3] = [
    RGBColor(247, 252, 245),
    RGBColor(116, 196, 118),
    RGBColor(0, 90, 50),
];
/// Low-to-high scale for costs: pale to deep blue.
pub const COST_SCALE: [RGBColor; 3] = [
    RGBColor(247, 251, 255),
    RGBColor(107, 174, 214),
    RGBColor(8, 48, 107),
];

/// Frame colour for highlighted cells (orange: visible on pale and dark cells alike).
pub const HIGHLIGHT: RGBColor = RGBColor(230, 85, 13);

/// A heatmap of one value over a grid of two varied parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct Heatmap {
    /// Title above the chart.
    pub title: String,
    /// Name of the parameter along the x axis.
    pub x_label: String,
    /// Its values, as shown.
    pub x_values: Vec<String>,
    /// Name of the parameter along the y axis (empty for a single row).
    pub y_label: String,
    /// Its values, as shown.
    pub y_values: Vec<String>,
    /// Cell values, row by row (`y` major); `None` is drawn grey.
    pub cells: Vec<Option<f64>>,
    /// Text written in each cell.
    pub cell_text: Vec<String>,
    /// Colour scale, low to high.
    pub scale: Vec<RGBColor>,
    /// Cells whose value is at least this get a frame (e.g. the confidence asked for).
    pub highlight_at_least: Option<f64>,
    /// Values mapped to the ends of the scale (`None`: the smallest and largest cell).
    pub range: Option<(f64, f64)>,
}

impl Chart for Heatmap {
    fn size(&self) -> (u32, u32) {
        let w = (160 + 90 * self.x_values.len() as u32).clamp(480, 1600);
        let h = (150 + 48 * self.y_values.len().max(1) as u32).clamp(260, 1200);
        (w, h)
    }

    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Result<(), ChartError>
    where
        DB::ErrorType: 'static,
    {
        area.fill(&WHITE)?;
        let nx = self.x_values.len().max(1);
        let ny = self.y_values.len().max(1);
        let finite: Vec<f64> = self.cells.iter().flatten().copied().collect();
        let (lo, hi) = self.range.unwrap_or_else(|| {
            (
                finite.iter().copied().fold(f64::INFINITY, f64::min),
                finite.iter().copied().fold(f64::NEG_INFINITY, f64::max),
            )
        });
        let mut chart = ChartBuilder::on(area)
            .caption(&self.title, (FONT, 20))
            .margin(12)
            .x_label_area_size(48)
            .y_label_area_size(if self.y_label.is_empty() { 20 } else { 90 })
            .build_cartesian_2d(0f64..nx as f64, 0f64..ny as f64)?;
        let xs = self.x_values.clone();
        let ys = self.y_values.clone();
        chart
            .configure_mesh()
            .disable_mesh()
            .x_labels(nx * 2 + 1)
            .y_labels(ny * 2 + 1)
            .x_label_formatter(&|v| axis_label(&xs, *v))
            .y_label_formatter(&|v| axis_label(&ys, *v))
            .x_desc(&self.x_label)
            .y_desc(&self.y_label)
            .label_style((FONT, 13))
            .axis_desc_style((FONT, 14))
            .draw()?;
        for j in 0..ny {
            for i in 0..nx {
                let k = j * nx + i;
                let value = self.cells.get(k).copied().flatten();
                let colour = match value {
                    Some(v) if hi > lo => blend(&self.scale, (v - lo) / (hi - lo)),
                    Some(_) => blend(&self.scale, 0.5),
                    None => RGBColor(220, 220, 220),
                };
                let (x, y) = (i as f64, j as f64);
                chart.draw_series(std::iter::once(Rectangle::new(
                    [(x, y), (x + 1.0, y + 1.0)],
                    colour.filled(),
                )))?;
                if let (Some(v), Some(t)) = (value, self.highlight_at_least) {
                    if v >= t {
                        chart.draw_series(std::iter::once(Rectangle::new(
                            [(x + 0.03, y + 0.06), (x + 0.97, y + 0.94)],
                            HIGHLIGHT.stroke_width(3),
                        )))?;
                    }
                }
                let dark = matches!(value, Some(v) if hi > lo && (v - lo) / (hi - lo) > 0.6);
                let text_colour = if dark { WHITE } else { BLACK };
                let text = self.cell_text.get(k).cloned().unwrap_or_default();
                let style = TextStyle::from((FONT, 13).into_font())
                    .color(&text_colour)
                    .pos(plotters::style::text_anchor::Pos::new(
                        plotters::style::text_anchor::HPos::Center,
                        plotters::style::text_anchor::VPos::Center,
                    ));
                chart.draw_series(std::iter::once(Text::new(text, (x + 0.5, y + 0.5), style)))?;
            }
        }
        Ok(())
    }
}

/// A tornado chart: per parameter a bar from the baseline to the measure with the value
/// lowered and one to the measure with it raised, largest swing on top.
#[derive(Debug, Clone, PartialEq)]
pub struct Tornado {
    /// Title.
    pub title: String,
    /// X axis description (the measure).
    pub x_label: String,
    /// Legend texts for the lowered and the raised value.
    pub legend: [String; 2],
    /// The measure at the scenario's values.
    pub base: f64,
    /// Rows, top first: label, measure lowered, measure raised.
    pub rows: Vec<(String, f64, f64)>,
    /// Whether the measure is a probability (axis in percent).
    pub percent: bool,
}

impl Chart for Tornado {
    fn size(&self) -> (u32, u32) {
        (900, 110 + 30 * self.rows.len().max(1) as u32)
    }

    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Result<(), ChartError>
    where
        DB::ErrorType: 'static,
    {
        area.fill(&WHITE)?;
        let n = self.rows.len().max(1);
        let values = self.rows.iter().flat_map(|r| [r.1, r.2]).chain([self.base]);
        let (lo, hi) = values
            .filter(|v| v.is_finite())
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
                (a.min(v), b.max(v))
            });
        let pad = ((hi - lo) * 0.08).max(hi.abs().max(1e-9) * 1e-3);
        let labels: Vec<String> = self.rows.iter().map(|r| r.0.clone()).collect();
        let percent = self.percent;
        let mut chart = ChartBuilder::on(area)
            .caption(&self.title, (FONT, 18))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(330)
            .build_cartesian_2d((lo - pad)..(hi + pad), 0f64..n as f64)?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .light_line_style(RGBColor(235, 235, 235))
            .y_labels(2 * n + 1)
            // Rows are drawn top-down (row i at n − i − 0.5): the cell labeller, mirrored.
            .y_label_formatter(&|v| axis_label(&labels, n as f64 - v))
            .x_label_formatter(&|v| {
                if percent {
                    format!("{:.1}%", v * 100.0)
                } else {
                    format!("{v:.1}")
                }
            })
            .x_desc(&self.x_label)
            .label_style((FONT, 12))
            .axis_desc_style((FONT, 13))
            .draw()?;
        let colours = [RGBColor(66, 146, 198), RGBColor(230, 85, 13)];
        for (side, colour) in colours.into_iter().enumerate() {
            let bars = self.rows.iter().enumerate().map(|(i, r)| {
                let y = (n - i - 1) as f64;
                let v = if side == 0 { r.1 } else { r.2 };
                let (a, b) = if v < self.base {
                    (v, self.base)
                } else {
                    (self.base, v)
                };
                let (y0, y1) = if side == 0 {
                    (y + 0.15, y + 0.5)
                } else {
                    (y + 0.5, y + 0.85)
                };
                Rectangle::new([(a, y0), (b, y1)], colour.filled())
            });
            chart
                .draw_series(bars)?
                .label(self.legend[side].as_str())
                .legend(move |(x, y)| {
                    Rectangle::new([(x, y - 5), (x + 14, y + 5)], colour.filled())
                });
        }
        chart.draw_series(std::iter::once(PathElement::new(
            vec![(self.base, 0.0), (self.base, n as f64)],
            BLACK.stroke_width(2),
        )))?;
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::LowerRight)
            .background_style(WHITE.mix(0.85))
            .border_style(RGBColor(200, 200, 200))
            .label_font((FONT, 12))
            .draw()?;
        Ok(())
    }
}

/// The label of the cell whose centre is at `v` (ticks fall on half-integers).
fn axis_label(values: &[String], v: f64) -> String {
    let i = v - 0.5;
    if (i - i.round()).abs() < 1e-6 && i >= -1e-6 {
        values.get(i.round() as usize).cloned().unwrap_or_default()
    } else {
        String::new()
    }
}

/// Colour of medians and main bars.
pub const MAIN: RGBColor = RGBColor(31, 94, 160);
/// Colour of targets and goals.
pub const TARGET: RGBColor = RGBColor(200, 40, 40);
/// Colour for women.
pub const WOMEN: RGBColor = RGBColor(122, 63, 153);
/// Colour for men.
pub const MEN: RGBColor = RGBColor(39, 139, 106);
/// Goal line colours for the four readings of the escalating goal.
pub const GOAL_COLOURS: [RGBColor; 4] = [
    RGBColor(200, 40, 40),
    RGBColor(230, 120, 30),
    RGBColor(120, 120, 120),
    RGBColor(60, 60, 60),
];

/// A line drawn over a chart (a target, a cap, a waiting list), `None` where undefined.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    /// Legend text.
    pub label: String,
    /// One value per x position.
    pub values: Vec<Option<f64>>,
    /// Colour.
    pub colour: RGBColor,
}

/// A fan chart over months: P5–P95 and P25–P75 bands around the median, plus lines.
#[derive(Debug, Clone, PartialEq)]
pub struct FanChart {
    /// Title.
    pub title: String,
    /// Y axis description.
    pub y_label: String,
    /// Legend texts: median, P25–P75, P5–P95.
    pub band_labels: [String; 3],
    /// Month labels (`2025-01`), one per x position.
    pub months: Vec<String>,
    /// Quantiles per month: p5, p25, p50, p75, p95.
    pub quantiles: Vec<[f64; 5]>,
    /// Extra lines.
    pub lines: Vec<Line>,
    /// Positions where the series restarts (e.g. each January for a year-to-date count):
    /// bands and lines are not joined across them.
    pub breaks: Vec<usize>,
}

impl FanChart {
    /// The runs of consecutive positions between breaks.
    fn segments(&self) -> Vec<std::ops::Range<usize>> {
        let n = self.quantiles.len();
        let mut cuts: Vec<usize> = self
            .breaks
            .iter()
            .copied()
            .filter(|&b| b > 0 && b < n)
            .collect();
        cuts.sort_unstable();
        cuts.dedup();
        let mut out = Vec::new();
        let mut from = 0;
        for c in cuts.into_iter().chain(std::iter::once(n)) {
            if c > from {
                out.push(from..c);
            }
            from = c;
        }
        out
    }
}

fn max_of(values: impl Iterator<Item = f64>) -> f64 {
    values.filter(|v| v.is_finite()).fold(0.0, f64::max)
}

impl Chart for FanChart {
    fn size(&self) -> (u32, u32) {
        (900, 420)
    }

    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Result<(), ChartError>
    where
        DB::ErrorType: 'static,
    {
        area.fill(&WHITE)?;
        let n = self.months.len().max(2);
        let top = max_of(
            self.quantiles.iter().map(|q| q[4]).chain(
                self.lines
                    .iter()
                    .flat_map(|l| l.values.iter().flatten().copied()),
            ),
        ) * 1.08
            + 1.0;
        let mut chart = ChartBuilder::on(area)
            .caption(&self.title, (FONT, 20))
            .margin(14)
            .x_label_area_size(36)
            .y_label_area_size(64)
            .build_cartesian_2d(0f64..(n - 1) as f64, 0f64..top)?;
        let months = self.months.clone();
        chart
            .configure_mesh()
            .light_line_style(RGBColor(235, 235, 235))
            .x_labels(n)
            .x_label_formatter(&|v| {
                let i = v.round() as usize;
                let on_tick = (v - v.round()).abs() < 1e-6;
                // Label Januaries and Julies only: readable at any horizon up to years.
                match months.get(i) {
                    Some(m) if on_tick && (m.ends_with("-01") || m.ends_with("-07")) => m.clone(),
                    _ => String::new(),
                }
            })
            .y_label_formatter(&|v| format!("{v:.0}"))
            .y_desc(&self.y_label)
            .label_style((FONT, 12))
            .axis_desc_style((FONT, 13))
            .draw()?;
        let segments = self.segments();
        for (lo, hi, alpha, label) in [
            (0, 4, 0.18, &self.band_labels[2]),
            (1, 3, 0.35, &self.band_labels[1]),
        ] {
            let polys = segments.iter().map(|seg| {
                let mut poly: Vec<(f64, f64)> = seg
                    .clone()
                    .map(|i| (i as f64, self.quantiles[i][hi]))
                    .collect();
                poly.extend(seg.clone().rev().map(|i| (i as f64, self.quantiles[i][lo])));
                Polygon::new(poly, MAIN.mix(alpha).filled())
            });
            chart
                .draw_series(polys)?
                .label(label.as_str())
                .legend(move |(x, y)| {
                    Rectangle::new([(x, y - 5), (x + 18, y + 5)], MAIN.mix(alpha).filled())
                });
        }
        let medians = segments.iter().map(|seg| {
            PathElement::new(
                seg.clone()
                    .map(|i| (i as f64, self.quantiles[i][2]))
                    .collect::<Vec<_>>(),
                MAIN.stroke_width(2),
            )
        });
        chart
            .draw_series(medians)?
            .label(self.band_labels[0].as_str())
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], MAIN.stroke_width(2)));
        for line in &self.lines {
            let colour = line.colour;
            // Each run of defined values inside a segment is its own path (a target
            // changes each year).
            let mut runs: Vec<Vec<(f64, f64)>> = Vec::new();
            for seg in &segments {
                runs.push(Vec::new());
                for i in seg.clone() {
                    match line.values.get(i).copied().flatten() {
                        Some(v) => runs.last_mut().expect("one run").push((i as f64, v)),
                        None => runs.push(Vec::new()),
                    }
                }
            }
            let paths = runs
                .into_iter()
                .filter(|r| !r.is_empty())
                .map(|r| PathElement::new(r, colour.stroke_width(2)));
            chart
                .draw_series(paths)?
                .label(line.label.as_str())
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 18, y)], colour.stroke_width(2))
                });
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .background_style(WHITE.mix(0.85))
            .border_style(RGBColor(200, 200, 200))
            .label_font((FONT, 12))
            .draw()?;
        Ok(())
    }
}

/// The distribution of one year's count over replications, with the target marked.
#[derive(Debug, Clone, PartialEq)]
pub struct HistogramChart {
    /// Title.
    pub title: String,
    /// X axis description.
    pub x_label: String,
    /// Y axis description.
    pub y_label: String,
    /// Lower edge of the first bin.
    pub start: f64,
    /// Bin width.
    pub width: f64,
    /// Shares of replications per bin (sum 1).
    pub shares: Vec<f64>,
    /// The target, if any.
    pub target: Option<f64>,
    /// Text written at the top (e.g. the probability of reaching the target).
    pub note: String,
}

impl Chart for HistogramChart {
    fn size(&self) -> (u32, u32) {
        (440, 320)
    }

    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Result<(), ChartError>
    where
        DB::ErrorType: 'static,
    {
        area.fill(&WHITE)?;
        let end = self.start + self.width * self.shares.len() as f64;
        let (mut lo, mut hi) = (self.start, end);
        if let Some(t) = self.target {
            lo = lo.min(t - self.width);
            hi = hi.max(t + self.width);
        }
        let top = max_of(self.shares.iter().copied()) * 1.25 + 1e-9;
        let mut chart = ChartBuilder::on(area)
            .caption(&self.title, (FONT, 17))
            .margin(10)
            .x_label_area_size(36)
            .y_label_area_size(52)
            .build_cartesian_2d(lo..hi, 0f64..top)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .light_line_style(RGBColor(235, 235, 235))
            .x_labels(6)
            .y_labels(5)
            .x_label_formatter(&|v| format!("{v:.0}"))
            .y_label_formatter(&|v| format!("{:.0}%", v * 100.0))
            .x_desc(&self.x_label)
            .y_desc(&self.y_label)
            .label_style((FONT, 11))
            .axis_desc_style((FONT, 12))
            .draw()?;
        chart.draw_series(self.shares.iter().enumerate().map(|(i, &h)| {
            let x = self.start + i as f64 * self.width;
            let reached = self.target.is_none_or(|t| x >= t);
            let colour = if reached {
                MAIN
            } else {
                blend(&[WHITE, MAIN], 0.45)
            };
            Rectangle::new([(x, 0.0), (x + self.width, h)], colour.filled())
        }))?;
        if let Some(t) = self.target {
            chart.draw_series(std::iter::once(PathElement::new(
                vec![(t, 0.0), (t, top * 0.9)],
                TARGET.stroke_width(3),
            )))?;
        }
        chart.draw_series(std::iter::once(Text::new(
            self.note.clone(),
            (lo + (hi - lo) * 0.03, top * 0.97),
            (FONT, 13).into_font().color(&BLACK),
        )))?;
        Ok(())
    }
}

/// Horizontal bars with 95 % error bars (probabilities of targets).
#[derive(Debug, Clone, PartialEq)]
pub struct ProbabilityBars {
    /// Title.
    pub title: String,
    /// X axis description.
    pub x_label: String,
    /// One bar per entry: label, probability, standard error.
    pub bars: Vec<(String, f64, f64)>,
}

impl Chart for ProbabilityBars {
    fn size(&self) -> (u32, u32) {
        (900, 90 + 34 * self.bars.len().max(1) as u32)
    }

    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Result<(), ChartError>
    where
        DB::ErrorType: 'static,
    {
        let n = self.bars.len().max(1);
        let labels: Vec<String> = self.bars.iter().map(|b| b.0.clone()).collect();
        let mut chart = percent_rows(area, (&self.title, 20), &labels, &self.x_label, 380)?;
        for (i, (_, p, se)) in self.bars.iter().enumerate() {
            let y = (n - i - 1) as f64;
            chart.draw_series(std::iter::once(Rectangle::new(
                [(0.0, y + 0.2), (p.clamp(0.0, 1.0), y + 0.8)],
                MAIN.mix(0.8).filled(),
            )))?;
            let (lo, hi) = ((p - 1.96 * se).max(0.0), (p + 1.96 * se).min(1.0));
            chart.draw_series(std::iter::once(PathElement::new(
                vec![(lo, y + 0.5), (hi, y + 0.5)],
                BLACK.stroke_width(2),
            )))?;
            for x in [lo, hi] {
                chart.draw_series(std::iter::once(PathElement::new(
                    vec![(x, y + 0.35), (x, y + 0.65)],
                    BLACK.stroke_width(2),
                )))?;
            }
            let text_x = if *p > 0.85 { p - 0.12 } else { p + 0.02 };
            let colour = if *p > 0.85 { WHITE } else { BLACK };
            chart.draw_series(std::iter::once(Text::new(
                percent_label(*p),
                (text_x.max(0.01), y + 0.62),
                (FONT, 12).into_font().color(&colour),
            )))?;
        }
        Ok(())
    }
}

/// A white chart with one labelled row per entry (top first) on a 0–100 % axis, the frame
/// of [`ProbabilityBars`] and [`PercentileChart`]; row i spans `n − i − 1 .. n − i`.
fn percent_rows<'a, DB: DrawingBackend>(
    area: &'a DrawingArea<DB, Shift>,
    (title, size): (&str, u32),
    labels: &[String],
    x_desc: &str,
    label_width: u32,
) -> Result<
    ChartContext<
        'a,
        DB,
        Cartesian2d<plotters::coord::types::RangedCoordf64, plotters::coord::types::RangedCoordf64>,
    >,
    ChartError,
>
where
    DB::ErrorType: 'static,
{
    area.fill(&WHITE)?;
    let n = labels.len().max(1);
    let mut chart = ChartBuilder::on(area)
        .caption(title, (FONT, size))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(label_width)
        .build_cartesian_2d(0f64..1.0, 0f64..n as f64)?;
    chart
        .configure_mesh()
        .disable_y_mesh()
        .light_line_style(RGBColor(235, 235, 235))
        .x_labels(11)
        .y_labels(2 * n + 1)
        .x_label_formatter(&|v| format!("{:.0}%", v * 100.0))
        // Rows are drawn top-down (row i at n − i − 0.5): the cell labeller, mirrored.
        .y_label_formatter(&|v| axis_label(labels, n as f64 - v))
        .x_desc(x_desc)
        .label_style((FONT, 12))
        .axis_desc_style((FONT, 13))
        .draw()?;
    Ok(chart)
}

/// One series of a [`YearSeries`] chart.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// Legend text.
    pub label: String,
    /// Colour.
    pub colour: RGBColor,
    /// Value per category.
    pub values: Vec<Option<f64>>,
    /// Optional (low, high) whisker per category (may be empty).
    pub whiskers: Vec<Option<(f64, f64)>>,
}

/// One value per category (year) for several series, with optional P5–P95 whiskers, as
/// grouped bars (gender charts) or as points joined by lines (escalating goals).
#[derive(Debug, Clone, PartialEq)]
pub struct YearSeries {
    /// Title.
    pub title: String,
    /// Y axis description.
    pub y_label: String,
    /// Categories along x (years).
    pub categories: Vec<String>,
    /// The series drawn.
    pub series: Vec<Series>,
    /// Draw as bars (true) or as lines with markers (false).
    pub bars: bool,
    /// Whether values are shares (axis in percent).
    pub percent: bool,
}

impl Chart for YearSeries {
    fn size(&self) -> (u32, u32) {
        (560, 360)
    }

    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Result<(), ChartError>
    where
        DB::ErrorType: 'static,
    {
        area.fill(&WHITE)?;
        let n = self.categories.len().max(1);
        let k = self.series.len().max(1);
        let top = max_of(self.series.iter().flat_map(|s| {
            s.values
                .iter()
                .flatten()
                .copied()
                .chain(s.whiskers.iter().flatten().map(|w| w.1))
        })) * 1.2
            + 1e-9;
        let mut chart = ChartBuilder::on(area)
            .caption(&self.title, (FONT, 17))
            .margin(12)
            .x_label_area_size(32)
            .y_label_area_size(60)
            .build_cartesian_2d(0f64..n as f64, 0f64..top)?;
        let cats = self.categories.clone();
        let percent = self.percent;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .light_line_style(RGBColor(235, 235, 235))
            .x_labels(2 * n + 1)
            .x_label_formatter(&|v| axis_label(&cats, *v))
            .y_label_formatter(&|v| {
                if percent {
                    format!("{:.0}%", v * 100.0)
                } else {
                    format!("{v:.0}")
                }
            })
            .y_desc(&self.y_label)
            .label_style((FONT, 12))
            .axis_desc_style((FONT, 13))
            .draw()?;
        let slot = 0.8 / k as f64;
        for (j, series) in self.series.iter().enumerate() {
            let (label, values, whiskers) = (&series.label, &series.values, &series.whiskers);
            let colour = series.colour;
            let x_of = |i: usize| {
                if self.bars {
                    i as f64 + 0.1 + slot * (j as f64 + 0.5)
                } else {
                    i as f64 + 0.5
                }
            };
            if self.bars {
                chart
                    .draw_series(values.iter().enumerate().filter_map(|(i, v)| {
                        v.map(|v| {
                            let x = i as f64 + 0.1 + slot * j as f64;
                            Rectangle::new([(x, 0.0), (x + slot * 0.9, v)], colour.filled())
                        })
                    }))?
                    .label(label.as_str())
                    .legend(move |(x, y)| {
                        Rectangle::new([(x, y - 5), (x + 14, y + 5)], colour.filled())
                    });
            } else {
                let points: Vec<(f64, f64)> = values
                    .iter()
                    .enumerate()
                    .filter_map(|(i, v)| v.map(|v| (x_of(i), v)))
                    .collect();
                chart
                    .draw_series(LineSeries::new(points.clone(), colour.stroke_width(2)))?
                    .label(label.as_str())
                    .legend(move |(x, y)| {
                        PathElement::new(vec![(x, y), (x + 18, y)], colour.stroke_width(2))
                    });
                chart.draw_series(
                    points
                        .into_iter()
                        .map(|p| Circle::new(p, 4, colour.filled())),
                )?;
            }
            for (i, w) in whiskers.iter().enumerate() {
                if let Some((lo, hi)) = w {
                    let x = x_of(i);
                    chart.draw_series(std::iter::once(PathElement::new(
                        vec![(x, *lo), (x, *hi)],
                        BLACK.stroke_width(1),
                    )))?;
                    for y in [*lo, *hi] {
                        chart.draw_series(std::iter::once(PathElement::new(
                            vec![(x - 0.04, y), (x + 0.04, y)],
                            BLACK.stroke_width(1),
                        )))?;
                    }
                }
            }
        }
        chart
            .configure_series_labels()
            .position(if self.bars {
                SeriesLabelPosition::UpperRight
            } else {
                SeriesLabelPosition::LowerLeft
            })
            .background_style(WHITE.mix(0.85))
            .border_style(RGBColor(200, 200, 200))
            .label_font((FONT, 11))
            .draw()?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn heatmap() -> Heatmap {
        Heatmap {
            title: "P(positive_exits>=450@2027)".into(),
            x_label: "teams.count".into(),
            x_values: vec!["8".into(), "9".into(), "10".into()],
            y_label: "intake.per_team".into(),
            y_values: vec!["25".into(), "30".into()],
            cells: vec![Some(0.1), Some(0.5), Some(0.9), Some(0.3), None, Some(0.99)],
            cell_text: vec![
                "10%".into(),
                "50%".into(),
                "90%".into(),
                "30%".into(),
                "".into(),
                "99%".into(),
            ],
            scale: PROBABILITY_SCALE.to_vec(),
            highlight_at_least: Some(0.8),
            range: Some((0.0, 1.0)),
        }
    }

    #[test]
    fn heatmap_svg_has_every_cell_label_and_axis_value() {
        let s = svg(&heatmap()).unwrap();
        assert!(s.starts_with("<svg"), "{}", &s[..60.min(s.len())]);
        for text in [
            "10%",
            "50%",
            "90%",
            "99%",
            "teams.count",
            "intake.per_team",
            "\n8\n",
            "\n30\n",
        ] {
            assert!(s.contains(text), "missing {text}");
        }
        // Six cells, two highlighted frames.
        assert!(s.matches("<rect").count() >= 8);
    }

    #[test]
    fn heatmap_png_is_a_png_with_ink() {
        let p = png(&heatmap()).unwrap();
        assert_eq!(&p[1..4], b"PNG");
        let decoder = png::Decoder::new(std::io::Cursor::new(&p));
        let mut reader = decoder.read_info().unwrap();
        let mut buf = vec![0; reader.output_buffer_size()];
        let info = reader.next_frame(&mut buf).unwrap();
        let pixels = &buf[..info.buffer_size()];
        let non_white = pixels.chunks(3).filter(|c| c != &[255, 255, 255]).count();
        assert!(non_white > pixels.len() / 3 / 10, "mostly blank");
    }

    #[test]
    fn percent_labels_do_not_overstate_certainty() {
        assert_eq!(percent_label(0.999), ">99%");
        assert_eq!(percent_label(1.0), "100%");
        assert_eq!(percent_label(0.001), "<1%");
        assert_eq!(percent_label(0.0), "0%");
        assert_eq!(percent_label(0.634), "63%");
    }

    #[test]
    fn blend_hits_the_stops() {
        let s = PROBABILITY_SCALE;
        assert_eq!(blend(&s, 0.0), s[0]);
        assert_eq!(blend(&s, 0.5), s[1]);
        assert_eq!(blend(&s, 1.0), s[2]);
        assert_eq!(blend(&s, f64::NAN), s[0]);
    }
}

/// A backtest chart: each observed figure's percentile in its simulated distribution, on
/// a common 0–100 % axis with the central 50 % and 90 % intervals shaded.
#[derive(Debug, Clone, PartialEq)]
pub struct PercentileChart {
    /// Title.
    pub title: String,
    /// Rows, top first: label and percentile (0–1).
    pub rows: Vec<(String, f64)>,
}

impl Chart for PercentileChart {
    fn size(&self) -> (u32, u32) {
        (900, 110 + 26 * self.rows.len().max(1) as u32)
    }

    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Result<(), ChartError>
    where
        DB::ErrorType: 'static,
    {
        let n = self.rows.len().max(1);
        let labels: Vec<String> = self.rows.iter().map(|r| r.0.clone()).collect();
        let x_desc = "percentile of the observed figure among simulated ones";
        let mut chart = percent_rows(area, (&self.title, 18), &labels, x_desc, 260)?;
        for ((lo, hi), colour, label) in [
            ((0.05, 0.95), RGBColor(222, 235, 247), "90 % interval"),
            ((0.25, 0.75), RGBColor(158, 202, 225), "50 % interval"),
        ] {
            chart
                .draw_series(std::iter::once(Rectangle::new(
                    [(lo, 0.0), (hi, n as f64)],
                    colour.filled(),
                )))?
                .label(label)
                .legend(move |(x, y)| {
                    Rectangle::new([(x, y - 5), (x + 14, y + 5)], colour.filled())
                });
        }
        chart.draw_series(self.rows.iter().enumerate().map(|(i, r)| {
            Circle::new(
                (r.1.clamp(0.0, 1.0), (n - i - 1) as f64 + 0.5),
                5,
                RGBColor(230, 85, 13).filled(),
            )
        }))?;
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::LowerRight)
            .background_style(WHITE.mix(0.85))
            .border_style(RGBColor(200, 200, 200))
            .label_font((FONT, 12))
            .draw()?;
        Ok(())
    }
}
