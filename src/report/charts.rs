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

/// The label of the cell whose centre is at `v` (ticks fall on half-integers).
fn axis_label(values: &[String], v: f64) -> String {
    let i = v - 0.5;
    if (i - i.round()).abs() < 1e-6 && i >= -1e-6 {
        values.get(i.round() as usize).cloned().unwrap_or_default()
    } else {
        String::new()
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
