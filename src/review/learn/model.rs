//! Logistic regression with an L2 penalty over sparse features, fitted by L-BFGS: the model
//! behind the ranker. Pure arithmetic, no IO; the same examples always give the same weights.
//!
//! The objective is the summed log loss plus `l2 / 2 * |w|^2` (the bias is not penalised),
//! which is convex: L-BFGS with a backtracking line search stops when the largest component
//! of the gradient is below [`TOLERANCE`] times the number of examples (or after the
//! iterations it is given, as when a warm start refits after one more decision).

/// One example: its features (id, value) and whether it was accepted.
#[derive(Debug, Clone, PartialEq)]
pub struct Example {
    /// Sparse features; ids below the model's dimension, each at most once.
    pub x: Vec<(u32, f64)>,
    /// Accepted (true) or rejected.
    pub y: bool,
}

/// A fitted model.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Model {
    /// One weight per feature id.
    pub weights: Vec<f64>,
    /// The intercept.
    pub bias: f64,
}

/// Stop when every component of the gradient is below this, per example.
pub const TOLERANCE: f64 = 1e-6;

/// Past gradients L-BFGS keeps.
const MEMORY: usize = 8;

/// `log(1 + e^z)` without overflow.
fn softplus(z: f64) -> f64 {
    if z > 30.0 {
        z
    } else if z < -30.0 {
        z.exp()
    } else {
        z.exp().ln_1p()
    }
}

/// The logistic function.
pub fn sigmoid(z: f64) -> f64 {
    if z >= 0.0 {
        1.0 / (1.0 + (-z).exp())
    } else {
        let e = z.exp();
        e / (1.0 + e)
    }
}

impl Model {
    /// `w . x + b`.
    pub fn margin(&self, x: &[(u32, f64)]) -> f64 {
        self.bias
            + x.iter()
                .map(|&(i, v)| self.weights.get(i as usize).copied().unwrap_or(0.0) * v)
                .sum::<f64>()
    }

    /// P(accept) for features `x`.
    pub fn probability(&self, x: &[(u32, f64)]) -> f64 {
        sigmoid(self.margin(x))
    }

    /// Fits `examples` over `dim` features with penalty `l2`, starting from `warm` (a model
    /// fitted before, perhaps on fewer features) or from zero, for at most `iterations`.
    pub fn fit(
        examples: &[Example],
        dim: usize,
        l2: f64,
        warm: Option<&Model>,
        iterations: usize,
    ) -> Model {
        Model::fit_to(examples, dim, l2, warm, iterations, TOLERANCE)
    }

