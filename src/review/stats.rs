//! Statistics for measuring coding quality: confidence intervals for proportions and
//! agreement between coders on nominal categories.
//!
//! Pure functions on plain data: no I/O, nothing beyond std (a `Serialize` derive, and
//! `libm`'s `erfc` for the normal quantile).
//!
//! - [`wilson`]: the 95% Wilson score interval for a proportion (say, the share of suggestions
//!   a researcher accepted); [`wilson_z`] at any confidence ([`z_for`]); [`more_for_width`]:
//!   how many more observations would narrow it below a width.
//! - [`agreement`]: two coders over the same units: raw agreement, Cohen's kappa and
//!   Krippendorff's alpha.
//! - [`cohen_kappa`] and [`krippendorff_alpha_nominal`]: the two coefficients on their own; the
//!   latter takes any number of coders and missing values.

use serde::Serialize;
use std::collections::BTreeMap;

/// The standard normal quantile for a two-sided 95% interval, Φ⁻¹(0.975).
pub const Z95: f64 = 1.959964;

/// The 95% Wilson score interval for the proportion `successes / n`.
///
/// With `s = successes`, `f = n - s` and `z = Z95`:
///
/// ```text
/// centre     = (s + z²/2) / (n + z²)
/// half-width = z · √(s·f/n + z²/4) / (n + z²)
/// ```
///
/// which is the usual `(p̂ + z²/2n ± z·√(p̂(1-p̂)/n + z²/4n²)) / (1 + z²/n)` with both sides
/// multiplied by `n`. Unlike the normal (Wald) interval it stays sensible for small `n` and
/// for proportions near 0 or 1. The bounds are clamped to `[0, 1]`; the lower bound is exactly
/// 0 when `successes == 0` and the upper bound exactly 1 when `successes == n`.
///
/// Returns `(lower, upper)`, or None when `n == 0` or `successes > n`.
pub fn wilson(successes: u64, n: u64) -> Option<(f64, f64)> {
    wilson_z(successes, n, Z95)
}

/// [`wilson`] with the normal quantile `z` of another confidence (see [`z_for`]).
pub fn wilson_z(successes: u64, n: u64, z: f64) -> Option<(f64, f64)> {
    if n == 0 || successes > n {
        return None;
    }
    let z2 = z * z;
    let s = successes as f64;
    let f = (n - successes) as f64;
    let n_f = n as f64;
    let centre = (s + z2 / 2.0) / (n_f + z2);
    let half = z * (s * f / n_f + z2 / 4.0).sqrt() / (n_f + z2);
    let lower = if successes == 0 { 0.0 } else { centre - half };
    let upper = if successes == n { 1.0 } else { centre + half };
    Some((lower.clamp(0.0, 1.0), upper.clamp(0.0, 1.0)))
}

