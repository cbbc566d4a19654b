//! The JSON output: the documented, stable interface for analysts' own tools
//! (`docs/output.md`).

use serde::Serialize;

/// A result (run summary, comparison, sweep, sizing) as pretty-printed JSON (non-finite
/// numbers become `null`).
pub fn to_json<T: Serialize>(result: &T) -> String {
    let mut s = serde_json::to_string_pretty(result).expect("results always serialise");
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::{Dist, MetricSummary, Summary, TargetResult, YearSummary};
    use indexmap::IndexMap;

    fn d(mean: f64) -> Option<Dist> {
        Some(Dist {
            mean,
            sd: 1.0,
            p5: mean - 2.0,
            p50: mean,
            p95: mean + 2.0,
        })
    }

    #[test]
    fn has_the_documented_shape() {
        let mut metrics = IndexMap::new();
        metrics.insert(
            "positive_exits".to_string(),
            MetricSummary {
                all: d(10.0),
                women: d(4.0),
                men: d(6.0),
            },
        );
        let s = Summary {
            tool_version: "0.0.0",
            scenario: "hand-built".into(),
            replications: 100,
            seed: 7,
            parameter_uncertainty: false,
            precision: None,
            precision_reached: None,
            years: vec![YearSummary {
                year: 2025,
                months: 12,
                metrics,
                by_group: IndexMap::new(),
                by_attribute: IndexMap::new(),
                positive_exits_histogram: None,
            }],
            targets: vec![TargetResult {
                metric: "positive_exits".into(),
                year: Some(2025),
                years: None,
                threshold: 9.0,
                direction: "at_least",
                gender: None,
                label: String::new(),
                expression: "positive_exits>=9@2025".into(),
                mean: 10.0,
                probability: 0.7,
                se: 0.0458,
                by_reading: None,
            }],
            escalating_goals: None,
            monthly: vec![],
            calibration: None,
        };
        let v: serde_json::Value = serde_json::from_str(&to_json(&s)).unwrap();
        assert_eq!(v["replications"], 100);
        assert_eq!(v["seed"], 7);
        let m = &v["years"][0]["metrics"]["positive_exits"];
        assert_eq!(v["years"][0]["year"], 2025);
        for k in ["mean", "sd", "p5", "p50", "p95"] {
            assert!(
                m[k].is_number() && m["women"][k].is_number() && m["men"][k].is_number(),
                "{k}"
            );
        }
        assert_eq!(m["women"]["mean"], 4.0);
        let t = &v["targets"][0];
        assert_eq!(
            (
                t["metric"].as_str(),
                t["year"].as_i64(),
                t["threshold"].as_f64()
            ),
            (Some("positive_exits"), Some(2025), Some(9.0))
        );
        assert_eq!(
            (t["probability"].as_f64(), t["se"].as_f64()),
            (Some(0.7), Some(0.0458))
        );
    }
}