    /// [`Model::fit`], stopping once every component of the gradient is below `tolerance`
    /// per example (a refit after one more decision needs less than a first fit).
    pub fn fit_to(
        examples: &[Example],
        dim: usize,
        l2: f64,
        warm: Option<&Model>,
        iterations: usize,
        tolerance: f64,
    ) -> Model {
        // θ = [w_0 .. w_dim-1, b].
        let n = dim + 1;
        let mut theta = vec![0.0; n];
        if let Some(m) = warm {
            for (t, w) in theta.iter_mut().zip(&m.weights) {
                *t = *w;
            }
            theta[dim] = m.bias;
        }
        let tol = tolerance * examples.len().max(1) as f64;
        let mut grad = vec![0.0; n];
        let mut f = objective(examples, dim, l2, &theta, &mut grad);
        let mut s_hist: Vec<Vec<f64>> = Vec::new();
        let mut y_hist: Vec<Vec<f64>> = Vec::new();
        let mut next_grad = vec![0.0; n];
        let mut trial = vec![0.0; n];
        for _ in 0..iterations {
            if max_abs(&grad) < tol {
                break;
            }
            let dir = direction(&grad, &s_hist, &y_hist);
            let slope: f64 = dir.iter().zip(&grad).map(|(d, g)| d * g).sum();
            // A direction that does not go down (numerical trouble): start the memory over
            // along the gradient.
            let (dir, slope) = if slope < 0.0 {
                (dir, slope)
            } else {
                s_hist.clear();
                y_hist.clear();
                let d: Vec<f64> = grad.iter().map(|g| -g).collect();
                let s = -grad.iter().map(|g| g * g).sum::<f64>();
                (d, s)
            };
            // The first step along a bare gradient is scaled to length one.
            let mut step = if s_hist.is_empty() {
                1.0 / max_abs(&dir).max(1.0)
            } else {
                1.0
            };
            let mut accepted = None;
            for _ in 0..40 {
                for ((t, th), d) in trial.iter_mut().zip(&theta).zip(&dir) {
                    *t = th + step * d;
                }
                let ft = objective(examples, dim, l2, &trial, &mut next_grad);
                if ft <= f + 1e-4 * step * slope {
                    accepted = Some(ft);
                    break;
                }
                step *= 0.5;
            }
            let Some(ft) = accepted else {
                break; // no step lowers the loss: as good as it gets in floating point
            };
            let s: Vec<f64> = trial.iter().zip(&theta).map(|(a, b)| a - b).collect();
            let y: Vec<f64> = next_grad.iter().zip(&grad).map(|(a, b)| a - b).collect();
            if s.iter().zip(&y).map(|(a, b)| a * b).sum::<f64>() > 1e-12 {
                if s_hist.len() == MEMORY {
                    s_hist.remove(0);
                    y_hist.remove(0);
                }
                s_hist.push(s);
                y_hist.push(y);
            }
            std::mem::swap(&mut theta, &mut trial);
            std::mem::swap(&mut grad, &mut next_grad);
            f = ft;
        }
        let bias = theta.pop().unwrap_or(0.0);
        Model {
            weights: theta,
            bias,
        }
    }
}

/// The loss at `theta`, writing its gradient into `grad`.
fn objective(examples: &[Example], dim: usize, l2: f64, theta: &[f64], grad: &mut [f64]) -> f64 {
    let mut loss = 0.0;
    for (g, t) in grad.iter_mut().zip(theta).take(dim) {
        *g = l2 * t;
        loss += 0.5 * l2 * t * t;
    }
    grad[dim] = 0.0;
    for e in examples {
        let z = theta[dim] + e.x.iter().map(|&(i, v)| theta[i as usize] * v).sum::<f64>();
        // log loss of y given z, and its derivative in z: p - y.
        let (l, d) = if e.y {
            (softplus(-z), sigmoid(z) - 1.0)
        } else {
            (softplus(z), sigmoid(z))
        };
        loss += l;
        for &(i, v) in &e.x {
            grad[i as usize] += d * v;
        }
        grad[dim] += d;
    }
    loss
}

/// The L-BFGS two-loop recursion: an approximation of `-H^-1 grad`.
fn direction(grad: &[f64], s_hist: &[Vec<f64>], y_hist: &[Vec<f64>]) -> Vec<f64> {
    let dot = |a: &[f64], b: &[f64]| a.iter().zip(b).map(|(x, y)| x * y).sum::<f64>();
    let mut q: Vec<f64> = grad.to_vec();
    let mut alphas = Vec::with_capacity(s_hist.len());
    for (s, y) in s_hist.iter().zip(y_hist).rev() {
        let rho = 1.0 / dot(y, s);
        let a = rho * dot(s, &q);
        for (qi, yi) in q.iter_mut().zip(y) {
            *qi -= a * yi;
        }
        alphas.push((a, rho));
    }
    if let (Some(s), Some(y)) = (s_hist.last(), y_hist.last()) {
        let gamma = dot(s, y) / dot(y, y);
        for qi in &mut q {
            *qi *= gamma;
        }
    }
    for ((s, y), (a, rho)) in s_hist.iter().zip(y_hist).zip(alphas.into_iter().rev()) {
        let b = rho * dot(y, &q);
        for (qi, si) in q.iter_mut().zip(s) {
            *qi += (a - b) * si;
        }
    }
    q.iter().map(|x| -x).collect()
}