/// The quantile `z` of a two-sided interval at `confidence` (0.95 gives 1.959964): the `z`
/// with P(|Z| ≤ z) = `confidence` for a standard normal `Z`. None unless `0 < confidence < 1`.
///
/// P(|Z| > z) is `erfc(z/√2)`, which falls as `z` grows; `z` is found by bisection.
pub fn z_for(confidence: f64) -> Option<f64> {
    if !(confidence > 0.0 && confidence < 1.0) {
        return None;
    }
    let tail = 1.0 - confidence;
    let (mut lo, mut hi) = (0.0f64, 40.0f64);
    for _ in 0..100 {
        let mid = (lo + hi) / 2.0;
        if libm::erfc(mid / std::f64::consts::SQRT_2) > tail {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    Some((lo + hi) / 2.0)
}

/// How many more observations would make the Wilson interval (quantile `z`) of
/// `successes / n` narrower than `width`, if the proportion stayed where it is (one half when
/// nothing is observed yet). 0 when it already is; None when `width` is not above 0 or more
/// than ten million would be needed.
///
/// With `m` observations at proportion `p` the width is `2z·√(p(1-p)·m + z²/4) / (m + z²)`,
/// which falls as `m` grows; the smallest such `m` is found by bisection.
pub fn more_for_width(successes: u64, n: u64, width: f64, z: f64) -> Option<u64> {
    if width <= 0.0 || successes > n {
        return None;
    }
    let p = if n == 0 {
        0.5
    } else {
        successes as f64 / n as f64
    };
    let z2 = z * z;
    let w = |m: u64| {
        let m = m as f64;
        2.0 * z * (p * (1.0 - p) * m + z2 / 4.0).sqrt() / (m + z2)
    };
    const MAX: u64 = 10_000_000;
    if w(n) < width {
        return Some(0);
    }
    if w(MAX) >= width {
        return None;
    }
    let (mut lo, mut hi) = (n, MAX); // w(lo) >= width > w(hi)
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if w(mid) < width {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    Some(hi - n)
}

/// How far two coders agree on nominal categories over the same units.
#[derive(Debug, Clone, PartialEq)]
pub struct Agreement {
    /// Units both coders coded.
    pub units: usize,
    /// Units on which they gave the same value.
    pub agreed: usize,
    /// Raw agreement as a percentage, `100 · agreed / units` (0 when there are no units,
    /// serialized as null then). Not corrected for chance: read it next to `kappa` and
    /// `alpha`.
    pub percent: f64,
    /// Cohen's kappa; None when undefined (see [`cohen_kappa`]).
    pub kappa: Option<f64>,
    /// Krippendorff's alpha, nominal; None when undefined (see
    /// [`krippendorff_alpha_nominal`]).
    pub alpha: Option<f64>,
}

/// `percent` is undefined without units: null rather than a 0 that reads as total
/// disagreement.
impl Serialize for Agreement {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("Agreement", 5)?;
        st.serialize_field("units", &self.units)?;
        st.serialize_field("agreed", &self.agreed)?;
        st.serialize_field("percent", &self.percent())?;
        st.serialize_field("kappa", &self.kappa)?;
        st.serialize_field("alpha", &self.alpha)?;
        st.end()
    }
}

impl Agreement {
    /// The raw agreement, None when there are no units to agree on.
    pub fn percent(&self) -> Option<f64> {
        (self.units > 0).then_some(self.percent)
    }
}

/// Agreement between two coders, one `(coder A's value, coder B's value)` pair per unit.
///
/// Gives the raw agreement, [`cohen_kappa`] and Krippendorff's alpha (nominal, two coders,
/// no missing values: the same as [`krippendorff_alpha_nominal`] with two values per unit).
/// When both coders put every unit in one single, identical category, the agreement is 100%
/// but neither coefficient is defined (there is no variation to be reliable about): both
/// are None.
pub fn agreement<T: Ord>(pairs: &[(T, T)]) -> Agreement {
    let units = pairs.len();
    let agreed = pairs.iter().filter(|(a, b)| a == b).count();
    let percent = if units == 0 {
        0.0
    } else {
        100.0 * agreed as f64 / units as f64
    };
    Agreement {
        units,
        agreed,
        percent,
        kappa: cohen_kappa(pairs),
        alpha: alpha_from_units(pairs.iter().map(|(a, b)| vec![a, b])),
    }
}

/// Cohen's kappa for two coders, one `(coder A's value, coder B's value)` pair per unit.
///
/// ```text
/// κ  = (pₒ − pₑ) / (1 − pₑ)
/// pₒ = agreed / N
/// pₑ = Σ_c (a_c / N) · (b_c / N)
/// ```
///
/// where `N` is the number of units and `a_c`, `b_c` are how many units coder A and coder B
/// put in category `c`: the chance agreement `pₑ` uses each coder's own marginals. Computed
/// exactly on counts as `(N·agreed − Σ a_c·b_c) / (N² − Σ a_c·b_c)`.
///
/// None when there are no units or when `pₑ = 1`, which happens exactly when both coders put
/// every unit in one single, identical category.
pub fn cohen_kappa<T: Ord>(pairs: &[(T, T)]) -> Option<f64> {
    let n = pairs.len() as u128;
    if n == 0 {
        return None;
    }
    let agreed = pairs.iter().filter(|(a, b)| a == b).count() as u128;
    let a_counts = count(pairs.iter().map(|(a, _)| a));
    let b_counts = count(pairs.iter().map(|(_, b)| b));
    // Σ a_c·b_c, which is N²·pₑ.
    let chance: u128 = a_counts
        .iter()
        .map(|(c, &a)| a as u128 * b_counts.get(c).copied().unwrap_or(0) as u128)
        .sum();
    let denominator = n * n - chance;
    if denominator == 0 {
        return None;
    }
    // N·agreed − Σ a_c·b_c may be negative (agreement below chance).
    let numerator = (n * agreed) as f64 - chance as f64;
    Some(numerator / denominator as f64)
}

/// Krippendorff's alpha for nominal values, any number of coders, missing values allowed.
///
/// `units[u][i]` is coder `i`'s value for unit `u`, None when that coder did not code it;
/// units may have different lengths. Units with fewer than two values cannot be paired and
/// are dropped. From the coincidence matrix (each pairable unit `u` with `m_u` values adds,
/// for every ordered pair of its values from different coders, `1 / (m_u − 1)` to cell
/// `(c, k)`):
///
/// ```text
/// α   = 1 − Dₒ / Dₑ
/// Dₒ  = Σ_{c≠k} o_ck / n
/// Dₑ  = Σ_{c≠k} n_c · n_k / (n · (n − 1))
/// ```
///
/// where `n_c` is how many pairable values are `c` and `n = Σ n_c`. For nominal values the
/// off-diagonal coincidences of a unit sum to `(m_u² − Σ_c m_uc²) / (m_u − 1)`, with `m_uc`
/// the unit's values equal to `c`, and `Σ_{c≠k} n_c·n_k = n² − Σ_c n_c²`.
///
/// None when there are no pairable units or `Dₑ = 0` (every pairable value is the same
/// category).
pub fn krippendorff_alpha_nominal<T: Ord>(units: &[Vec<Option<T>>]) -> Option<f64> {
    alpha_from_units(units.iter().map(|unit| unit.iter().flatten().collect()))
}

/// Nominal alpha from units given as the values they have (missing ones already removed).
fn alpha_from_units<'a, T: Ord + 'a>(units: impl Iterator<Item = Vec<&'a T>>) -> Option<f64> {
    let mut totals: BTreeMap<&T, usize> = BTreeMap::new();
    let mut disagreement = 0.0; // Σ_{c≠k} o_ck
    for values in units.filter(|values| values.len() >= 2) {
        let m = values.len();
        let counts = count(values.iter().copied());
        let same: usize = counts.values().map(|&k| k * k).sum();
        disagreement += (m * m - same) as f64 / (m - 1) as f64;
        for (value, k) in counts {
            *totals.entry(value).or_default() += k;
        }
    }
    let n: usize = totals.values().sum();
    let same: usize = totals.values().map(|&k| k * k).sum();
    let expected_pairs = n * n - same; // Σ_{c≠k} n_c·n_k
    if n < 2 || expected_pairs == 0 {
        return None;
    }
    let n = n as f64;
    let observed = disagreement / n;
    let expected = expected_pairs as f64 / (n * (n - 1.0));
    Some(1.0 - observed / expected)
}

/// How many times each value occurs.
fn count<'a, T: Ord + 'a>(values: impl Iterator<Item = &'a T>) -> BTreeMap<&'a T, usize> {
    let mut counts = BTreeMap::new();
    for value in values {
        *counts.entry(value).or_default() += 1;
    }
    counts
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(actual: f64, expected: f64, tolerance: f64) {
        assert!(
            (actual - expected).abs() <= tolerance,
            "{actual} is not within {tolerance} of {expected}"
        );
    }

    /// Pairs from a 2×2 table of counts: (yes, yes), (yes, no), (no, yes), (no, no).
    fn pairs_from_table(
        yy: usize,
        yn: usize,
        ny: usize,
        nn: usize,
    ) -> Vec<(&'static str, &'static str)> {
        let mut pairs = Vec::new();
        pairs.extend(std::iter::repeat_n(("yes", "yes"), yy));
        pairs.extend(std::iter::repeat_n(("yes", "no"), yn));
        pairs.extend(std::iter::repeat_n(("no", "yes"), ny));
        pairs.extend(std::iter::repeat_n(("no", "no"), nn));
        pairs
    }

    // Newcombe, R. G. (1998), "Two-sided confidence intervals for the single proportion:
    // comparison of seven methods", Statistics in Medicine 17, 857-872, Table II, method 3
    // (score interval without continuity correction).
    #[test]
    fn wilson_matches_newcombe_1998() {
        for (s, n, lo, hi) in [
            (81, 263, 0.2553, 0.3662),
            (15, 148, 0.0624, 0.1605),
            (0, 20, 0.0, 0.1611),
            (1, 29, 0.0061, 0.1718),
        ] {
            let (lower, upper) = wilson(s, n).unwrap();
            close(lower, lo, 1e-4);
            close(upper, hi, 1e-4);
        }
    }

    #[test]
    fn wilson_edges() {
        assert_eq!(wilson(0, 0), None);
        assert_eq!(wilson(11, 10), None);
        let (lower, upper) = wilson(0, 10).unwrap();
        assert_eq!(lower, 0.0);
        assert!(upper > 0.0 && upper < 1.0);
        // z²/(n + z²) for 0 of 10.
        close(upper, 0.2775, 1e-4);
        let (lower, upper) = wilson(10, 10).unwrap();
        assert_eq!(upper, 1.0);
        assert!(lower > 0.0 && lower < 1.0);
        close(lower, 1.0 - 0.2775, 1e-4);
        for n in 1..=30 {
            for s in 0..=n {
                let (lower, upper) = wilson(s, n).unwrap();
                let p = s as f64 / n as f64;
                assert!((0.0..=1.0).contains(&lower) && (0.0..=1.0).contains(&upper));
                assert!(lower <= p && p <= upper, "{s}/{n}: {lower}..{upper}");
            }
        }
    }

    #[test]
    fn z_for_known_confidences() {
        close(z_for(0.95).unwrap(), Z95, 1e-6);
        close(z_for(0.90).unwrap(), 1.644854, 1e-6);
        close(z_for(0.99).unwrap(), 2.575829, 1e-6);
        close(z_for(0.80).unwrap(), 1.281552, 1e-6);
        assert_eq!(z_for(0.0), None);
        assert_eq!(z_for(1.0), None);
        assert_eq!(z_for(f64::NAN), None);
        // A wider confidence gives a wider interval.
        let (l90, h90) = wilson_z(5, 20, z_for(0.90).unwrap()).unwrap();
        let (l99, h99) = wilson_z(5, 20, z_for(0.99).unwrap()).unwrap();
        assert!(l99 < l90 && h90 < h99);
        assert_eq!(wilson_z(5, 20, Z95), wilson(5, 20));
    }

    #[test]
    fn more_for_width_reaches_the_width_and_no_sooner() {
        // 0 of 10: width z²/(n+z²) = 0.2775; below 0.2 needs n > z²·4 = 15.37, so 16.
        assert_eq!(more_for_width(0, 10, 0.2, Z95), Some(6));
        // At one half, width z/√(m+z²) < 0.2 needs m > 25z² - z² = 92.2, so 93.
        assert_eq!(more_for_width(0, 0, 0.2, Z95), Some(93));
        assert_eq!(more_for_width(50, 100, 0.2, Z95), Some(0));
        for (s, n, width) in [(3u64, 12u64, 0.15), (7, 9, 0.1), (1, 40, 0.05)] {
            let more = more_for_width(s, n, width, Z95).unwrap();
            let p = s as f64 / n as f64;
            let at = |m: u64| {
                let s = (p * m as f64).round() as u64;
                let (lo, hi) = wilson_z(s, m, Z95).unwrap();
                hi - lo
            };
            // The formula's width, checked against the interval itself (rounding the
            // successes moves it a little).
            assert!(at(n + more) < width + 0.01, "{s}/{n}: {more}");
            assert!(at(n + more - 1) > width - 0.01, "{s}/{n}: {more}");
        }
        assert_eq!(more_for_width(1, 2, 0.0, Z95), None);
        assert_eq!(more_for_width(1, 2, 1e-6, Z95), None);
    }

    // Wikipedia, "Cohen's kappa", worked example: 50 units; both yes 20, A yes B no 5,
    // A no B yes 10, both no 15. pₒ = 0.7, pₑ = 0.5, κ = 0.4.
    #[test]
    fn kappa_wikipedia_example() {
        let pairs = pairs_from_table(20, 5, 10, 15);
        let a = agreement(&pairs);
        assert_eq!((a.units, a.agreed), (50, 35));
        close(a.percent, 70.0, 1e-12);
        close(a.kappa.unwrap(), 0.4, 1e-12);
    }

    // Wikipedia, "Cohen's kappa", "same percentages but different numbers": both tables have
    // pₒ = 0.60 over 100 units. First: pₑ = 0.54, κ = 0.06/0.46 ≈ 0.1304. Second: pₑ = 0.46,
    // κ = 0.14/0.54 ≈ 0.2593 (values also recomputed by hand as shown).
    #[test]
    fn kappa_same_agreement_different_marginals() {
        close(
            cohen_kappa(&pairs_from_table(45, 15, 25, 15)).unwrap(),
            0.1304,
            1e-4,
        );
        close(
            cohen_kappa(&pairs_from_table(25, 35, 5, 35)).unwrap(),
            0.2593,
            1e-4,
        );
    }

    // Krippendorff, K. (2011), "Computing Krippendorff's Alpha-Reliability", section C:
    // 4 observers × 12 units, values 1-5, missing data; nominal α = 0.743. Unit 12 has a
    // single value and is not pairable.
    #[test]
    fn alpha_krippendorff_2011_missing_data() {
        let rows: [[Option<u8>; 12]; 4] = [
            [
                Some(1),
                Some(2),
                Some(3),
                Some(3),
                Some(2),
                Some(1),
                Some(4),
                Some(1),
                Some(2),
                None,
                None,
                None,
            ],
            [
                Some(1),
                Some(2),
                Some(3),
                Some(3),
                Some(2),
                Some(2),
                Some(4),
                Some(1),
                Some(2),
                Some(5),
                None,
                Some(3),
            ],
            [
                None,
                Some(3),
                Some(3),
                Some(3),
                Some(2),
                Some(3),
                Some(4),
                Some(2),
                Some(2),
                Some(5),
                Some(1),
                None,
            ],
            [
                Some(1),
                Some(2),
                Some(3),
                Some(3),
                Some(2),
                Some(4),
                Some(4),
                Some(1),
                Some(2),
                Some(5),
                Some(1),
                None,
            ],
        ];
        let units: Vec<Vec<Option<u8>>> = (0..12)
            .map(|u| rows.iter().map(|row| row[u]).collect())
            .collect();
        close(krippendorff_alpha_nominal(&units).unwrap(), 0.743, 1e-3);
        // Dropping the unpairable unit changes nothing.
        close(
            krippendorff_alpha_nominal(&units[..11]).unwrap(),
            krippendorff_alpha_nominal(&units).unwrap(),
            1e-15,
        );
    }

    // Krippendorff (2011), section A: two observers, binary data, 10 units; α = 0.095.
    // Coincidences: o₀₀ = 10, o₀₁ = o₁₀ = 4, o₁₁ = 2, so α = 1 − 19·4/(14·6) ≈ 0.0952.
    #[test]
    fn alpha_krippendorff_2011_binary() {
        let a = [0, 1, 0, 0, 0, 0, 0, 0, 1, 0];
        let b = [1, 1, 1, 0, 0, 1, 0, 0, 0, 0];
        let pairs: Vec<(u8, u8)> = a.into_iter().zip(b).collect();
        close(agreement(&pairs).alpha.unwrap(), 0.095, 1e-3);
    }

    // Krippendorff (2011), section B: two observers, nominal data, 12 units; α = 0.692. The
    // data are as remembered from the paper; by hand: n = 24, 3 disagreeing units so
    // Dₒ = 6/24, n_a..n_e = 4, 6, 6, 6, 2 so Dₑ = (576 − 128)/(24·23), α = 1 − 0.25/0.8116
    // ≈ 0.692, which agrees with the published value.
    #[test]
    fn alpha_krippendorff_2011_two_observers_nominal() {
        let a = ['a', 'a', 'b', 'b', 'd', 'c', 'c', 'c', 'e', 'd', 'd', 'a'];
        let b = ['b', 'a', 'b', 'b', 'b', 'c', 'c', 'c', 'e', 'd', 'd', 'd'];
        let pairs: Vec<(char, char)> = a.into_iter().zip(b).collect();
        close(agreement(&pairs).alpha.unwrap(), 0.692, 1e-3);
    }

    #[test]
    fn two_coder_alpha_is_the_general_alpha() {
        let pairs = pairs_from_table(20, 5, 10, 15);
        let units: Vec<Vec<Option<&str>>> =
            pairs.iter().map(|&(a, b)| vec![Some(a), Some(b)]).collect();
        let general = krippendorff_alpha_nominal(&units).unwrap();
        close(agreement(&pairs).alpha.unwrap(), general, 1e-15);
        // With two coders and no missing values α = 1 − (n − 1)·(off-diagonal)/(n² − Σ n_c²):
        // n = 100, off-diagonal 30, n_yes = 55, n_no = 45, so α = 1 − 99·30/4950 = 0.4.
        close(general, 0.4, 1e-12);
    }

    #[test]
    fn perfect_agreement() {
        let pairs = [("x", "x"), ("y", "y"), ("z", "z"), ("x", "x")];
        let a = agreement(&pairs);
        assert_eq!((a.units, a.agreed), (4, 4));
        close(a.percent, 100.0, 1e-12);
        close(a.kappa.unwrap(), 1.0, 1e-12);
        close(a.alpha.unwrap(), 1.0, 1e-12);
    }

    #[test]
    fn one_category_for_everything_is_undefined() {
        let pairs = [("x", "x"); 5];
        let a = agreement(&pairs);
        assert_eq!((a.units, a.agreed), (5, 5));
        close(a.percent, 100.0, 1e-12);
        assert_eq!(a.kappa, None);
        assert_eq!(a.alpha, None);
    }

    #[test]
    fn no_units() {
        let a = agreement::<String>(&[]);
        assert_eq!(
            a,
            Agreement {
                units: 0,
                agreed: 0,
                percent: 0.0,
                kappa: None,
                alpha: None
            }
        );
        assert_eq!(krippendorff_alpha_nominal::<u8>(&[]), None);
        // Units with at most one value are not pairable.
        assert_eq!(
            krippendorff_alpha_nominal(&[vec![Some(1), None], vec![None, None], vec![]]),
            None
        );
    }

    #[test]
    fn systematic_disagreement_is_negative() {
        // Coder B always says the opposite: below chance.
        let pairs = pairs_from_table(0, 5, 5, 0);
        let a = agreement(&pairs);
        close(a.kappa.unwrap(), -1.0, 1e-12);
        assert!(a.alpha.unwrap() < 0.0);
    }
}
