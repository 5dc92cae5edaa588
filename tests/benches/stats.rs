//! Figures the benchmarks print: nearest-rank percentiles of millisecond samples.

/// The `p`th percentile (nearest rank) of `samples`; NaN when there are none.
pub fn pct(samples: &[f64], p: f64) -> f64 {
    if samples.is_empty() {
        return f64::NAN;
    }
    let mut sorted = samples.to_vec();
    sorted.sort_by(f64::total_cmp);
    let rank = ((p / 100.0) * sorted.len() as f64).ceil().max(1.0) as usize;
    sorted[rank.min(sorted.len()) - 1]
}

/// `median 12.34  p95 23.45` of `samples`.
pub fn median_p95(samples: &[f64]) -> String {
    format!(
        "median {:>7.2}  p95 {:>7.2}",
        pct(samples, 50.0),
        pct(samples, 95.0)
    )
}