fn max_abs(v: &[f64]) -> f64 {
    v.iter().fold(0.0, |m, x| m.max(x.abs()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A small seeded generator for test data.
    fn lcg(state: &mut u64) -> f64 {
        *state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (*state >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Examples from a known model: feature 0 raises acceptance, feature 1 lowers it,
    /// feature 2 is noise; labels drawn from the true probabilities.
    fn data(n: usize) -> Vec<Example> {
        let mut st = 7;
        (0..n)
            .map(|_| {
                let x: Vec<(u32, f64)> = (0..3)
                    .filter(|_| lcg(&mut st) < 0.5)
                    .map(|i| (i as u32, 1.0))
                    .collect();
                let z = -0.2
                    + x.iter()
                        .map(|&(i, _)| [2.0, -2.0, 0.0][i as usize])
                        .sum::<f64>();
                Example {
                    y: lcg(&mut st) < sigmoid(z),
                    x,
                }
            })
            .collect()
    }

    #[test]
    fn the_fit_is_a_minimum() {
        // At the optimum of a convex objective the gradient is zero: checked directly.
        let ex = data(2000);
        let m = Model::fit(&ex, 3, 1.0, None, 200);
        let mut theta = m.weights.clone();
        theta.push(m.bias);
        let mut g = vec![0.0; 4];
        objective(&ex, 3, 1.0, &theta, &mut g);
        assert!(max_abs(&g) < TOLERANCE * 2000.0, "gradient {g:?}");
        // And moving any weight a little makes the loss worse.
        let f0 = objective(&ex, 3, 1.0, &theta, &mut g);
        for i in 0..4 {
            for d in [-1e-3, 1e-3] {
                let mut t = theta.clone();
                t[i] += d;
                assert!(objective(&ex, 3, 1.0, &t, &mut g) > f0);
            }
        }
    }

    #[test]
    fn learns_the_signs_and_sizes_of_a_known_model() {
        let m = Model::fit(&data(20_000), 3, 1.0, None, 200);
        assert!((m.weights[0] - 2.0).abs() < 0.15, "{m:?}");
        assert!((m.weights[1] + 2.0).abs() < 0.15, "{m:?}");
        assert!(m.weights[2].abs() < 0.15, "{m:?}");
        assert!(m.probability(&[(0, 1.0)]) > 0.8);
        assert!(m.probability(&[(1, 1.0)]) < 0.2);
    }

    #[test]
    fn a_stronger_penalty_shrinks_the_weights() {
        let ex = data(500);
        let weak = Model::fit(&ex, 3, 0.1, None, 200);
        let strong = Model::fit(&ex, 3, 100.0, None, 200);
        assert!(strong.weights[0].abs() < weak.weights[0].abs() / 2.0);
    }

    #[test]
    fn a_warm_start_reaches_the_same_fit() {
        let ex = data(1000);
        let cold = Model::fit(&ex, 3, 1.0, None, 200);
        let half = Model::fit(&ex[..500], 3, 1.0, None, 200);
        let warm = Model::fit(&ex, 3, 1.0, Some(&half), 200);
        for (a, b) in cold.weights.iter().zip(&warm.weights) {
            assert!((a - b).abs() < 1e-3, "{cold:?} {warm:?}");
        }
    }

    #[test]
    fn separable_data_stays_finite() {
        // Without the penalty the weights would run off to infinity.
        let ex: Vec<Example> = (0..50)
            .map(|i| Example {
                x: vec![((i % 2) as u32, 1.0)],
                y: i % 2 == 0,
            })
            .collect();
        let m = Model::fit(&ex, 2, 1.0, None, 500);
        assert!(m.weights.iter().all(|w| w.is_finite()));
        assert!(m.probability(&[(0, 1.0)]) > 0.9);
        assert!(m.probability(&[(1, 1.0)]) < 0.1);
        // No examples: the zero model.
        let z = Model::fit(&[], 2, 1.0, None, 10);
        assert_eq!(z.probability(&[(0, 1.0)]), 0.5);
    }
}
